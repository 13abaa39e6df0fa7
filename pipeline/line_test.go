package pipeline_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodecommit"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3notifications"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

// bucketApp is a tiny team app: one stack with a bucket and an Endpoint
// output.
func bucketApp(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
	stage := awscdk.NewStage(scope, jsii.String(id), &awscdk.StageProps{Env: env.Env()})
	stack := awscdk.NewStack(stage, jsii.String("Service"), nil)
	awss3.NewBucket(stack, jsii.String("Data"), nil)
	awscdk.NewCfnOutput(stack, jsii.String("Endpoint"), &awscdk.CfnOutputProps{Value: jsii.String("https://example.com/")})
	awscdk.NewCfnOutput(stack, jsii.String("ApiKeyName"), &awscdk.CfnOutputProps{Value: jsii.String("key")})
	return stage
}

// synth builds a line with props (App defaults to bucketApp) and returns
// the pipeline stack's template and the line.
func synth(t *testing.T, props pipeline.Props) (assertions.Template, *pipeline.AssemblyLine, awscdk.Stack) {
	t.Helper()
	if props.App == nil {
		props.App = bucketApp
	}
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
	var line *pipeline.AssemblyLine
	cdktest.Check(t, func() { line = pipeline.New(stack, "Line", &props) })
	if errs := cdktest.Errors(t, stack); len(errs) > 0 {
		t.Fatalf("synth errors: %v", errs)
	}
	return cdktest.Template(t, stack), line, stack
}

type action struct {
	Name, Provider string
	RunOrder       int
	Configuration  map[string]interface{}
}

type stage struct {
	Name    string
	Actions []action
}

// pipelineOf returns the properties of the one CodePipeline in tpl.
func pipelineOf(t *testing.T, tpl assertions.Template) (map[string]interface{}, []stage) {
	t.Helper()
	pipes := cdktest.Resources(t, tpl, "AWS::CodePipeline::Pipeline")
	if len(pipes) != 1 {
		t.Fatalf("%d pipelines, want 1", len(pipes))
	}
	for _, p := range pipes {
		props := p["Properties"].(map[string]interface{})
		var stages []stage
		for _, s := range props["Stages"].([]interface{}) {
			sm := s.(map[string]interface{})
			st := stage{Name: sm["Name"].(string)}
			for _, a := range sm["Actions"].([]interface{}) {
				am := a.(map[string]interface{})
				cfg, _ := am["Configuration"].(map[string]interface{})
				st.Actions = append(st.Actions, action{
					Name:          am["Name"].(string),
					Provider:      am["ActionTypeId"].(map[string]interface{})["Provider"].(string),
					RunOrder:      int(am["RunOrder"].(float64)),
					Configuration: cfg,
				})
			}
			stages = append(stages, st)
		}
		return props, stages
	}
	return nil, nil
}

func stageNames(stages []stage) string {
	var names []string
	for _, s := range stages {
		names = append(names, s.Name)
	}
	return strings.Join(names, ",")
}

