package pipeline_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

const goodARN = "arn:aws:codeconnections:eu-west-1:123456789012:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"

func noStage(constructs.Construct, string, stages.Environment) awscdk.Stage { return nil }

// rejectCase is one invalid prop: Validate, and a synth of the whole line,
// must report a Problem naming prop and echoing value.
type rejectCase struct {
	name  string
	props *pipeline.Props
	prop  string
	value string
}

// rejectCases are the invalid props, one mistake each.
func rejectCases() []rejectCase {
	shell := func(id string) pipelines.Step {
		return pipelines.NewShellStep(jsii.String(id), &pipelines.ShellStepProps{Commands: jsii.Strings("true")})
	}
	git := func(repo string, opts stages.GitOptions) *pipeline.Props {
		return &pipeline.Props{App: noStage, Source: stages.GitHub(repo, opts)}
	}
	return []rejectCase{
		{"nil app", &pipeline.Props{}, "App", "nil"},
		{"empty repository", git("", stages.GitOptions{ConnectionArn: goodARN}), "Source.Repository", ""},
		{"repository without owner", git("shop", stages.GitOptions{ConnectionArn: goodARN}), "Source.Repository", "shop"},
		{"repository with extra path", git("acme/shop/x", stages.GitOptions{ConnectionArn: goodARN}), "Source.Repository", "acme/shop/x"},
		{"repository with spaces", git("acme/my shop", stages.GitOptions{ConnectionArn: goodARN}), "Source.Repository", "acme/my shop"},
		{"missing connection", git("acme/shop", stages.GitOptions{}), "Source.ConnectionArn", ""},
		{"bad connection arn", git("acme/shop", stages.GitOptions{ConnectionArn: "arn:aws:iam::123456789012:role/x"}), "Source.ConnectionArn", "arn:aws:iam::123456789012:role/x"},
		{"branch with space", git("acme/shop", stages.GitOptions{ConnectionArn: goodARN, Branch: "my branch"}), "Source.Branch", "my branch"},
		{"branch with ..", git("acme/shop", stages.GitOptions{ConnectionArn: goodARN, Branch: "a..b"}), "Source.Branch", "a..b"},
		{"empty path filter", git("acme/shop", stages.GitOptions{ConnectionArn: goodARN, IncludePaths: []string{""}}), "Source.IncludePaths[0]", ""},
		{"bad gitlab project", &pipeline.Props{App: noStage, Source: stages.GitLab("group", stages.GitOptions{ConnectionArn: goodARN})}, "Source.Repository", "group"},
		{"nil codecommit repository", &pipeline.Props{App: noStage, Source: stages.CodeCommit(nil, "main")}, "Source.Repository", "nil"},
		{"empty codecommit branch", &pipeline.Props{App: noStage, Source: stages.CodeCommit(nil, "")}, "Source.Branch", ""},
		{"nil bucket", &pipeline.Props{App: noStage, Source: stages.S3(nil, "src.zip")}, "Source.Bucket", "nil"},
		{"empty build commands", &pipeline.Props{App: noStage, Build: &stages.Build{Job: stages.Job{Commands: []string{}}}}, "Build.Commands", "[]"},
		{"build timeout too short", &pipeline.Props{App: noStage, Build: &stages.Build{Job: stages.Job{Timeout: time.Minute}}}, "Build.Timeout", "1m0s"},
		{"negative build timeout", &pipeline.Props{App: noStage, Build: &stages.Build{Job: stages.Job{Timeout: -time.Hour}}}, "Build.Timeout", "-1h0m0s"},
		{"plaintext secret", &pipeline.Props{App: noStage, Build: &stages.Build{Job: stages.Job{Env: map[string]string{"DB_PASSWORD": "hunter2"}}}}, "Build.Env[DB_PASSWORD]", "<redacted>"},
		{"bad env var name", &pipeline.Props{App: noStage, Build: &stages.Build{Job: stages.Job{Env: map[string]string{"1X": "y"}}}}, "Build.Env", "1X"},
		{"empty secret ref", &pipeline.Props{App: noStage, Build: &stages.Build{Job: stages.Job{Secrets: map[string]stages.Secret{"TOKEN": stages.FromSecretsManager("")}}}}, "Build.Secrets[TOKEN]", ""},
		{"build directory escapes", &pipeline.Props{App: noStage, Build: &stages.Build{Directory: "../other"}}, "Build.Directory", "../other"},
		{"invalid stage name", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "staging env"}}}, "Staging.Name", "staging env"},
		{"reserved stage name", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Build"}}}, "Staging.Name", "Build"},
		{"duplicate stage names", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Live"}}, Production: &stages.Deploy{Environment: stages.Environment{Name: "Live"}}}, "Production.Name", "Live"},
		{"production before staging", &pipeline.Props{App: noStage, Production: &stages.Deploy{Environment: stages.Environment{Name: "Production"}}}, "Production", "set without Staging"},
		{"bad account", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging", Account: "1234"}}}, "Staging.Account", "1234"},
		{"bad region", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging", Region: "Europe"}}}, "Staging.Region", "Europe"},
		{"invalid step name", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Post: []pipelines.Step{shell("smoke test!")}}}, "Staging.Post[0]", "smoke test!"},
		{"duplicate step names", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Pre: []pipelines.Step{shell("Check")}, Post: []pipelines.Step{shell("Check")}}}, "Staging.Post[0]", "Check"},
		{"acceptance without commands", &pipeline.Props{App: noStage, Acceptance: &stages.AcceptanceTests{}}, "Acceptance.Commands", "[]"},
		{"zero-minute acceptance timeout", &pipeline.Props{App: noStage, Acceptance: &stages.AcceptanceTests{Job: stages.Job{Commands: []string{"make test"}, Timeout: 30 * time.Second}}}, "Acceptance.Timeout", "30s"},
		{"bad output variable", &pipeline.Props{App: noStage, Acceptance: &stages.AcceptanceTests{Job: stages.Job{Commands: []string{"make test"}}, Outputs: map[string]string{"API-URL": "Endpoint"}}}, "Acceptance.Outputs", "API-URL"},
		{"bad approval email", &pipeline.Props{App: noStage, Approval: &stages.Approval{Emails: []string{"team-at-example.com"}}}, "Approval.Emails[0]", "team-at-example.com"},
		{"review url over 1000 characters", &pipeline.Props{App: noStage, Approval: &stages.Approval{ReviewURL: "https://example.com/" + strings.Repeat("d", 990)}}, "Approval.ReviewURL", "https://example.com/" + strings.Repeat("d", 40) + "..."},
		{"window with a value in both day fields", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{Window: &stages.Window{Cron: "* * 9-16 * * *"}}}}, "Staging.Window.Cron", "* * 9-16 * * *"},
		{"http review url", &pipeline.Props{App: noStage, Approval: &stages.Approval{ReviewURL: "http://example.com"}}, "Approval.ReviewURL", "http://example.com"},
		{"approval without production", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}}, Approval: &stages.Approval{}}, "Approval", "set"},
		{"parallel execution", &pipeline.Props{App: noStage, ExecutionMode: awscodepipeline.ExecutionMode_PARALLEL}, "ExecutionMode", "PARALLEL"},
		{"bake time too long", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{BakeTime: 4 * time.Hour}}}, "Staging.BakeTime", "4h0m0s"},
		{"negative bake time", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{BakeTime: -time.Minute}}}, "Staging.BakeTime", "-1m0s"},
		{"invalid cron", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}}, Production: &stages.Deploy{Environment: stages.Environment{Name: "Production"}, Gate: stages.Gate{Window: &stages.Window{Cron: "0 9 * * 1-5"}}}}, "Production.Window.Cron", "0 9 * * 1-5"},
		{"invalid time zone", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}}, Production: &stages.Deploy{Environment: stages.Environment{Name: "Production"}, Gate: stages.Gate{Window: &stages.Window{Cron: "* * 9-16 ? * MON-FRI", TimeZone: "Mars/Olympus"}}}}, "Production.Window.TimeZone", "Mars/Olympus"},
		{"wave of five with a window and the entry gate", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}}, Waves: []*stages.Wave{{Name: "EU",
			Environments: []stages.Environment{{Name: "EU1"}, {Name: "EU2"}, {Name: "EU3"}, {Name: "EU4"}, {Name: "EU5"}},
			Gate:         stages.Gate{Window: &stages.Window{Cron: "* * 9-16 ? * MON-THU"}}}}}, "Waves[0].Environments", "5 environments"},
		{"empty wave", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}}, Waves: []*stages.Wave{{Name: "EU"}}}, "Waves[0].Environments", "[]"},
		{"duplicate environments", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}}, Waves: []*stages.Wave{
			{Name: "One", Environments: []stages.Environment{{Name: "A", Account: "111111111111", Region: "eu-west-1"}}},
			{Name: "Two", Environments: []stages.Environment{{Name: "B", Account: "111111111111", Region: "eu-west-1"}}}}}, "Waves[1].Environments[0]", "111111111111/eu-west-1"},
		{"production and waves", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}}, Production: &stages.Deploy{Environment: stages.Environment{Name: "Production"}},
			Waves: []*stages.Wave{{Name: "EU", Environments: []stages.Environment{{Name: "EU1"}}}}}, "Waves", "1 waves"},
		{"wave too large", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}}, Waves: []*stages.Wave{{Name: "All", Environments: []stages.Environment{{Name: "A"}, {Name: "B"}, {Name: "C"}, {Name: "D"}, {Name: "E"}, {Name: "F"}}}}}, "Waves[0].Environments", "6 environments"},
		{"bad freeze reason", &pipeline.Props{App: noStage, ChangeFreeze: "freeze: <holidays>"}, "ChangeFreeze", "freeze: <holidays>"},
		{"bad pipeline name", &pipeline.Props{App: noStage, PipelineName: "my pipeline"}, "PipelineName", "my pipeline"},
		{"build compute type", &pipeline.Props{App: noStage, Build: &stages.Build{Job: stages.Job{ComputeType: "HUGE"}}}, "Build.ComputeType", "HUGE"},
		{"lambda compute type", &pipeline.Props{App: noStage, Build: &stages.Build{Job: stages.Job{ComputeType: awscodebuild.ComputeType_LAMBDA_1GB}}}, "Build.ComputeType", "LAMBDA_1GB"},
		{"security compute type", &pipeline.Props{App: noStage, Security: &stages.SecurityChecks{ComputeType: "big"}}, "Security.ComputeType", "big"},
		{"acceptance compute type", &pipeline.Props{App: noStage, Acceptance: &stages.AcceptanceTests{Job: stages.Job{Commands: []string{"make test"}, ComputeType: "BUILD_GENERAL1_SMALL"}}}, "Acceptance.ComputeType", "BUILD_GENERAL1_SMALL"},
		{"blank install command", &pipeline.Props{App: noStage, Build: &stages.Build{Job: stages.Job{Install: []string{"  \t"}}}}, "Build.Install[0]", "  \t"},
		{"blank acceptance command", &pipeline.Props{App: noStage, Acceptance: &stages.AcceptanceTests{Job: stages.Job{Commands: []string{" "}}}}, "Acceptance.Commands[0]", " "},
		{"cron out of range", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{Window: &stages.Window{Cron: "* 99 25 ? FOO BAR"}}}}, "Staging.Window.Cron", "* 99 25 ? FOO BAR"},
		{"duplicate approval email", &pipeline.Props{App: noStage, Approval: &stages.Approval{Emails: []string{"rel@example.com", "rel@example.com"}}}, "Approval.Emails[1]", "rel@example.com"},
		{"nil stage aspect", &pipeline.Props{App: noStage, StageAspects: []awscdk.IAspect{nil}}, "StageAspects[0]", "nil"},
		{"one step in two stages", func() *pipeline.Props {
			smoke := []pipelines.Step{shell("Smoke")}
			return &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Post: smoke},
				Production: &stages.Deploy{Environment: stages.Environment{Name: "Production"}, Post: smoke}}
		}(), "Production.Post[0]", "Smoke"},
		{"alert emails without monitoring", &pipeline.Props{App: noStage, NoMonitoring: true, AlertEmails: []string{"team@example.com"}}, "AlertEmails", "team@example.com"},
		{"two production environments at one place", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}},
			Waves: []*stages.Wave{{Name: "All", Environments: []stages.Environment{{Name: "ProdA"}, {Name: "ProdB"}}}}}, "Waves[0].Environments[1]", "the pipeline's account/the pipeline's region"},
		{"preset without synth", &pipeline.Props{App: noStage, Build: &stages.Build{Preset: &stages.Preset{Name: "Rust", Install: []string{"cargo fetch"}, Test: []string{"cargo test"}}}}, "Build.Preset.Synth", "[]"},
		{"runtime the image lacks", &pipeline.Props{App: noStage, Build: &stages.Build{Job: stages.Job{Runtimes: stages.Runtimes{"haskell": "9"}}}}, "Build.Runtimes", "haskell"},
		{"test reports outside the reports directory", &pipeline.Props{App: noStage, Build: &stages.Build{Job: stages.Job{TestReports: "../x/*.xml"}}}, "Build.TestReports", "../x/*.xml"},
		{"backslash in the build directory", &pipeline.Props{App: noStage, Build: &stages.Build{Directory: `infra\`}}, "Build.Directory", `infra\`},
		{"scanner install without commands", &pipeline.Props{App: noStage, Security: &stages.SecurityChecks{SAST: stages.SecurityCheck{Install: []string{"pip install semgrep"}}}}, "Security.SAST.Install", "pip install semgrep"},
		{"window on a day february lacks", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{Window: &stages.Window{Cron: "* * 9-16 30 FEB ?"}}}}, "Staging.Window.Cron", "* * 9-16 30 FEB ?"},
		{"window in past years only", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{Window: &stages.Window{Cron: "* * 9-16 ? * MON-FRI 2001"}}}}, "Staging.Window.Cron", "* * 9-16 ? * MON-FRI 2001"},
		{"acceptance output also in env", &pipeline.Props{App: noStage, Acceptance: &stages.AcceptanceTests{Job: stages.Job{Commands: []string{"make test"}, Env: map[string]string{"ENDPOINT": "x"}}, Outputs: map[string]string{"ENDPOINT": "Endpoint"}}}, "Acceptance.Outputs[ENDPOINT]", "Endpoint"},
		{"gate alarm with a quote", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{Alarms: []stages.AlarmName{`pay"ments`}}}}, "Staging.Alarms[0]", `pay"ments`},
		{"gate alarm given by its ARN", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{Alarms: []stages.AlarmName{"arn:aws:cloudwatch:eu-west-1:111111111111:alarm:payments"}}}}, "Staging.Alarms[0]", "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:payments"},
		{"gate alarms without a bake time or an entry gate", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{BakeTime: stages.NoBakeTime, EntryWait: stages.NoEntryGate, Alarms: []stages.AlarmName{"payments"}}}}, "Staging.Alarms", "payments"},
		{"min requests below zero", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{MinRequests: -5}}}, "Staging.MinRequests", "-5"},
		{"min requests not whole", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{MinRequests: 2.5}}}, "Staging.MinRequests", "2.5"},
		{"min requests without a bake time", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{BakeTime: stages.NoBakeTime, MinRequests: 10}}}, "Staging.MinRequests", "10"},
		{"analysis window too short", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{AnalysisWindow: 5 * time.Minute}}}, "Staging.AnalysisWindow", "5m0s"},
		{"analysis window over 50 minutes", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{AnalysisWindow: time.Hour}}}, "Staging.AnalysisWindow", "1h0m0s"},
		{"canary analysis setting out of range", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{CanaryAnalysis: 7}}}, "Staging.CanaryAnalysis", "stages.Setting(7)"},
		{"synthetic path with a leading slash", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{Synthetic: stages.SyntheticTraffic{Paths: []string{"/health"}}}}}, "Staging.Synthetic.Paths[0]", "/health"},
		{"synthetic traffic every 10 minutes", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{Synthetic: stages.SyntheticTraffic{Every: 10 * time.Minute}}}}, "Staging.Synthetic.Every", "10m0s"},
		{"entry wait not in whole minutes", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{EntryWait: 90 * time.Second}}}, "Staging.EntryWait", "1m30s"},
		{"entry wait over 3 hours", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{EntryWait: 4 * time.Hour}}}, "Staging.EntryWait", "4h0m0s"},
		{"context with own build commands", &pipeline.Props{App: noStage, Build: &stages.Build{Job: stages.Job{Commands: []string{"make synth"}}, Context: map[string]string{"env": "prod"}}}, "Build.Context", "env"},
		{"security secret also in the build env", &pipeline.Props{App: noStage, Build: &stages.Build{Job: stages.Job{Env: map[string]string{"GOPRIVATE": "example.com/*"}}},
			Security: &stages.SecurityChecks{SecretEnv: map[string]stages.Secret{"GOPRIVATE": stages.FromParameterStore("/ci/goprivate")}}}, "Security.SecretEnv", "GOPRIVATE"},
		{"connection in a region that does not exist", git("acme/shop", stages.GitOptions{ConnectionArn: strings.Replace(goodARN, "eu-west-1", "xx-fake-1", 1)}), "Source.ConnectionArn", strings.Replace(goodARN, "eu-west-1", "xx-fake-1", 1)},
		{"connection in another partition", git("acme/shop", stages.GitOptions{ConnectionArn: strings.Replace(goodARN, "arn:aws:", "arn:aws-cn:", 1)}), "Source.ConnectionArn", strings.Replace(goodARN, "arn:aws:", "arn:aws-cn:", 1)},
		{"change freeze on a line without production", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}}, ChangeFreeze: "Holidays"}, "ChangeFreeze", "Holidays"},
		{"region that does not exist", &pipeline.Props{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging", Region: "eu-west-9"}}}, "Staging.Region", "eu-west-9"},
	}
}

// TestValidateRejects checks one invalid prop at a time: each must yield a
// Problem naming the prop, echoing the value and saying what is valid.
func TestValidateRejects(t *testing.T) {
	cases := rejectCases()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.props.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil, want a problem with %s", c.prop)
			}
			for _, p := range problems(err) {
				if p.Prop == c.prop && p.Value == c.value {
					if p.Want == "" || !strings.Contains(err.Error(), c.prop+": ") {
						t.Fatalf("problem %+v does not say what is valid", p)
					}
					return
				}
			}
			t.Fatalf("Validate() = %v\nwant a problem with Prop %q and Value %q", err, c.prop, c.value)
		})
	}
}

// TestValidateAccepts checks that valid props, including every option, pass.
func TestValidateAccepts(t *testing.T) {
	valid := []*pipeline.Props{
		{App: noStage},
		{App: noStage, Source: stages.GitHub("acme/shop", stages.GitOptions{ConnectionArn: goodARN, Branch: "release/2.x", IncludePaths: []string{"src/**"}, Tags: []string{"v*"}})},
		{App: noStage, Source: stages.GitLab("acme/platform/shop", stages.GitOptions{ConnectionArn: strings.Replace(goodARN, "codeconnections", "codestar-connections", 1)})},
		{App: noStage, Source: stages.Bitbucket("acme/shop", stages.GitOptions{ConnectionArn: goodARN})},
		{App: noStage, Build: &stages.Build{Preset: stages.Node, Directory: "infra", Job: stages.Job{Timeout: 2 * time.Hour,
			Env: map[string]string{"STAGE": "ci"}, Secrets: map[string]stages.Secret{"NPM_TOKEN": stages.FromParameterStore("/ci/npm-token"), "GH": stages.FromSecretsManager("ci/github:token")}}}},
		{App: noStage, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Beta", Account: "111111111111", Region: "us-east-1"}}},
		{App: noStage, Acceptance: stages.GoAcceptanceTests("./acceptance/..."), Approval: &stages.Approval{Emails: []string{"team@example.com"}, ReviewURL: "https://example.com/dash"},
			ExecutionMode: awscodepipeline.ExecutionMode_SUPERSEDED, PipelineName: "shop-line"},
		{App: noStage, Approval: &stages.Approval{Comment: strings.Repeat("é", 300)}}, // 300 characters, 600 bytes
		{App: noStage, Build: &stages.Build{Job: stages.Job{ComputeType: awscodebuild.ComputeType_X2_LARGE}}},
	}
	for i, p := range valid {
		if err := p.Validate(); err != nil {
			t.Errorf("props %d: Validate() = %v, want nil", i, err)
		}
	}
}

// TestValidateReportsAll checks that one call reports every problem.
func TestValidateReportsAll(t *testing.T) {
	props := &pipeline.Props{
		Source:     stages.GitHub("shop", stages.GitOptions{}),
		Acceptance: &stages.AcceptanceTests{},
		Approval:   &stages.Approval{Emails: []string{"nope"}},
	}
	got := problems(props.Validate())
	want := []string{"App", "Source.Repository", "Source.ConnectionArn", "Acceptance.Commands", "Approval.Emails[0]"}
	if len(got) != len(want) {
		t.Fatalf("got %d problems %v, want %d", len(got), got, len(want))
	}
	for i, p := range got {
		if p.Prop != want[i] {
			t.Errorf("problem %d is %q, want %q", i, p.Prop, want[i])
		}
	}
}

func TestValidateNilProps(t *testing.T) {
	var p *pipeline.Props
	if err := p.Validate(); err == nil {
		t.Fatal("nil props validated")
	}
}

func problems(err error) []stages.Problem {
	var out []stages.Problem
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			var p stages.Problem
			if errors.As(e, &p) {
				out = append(out, p)
			}
		}
	}
	return out
}
