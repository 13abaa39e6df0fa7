package monitoring_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/monitoring"
)

func ExampleNewAlerts() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Monitoring"), nil)

	alerts := monitoring.NewAlerts(stack, "Alerts", &monitoring.AlertsProps{
		Emails:         []string{"team@example.com"},
		HTTPSEndpoints: []string{"https://hooks.example.com/alerts"},
		// FallbackEmails defaults to Emails.
	})

	// Any alarm of the app can tell the team, in ALARM and back to OK.
	errors := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:  jsii.String("AWS/Lambda"),
		MetricName: jsii.String("Errors"),
		Statistic:  jsii.String("Sum"),
	})
	alerts.Watch(errors.CreateAlarm(stack, jsii.String("Errors"), &awscloudwatch.CreateAlarmOptions{
		Threshold:         jsii.Number(1),
		EvaluationPeriods: jsii.Number(1),
	}))

	tpl := assertions.Template_FromStack(stack, nil)
	subscriptions := tpl.FindResources(jsii.String("AWS::SNS::Subscription"), nil)
	alarms := tpl.FindResources(jsii.String("AWS::CloudWatch::Alarm"), nil)
	fmt.Println(len(*subscriptions), "subscriptions,", len(*alarms), "alarms")
	// Output: 3 subscriptions, 2 alarms
}