func findStage(t *testing.T, stages []stage, name string) stage {
	t.Helper()
	for _, s := range stages {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no stage %s in %s", name, stageNames(stages))
	return stage{}
}

func findAction(t *testing.T, s stage, name string) action {
	t.Helper()
	for _, a := range s.Actions {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("no action %s in stage %s", name, s.Name)
	return action{}
}

func has(t *testing.T, tpl assertions.Template, typ string, props interface{}) {
	t.Helper()
	cdktest.Check(t, func() { tpl.HasResourceProperties(jsii.String(typ), props) })
}

// buildSpecOf returns the rendered buildspec of the CodeBuild project whose
// logical id contains idPart, with tokens shown as ${...}.
func buildSpecOf(t *testing.T, tpl assertions.Template, idPart string) string {
	t.Helper()
	for id, p := range cdktest.Resources(t, tpl, "AWS::CodeBuild::Project") {
		if !strings.Contains(id, idPart) {
			continue
		}
		spec := p["Properties"].(map[string]interface{})["Source"].(map[string]interface{})["BuildSpec"]
		if s, ok := spec.(string); ok {
			return s
		}
		var b strings.Builder
		for _, part := range spec.(map[string]interface{})["Fn::Join"].([]interface{})[1].([]interface{}) {
			if s, ok := part.(string); ok {
				b.WriteString(s)
			} else {
				raw, _ := json.Marshal(part)
				b.WriteString("${" + string(raw) + "}")
			}
		}
		return b.String()
	}
	t.Fatalf("no CodeBuild project with %q in its id", idPart)
	return ""
}

func TestDefaultLine(t *testing.T) {
	tpl, line, _ := synth(t, pipeline.Props{Acceptance: stages.GoAcceptanceTests("./acceptance/...")})
	props, stages := pipelineOf(t, tpl)
	if props["PipelineType"] != "V2" || props["ExecutionMode"] != "QUEUED" || props["RestartExecutionOnUpdate"] != true {
		t.Errorf("pipeline type/mode/restart = %v/%v/%v, want V2/QUEUED/true", props["PipelineType"], props["ExecutionMode"], props["RestartExecutionOnUpdate"])
	}
	if got, want := stageNames(stages), "Source,Build,UpdatePipeline,Assets,Staging,Production"; got != want {
		t.Errorf("stages = %s, want %s", got, want)
	}
	if a := stages[0].Actions[0]; a.Provider != "S3" || a.Configuration["S3ObjectKey"] != "source.zip" || a.Configuration["PollForSourceChanges"] != false {
		t.Errorf("source action = %+v, want the S3 source.zip without polling", a)
	}
	// Staging: the deploy, then the acceptance tests and the production
	// permissions check in parallel, then the check's approval.
	var staging, prod []string
	for _, a := range findStage(t, stages, "Staging").Actions {
		staging = append(staging, fmt.Sprintf("%d:%s:%s", a.RunOrder, a.Name, a.Provider))
	}
	if got, want := strings.Join(staging, " "), "1:Service.Deploy:CloudFormation 2:AcceptanceTests:CodeBuild 2:PermissionsCheck.Check:CodeBuild 3:PermissionsCheck.Confirm:Manual"; got != want {
		t.Errorf("staging actions = %s, want %s", got, want)
	}
	for _, a := range findStage(t, stages, "Production").Actions {
		prod = append(prod, a.Name+":"+a.Provider)
	}
	if got, want := strings.Join(prod, " "), "Deploy:CloudFormation"; got != want {
		t.Errorf("production actions = %s, want %s", got, want)
	}
	// The artifact store is the line's KMS-encrypted bucket.
	store := props["ArtifactStore"].(map[string]interface{})
	if store["EncryptionKey"].(map[string]interface{})["Type"] != "KMS" {
		t.Errorf("artifact store = %v, want a KMS key", store)
	}
	if line.Pipeline == nil || line.CDKPipeline == nil || line.ArtifactBucket == nil || line.Key == nil {
		t.Error("escape hatches not exposed")
	}
	has(t, tpl, "AWS::KMS::Key", map[string]interface{}{"EnableKeyRotation": true})
	cdktest.Check(t, func() {
		tpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]interface{}{"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
	})
}

func TestArtifactBucket(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{})
	bucket := assertions.Match_ObjectLike(&map[string]interface{}{
		"BucketEncryption": map[string]interface{}{"ServerSideEncryptionConfiguration": []interface{}{map[string]interface{}{
			"ServerSideEncryptionByDefault": map[string]interface{}{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": assertions.Match_AnyValue()},
			"BucketKeyEnabled":              true}}},
		"VersioningConfiguration": map[string]interface{}{"Status": "Enabled"},
		"PublicAccessBlockConfiguration": map[string]interface{}{
			"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		"LifecycleConfiguration": map[string]interface{}{"Rules": assertions.Match_ArrayWith(&[]interface{}{
			assertions.Match_ObjectLike(&map[string]interface{}{"NoncurrentVersionExpiration": map[string]interface{}{"NoncurrentDays": 30}, "Status": "Enabled"})})},
		"LoggingConfiguration": assertions.Match_ObjectLike(&map[string]interface{}{"LogFilePrefix": "artifacts/"}),
	})
	cdktest.Check(t, func() {
		tpl.HasResource(jsii.String("AWS::S3::Bucket"), map[string]interface{}{
			"Properties": bucket, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
	})
	// TLS only: a Deny on aws:SecureTransport false for each bucket.
	policies := cdktest.Resources(t, tpl, "AWS::S3::BucketPolicy")
	if len(policies) != 3 {
		t.Fatalf("%d bucket policies, want 3 (artifacts, source, access logs)", len(policies))
	}
	for id, p := range policies {
		raw, _ := json.Marshal(p)
		if !strings.Contains(string(raw), `"aws:SecureTransport":"false"`) {
			t.Errorf("bucket policy %s does not enforce TLS", id)
		}
	}
}

func TestExecutionModeAndName(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{ExecutionMode: awscodepipeline.ExecutionMode_SUPERSEDED, PipelineName: "shop-line"})
	has(t, tpl, "AWS::CodePipeline::Pipeline", map[string]interface{}{"ExecutionMode": "SUPERSEDED", "Name": "shop-line"})
}

func TestGitHubSourceWithFilters(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{Source: stages.GitHub("acme/shop", stages.GitOptions{
		ConnectionArn: goodARN, Branch: "trunk", IncludePaths: []string{"src/**"}, ExcludePaths: []string{"docs/**"}, Tags: []string{"v*"},
	})})
	props, stages := pipelineOf(t, tpl)
	src := stages[0].Actions[0]
	if src.Provider != "CodeStarSourceConnection" || src.Configuration["FullRepositoryId"] != "acme/shop" ||
		src.Configuration["BranchName"] != "trunk" || src.Configuration["DetectChanges"] != false {
		t.Errorf("source action = %+v", src)
	}
	raw, _ := json.Marshal(props["Triggers"])
	want := `[{"GitConfiguration":{"Push":[{"Branches":{"Includes":["trunk"]},"FilePaths":{"Excludes":["docs/**"],"Includes":["src/**"]}},{"Tags":{"Includes":["v*"]}}],"SourceActionName":"GitHub"},"ProviderType":"CodeStarSourceConnection"}]`
	if string(raw) != want {
		t.Errorf("Triggers = %s\nwant %s", raw, want)
	}
	// No source bucket when the source is git.
	if n := len(cdktest.Resources(t, tpl, "AWS::S3::Bucket")); n != 2 {
		t.Errorf("%d buckets, want 2 (artifacts, access logs)", n)
	}
}

