package containers

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsimagebuilder"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/config"
)

// hardeningDocument is the AWSTOE document that hardens the ECS-optimized
// image for the cluster. The build phase installs cfn-signal (the
// instances signal CloudFormation when they have joined the cluster),
// masks the SSH server (the instances are reached with Session Manager
// only), keeps the SSM agent enabled, and stops the ECS agent and clears
// its state, so that no instance starts with the build instance's
// identity; validate checks it on the build instance; test checks, on a
// fresh instance launched from the image, that nothing listens on port 22,
// that the SSM agent runs and that the ECS agent will start. (It cannot
// run there: the test instance belongs to no cluster.)
const hardeningDocument = `name: ecs-cluster-hardening
description: "Hardens the ECS-optimized Amazon Linux 2023 for the cluster: cfn-signal, no SSH server, the SSM agent on."
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: InstallPackages
        action: ExecuteBash
        inputs:
          commands:
            - set -euo pipefail
            - dnf install -y aws-cfn-bootstrap
      - name: RemoveSsh
        action: ExecuteBash
        inputs:
          commands:
            - set -euo pipefail
            - systemctl disable --now sshd.service
            - systemctl mask sshd.service
      - name: EnableSsmAgent
        action: ExecuteBash
        inputs:
          commands:
            - set -euo pipefail
            - systemctl enable amazon-ssm-agent.service
      - name: ClearEcsAgentState
        action: ExecuteBash
        inputs:
          commands:
            - set -euo pipefail
            - systemctl stop ecs.service
            - rm -rf /var/lib/ecs/data/*
  - name: validate
    steps:
      - name: CheckHardening
        action: ExecuteBash
        inputs:
          commands:
            - set -euo pipefail
            - test -x /opt/aws/bin/cfn-signal
            - test "$(systemctl is-enabled sshd.service)" = masked
            - systemctl is-enabled amazon-ssm-agent.service
            - systemctl is-enabled ecs.service
  - name: test
    steps:
      - name: NoSshServer
        action: ExecuteBash
        inputs:
          commands:
            - set -euo pipefail
            - if ss -ltnH | grep -q ':22 '; then echo "something listens on port 22"; exit 1; fi
            - systemctl is-active amazon-ssm-agent.service
            - systemctl is-enabled ecs.service
`

// The descriptions of the component and the recipe.
const (
	componentDescription = "Hardening of the ECS-optimized Amazon Linux 2023 for the factorial service's cluster"
	recipeDescription    = "ECS-optimized Amazon Linux 2023 (arm64), updated and hardened"
)

// newClusterImage defines the EC2 Image Builder resources that bake the
// cluster's AMI during the deploy: the latest ECS-optimized Amazon Linux
// 2023 for arm64, as AWS publishes it in the public Systems Manager
// parameter (a CloudFormation parameter, resolved by CloudFormation at
// every deploy, never looked up at synth), updated and hardened. The
// recipe's name holds the base AMI's ID, and its version a hash of what
// the recipe and the hardening say: a new base AMI from AWS, or a change
// to the hardening, is a new recipe, a new image and a rolling update of
// the instances; a deploy with neither changes nothing. The line deploys
// on every change, and weekly (see NewPipelineStackOn), so a new base AMI
// reaches the cluster within a week.
func newClusterImage(scope constructs.Construct, id string, vpc awsec2.IVpc) awsimagebuilder.CfnImage {
	c := constructs.NewConstruct(scope, jsii.String(id))
	name := *awscdk.Stack_Of(c).StackName()
	base := awsecs.EcsOptimizedImage_AmazonLinux2023(awsecs.AmiHardwareType_ARM, nil).GetImage(c).ImageId
	// Image Builder refuses a component or recipe it already has by name
	// and version, and CloudFormation replaces one for any change: the
	// version covers everything they say but the base AMI, which is in
	// the recipe's name.
	version := config.ImageVersion(hardeningDocument + config.UpdateLinuxComponent + componentDescription + recipeDescription)
	builder := config.NewImageBuilder(c, name, vpc)

	component := awsimagebuilder.NewCfnComponent(c, jsii.String("Component"), &awsimagebuilder.CfnComponentProps{
		Name:              jsii.String(name + "-ecs-hardening"),
		Version:           jsii.String(version),
		Platform:          jsii.String("Linux"),
		Description:       jsii.String(componentDescription),
		ChangeDescription: jsii.String("Hardening " + version),
		Data:              jsii.String(hardeningDocument),
	})
	recipe := awsimagebuilder.NewCfnImageRecipe(c, jsii.String("Recipe"), &awsimagebuilder.CfnImageRecipeProps{
		Name:        awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String(name + "-ecs-"), base}),
		Version:     jsii.String(version),
		Description: jsii.String(recipeDescription),
		ParentImage: base,
		Components: &[]interface{}{
			&awsimagebuilder.CfnImageRecipe_ComponentConfigurationProperty{ComponentArn: awscdk.Fn_Sub(jsii.String(config.UpdateLinuxComponent), nil)},
			&awsimagebuilder.CfnImageRecipe_ComponentConfigurationProperty{ComponentArn: component.AttrArn()},
		},
		AmiTags: &map[string]*string{"velocity:stack": jsii.String(name), "velocity:base-image": base},
	})
	image := builder.Image(recipe, map[string]*string{"velocity:stack": jsii.String(name)})
	return image
}
