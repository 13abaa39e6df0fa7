package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/nag"
)

// ImageBuilder is where the examples that run on instances (ec2, and
// containers on EC2 capacity) bake their AMIs with EC2 Image Builder during
// the deploy: the build instances' role and infrastructure, and the role
// that deletes superseded images.
type ImageBuilder struct {
	// Role is the build and test instances' role: Systems Manager runs the
	// components on them. Grant it what the components read.
	Role awsiam.Role
	// Infrastructure runs the builds in a private subnet of the VPC,
	// IMDSv2 only, and terminates a failed build's instance.
	Infrastructure awsimagebuilder.CfnInfrastructureConfiguration
	// Cleanup is the role Image Builder deregisters superseded AMIs and
	// deletes their snapshots with, when CloudFormation replaces or deletes
	// an image (a rollback keeps the previous one: CloudFormation deletes
	// the replaced image only after a successful update).
	Cleanup awsiam.Role

	scope constructs.Construct
	vpc   awsec2.IVpc
}

// UpdateLinuxComponent is AWS's Image Builder component that installs the
// latest OS updates, in the newest version Image Builder has when it
// builds.
const UpdateLinuxComponent = "arn:${AWS::Partition}:imagebuilder:${AWS::Region}:aws:component/update-linux/x.x.x"

// Image creates the image ("Image") of recipe, built during the deploy:
// Image Builder launches a build instance, runs the recipe's components,
// tests the AMI on a fresh instance (up to an hour), and the image's
// ImageId is the AMI. tags go on the image.
func (b ImageBuilder) Image(recipe awsimagebuilder.CfnImageRecipe, tags map[string]*string) awsimagebuilder.CfnImage {
	image := awsimagebuilder.NewCfnImage(b.scope, jsii.String("Image"), &awsimagebuilder.CfnImageProps{
		ImageRecipeArn:                 recipe.AttrArn(),
		InfrastructureConfigurationArn: b.Infrastructure.AttrArn(),
		EnhancedImageMetadataEnabled:   jsii.Bool(true),
		ImageTestsConfiguration: &awsimagebuilder.CfnImage_ImageTestsConfigurationProperty{
			ImageTestsEnabled: jsii.Bool(true),
			TimeoutMinutes:    jsii.Number(60),
		},
		DeletionSettings: &awsimagebuilder.CfnImage_DeletionSettingsProperty{ExecutionRole: b.Cleanup.RoleArn()},
		Tags:             &tags,
	})
	// The build instance needs its permissions and a route to the internet
	// (the NAT gateway) before the build starts; nothing in the image's
	// properties says so.
	image.Node().AddDependency(b.Role, b.vpc)
	return image
}

// NewImageBuilder creates, in c, the Image Builder infrastructure of the
// stack named name, in vpc; Image then creates the image in c too.
func NewImageBuilder(c constructs.Construct, name string, vpc awsec2.IVpc) ImageBuilder {
	role := awsiam.NewRole(c, jsii.String("BuildInstanceRole"), &awsiam.RoleProps{
		Description: jsii.String("EC2 Image Builder build and test instances of " + name),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AmazonSSMManagedInstanceCore")),
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("EC2InstanceProfileForImageBuilder")),
		},
	})
	nag.Suppress(role, true, nag.Rule{ID: "AwsSolutions-IAM4",
		AppliesTo: []string{
			"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/EC2InstanceProfileForImageBuilder",
		},
		Reason: "AWS's managed policies for Image Builder build instances: Systems Manager runs the build on the instance, and Image Builder reads its components and writes its logs; AWS keeps them in step with the service."})
	profile := awsiam.NewInstanceProfile(c, jsii.String("BuildInstanceProfile"), &awsiam.InstanceProfileProps{Role: role})

	sg := awsec2.NewSecurityGroup(c, jsii.String("BuildInstanceSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("Image Builder build instances: no inbound; outbound for OS packages, S3 and Systems Manager"),
		AllowAllOutbound: jsii.Bool(true),
	})
	infra := awsimagebuilder.NewCfnInfrastructureConfiguration(c, jsii.String("Infrastructure"), &awsimagebuilder.CfnInfrastructureConfigurationProps{
		Name:                       jsii.String(name + "-builder"),
		Description:                jsii.String("Where the images of " + name + " are built: a private subnet of its VPC"),
		InstanceProfileName:        profile.InstanceProfileName(),
		InstanceTypes:              jsii.Strings("t4g.small"),
		SubnetId:                   (*vpc.PrivateSubnets())[0].SubnetId(),
		SecurityGroupIds:           jsii.Strings(*sg.SecurityGroupId()),
		TerminateInstanceOnFailure: jsii.Bool(true),
		InstanceMetadataOptions:    &awsimagebuilder.CfnInfrastructureConfiguration_InstanceMetadataOptionsProperty{HttpTokens: jsii.String("required")},
		ResourceTags:               &map[string]*string{"velocity:stack": jsii.String(name)},
		Tags:                       &map[string]*string{"velocity:stack": jsii.String(name)},
	})

	cleanup := awsiam.NewRole(c, jsii.String("CleanupRole"), &awsiam.RoleProps{
		Description: jsii.String("Lets EC2 Image Builder delete the superseded AMIs and snapshots of " + name),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("imagebuilder.amazonaws.com"), nil),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/EC2ImageBuilderLifecycleExecutionPolicy")),
		},
	})
	nag.Suppress(cleanup, true, nag.Rule{ID: "AwsSolutions-IAM4",
		AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy"},
		Reason:    "AWS's managed policy for Image Builder's image deletion: it may only deregister AMIs and delete snapshots tagged as created by EC2 Image Builder."})
	return ImageBuilder{Role: role, Infrastructure: infra, Cleanup: cleanup, scope: c, vpc: vpc}
}

// ImageVersion maps a fingerprint of what goes into an image to the
// semantic version Image Builder requires of components and recipes:
// 1.0.n, where n is the first 8 hex digits of the fingerprint's SHA-256
// modulo 2^30 (the largest number Image Builder accepts in a version is
// 2^30-1). The same input always gives the same version, and a different
// one a different version with near certainty. Components and recipes are
// immutable, and CloudFormation replaces them (the new one first) when
// their content changes: a new version for each change is what lets it.
func ImageVersion(fingerprint string) string {
	sum := sha256.Sum256([]byte(fingerprint))
	n, err := strconv.ParseUint(hex.EncodeToString(sum[:])[:8], 16, 64)
	if err != nil {
		panic(err) // cannot happen: 8 hex digits
	}
	return fmt.Sprintf("1.0.%d", n%(1<<30))
}

// BakedImage is an AMI Image Builder builds during the deploy, as an
// awsec2.IMachineImage for a launch template: its ID (a CloudFormation
// reference) is only known at deploy time.
func BakedImage(id *string) awsec2.IMachineImage { return &bakedImage{id: id} }

type bakedImage struct {
	id *string
}

// GetImage returns the AMI ID for Linux.
func (i *bakedImage) GetImage(_ constructs.Construct) *awsec2.MachineImageConfig {
	return &awsec2.MachineImageConfig{
		ImageId:  i.id,
		OsType:   awsec2.OperatingSystemType_LINUX,
		UserData: awsec2.UserData_ForLinux(nil),
	}
}