func TestGitSourceWithoutFiltersTriggersOnPush(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{Source: stages.Bitbucket("acme/shop", stages.GitOptions{ConnectionArn: goodARN})})
	props, stages := pipelineOf(t, tpl)
	if _, ok := props["Triggers"]; ok {
		t.Errorf("unexpected triggers %v", props["Triggers"])
	}
	if src := stages[0].Actions[0]; src.Configuration["DetectChanges"] != true || src.Configuration["BranchName"] != "main" {
		t.Errorf("source action = %+v, want DetectChanges on branch main", src)
	}
}

func TestCodeCommitSource(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
	repo := awscodecommit.Repository_FromRepositoryName(stack, jsii.String("Repo"), jsii.String("shop"))
	pipeline.New(stack, "Line", &pipeline.Props{App: bucketApp, Source: stages.CodeCommit(repo, "main")})
	tpl := cdktest.Template(t, stack)
	_, stages := pipelineOf(t, tpl)
	if src := stages[0].Actions[0]; src.Provider != "CodeCommit" || src.Configuration["RepositoryName"] != "shop" {
		t.Errorf("source action = %+v", src)
	}
	has(t, tpl, "AWS::Events::Rule", map[string]interface{}{"EventPattern": assertions.Match_ObjectLike(&map[string]interface{}{"source": []interface{}{"aws.codecommit"}})})
}

func TestS3SourceStartsOnUpload(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{})
	has(t, tpl, "AWS::Events::Rule", map[string]interface{}{
		"EventPattern": map[string]interface{}{
			"source": []interface{}{"aws.s3"}, "detail-type": []interface{}{"Object Created"},
			"detail": map[string]interface{}{"bucket": map[string]interface{}{"name": assertions.Match_AnyValue()}, "object": map[string]interface{}{"key": []interface{}{"source.zip"}}},
		},
		"Targets": assertions.Match_ArrayWith(&[]interface{}{assertions.Match_ObjectLike(&map[string]interface{}{"Arn": assertions.Match_AnyValue()})}),
	})
	has(t, tpl, "AWS::S3::Bucket", map[string]interface{}{
		"VersioningConfiguration": map[string]interface{}{"Status": "Enabled"},
		"LoggingConfiguration":    assertions.Match_ObjectLike(&map[string]interface{}{"LogFilePrefix": "source-bucket/"}),
	})
	outputs := cdktest.JSON(t, tpl)["Outputs"].(map[string]interface{})
	found := false
	for id := range outputs {
		found = found || strings.HasPrefix(id, "LineSourceBucketName")
	}
	if !found {
		t.Errorf("no SourceBucketName output in %v", outputs)
	}
}

