package gates_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// statement is one statement of an IAM policy document found in a template.
type statement struct {
	Stack *stackTemplate
	// ID and Type are the logical id and CloudFormation type of the
	// resource that holds the document.
	ID, Type string
	// Doc says where the document is in the resource, e.g. "KeyPolicy".
	Doc         string
	Effect      string
	Actions     []string
	Resources   []string
	Principal   string // compact JSON, "" when none
	Condition   string // compact JSON, "" when none
	NotAction   bool
	NotResource bool
}

func (s statement) String() string {
	out := fmt.Sprintf("%s %s (%s %s) actions=%s", s.Stack.where(), s.ID, s.Type, s.Doc, strings.Join(s.Actions, ","))
	if s.Principal != "" {
		out += " principal=" + oneLine(s.Principal, 160)
	}
	if s.Condition != "" {
		out += " condition=" + oneLine(s.Condition, 160)
	}
	return out
}

// policyProps are the properties that hold a policy document, whatever the
// resource type: AWS::IAM::Policy, ManagedPolicy, RolePolicy (PolicyDocument),
// AWS::S3::BucketPolicy, AWS::SNS::TopicPolicy, AWS::SQS::QueuePolicy
// (PolicyDocument), AWS::KMS::Key (KeyPolicy),
// AWS::SecretsManager::ResourcePolicy (ResourcePolicy), AWS::ECR::Repository
// (RepositoryPolicyText), AWS::Logs::ResourcePolicy (PolicyDocument, a JSON
// string). Inline policies of roles, users and groups are in Policies.
var policyProps = []string{"PolicyDocument", "KeyPolicy", "ResourcePolicy", "RepositoryPolicyText"}

// policyStatements returns every statement of every policy document in the
// stacks.
func policyStatements(stacks []*stackTemplate) []statement {
	var out []statement
	for _, st := range stacks {
		res := st.resources()
		for _, id := range sortedIDs(res) {
			r := res[id]
			typ, _ := r["Type"].(string)
			props, _ := r["Properties"].(map[string]interface{})
			for _, p := range policyProps {
				if doc, ok := props[p]; ok {
					out = append(out, statementsOf(st, id, typ, p, doc)...)
				}
			}
			if pols, ok := props["Policies"].([]interface{}); ok {
				for i, pol := range pols {
					pm, _ := pol.(map[string]interface{})
					out = append(out, statementsOf(st, id, typ, fmt.Sprintf("Policies[%d]", i), pm["PolicyDocument"])...)
				}
			}
		}
	}
	return out
}

func statementsOf(st *stackTemplate, id, typ, where string, doc interface{}) []statement {
	if s, ok := doc.(string); ok { // AWS::Logs::ResourcePolicy: a JSON string
		var parsed interface{}
		if json.Unmarshal([]byte(s), &parsed) != nil {
			return nil
		}
		doc = parsed
	}
	dm, _ := doc.(map[string]interface{})
	var list []interface{}
	switch s := dm["Statement"].(type) {
	case []interface{}:
		list = s
	case map[string]interface{}:
		list = []interface{}{s}
	}
	var out []statement
	for _, raw := range list {
		sm, _ := raw.(map[string]interface{})
		s := statement{Stack: st, ID: id, Type: typ, Doc: where}
		s.Effect, _ = sm["Effect"].(string)
		s.Actions = strs(sm["Action"])
		s.Resources = strs(sm["Resource"])
		_, s.NotAction = sm["NotAction"]
		_, s.NotResource = sm["NotResource"]
		if p, ok := sm["Principal"]; ok {
			s.Principal = compact(p)
		}
		if c, ok := sm["Condition"]; ok {
			s.Condition = compact(c)
		}
		if s.NotAction {
			s.Actions = append(s.Actions, strs(sm["NotAction"])...)
		}
		out = append(out, s)
	}
	return out
}

func sortedIDs(m map[string]map[string]interface{}) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// wildcardAction matches "*" and "service:*" (IAM action names are case
// insensitive). Partial wildcards such as "s3:GetObject*" are fine.
var wildcardAction = regexp.MustCompile(`(?i)^(\*|[a-z0-9-]+:\*|\*:\*)$`)

