package gates_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// What TestDataSafety asserts of the stateful resources of every template
// (pipeline stacks and stage stacks of every example):
//
//   - every one has DeletionPolicy and UpdateReplacePolicy Retain (a
//     database may use Snapshot instead);
//   - S3 buckets: default encryption SSE-KMS, except the buckets in
//     sseS3Buckets, which must use SSE-S3; all four public access blocks on;
//     a bucket policy that denies requests without TLS
//     (aws:SecureTransport false);
//   - KMS keys: yearly rotation on;
//   - log groups: encrypted at rest either way: CloudWatch Logs encrypts
//     every log group with keys it owns, and a KmsKeyId makes it a customer
//     managed key. The test does not require KmsKeyId; it logs which kind
//     each log group uses;
//   - CodeBuild report groups: the raw test results stay in CodeBuild
//     (ExportConfigType NO_EXPORT), or an S3 export with encryption on;
//   - DynamoDB tables: server-side encryption with KMS (SSEEnabled true);
//     point-in-time recovery is logged;
//   - the line's artifact bucket (AssemblyLine.ArtifactBucket) exists and
//     passes the bucket checks.
//
// Other stateful types (otherStateful) must be retained, and fail the test
// until it learns to check their encryption.

// exception is a resource, by logical-id pattern, that a rule treats
// differently, and why.
type exception struct {
	ID     *regexp.Regexp
	Reason string
}

// sseS3Buckets must use SSE-S3 (AES256): the AWS service that writes to
// them supports no other encryption.
var sseS3Buckets = []exception{
	{regexp.MustCompile(`^LineAccessLogs` + hash + `$`),
		"the line's S3 server access log bucket: S3 server access logging delivers only to buckets whose default encryption is SSE-S3 (SSE-KMS is not supported)"},
	{regexp.MustCompile(`^AccessLogs` + hash + `$`),
		"the load balancer's access log bucket (containers, ec2): Elastic Load Balancing delivers access logs only to buckets encrypted with SSE-S3"},
}

// otherStateful are stateful types none of the examples deploys today.
var otherStateful = map[string]bool{
	"AWS::DynamoDB::GlobalTable": true, "AWS::ECR::Repository": true, "AWS::EFS::FileSystem": true,
	"AWS::RDS::DBCluster": true, "AWS::RDS::DBInstance": true, "AWS::Kinesis::Stream": true,
	"AWS::Backup::BackupVault": true, "AWS::OpenSearchService::Domain": true, "AWS::Elasticsearch::Domain": true,
	"AWS::ElastiCache::ReplicationGroup": true, "AWS::Neptune::DBCluster": true, "AWS::DocDB::DBCluster": true,
}

// dataFinding is one stateful resource and what the checks found.
type dataFinding struct {
	Stack    *stackTemplate
	ID, Type string
	Notes    []string // what is in place, for the log
	Problems []string
}

func (f *dataFinding) problem(format string, args ...interface{}) {
	f.Problems = append(f.Problems, fmt.Sprintf(format, args...))
}

func checkDataSafety(examples []*synthesized) (findings []*dataFinding, used map[int]int) {
	used = map[int]int{}
	for _, ex := range examples {
		for si, st := range ex.Stacks {
			res := st.resources()
			tls := tlsEnforced(res)
			for _, id := range sortedIDs(res) {
				r := res[id]
				typ, _ := r["Type"].(string)
				props, _ := r["Properties"].(map[string]interface{})
				f := &dataFinding{Stack: st, ID: id, Type: typ}
				switch typ {
				case "AWS::S3::Bucket":
					checkBucket(f, props, tls[id], used)
				case "AWS::KMS::Key":
					if props["EnableKeyRotation"] != true {
						f.problem("EnableKeyRotation = %v, want true", props["EnableKeyRotation"])
					} else {
						f.Notes = append(f.Notes, "rotation on")
					}
				case "AWS::Logs::LogGroup":
					if _, ok := props["KmsKeyId"]; ok {
						f.Notes = append(f.Notes, "encrypted: customer managed KMS key")
					} else {
						f.Notes = append(f.Notes, "encrypted: CloudWatch Logs default (service-owned keys)")
					}
					if days, ok := props["RetentionInDays"]; ok {
						f.Notes = append(f.Notes, fmt.Sprintf("retention %v days", days))
					} else {
						f.Notes = append(f.Notes, "retention: never expires")
					}
				case "AWS::CodeBuild::ReportGroup":
					cfg, _ := props["ExportConfig"].(map[string]interface{})
					switch cfg["ExportConfigType"] {
					case "NO_EXPORT":
						f.Notes = append(f.Notes, "raw results stay in CodeBuild (NO_EXPORT)")
					case "S3":
						s3, _ := cfg["S3Destination"].(map[string]interface{})
						if s3["EncryptionDisabled"] == true {
							f.problem("exports raw results to S3 with EncryptionDisabled")
						} else {
							f.Notes = append(f.Notes, "exports to S3, encrypted")
						}
					default:
						f.problem("ExportConfig = %s, want NO_EXPORT or an encrypted S3 export", compact(cfg))
					}
				case "AWS::DynamoDB::Table":
					sse, _ := props["SSESpecification"].(map[string]interface{})
					if sse["SSEEnabled"] != true {
						f.problem("SSESpecification = %s, want SSEEnabled true", compact(sse))
					} else {
						f.Notes = append(f.Notes, "SSE (KMS)")
					}
					pitr, _ := props["PointInTimeRecoverySpecification"].(map[string]interface{})
					f.Notes = append(f.Notes, fmt.Sprintf("point-in-time recovery %v", pitr["PointInTimeRecoveryEnabled"] == true))
				default:
					if !otherStateful[typ] {
						continue
					}
					f.problem("%s is stateful and internal/gates cannot check its encryption yet: add the check to data_test.go", typ)
				}
				retained(f, r)
				if si == 0 && id == ex.ArtifactBucket {
					f.Notes = append(f.Notes, "the line's artifact bucket")
				}
				findings = append(findings, f)
			}
		}
	}
	return findings, used
}

