package config

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
)

// EncryptedRootVolume is the root volume of the examples' instances: gp3,
// encrypted, deleted with the instance, of sizeGiB.
func EncryptedRootVolume(sizeGiB float64) *[]*awsec2.BlockDevice {
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
