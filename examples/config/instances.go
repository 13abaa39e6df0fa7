package config

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
)

// Instances are the settings in which the examples' instances differ.
type Instances struct {
	// Type is the instance type, e.g. "t4g.micro".
	Type string
	// ImageID is the AMI, baked during the deploy (a CloudFormation
	// reference).
	ImageID *string
	// UserData runs at first boot.
	UserData awsec2.UserData
	// Role and SecurityGroup are the instances'.
	Role          awsiam.IRole
	SecurityGroup awsec2.ISecurityGroup
	// RootVolumeGiB is the size of the root volume.
	RootVolumeGiB float64
}

// LaunchTemplate creates the launch template ("LaunchTemplate") of the
// examples' instances: IMDSv2 only, detailed monitoring, an encrypted gp3
// root volume, no SSH key.
func LaunchTemplate(stack awscdk.Stack, i Instances) awsec2.LaunchTemplate {
	return awsec2.NewLaunchTemplate(stack, jsii.String("LaunchTemplate"), &awsec2.LaunchTemplateProps{
		InstanceType:       awsec2.NewInstanceType(jsii.String(i.Type)),
		MachineImage:       BakedImage(i.ImageID),
		UserData:           i.UserData,
		Role:               i.Role,
		SecurityGroup:      i.SecurityGroup,
		RequireImdsv2:      jsii.Bool(true),
		DetailedMonitoring: jsii.Bool(true),
		BlockDevices:       encryptedRootVolume(i.RootVolumeGiB),
	})
}

// OneAtATime is how the examples' Auto Scaling groups take new instances,
// which signal CloudFormation once they are ready: creation waits for
// minInstances signals, and an update replaces one instance at a time,
// keeps minInstances in service, and waits up to timeout for each new
// instance's signal; a failure signal, or none in time, rolls the update
// back.
func OneAtATime(minInstances int, timeout awscdk.Duration) (awsautoscaling.Signals, awsautoscaling.UpdatePolicy) {
	return awsautoscaling.Signals_WaitForMinCapacity(&awsautoscaling.SignalsOptions{Timeout: timeout}),
		awsautoscaling.UpdatePolicy_RollingUpdate(&awsautoscaling.RollingUpdateOptions{
			MaxBatchSize:          jsii.Number(1),
			MinInstancesInService: jsii.Number(float64(minInstances)),
			WaitOnResourceSignals: jsii.Bool(true),
			PauseTime:             timeout,
		})
}

// encryptedRootVolume is the root volume of the examples' instances: gp3,
// encrypted, deleted with the instance, of sizeGiB.
func encryptedRootVolume(sizeGiB float64) *[]*awsec2.BlockDevice {
	return &[]*awsec2.BlockDevice{{
		DeviceName: jsii.String("/dev/xvda"),
		Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(sizeGiB), &awsec2.EbsDeviceOptions{
			Encrypted:           jsii.Bool(true),
			VolumeType:          awsec2.EbsDeviceVolumeType_GP3,
			DeleteOnTermination: jsii.Bool(true),
		}),
	}}
}

// ScalingEvents creates the topic ("ScalingEvents") an Auto Scaling group
// notifies of every launch and termination, encrypted with AWS's key for
// SNS and TLS only.
func ScalingEvents(stack awscdk.Stack, displayName string) awssns.Topic {
	return awssns.NewTopic(stack, jsii.String("ScalingEvents"), &awssns.TopicProps{
		DisplayName: jsii.String(displayName),
		MasterKey:   awskms.Alias_FromAliasName(stack, jsii.String("SnsKey"), jsii.String("alias/aws/sns")),
		EnforceSSL:  jsii.Bool(true),
	})
}