// retained checks the deletion and replacement policies.
func retained(f *dataFinding, r map[string]interface{}) {
	want := map[string]bool{"Retain": true}
	if strings.HasPrefix(f.Type, "AWS::RDS::") || strings.HasPrefix(f.Type, "AWS::Neptune::") || strings.HasPrefix(f.Type, "AWS::DocDB::") {
		want["Snapshot"] = true
	}
	for _, k := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
		v, _ := r[k].(string)
		if !want[v] {
			f.problem("%s = %q, want Retain", k, v)
		}
	}
	if len(f.Problems) == 0 {
		f.Notes = append([]string{"retained"}, f.Notes...)
	}
}

func checkBucket(f *dataFinding, props map[string]interface{}, tls bool, used map[int]int) {
	algo := ""
	if enc, ok := props["BucketEncryption"].(map[string]interface{}); ok {
		if rules, ok := enc["ServerSideEncryptionConfiguration"].([]interface{}); ok && len(rules) > 0 {
			rule, _ := rules[0].(map[string]interface{})
			def, _ := rule["ServerSideEncryptionByDefault"].(map[string]interface{})
			algo, _ = def["SSEAlgorithm"].(string)
		}
	}
	ex := -1
	for i, e := range sseS3Buckets {
		if e.ID.MatchString(f.ID) {
			ex = i
		}
	}
	switch {
	case ex >= 0 && algo == "AES256":
		used[ex]++
		f.Notes = append(f.Notes, "SSE-S3 (exception: "+sseS3Buckets[ex].Reason+")")
	case ex >= 0:
		f.problem("SSEAlgorithm = %q, want AES256 (%s)", algo, sseS3Buckets[ex].Reason)
	case algo == "aws:kms" || algo == "aws:kms:dsse":
		f.Notes = append(f.Notes, "SSE-KMS")
	default:
		f.problem("SSEAlgorithm = %q, want aws:kms (or list the bucket in sseS3Buckets with the reason)", algo)
	}
	pab, _ := props["PublicAccessBlockConfiguration"].(map[string]interface{})
	for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
		if pab[k] != true {
			f.problem("PublicAccessBlockConfiguration.%s = %v, want true", k, pab[k])
		}
	}
	if !tls {
		f.problem("no bucket policy denies requests without TLS (aws:SecureTransport false)")
	}
	if len(f.Problems) == 0 {
		f.Notes = append(f.Notes, "public access blocked", "TLS only")
	}
}

// tlsEnforced returns the logical ids of the buckets whose bucket policy
// denies every request made without TLS.
func tlsEnforced(res map[string]map[string]interface{}) map[string]bool {
	out := map[string]bool{}
	for _, r := range res {
		if r["Type"] != "AWS::S3::BucketPolicy" {
			continue
		}
		props, _ := r["Properties"].(map[string]interface{})
		ref, _ := props["Bucket"].(map[string]interface{})
		bucket, _ := ref["Ref"].(string)
		doc, _ := props["PolicyDocument"].(map[string]interface{})
		list, _ := doc["Statement"].([]interface{})
		for _, raw := range list {
			s, _ := raw.(map[string]interface{})
			if s["Effect"] != "Deny" || !contains(strs(s["Action"]), "s3:*") {
				continue
			}
			if p := compact(s["Principal"]); p != `{"AWS":"*"}` && p != `"*"` {
				continue
			}
			if compact(s["Condition"]) == `{"Bool":{"aws:SecureTransport":"false"}}` {
				out[bucket] = true
			}
		}
	}
	return out
}

// TestDataSafety checks that what the examples store is retained and
// encrypted, and that the line's artifact bucket blocks public access and
// enforces TLS; see the comment at the top of this file for each check.
func TestDataSafety(t *testing.T) {
	exs := allExamples(t)
	findings, used := checkDataSafety(exs)
	for _, ex := range exs {
		found := false
		for _, f := range findings {
			if f.Stack == ex.Stacks[0] && f.ID == ex.ArtifactBucket {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: the line's artifact bucket %q is not in the pipeline stack's template", ex.Name, ex.ArtifactBucket)
		}
	}
	n := 0
	for _, f := range findings {
		if len(f.Problems) > 0 {
			n++
			t.Errorf("%s %s (%s):\n    %s", f.Stack.where(), f.ID, f.Type, strings.Join(f.Problems, "\n    "))
			continue
		}
		t.Logf("%s %s (%s): %s", f.Stack.where(), f.ID, f.Type, strings.Join(f.Notes, "; "))
	}
	for i, e := range sseS3Buckets {
		t.Logf("exception (SSE-S3): %s: %s; %d bucket(s)", e.ID, e.Reason, used[i])
		if used[i] == 0 {
			t.Errorf("exception %s covers no bucket any more: remove it", e.ID)
		}
	}
	t.Logf("%d stateful resources checked, %d with problems", len(findings), n)
}