// The Go preset's build: the Build job synthesizes and publishes, the
// UnitTests job beside it runs the analysis and the tests, both on the
// pinned toolchains with the Go caches.
func TestGoBuild(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{})
	build, tests := buildSpecOf(t, tpl, "BuildCdkBuildProject"), buildSpecOf(t, tpl, "UnitTestsJob")
	for spec, wants := range map[*string][]string{
		&build: {"npm install -g aws-cdk@" + stages.CDKCLIVersion, "cdk synth", `"base-directory": "cdk.out"`, "/go/pkg/mod/**/*",
			`"runtime-versions"`, `"golang": "1.26"`, `"nodejs": "22"`, "cdk-assets --path"},
		&tests: {"gofmt -l .", "go vet ./...", `gotest.tools/gotestsum@` + stages.GotestsumVersion + ` --junitfile \"$REPORTS_DIR/go-test.xml\"`,
			`"file-format": "JUNITXML"`, "/go/pkg/mod/**/*", `"runtime-versions"`, `"golang": "1.26"`},
	} {
		for _, want := range wants {
			if !strings.Contains(*spec, want) {
				t.Errorf("build spec lacks %q:\n%s", want, *spec)
			}
		}
	}
	for _, unwanted := range []string{"go vet", "gotestsum", "JUNITXML"} {
		if strings.Contains(build, unwanted) {
			t.Errorf("the Build job runs %q, which the UnitTests job runs", unwanted)
		}
	}
	has(t, tpl, "AWS::CodeBuild::Project", map[string]interface{}{
		"Environment": assertions.Match_ObjectLike(&map[string]interface{}{
			"ComputeType": "BUILD_GENERAL1_MEDIUM", "Image": "aws/codebuild/standard:7.0",
			"EnvironmentVariables": assertions.Match_ArrayWith(&[]interface{}{
				map[string]interface{}{"Name": "GOTOOLCHAIN", "Type": "PLAINTEXT", "Value": "auto"}}),
		}),
		"Cache":            assertions.Match_ObjectLike(&map[string]interface{}{"Type": "S3"}),
		"TimeoutInMinutes": 30,
	})
	has(t, tpl, "AWS::CodeBuild::ReportGroup", map[string]interface{}{"Type": "TEST"})
	has(t, tpl, "AWS::IAM::Policy", map[string]interface{}{"PolicyDocument": map[string]interface{}{
		"Statement": assertions.Match_ArrayWith(&[]interface{}{assertions.Match_ObjectLike(&map[string]interface{}{
			"Sid": "PublishTestReports", "Action": assertions.Match_ArrayWith(&[]interface{}{"codebuild:BatchPutTestCases"}),
		})}),
	}})
}

