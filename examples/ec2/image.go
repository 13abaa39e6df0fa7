package ec2

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/nag"
)

// parentImage is the image every build starts from: the latest Amazon Linux
// 2023 for arm64, as published by AWS in Image Builder. "x.x.x" makes Image
// Builder pick the newest version when it builds, so no AMI ID is looked up
// at synth.
const parentImage = "arn:${AWS::Partition}:imagebuilder:${AWS::Region}:aws:image/amazon-linux-2023-arm64/x.x.x"

// updateComponent is AWS's component that installs the latest OS updates
// before the service is installed.
const updateComponent = "arn:${AWS::Partition}:imagebuilder:${AWS::Region}:aws:component/update-linux/x.x.x"

// componentDocument is the AWSTOE document that bakes the service into the
// image. The @NAME@ placeholders are filled in by newServiceImage. The build
// phase installs the packages the instance needs at boot (the CloudWatch
// agent, cfn-signal from aws-cfn-bootstrap), a non-root system user, the
// server binary and its systemd unit from the bundle, and enables the unit;
// validate checks the result on the build instance; test runs on a fresh
// instance launched from the new image and passes only when the service has
// started by itself and answers its health check.
const componentDocument = `name: factorial-server
description: Installs the factorial server as a systemd service, with the CloudWatch agent and cfn-signal.
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: InstallPackages
        action: ExecuteBash
        inputs:
          commands:
            - dnf install -y awscli-2 unzip logrotate amazon-cloudwatch-agent aws-cfn-bootstrap
      - name: CreateServiceUser
        action: ExecuteBash
        inputs:
          commands:
            - getent passwd @USER@ >/dev/null || useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /sbin/nologin @USER@
      - name: InstallServer
        action: ExecuteBash
        inputs:
          commands:
            - set -euo pipefail
            - bundle="$(mktemp -d)"
            - aws s3 cp --region @REGION@ "s3://@BUCKET@/@KEY@" "$bundle/bundle.zip"
            - unzip -q "$bundle/bundle.zip" -d "$bundle"
            - install -o root -g root -m 0755 "$bundle/server" @BINARY@
            - install -o root -g root -m 0644 "$bundle/@SERVICE@.service" /etc/systemd/system/@SERVICE@.service
            - install -o root -g root -m 0644 "$bundle/@SERVICE@.logrotate" /etc/logrotate.d/@SERVICE@
            - install -d -o root -g root -m 0755 @LOGDIR@
            - rm -rf "$bundle"
            - systemctl daemon-reload
            - systemctl enable @SERVICE@.service
            - systemctl enable logrotate.timer
  - name: validate
    steps:
      - name: CheckInstallation
        action: ExecuteBash
        inputs:
          commands:
            - set -euo pipefail
            - test -x @BINARY@
            - systemctl is-enabled @SERVICE@.service
            - test -x /opt/aws/bin/cfn-signal
            - test -x /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl
  - name: test
    steps:
      - name: ServiceAnswersHealthCheck
        action: ExecuteBash
        inputs:
          commands:
            - for i in $(seq 30); do if @BINARY@ -healthcheck; then exit 0; fi; sleep 2; done
            - systemctl status @SERVICE@.service --no-pager || true
            - exit 1
`

// serviceImage is the AMI with the service baked in, and what it is made of.
type serviceImage struct {
	// image builds the AMI while CloudFormation deploys the stack; its
	// AttrImageId is the AMI ID.
	image awsimagebuilder.CfnImage
}

