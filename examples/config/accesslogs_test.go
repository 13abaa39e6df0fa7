package config_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/config"
	"github.com/velocity-cdk/velocity/internal/cdktest"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// In an environment-agnostic stack, the access-log bucket must accept the
// logs in every Region: from the regional Elastic Load Balancing account
// where AWS documents one (Regions before August 2022, such as us-east-1),
// and from the log delivery service principal everywhere.
func TestLogAccessAcceptsLogsInEveryRegion(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Service"), nil)
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(0)})
	alb := awselasticloadbalancingv2.NewApplicationLoadBalancer(stack, jsii.String("Alb"), &awselasticloadbalancingv2.ApplicationLoadBalancerProps{
		Vpc: vpc, InternetFacing: jsii.Bool(true),
	})
	config.LogAccess(stack, alb)
	tpl := cdktest.JSON(t, cdktest.Template(t, stack))

	accounts, _ := tpl["Mappings"].(map[string]interface{})
	if len(accounts) != 1 {
		t.Fatalf("got %d mappings, want 1 (the Elastic Load Balancing account per Region)", len(accounts))
	}
	var mapping map[string]interface{}
	for _, m := range accounts {
		mapping = m.(map[string]interface{})
	}
	account := func(region string) string {
		entry, _ := mapping[region].(map[string]interface{})
		a, _ := entry["account"].(string)
		return a
	}
	if got := account("us-east-1"); got != "127311923021" {
		t.Errorf("us-east-1 log delivery account: got %q, want 127311923021", got)
	}
	if got := account("ap-southeast-4"); got != "none" {
		t.Errorf("ap-southeast-4 (opened after August 2022) log delivery account: got %q, want none", got)
	}

	policies := cdktest.Resources(t, cdktest.Template(t, stack), "AWS::S3::BucketPolicy")
	if len(policies) != 1 {
		t.Fatalf("got %d bucket policies, want 1", len(policies))
	}
	var statement string
	for _, p := range policies {
		b, _ := json.Marshal(p["Properties"])
		statement = string(b)
	}
	for _, want := range []string{`"Sid":"AlbAccessLogDelivery"`, `"logdelivery.elasticloadbalancing.amazonaws.com"`, `"Fn::If"`, `"AWS::NoValue"`, `alb/AWSLogs/`} {
		if !strings.Contains(statement, want) {
			t.Errorf("bucket policy lacks %s:\n%s", want, statement)
		}
	}

	lbs := cdktest.Resources(t, cdktest.Template(t, stack), "AWS::ElasticLoadBalancingV2::LoadBalancer")
	for _, lb := range lbs {
		b, _ := json.Marshal(lb["Properties"].(map[string]interface{})["LoadBalancerAttributes"])
		if !strings.Contains(string(b), `{"Key":"access_logs.s3.enabled","Value":"true"}`) {
			t.Errorf("access logs are not enabled: %s", b)
		}
	}
}