func TestBuildPresetsAndOptions(t *testing.T) {
	for _, c := range []struct {
		preset *stages.Preset
		want   []string
	}{
		{stages.Node, []string{"npm ci", "npm run lint --if-present", "npm test", "cdk synth"}},
		{stages.Python, []string{"pip install -r requirements.txt", `pytest --junitxml=\"$REPORTS_DIR/pytest.xml\"`, "cdk synth"}},
	} {
		tpl, _, _ := synth(t, pipeline.Props{Build: &stages.Build{Preset: c.preset}})
		spec := buildSpecOf(t, tpl, "BuildCdkBuildProject") + buildSpecOf(t, tpl, "UnitTestsJob")
		for _, want := range c.want {
			if !strings.Contains(spec, want) {
				t.Errorf("%s build spec lacks %q", c.preset.Name, want)
			}
		}
	}
	tpl, _, _ := synth(t, pipeline.Props{Build: &stages.Build{
		Directory: "infra", NoCache: true,
		Job: stages.Job{
			Commands:    []string{"make check", "cdk synth"},
			ComputeType: awscodebuild.ComputeType_LARGE,
			Env:         map[string]string{"STAGE": "ci"},
			Secrets:     map[string]stages.Secret{"NPM_TOKEN": stages.FromParameterStore("/ci/npm"), "GH_TOKEN": stages.FromSecretsManager("ci/github:token")},
		},
	}})
	spec := buildSpecOf(t, tpl, "Build")
	for _, want := range []string{`cd \"$CODEBUILD_SRC_DIR/infra\"`, "make check", `"base-directory": "infra/cdk.out"`} {
		if !strings.Contains(spec, want) {
			t.Errorf("custom build spec lacks %q:\n%s", want, spec)
		}
	}
	if strings.Contains(spec, "go vet") || strings.Contains(spec, `"cache"`) {
		t.Errorf("custom commands should replace the preset's and NoCache drop the cache:\n%s", spec)
	}
	has(t, tpl, "AWS::CodeBuild::Project", map[string]interface{}{
		"Environment": assertions.Match_ObjectLike(&map[string]interface{}{
			"ComputeType": "BUILD_GENERAL1_LARGE",
			"EnvironmentVariables": assertions.Match_ArrayWith(&[]interface{}{
				map[string]interface{}{"Name": "GH_TOKEN", "Type": "SECRETS_MANAGER", "Value": "ci/github:token"},
				map[string]interface{}{"Name": "NPM_TOKEN", "Type": "PARAMETER_STORE", "Value": "/ci/npm"},
				map[string]interface{}{"Name": "STAGE", "Type": "PLAINTEXT", "Value": "ci"},
			}),
		}),
	})
}

func TestAcceptanceTestsGetStagingOutputs(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{Acceptance: stages.GoAcceptanceTests("./acceptance/...")})
	spec := buildSpecOf(t, tpl, "AcceptanceTests")
	if !strings.Contains(spec, "-tags acceptance ./acceptance/...") || !strings.Contains(spec, "JUNITXML") {
		t.Errorf("acceptance spec:\n%s", spec)
	}
	_, stages := pipelineOf(t, tpl)
	raw, _ := json.Marshal(findAction(t, findStage(t, stages, "Staging"), "AcceptanceTests").Configuration["EnvironmentVariables"])
	for _, want := range []string{`\"name\":\"ENDPOINT\"`, `\"name\":\"API_KEY_NAME\"`, `.Endpoint}`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("acceptance env lacks %s: %s", want, raw)
		}
	}
}

func TestAcceptanceTestsNamedOutputs(t *testing.T) {
	tests := stages.GoAcceptanceTests("./...")
	tests.Outputs = map[string]string{"BASE_URL": "Endpoint"}
	tpl, _, _ := synth(t, pipeline.Props{Acceptance: tests})
	_, st := pipelineOf(t, tpl)
	raw, _ := json.Marshal(findAction(t, findStage(t, st, "Staging"), "AcceptanceTests").Configuration["EnvironmentVariables"])
	if !strings.Contains(string(raw), `BASE_URL`) || strings.Contains(string(raw), `API_KEY_NAME`) {
		t.Errorf("acceptance env = %s, want only BASE_URL", raw)
	}
}

func TestAcceptanceTestsUnknownOutput(t *testing.T) {
	tests := stages.GoAcceptanceTests("./...")
	tests.Outputs = map[string]string{"BASE_URL": "Url"}
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
	pipeline.New(stack, "Line", &pipeline.Props{App: bucketApp, Acceptance: tests})
	errs := cdktest.Errors(t, stack)
	if len(errs) != 1 || !strings.Contains(errs[0], `Acceptance.Outputs[BASE_URL]: "Url" is invalid`) || !strings.Contains(errs[0], "ApiKeyName, Endpoint") {
		t.Errorf("errors = %q", errs)
	}
}

