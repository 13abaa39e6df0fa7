package ec2

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/config"
)

// parentImage is the image every build starts from: the latest Amazon Linux
// 2023 for arm64, as published by AWS in Image Builder. "x.x.x" makes Image
// Builder pick the newest version when it builds, so no AMI ID is looked up
// at synth.
const parentImage = "arn:${AWS::Partition}:imagebuilder:${AWS::Region}:aws:image/amazon-linux-2023-arm64/x.x.x"

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
	version := config.ImageVersion(*bundle.AssetHash() + componentDocument + parentImage + config.UpdateLinuxComponent)

	// The build instance reads the bundle and nothing else of the account.
	builder := config.NewImageBuilder(c, name, vpc)
	builder.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:GetObject"),
		Resources: jsii.Strings(*bundle.Bucket().ArnForObjects(bundle.S3ObjectKey())),
	}))

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
			&awsimagebuilder.CfnImageRecipe_ComponentConfigurationProperty{ComponentArn: awscdk.Fn_Sub(jsii.String(config.UpdateLinuxComponent), nil)},
			&awsimagebuilder.CfnImageRecipe_ComponentConfigurationProperty{ComponentArn: component.AttrArn()},
		},
		AmiTags: &map[string]*string{
			"velocity:stack":  jsii.String(name),
			"velocity:bundle": bundle.AssetHash(),
		},
	})

	image := builder.Image(recipe, map[string]*string{"velocity:stack": jsii.String(name), "velocity:bundle": bundle.AssetHash()})
	return serviceImage{image: image}
}
