package gates_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestGatesCatch feeds the checks a hand-written template with one mistake
// of each kind, so a gate that silently stops matching (a renamed
// property, a changed rendering) fails here rather than passing everything.
// It needs no synthesis.
func TestGatesCatch(t *testing.T) {
	const tpl = `{"Resources": {
	  "WideDefaultPolicy11111111": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [
	    {"Effect": "Allow", "Action": "s3:*", "Resource": {"Fn::GetAtt": ["Data22222222", "Arn"]}},
	    {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"},
	    {"Effect": "Deny", "Action": "*", "Resource": "*"},
	    {"Effect": "Allow", "Action": "S3:GetObject*", "Resource": "arn:aws:s3:::b/*"}]}}},
	  "InlineRole33333333": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b"}}}]}},
	  "Topic44444444Policy": {"Type": "AWS::SNS::TopicPolicy", "Properties": {"PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"AWS": "*"}, "Resource": "arn:aws:sns:eu-west-1:123456789012:t"}]}}},
	  "LineKey55555555": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": false, "KeyPolicy": {"Statement": [
	    {"Effect": "Allow", "Action": "kms:*", "Principal": {"AWS": "arn:aws:iam::123456789012:user/alice"}, "Resource": "*"}]}},
	    "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
	  "Data22222222": {"Type": "AWS::S3::Bucket", "Properties": {}, "DeletionPolicy": "Delete",
	    "Metadata": {"cdk_nag": {"rules_to_suppress": [{"id": "AwsSolutions-S1", "reason": "not needed"}, {"id": "AwsSolutions-S10", "reason": "TLS is enforced by the bucket policy below."}]}}},
	  "AccessLogs66666666": {"Type": "AWS::S3::Bucket", "Properties": {
	    "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
	    "PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}},
	    "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
	  "AccessLogsPolicy77777777": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "AccessLogs66666666"}, "PolicyDocument": {"Statement": [
	    {"Effect": "Deny", "Action": "s3:*", "Principal": {"AWS": "*"}, "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Resource": "*"}]}}},
	  "Results88888888": {"Type": "AWS::CodeBuild::ReportGroup", "Properties": {"ExportConfig": {"ExportConfigType": "S3", "S3Destination": {"EncryptionDisabled": true}}}, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
	  "Table99999999": {"Type": "AWS::DynamoDB::Table", "Properties": {}, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
	  "Repo0000AAAA": {"Type": "AWS::ECR::Repository", "Properties": {}, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
	}}`
	var template map[string]interface{}
	if err := json.Unmarshal([]byte(tpl), &template); err != nil {
		t.Fatal(err)
	}
	st := &stackTemplate{Example: "selftest", Name: "Broken", Template: template}

	lp := checkLeastPrivilege([]*stackTemplate{st})
	got := strings.Join(lp.Unlisted, "\n")
	for _, want := range []string{
		"wildcard action s3:*: selftest/Broken WideDefaultPolicy11111111",
		`Resource "*" not on the allow-list: selftest/Broken WideDefaultPolicy11111111 (AWS::IAM::Policy PolicyDocument) actions=sqs:SendMessage`,
		"NotAction/NotResource: selftest/Broken InlineRole33333333 (AWS::IAM::Role Policies[0])",
		"wildcard action *: selftest/Broken Topic44444444Policy (AWS::SNS::TopicPolicy PolicyDocument)",
		// kms:* on the key is allowed only for the account root.
		"wildcard action kms:*: selftest/Broken LineKey55555555 (AWS::KMS::Key KeyPolicy)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("least privilege did not report %q; it reported:\n%s", want, got)
		}
	}
	if n := len(lp.Unlisted); n != 5 {
		t.Errorf("least privilege reported %d problems, want 5 (the Deny and the partial wildcard are fine):\n%s", n, got)
	}

	findings, _ := checkDataSafety([]*synthesized{{Name: "selftest", Stacks: []*stackTemplate{st}}})
	problems := map[string]string{}
	for _, f := range findings {
		problems[f.ID] = strings.Join(f.Problems, "; ")
	}
	for id, want := range map[string][]string{
		"Data22222222":    {`DeletionPolicy = "Delete"`, `UpdateReplacePolicy = ""`, `SSEAlgorithm = ""`, "BlockPublicAcls", "without TLS"},
		"LineKey55555555": {"EnableKeyRotation"},
		"Results88888888": {"EncryptionDisabled"},
		"Table99999999":   {"SSEEnabled"},
		"Repo0000AAAA":    {"cannot check its encryption"},
	} {
		for _, w := range want {
			if !strings.Contains(problems[id], w) {
				t.Errorf("data safety: %s: want a problem mentioning %q, got %q", id, w, problems[id])
			}
		}
	}
	if p := problems["AccessLogs66666666"]; p != "" {
		t.Errorf("data safety: the SSE-S3 access log bucket with TLS and public access blocked is fine, got %q", p)
	}

	sups := suppressions([]*stackTemplate{st})
	if len(sups) != 2 || sups[0].Rule != "AwsSolutions-S1" || len(strings.TrimSpace(sups[0].Reason)) >= minReason || len(sups[1].Reason) < minReason {
		t.Errorf("suppressions = %+v, want AwsSolutions-S1 with a reason too short and AwsSolutions-S10 with a long enough one", sups)
	}
}