func TestApproval(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{Approval: &stages.Approval{
		Emails: []string{"team@example.com"}, Comment: "Check the dashboard", ReviewURL: "https://example.com/dash"}})
	_, st := pipelineOf(t, tpl)
	if got, want := stageNames(st), "Source,Build,UpdatePipeline,Assets,Staging,Approval,Production"; got != want {
		t.Errorf("stages = %s, want %s", got, want)
	}
	approve := findStage(t, st, "Approval").Actions[0]
	if approve.Provider != "Manual" || approve.Configuration["CustomData"] != "Check the dashboard" ||
		approve.Configuration["ExternalEntityLink"] != "https://example.com/dash" || approve.Configuration["NotificationArn"] == nil {
		t.Errorf("approval action = %+v", approve)
	}
	has(t, tpl, "AWS::SNS::Topic", map[string]interface{}{"KmsMasterKeyId": assertions.Match_AnyValue()})
	has(t, tpl, "AWS::SNS::Subscription", map[string]interface{}{"Protocol": "email", "Endpoint": "team@example.com"})
}

func TestProductionStacksAreProtected(t *testing.T) {
	_, line, _ := synth(t, pipeline.Props{})
	for _, c := range []struct {
		stage     awscdk.Stage
		protected bool
	}{{line.Staging, false}, {line.Production, true}} {
		stack := stages.Stacks(c.stage)[0]
		if got := *stack.TerminationProtection(); got != c.protected {
			t.Errorf("%s termination protection = %v, want %v", *stack.StackName(), got, c.protected)
		}
		tpl := cdktest.Template(t, stack)
		n := len(cdktest.Resources(t, tpl, "Custom::AWS"))
		if c.protected != (n == 1) {
			t.Errorf("%s has %d termination-protection custom resources", *stack.StackName(), n)
		}
		if c.protected {
			raw, _ := json.Marshal(cdktest.JSON(t, tpl))
			for _, want := range []string{`updateTerminationProtection`, `cloudformation:UpdateTerminationProtection`} {
				if !strings.Contains(string(raw), want) {
					t.Errorf("production stack lacks %s", want)
				}
			}
		}
	}
}

func TestTerminationProtectionOptOut(t *testing.T) {
	_, line, _ := synth(t, pipeline.Props{
		Staging:    &stages.Deploy{Environment: stages.Environment{Name: "Staging"}},
		Production: &stages.Deploy{Environment: stages.Environment{Name: "Production"}, TerminationProtection: stages.Disabled},
	})
	if *stages.Stacks(line.Production)[0].TerminationProtection() {
		t.Error("production stack protected despite TerminationProtection=false")
	}
}

// TestExtendingTheLine adds a team's own steps before and after stages and
// a team construct inside the deployed stage.
func TestExtendingTheLine(t *testing.T) {
	shell := func(id string) pipelines.Step {
		return pipelines.NewShellStep(jsii.String(id), &pipelines.ShellStepProps{Commands: jsii.Strings("echo " + id)})
	}
	withAudit := func(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
		stage := bucketApp(scope, id, env)
		audit := awscdk.NewStack(stage, jsii.String("Audit"), nil)
		awss3.NewBucket(audit, jsii.String("AuditTrail"), nil)
		return stage
	}
	tpl, line, _ := synth(t, pipeline.Props{
		App:        withAudit,
		Staging:    &stages.Deploy{Environment: stages.Environment{Name: "Beta"}, Pre: []pipelines.Step{shell("Lint")}, Post: []pipelines.Step{shell("Smoke")}},
		Production: &stages.Deploy{Environment: stages.Environment{Name: "Prod"}, Pre: []pipelines.Step{shell("ChangeTicket")}, Post: []pipelines.Step{shell("Verify")}},
	})
	_, st := pipelineOf(t, tpl)
	names := func(s stage) string {
		var out []string
		for _, a := range s.Actions {
			out = append(out, a.Name)
		}
		return strings.Join(out, ",")
	}
	beta, prod := names(findStage(t, st, "Beta")), names(findStage(t, st, "Prod"))
	if !strings.HasPrefix(beta, "Lint,") || !strings.HasSuffix(beta, ",Smoke") || !strings.Contains(beta, "Audit.Deploy") {
		t.Errorf("Beta actions = %s", beta)
	}
	if !strings.HasPrefix(prod, "ChangeTicket,") || !strings.HasSuffix(prod, ",Verify") {
		t.Errorf("Prod actions = %s", prod)
	}
	if n := len(stages.Stacks(line.Production)); n != 2 {
		t.Errorf("production has %d stacks, want 2", n)
	}
}