func (s statement) wildcardActions() []string {
	var out []string
	for _, a := range s.Actions {
		if wildcardAction.MatchString(a) {
			out = append(out, a)
		}
	}
	return out
}

func (s statement) starResource() bool {
	for _, r := range s.Resources {
		if r == "*" {
			return true
		}
	}
	return false
}

// allowance is one entry of the least-privilege allow-list: the Allow
// statements it covers may use Resource "*" (and, with WildcardAction, an
// action "service:*").
type allowance struct {
	// Type and ID are the CloudFormation type and a pattern of the logical
	// id of the resource that holds the statement.
	Type string
	ID   *regexp.Regexp
	// Actions: every action of the statement must be one of these.
	Actions []string
	// Principal and Condition, when set, must match the statement's
	// principal and condition (compact JSON).
	Principal, Condition *regexp.Regexp
	// WildcardAction lets the statement use an action "*" or "service:*"
	// of Actions.
	WildcardAction bool
	// Reason says why the statement cannot be narrower.
	Reason string
}

func (a allowance) covers(s statement) bool {
	if s.Type != a.Type || !a.ID.MatchString(s.ID) || len(s.Actions) == 0 || s.NotAction || s.NotResource {
		return false
	}
	for _, act := range s.Actions {
		if !contains(a.Actions, act) {
			return false
		}
	}
	if a.Principal != nil && !a.Principal.MatchString(s.Principal) {
		return false
	}
	if a.Condition != nil && !a.Condition.MatchString(s.Condition) {
		return false
	}
	return true
}