// newServiceImage defines the EC2 Image Builder resources that turn the
// server bundle into an AMI during the deploy. Components and recipes are
// immutable in Image Builder, and CloudFormation replaces them (creating the
// new one first) whenever their content changes; their version is therefore
// derived from the bundle's hash and from what the component and recipe
// say, so each change gets a new version, a new image, and a rolling update.
// Names carry the stack name, so staging and production can share an account.
func newServiceImage(scope constructs.Construct, id string, vpc awsec2.IVpc) serviceImage {
	c := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(c)
	name := *stack.StackName()

	bundle := serverBundle(c, "ServerBundle")
	version := imageVersion(*bundle.AssetHash() + componentDocument + parentImage + updateComponent)

	// The build instance: Systems Manager runs the components on it; it
	// reads the bundle and nothing else of the account.
	role := awsiam.NewRole(c, jsii.String("BuildInstanceRole"), &awsiam.RoleProps{
		Description: jsii.String("EC2 Image Builder build and test instances of " + name),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AmazonSSMManagedInstanceCore")),
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("EC2InstanceProfileForImageBuilder")),
		},
	})
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:GetObject"),
		Resources: jsii.Strings(*bundle.Bucket().ArnForObjects(bundle.S3ObjectKey())),
	}))
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

	document := strings.NewReplacer(
		"@USER@", serviceUser,
		"@SERVICE@", serviceName,
		"@BINARY@", serverBinary,
		"@LOGDIR@", logDir,
		"@REGION@", *awscdk.Aws_REGION(),
		"@BUCKET@", *bundle.S3BucketName(),
		"@KEY@", *bundle.S3ObjectKey(),
	).Replace(componentDocument)
	component := awsimagebuilder.NewCfnComponent(c, jsii.String("Component"), &awsimagebuilder.CfnComponentProps{
		Name:              jsii.String(name + "-server"),
		Version:           jsii.String(version),
		Platform:          jsii.String("Linux"),
		Description:       jsii.String("Factorial server from bundle " + *bundle.AssetHash()),
		ChangeDescription: jsii.String("Bundle " + *bundle.AssetHash()),
		Data:              jsii.String(document),
	})
	recipe := awsimagebuilder.NewCfnImageRecipe(c, jsii.String("Recipe"), &awsimagebuilder.CfnImageRecipeProps{
		Name:        jsii.String(name + "-server"),
		Version:     jsii.String(version),
		Description: jsii.String("Amazon Linux 2023 (arm64), updated, with the factorial server from bundle " + *bundle.AssetHash()),
		ParentImage: awscdk.Fn_Sub(jsii.String(parentImage), nil),
		Components: &[]interface{}{
			&awsimagebuilder.CfnImageRecipe_ComponentConfigurationProperty{ComponentArn: awscdk.Fn_Sub(jsii.String(updateComponent), nil)},
			&awsimagebuilder.CfnImageRecipe_ComponentConfigurationProperty{ComponentArn: component.AttrArn()},
		},
		AmiTags: &map[string]*string{
			"velocity:stack":  jsii.String(name),
			"velocity:bundle": bundle.AssetHash(),
		},
	})

	// When CloudFormation replaces or deletes an image, Image Builder
	// deregisters its AMI and deletes its snapshots with this role, so
	// superseded AMIs do not pile up. (A rollback keeps the previous image:
	// CloudFormation only deletes the replaced one after a successful update.)
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

	image := awsimagebuilder.NewCfnImage(c, jsii.String("Image"), &awsimagebuilder.CfnImageProps{
		ImageRecipeArn:                 recipe.AttrArn(),
		InfrastructureConfigurationArn: infra.AttrArn(),
		EnhancedImageMetadataEnabled:   jsii.Bool(true),
		ImageTestsConfiguration: &awsimagebuilder.CfnImage_ImageTestsConfigurationProperty{
			ImageTestsEnabled: jsii.Bool(true),
			TimeoutMinutes:    jsii.Number(60),
		},
		DeletionSettings: &awsimagebuilder.CfnImage_DeletionSettingsProperty{ExecutionRole: cleanup.RoleArn()},
		Tags:             &map[string]*string{"velocity:stack": jsii.String(name), "velocity:bundle": bundle.AssetHash()},
	})
	// The build instance needs its permissions and a route to the internet
	// (the NAT gateway) before the build starts; nothing in the image's
	// properties says so.
	image.Node().AddDependency(role, vpc)
	return serviceImage{image: image}
}

// imageVersion maps a fingerprint of what goes into the image to the
// semantic version Image Builder requires: 1.0.n, where n is the first 8 hex
// digits of the fingerprint's SHA-256 modulo 2^30 (the largest number Image
// Builder accepts in a version is 2^30-1). The same input always gives the
// same version, and a different one a different version with near
// certainty.
func imageVersion(fingerprint string) string {
	sum := sha256.Sum256([]byte(fingerprint))
	n, err := strconv.ParseUint(hex.EncodeToString(sum[:])[:8], 16, 64)
	if err != nil {
		panic(err) // cannot happen: 8 hex digits
	}
	return fmt.Sprintf("1.0.%d", n%(1<<30))
}