// TestInvalidPropsReportedAtSynth checks that New does not panic on bad
// props and attaches every problem to the construct.
func TestInvalidPropsReportedAtSynth(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
	var line *pipeline.AssemblyLine
	cdktest.Check(t, func() {
		line = pipeline.New(stack, "Line", &pipeline.Props{
			Source:     stages.GitHub("acme", stages.GitOptions{ConnectionArn: "nope"}),
			Acceptance: &stages.AcceptanceTests{},
		})
	})
	errs := cdktest.Errors(t, stack)
	if len(errs) != 4 {
		t.Fatalf("errors = %q, want 4", errs)
	}
	for i, want := range []string{"App:", "Source.Repository:", "Source.ConnectionArn:", "Acceptance.Commands:"} {
		if !strings.HasPrefix(errs[i], want) {
			t.Errorf("error %d = %q, want it to start with %q", i, errs[i], want)
		}
	}
	if line.Pipeline != nil {
		t.Error("a line with invalid props built a pipeline")
	}
}

func TestStageFuncMistakes(t *testing.T) {
	empty := func(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
		return awscdk.NewStage(scope, jsii.String(id), nil)
	}
	for name, app := range map[string]stages.StageFunc{"nil stage": noStage, "no stacks": empty} {
		t.Run(name, func(t *testing.T) {
			root := awscdk.NewApp(nil)
			stack := awscdk.NewStack(root, jsii.String("Pipe"), nil)
			cdktest.Check(t, func() { pipeline.New(stack, "Line", &pipeline.Props{App: app}) })
			errs := cdktest.Errors(t, stack)
			if len(errs) != 2 || !strings.HasPrefix(errs[0], "App: ") {
				t.Errorf("errors = %q, want one App problem per environment", errs)
			}
		})
	}
}

func TestCrossEnvironmentNeedsExplicitPipelineEnv(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
	cdktest.Check(t, func() {
		pipeline.New(stack, "Line", &pipeline.Props{App: bucketApp,
			Staging:    &stages.Deploy{Environment: stages.Environment{Name: "Staging", Account: "111111111111"}},
			Production: &stages.Deploy{Environment: stages.Environment{Name: "Production", Region: "us-east-1"}},
		})
	})
	errs := cdktest.Errors(t, stack)
	if len(errs) != 2 || !strings.HasPrefix(errs[0], `Staging.Account: "111111111111"`) || !strings.HasPrefix(errs[1], `Production.Region: "us-east-1"`) {
		t.Errorf("errors = %q", errs)
	}
}

// A team's own post step reads what the stage deployed: the README's load
// test gets the staging Endpoint.
func TestPostStepsReadTheStageOutputs(t *testing.T) {
	loadTest := func(out stages.Outputs) []pipelines.Step {
		return []pipelines.Step{pipelines.NewShellStep(jsii.String("LoadTest"), &pipelines.ShellStepProps{
			Commands:          jsii.Strings("make load-test"),
			EnvFromCfnOutputs: &map[string]awscdk.CfnOutput{"ENDPOINT": out["Endpoint"]},
		})}
	}
	tpl, _, _ := synth(t, pipeline.Props{
		Staging:    &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, PostWithOutputs: loadTest},
		Production: &stages.Deploy{Environment: stages.Environment{Name: "Production"}, PostWithOutputs: loadTest},
	})
	_, all := pipelineOf(t, tpl)
	for _, name := range []string{"Staging", "Production"} {
		raw, _ := json.Marshal(findAction(t, findStage(t, all, name), "LoadTest").Configuration["EnvironmentVariables"])
		if !strings.Contains(string(raw), `\"name\":\"ENDPOINT\"`) || !strings.Contains(string(raw), `.Endpoint}`) {
			t.Errorf("%s LoadTest env lacks the Endpoint output: %s", name, raw)
		}
	}
	stack := synthAllowingErrors(t, pipeline.Props{Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"},
		PostWithOutputs: func(stages.Outputs) []pipelines.Step { return []pipelines.Step{nil} }}})
	if errs := strings.Join(cdktest.Errors(t, stack), "\n"); !strings.Contains(errs, "Staging.PostWithOutputs[0]") {
		t.Errorf("a nil step from PostWithOutputs is not reported: %s", errs)
	}
}