func (a allowance) String() string {
	out := fmt.Sprintf("%s %s actions=%s", a.Type, a.ID, strings.Join(a.Actions, ","))
	if a.Principal != nil {
		out += " principal~" + a.Principal.String()
	}
	if a.Condition != nil {
		out += " condition~" + a.Condition.String()
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// hash is the suffix aws-cdk-lib appends to logical ids.
const hash = `[0-9A-F]{8}`

// allowList is every Allow statement with Resource "*" (or a wildcard
// action) that the examples deploy, and why. Growth is a review decision:
// add an entry only with a reason a reviewer can check.
var allowList = []allowance{
	// The customer managed keys: the line's (pipeline stack) and the one
	// monitoring.Alerts creates for a service's alerts (stage stacks).
	{
		Type: "AWS::KMS::Key", ID: regexp.MustCompile(`^(Line|Alerts)Key` + hash + `$`),
		Actions: []string{"kms:*"}, WildcardAction: true,
		Principal: regexp.MustCompile(`^\{"AWS":\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":iam::",\{"Ref":"AWS::AccountId"\},":root"\]\]\}\}$`),
		Reason:    `AWS's default key policy statement (aws-cdk-lib renders it for every Key): the key's own account root, so that IAM policies of that account can grant use of the key; without it the key can become unmanageable. It grants nothing to any role by itself. A key policy's Resource is always "*": the key itself`,
	},
	{
		Type: "AWS::KMS::Key", ID: regexp.MustCompile(`^(Line|Alerts)Key` + hash + `$`),
		Actions:   []string{"kms:Decrypt", "kms:GenerateDataKey*"},
		Principal: regexp.MustCompile(`^\{"Service":\["cloudwatch\.amazonaws\.com","events\.amazonaws\.com"\]\}$`),
		Condition: regexp.MustCompile(`^\{"ArnLike":\{"kms:EncryptionContext:aws:sns:topicArn":`),
		Reason:    `CloudWatch alarms and EventBridge rules publish to the KMS-encrypted SNS topics of monitoring.Alerts (the line's, and each service's), only to SNS topics of the account and region (the encryption context SNS passes); a key policy's Resource is always "*": the key itself`,
	},
	{
		Type: "AWS::KMS::Key", ID: regexp.MustCompile(`^LineKey` + hash + `$`),
		Actions:   []string{"kms:Decrypt", "kms:DescribeKey"},
		Principal: regexp.MustCompile(`:role/cdk-hnb659fds-deploy-role-`),
		Reason:    `the CDK bootstrap deploy role reads the encrypted artifacts when CloudFormation deploys a stage (CDK Pipelines); a key policy's Resource is always "*": the key itself`,
	},
	// CDK Pipelines (aws-cdk-lib/pipelines) in the pipeline stack.
	{
		Type: "AWS::IAM::Policy", ID: regexp.MustCompile(`^LineUpdatePipelineSelfMutationRoleDefaultPolicy` + hash + `$`),
		Actions: []string{"cloudformation:DescribeStacks", "s3:ListBucket"},
		Reason:  "CDK Pipelines' self-mutation runs `cdk deploy`, which reads the bootstrap stack of the environment (cloudformation:DescribeStacks) and checks the asset buckets (s3:ListBucket) before it assumes the bootstrap roles; aws-cdk-lib grants both on *",
	},
	{
		Type: "AWS::IAM::Policy", ID: regexp.MustCompile(`^LineAssets(File|Docker)RoleDefaultPolicy` + hash + `$`),
		Actions: []string{"codebuild:BatchGetBuilds", "codebuild:StartBuild", "codebuild:StopBuild"},
		Reason:  "CDK Pipelines' asset publishing role (one for files, one for images) is also the pipeline action role of every asset project; aws-cdk-lib (AssetSingletonRole) replaces the per-project ARNs with * so the policy does not outgrow IAM's size limit as assets are added",
	},
	{
		Type: "AWS::IAM::Policy", ID: regexp.MustCompile(`^LinePipelinesSecurityCheckCDKPipelinesAutoApproveServiceRoleDefaultPolicy` + hash + `$`),
		Actions: []string{"codepipeline:GetPipelineState", "codepipeline:PutApprovalResult"},
		Reason:  "the permissions-broadening check's auto-approve function (aws-cdk-lib ApplicationSecurityCheck, one per stack) approves the check's manual approval when a change broadens nothing; aws-cdk-lib grants it on * because the pipeline's ARN would be a dependency cycle",
	},
	{
		Type: "AWS::IAM::Policy", ID: regexp.MustCompile(`^LinePipelinesSecurityCheckCDKSecurityCheckRoleDefaultPolicy` + hash + `$`),
		Actions:   []string{"sts:AssumeRole"},
		Condition: regexp.MustCompile(`^\{"ForAnyValue:StringEquals":\{"iam:ResourceTag/aws-cdk:bootstrap-role":\["deploy"\]\}\}$`),
		Reason:    "the permissions-broadening check runs `cdk diff --security-only` in each target environment; it may assume only roles tagged aws-cdk:bootstrap-role=deploy (the condition), in whichever account the stage deploys to",
	},
	// The examples' services (stage stacks).
	{
		Type: "AWS::IAM::Policy", ID: regexp.MustCompile(`^HandlerServiceRoleDefaultPolicy` + hash + `$`),
		Actions: []string{"xray:PutTelemetryRecords", "xray:PutTraceSegments"},
		Reason:  "serverless: active X-Ray tracing of the function; X-Ray's write actions support no resource-level permissions",
	},
	{
		Type: "AWS::IAM::Policy", ID: regexp.MustCompile(`^TaskExecutionRoleDefaultPolicy` + hash + `$`),
		Actions: []string{"ecr:GetAuthorizationToken"},
		Reason:  "containers: ECS pulls the image from ECR; ecr:GetAuthorizationToken supports no resource-level permissions (the pull itself is granted on the repository)",
	},
	{
		Type: "AWS::IAM::Policy", ID: regexp.MustCompile(`^LinePipelineStagingImageScanRoleDefaultPolicy` + hash + `$`),
		Actions: []string{"inspector2:ListFindings", "inspector2:ListCoverage"},
		Reason:  "the image scan before staging reads an image's Amazon Inspector findings, which ECR returns for enhanced scans; inspector2:ListFindings and ListCoverage support no resource-level permissions, and only read",
	},
	{
		Type: "AWS::IAM::Policy", ID: regexp.MustCompile(`^InstanceRoleDefaultPolicy` + hash + `$`),
		Actions: []string{"ecs:DiscoverPollEndpoint", "ecr:GetAuthorizationToken", "logs:CreateLogStream", "logs:PutLogEvents",
			"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"},
		Reason: "containers on EC2 capacity: aws-cdk-lib's grants for the ECS agent on a container instance (finding its endpoint, pulling from ECR, the agent's logs), which support no resource-level permissions, and Session Manager's channels (instead of SSH)",
	}, {
		Type: "AWS::IAM::Policy", ID: regexp.MustCompile(`^InstanceRoleDefaultPolicy` + hash + `$`),
		Actions:   []string{"ecs:Poll", "ecs:StartTelemetrySession"},
		Condition: regexp.MustCompile(`^\{"ArnEquals":\{"ecs:cluster":\{"Fn::GetAtt":\["Cluster` + hash + `","Arn"\]\}\}\}$`),
		Reason:    "containers on EC2 capacity: the ECS agent's polling and telemetry, limited by condition to the example's own cluster (aws-cdk-lib's grant)",
	}, {
		Type: "AWS::IAM::Policy", ID: regexp.MustCompile(`^InstanceRoleDefaultPolicy` + hash + `$`),
		Actions: []string{"elasticloadbalancing:DescribeTargetHealth", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"},
		Reason:  "ec2: the boot script signals CloudFormation only once the instance is healthy in its target group, and Session Manager (instead of SSH) opens its channels; Elastic Load Balancing's Describe* actions and Session Manager's ssmmessages actions support no resource-level permissions",
	}, {
		Type: "AWS::IAM::Role", ID: regexp.MustCompile(`^VelocitySyntheticTrafficServiceRole` + hash + `$`),
		Actions:   []string{"cloudwatch:PutMetricData"},
		Condition: regexp.MustCompile(`^\{"StringEquals":\{"cloudwatch:namespace":"CloudWatchSynthetics"\}\}$`),
		Reason:    "aws-cdk-lib's role for the line's synthetic traffic canary publishes its run metrics, in the CloudWatchSynthetics namespace only (the condition); cloudwatch:PutMetricData supports no resource-level permissions",
	},
	{
		Type: "AWS::IAM::Role", ID: regexp.MustCompile(`^VelocitySyntheticTrafficServiceRole` + hash + `$`),
		Actions: []string{"s3:ListAllMyBuckets"},
		Reason:  "aws-cdk-lib's role for the line's synthetic traffic canary: the Synthetics runtime lists the account's buckets (names only) before it writes its artifacts; s3:ListAllMyBuckets supports no resource-level permissions",
	},
	{
		Type: "AWS::IAM::Policy", ID: regexp.MustCompile(`^LineCanaryAnalysisRoleDefaultPolicy` + hash + `$`),
		Actions: []string{"codepipeline:PutJobSuccessResult", "codepipeline:PutJobFailureResult", "cloudwatch:GetMetricData"},
		Reason:  "the line's canary analysis function reports its verdict on a CodePipeline job (aws-cdk-lib grants it for a Lambda invoke action) and reads the metrics it compares; neither CodePipeline's job results nor cloudwatch:GetMetricData support resource-level permissions",
	},
	{
		Type: "AWS::IAM::Policy", ID: regexp.MustCompile(`^LinePipeline[A-Za-z0-9]*CanaryAnalysis[A-Za-z0-9]*CodePipelineActionRoleDefaultPolicy` + hash + `$`),
		Actions: []string{"lambda:ListFunctions"},
		Reason:  "aws-cdk-lib's role for the canary analysis action, a Lambda invoke action; lambda:ListFunctions supports no resource-level permissions (the invoke itself is granted on the function)",
	},
}

// managedPolicy is an AWS managed policy the examples attach, where, and
// why: AWS managed policies are statements too, only not in the template,
// so each attachment is reviewed like a Resource "*" statement.
type managedPolicy struct {
	// Name is the policy's name after arn:<partition>:iam::aws:policy/.
	Name string
	// Role is a pattern of the logical ids of the roles it may be attached to.
	Role *regexp.Regexp
	// Reason says what it grants and why nothing narrower will do.
	Reason string
}

var managedPolicies = []managedPolicy{
	{"service-role/AWSLambdaBasicExecutionRole", regexp.MustCompile(`.`),
		"logs:CreateLogGroup, CreateLogStream and PutLogEvents on *: every Lambda function's own logs (aws-cdk-lib's default for functions and its handlers)"},
	{"CloudWatchAgentServerPolicy", regexp.MustCompile(`^(InstanceRole|ServiceImageBuildInstanceRole)` + hash + `$`),
		"ec2: the CloudWatch agent's metrics and logs; its ssm:GetParameter is limited to AmazonCloudWatch-* parameters"},
	{"AmazonSSMManagedInstanceCore", regexp.MustCompile(`^(ServiceImage|ClusterImage)BuildInstanceRole` + hash + `$`),
		"ec2, and containers on EC2 capacity: EC2 Image Builder runs its build and test components through Systems Manager on the build instance, which exists only while an image is built; AWS documents this policy as required for it. It includes ssm:GetParameter(s) on *, which is why the service's own instances do not get it"},
	{"EC2InstanceProfileForImageBuilder", regexp.MustCompile(`^(ServiceImage|ClusterImage)BuildInstanceRole` + hash + `$`),
		"ec2, and containers on EC2 capacity: the Image Builder build instance reports and fetches its components (AWS's policy for it)"},
	{"service-role/EC2ImageBuilderLifecycleExecutionPolicy", regexp.MustCompile(`^(ServiceImage|ClusterImage)CleanupRole` + hash + `$`),
		"ec2, and containers on EC2 capacity: the image lifecycle policy deprecates and deletes old images (AWS's policy for it)"},
	{"AmazonECSInfrastructureRolePolicyForLoadBalancers", regexp.MustCompile(`^ServiceGreenRole` + hash + `$`),
		"containers: ECS shifts the traffic of a canary deploy between the service's two target groups by changing the weights of its listener rule (elasticloadbalancing Describe* and ModifyListener/ModifyRule); AWS's policy for the role ECS assumes for it, aws-cdk-lib's default for an AlternateTarget"},
	{"service-role/AWSCodeDeployRoleForLambdaLimited", regexp.MustCompile(`^DeploymentServiceRole` + hash + `$`),
		"serverless: CodeDeploy shifts the alias's traffic (lambda:UpdateAlias and GetAlias, the CodeDeployHook_* functions, the alarms); aws-cdk-lib's default role for a Lambda deployment group"},
	{"service-role/AmazonAPIGatewayPushToCloudWatchLogs", regexp.MustCompile(`^ApiCloudWatchRole` + hash + `$`),
		"serverless: API Gateway writes the stage's access logs through the account's CloudWatch role (an account-wide setting, so its Resource is *)"},
}

// TestManagedPolicies checks every AWS managed policy attached to a role
// of every example against managedPolicies.
func TestManagedPolicies(t *testing.T) {
	used := map[int]int{}
	for _, st := range allStacks(t) {
		for id, r := range st.resources() {
			if r["Type"] != "AWS::IAM::Role" {
				continue
			}
			props, _ := r["Properties"].(map[string]interface{})
			arns, _ := props["ManagedPolicyArns"].([]interface{})
			for _, arn := range arns {
				name := managedPolicyName(compact(arn))
				entry := -1
				for i, m := range managedPolicies {
					if m.Name == name && m.Role.MatchString(id) {
						entry = i
					}
				}
				if entry < 0 {
					t.Errorf("%s role %s has the AWS managed policy %s, which managedPolicies does not list for it: attach least-privilege statements instead, or add it with the reason", st.where(), id, name)
					continue
				}
				used[entry]++
			}
		}
	}
	for i, m := range managedPolicies {
		t.Logf("managed policy %s: %d attachment(s): %s", m.Name, used[i], m.Reason)
		if used[i] == 0 {
			t.Errorf("managedPolicies entry %s is attached nowhere: remove it", m.Name)
		}
	}
}

// managedPolicyName reads the name out of a managed policy ARN as the
// template has it (a Fn::Join with the partition).
func managedPolicyName(arn string) string {
	i := strings.Index(arn, ":iam::aws:policy/")
	if i < 0 {
		return arn
	}
	name := arn[i+len(":iam::aws:policy/"):]
	return strings.TrimRight(name, `"]}`)
}

// leastPrivilege sorts the Allow statements of the stacks: those with a
// wildcard action or Resource "*" that the allow-list covers (by entry),
// and those it does not.
type leastPrivilege struct {
	Allow        []statement // every Allow statement
	Wildcard     []statement // Allow statements with an action "*" or "service:*"
	StarResource []statement // Allow statements with Resource "*"
	Broad        []statement // Allow statements with NotAction or NotResource
	Covered      map[int][]statement
	Unlisted     []string // problems, one per statement
}

func checkLeastPrivilege(stacks []*stackTemplate) leastPrivilege {
	lp := leastPrivilege{Covered: map[int][]statement{}}
	for _, s := range policyStatements(stacks) {
		if s.Effect != "Allow" {
			continue
		}
		lp.Allow = append(lp.Allow, s)
		wild := s.wildcardActions()
		star := s.starResource()
		if len(wild) > 0 {
			lp.Wildcard = append(lp.Wildcard, s)
		}
		if star {
			lp.StarResource = append(lp.StarResource, s)
		}
		if s.NotAction || s.NotResource {
			lp.Broad = append(lp.Broad, s)
			lp.Unlisted = append(lp.Unlisted, "Allow with NotAction/NotResource: "+s.String())
			continue
		}
		if len(wild) == 0 && !star {
			continue
		}
		entry := -1
		for i, a := range allowList {
			if a.covers(s) && (len(wild) == 0 || a.WildcardAction) {
				entry = i
				break
			}
		}
		switch {
		case entry >= 0:
			lp.Covered[entry] = append(lp.Covered[entry], s)
		case len(wild) > 0:
			lp.Unlisted = append(lp.Unlisted, fmt.Sprintf("wildcard action %s: %s resources=%s", strings.Join(wild, ","), s, strings.Join(s.Resources, ",")))
		default:
			lp.Unlisted = append(lp.Unlisted, `Resource "*" not on the allow-list: `+s.String())
		}
	}
	return lp
}

// TestLeastPrivilege checks every IAM Allow statement of every template of
// every example (identity policies, inline role policies, managed
// policies, bucket, topic and queue policies, key policies): no action "*"
// or "service:*" and Resource "*" only where allowList says why. It logs
// the allow-list with what each entry covers, so growth shows in the log.
func TestLeastPrivilege(t *testing.T) {
	lp := checkLeastPrivilege(allStacks(t))
	t.Logf("%d Allow statements checked; %d with Resource \"*\", %d with a wildcard action", len(lp.Allow), len(lp.StarResource), len(lp.Wildcard))
	for i, a := range allowList {
		covered := lp.Covered[i]
		where := map[string]bool{}
		for _, s := range covered {
			where[s.Stack.where()] = true
		}
		t.Logf("allow-list %d: %s\n    reason: %s\n    covers %d statement(s) in %s", i+1, a, a.Reason, len(covered), strings.Join(sortedKeys(where), ", "))
		if len(covered) == 0 {
			t.Errorf("allow-list entry %d (%s) covers no statement any more: remove it", i+1, a)
		}
	}
	for _, p := range lp.Unlisted {
		t.Errorf("%s\n    narrow the statement, or add an allow-list entry with the reason it cannot be narrower", p)
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestServiceGrantsAreConditioned checks that every statement letting an
// AWS service publish to a topic or use a key carries a condition: one
// unconditioned grant next to a conditioned one makes the condition moot.
func TestServiceGrantsAreConditioned(t *testing.T) {
	checked := 0
	for _, s := range policyStatements(allStacks(t)) {
		if s.Effect != "Allow" || !strings.Contains(s.Principal, `"Service"`) {
			continue
		}
		if s.Type != "AWS::KMS::Key" && s.Type != "AWS::SNS::TopicPolicy" {
			continue
		}
		checked++
		if s.Condition == "" {
			t.Errorf("a service may use a key or publish to a topic without a condition: %s", s)
		}
	}
	t.Logf("%d service grants on keys and topics checked", checked)
	if checked == 0 {
		t.Fatal("no service grant on a key or a topic found: the gate would pass on anything")
	}
}