// synthAllowingErrors builds a line whose props may be invalid and
// returns its stack, to read the errors from.
func synthAllowingErrors(t *testing.T, props pipeline.Props) awscdk.Stack {
	t.Helper()
	if props.App == nil {
		props.App = bucketApp
	}
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Pipe"), nil)
	cdktest.Check(t, func() { pipeline.New(stack, "Line", &props) })
	return stack
}

// A bucket that can never start the line, or whose uploads are not
// versioned, is refused at synth; a bucket imported by name is trusted.
func TestS3SourceBucketMustBeVersionedAndNotify(t *testing.T) {
	for _, c := range []struct {
		name  string
		props *awss3.BucketProps
		want  string
	}{
		{"neither", &awss3.BucketProps{}, "Versioned and EventBridgeEnabled"},
		{"not versioned", &awss3.BucketProps{EventBridgeEnabled: jsii.Bool(true)}, "a bucket with Versioned set"},
		{"no EventBridge", &awss3.BucketProps{Versioned: jsii.Bool(true)}, "a bucket with EventBridgeEnabled set"},
		{"both", &awss3.BucketProps{Versioned: jsii.Bool(true), EventBridgeEnabled: jsii.Bool(true)}, ""},
		// Notifications to a queue or topic alone do not reach EventBridge.
		{"versioned, notifies a queue", &awss3.BucketProps{Versioned: jsii.Bool(true)}, "a bucket with EventBridgeEnabled set"},
		{"versioned, notifies a queue and EventBridge", &awss3.BucketProps{Versioned: jsii.Bool(true), EventBridgeEnabled: jsii.Bool(true)}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Pipe"), nil)
			bucket := awss3.NewBucket(stack, jsii.String("Uploads"), c.props)
			if strings.Contains(c.name, "queue") {
				bucket.AddObjectCreatedNotification(awss3notifications.NewSqsDestination(awssqs.NewQueue(stack, jsii.String("Uploaded"), nil)))
			}
			err := (&pipeline.Props{App: bucketApp, Source: stages.S3(bucket, "src.zip")}).Validate()
			switch {
			case c.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), "Source.Bucket") || !strings.Contains(err.Error(), c.want)):
				t.Errorf("Validate() = %v, want a Source.Bucket problem with %q", err, c.want)
			}
		})
	}
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Pipe"), nil)
	imported := awss3.Bucket_FromBucketName(stack, jsii.String("Imported"), jsii.String("shop-sources"))
	if err := (&pipeline.Props{App: bucketApp, Source: stages.S3(imported, "src.zip")}).Validate(); err != nil {
		t.Errorf("an imported bucket: Validate() = %v, want nil", err)
	}
}

// An id constructs would panic on, empty or taken, is a synth error.
func TestNewReportsAnUnusableID(t *testing.T) {
	for id, want := range map[string]string{
		"":     `id: "" is invalid; want a construct id that is not empty, e.g. pipeline.New(stack, "Line", ...)`,
		"Line": `id: "Line" is invalid; want an id no other construct in Pipe has`,
	} {
		stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Pipe"), nil)
		awscdk.NewCfnOutput(stack, jsii.String("Line"), &awscdk.CfnOutputProps{Value: jsii.String("x")})
		cdktest.Check(t, func() { pipeline.New(stack, id, &pipeline.Props{App: bucketApp}) })
		if errs := strings.Join(cdktest.Errors(t, stack), "\n"); !strings.Contains(errs, want) {
			t.Errorf("id %q: errors %q, want %q", id, errs, want)
		}
	}
}

// The DORA metrics measure the stage where the line delivers: production,
// or staging on a line that ends there.
func TestDORAMeasuresWhereTheLineDelivers(t *testing.T) {
	for want, props := range map[string]pipeline.Props{
		"Production": {},
		"Staging":    {Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}}},
	} {
		tpl, _, _ := synth(t, props)
		found := ""
		for _, fn := range cdktest.Resources(t, tpl, "AWS::Lambda::Function") {
			env, _ := fn["Properties"].(map[string]interface{})["Environment"].(map[string]interface{})
			vars, _ := env["Variables"].(map[string]interface{})
			if v, ok := vars["PRODUCTION_STAGE"].(string); ok {
				found = v
			}
		}
		if found != want {
			t.Errorf("PRODUCTION_STAGE = %q, want %q", found, want)
		}
	}
}
