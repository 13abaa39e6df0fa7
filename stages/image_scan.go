package stages

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/nag"
	"github.com/velocity-cdk/velocity/security"
)

// CheckImages is the image scan: the container images of the staging
// stage, judged by their Amazon ECR scan before the stage deploys them. It
// names the staging stage's first action ("ImageScan") and the check in
// the line's security metadata.
const CheckImages CheckKind = "ImageScan"

// imageScanTool is how the line's metadata names the image scan's tool.
const imageScanTool = "Amazon ECR image scan"

// imageScanWaitMinutes is how long the job waits for a scan of one image
// to finish: a basic scan takes a minute or two, Amazon Inspector's first
// scan of a new image a few more. The job's default timeout leaves each
// image this long (SecurityChecks.Timeout, when set, must too).
const imageScanWaitMinutes = 20

// containerImage is one place an image of the stage is published to, as
// the stage's asset manifest says: CDK Pipelines' Assets stage (or the
// Build job) pushes it there before the stage deploys. Values may hold the
// manifest's placeholders ${AWS::AccountId}, ${AWS::Region} and
// ${AWS::Partition}, which stand for the pipeline's own account and region.
type containerImage struct {
	RepositoryName string `json:"repositoryName"`
	ImageTag       string `json:"imageTag"`
	Region         string `json:"region"`
	AssumeRoleArn  string `json:"assumeRoleArn"`
}

// assetManifest is the part of a stack's *.assets.json the scan reads.
type assetManifest struct {
	DockerImages map[string]struct {
		Destinations map[string]containerImage `json:"destinations"`
	} `json:"dockerImages"`
}

// stageImages returns the container images the stage's stacks deploy, in
// a stable order, from the asset manifests of the stage's cloud assembly.
// It synthesizes the stage the way CDK Pipelines does when the stage is
// added to the pipeline (which then reuses this assembly), so it must run
// only once the stage is complete.
func stageImages(stage awscdk.Stage) ([]containerImage, error) {
	dir := *stage.Synth(&awscdk.StageSynthesisOptions{ValidateOnSynthesis: jsii.Bool(true)}).Directory()
	files, err := filepath.Glob(filepath.Join(dir, "*.assets.json"))
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	var images []containerImage
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var m assetManifest
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
		for _, hash := range sortedKeys(m.DockerImages) {
			dests := m.DockerImages[hash].Destinations
			for _, d := range sortedKeys(dests) {
				if img := dests[d]; !slices.Contains(images, img) {
					images = append(images, img)
				}
			}
		}
	}
	return images, nil
}

// ownAccount reports whether the image is published to the pipeline's own
// account (pipelineAccount, "" when the pipeline's stack has no concrete
// account): the job's role then reads it, otherwise it reads it as the
// account's bootstrap lookup role.
func (i containerImage) ownAccount(pipelineAccount string) bool {
	account := arnAccount(i.AssumeRoleArn)
	return account == "" || account == "${AWS::AccountId}" || account == pipelineAccount
}

// arnAccount is the account field of an ARN ("${AWS::AccountId}" for the
// placeholder), "" when there is none.
func arnAccount(arn string) string {
	// The placeholders hold colons of their own.
	const account = "@account@"
	plain := strings.NewReplacer("${AWS::Partition}", "aws", "${AWS::AccountId}", account, "${AWS::Region}", "region").Replace(arn)
	parts := strings.Split(plain, ":")
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	if parts[4] == account {
		return "${AWS::AccountId}"
	}
	return parts[4]
}

// region is the region the image is published in: a manifest without one
// means the pipeline's.
func (i containerImage) region() string {
	if i.Region == "" {
		return "${AWS::Region}"
	}
	return i.Region
}

// lookupRole is the bootstrap lookup role of the image's account and
// region, named like its publishing role: it may read everything but
// secrets (ReadOnlyAccess), and trusts the accounts given to
// `cdk bootstrap --trust` or `--trust-for-lookup`.
func (i containerImage) lookupRole() (string, bool) {
	const publishing, lookup = "-image-publishing-role-", "-lookup-role-"
	if !strings.Contains(i.AssumeRoleArn, publishing) {
		return "", false
	}
	return strings.Replace(i.AssumeRoleArn, publishing, lookup, 1), true
}

// repositoryArn is the ARN of the image's repository.
func (i containerImage) repositoryArn() string {
	account := arnAccount(i.AssumeRoleArn)
	if account == "" {
		account = "${AWS::AccountId}"
	}
	return "arn:${AWS::Partition}:ecr:" + i.region() + ":" + account + ":repository/" + i.RepositoryName
}

// sub resolves the manifest's placeholders in the pipeline's stack.
func sub(s string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	return *awscdk.Fn_Sub(jsii.String(s), nil)
}

// imageScanScript is the job's command for one image, run as
// `sh -c "$script" velocity-image-scan REGION,REPOSITORY,TAG,ROLE OUTPUT`
// (ROLE "-" for the job's own role). It reads the image's scan findings
// into OUTPUT: when the image has no scan yet it starts a basic scan (the
// bootstrap's repository does not scan on push; with Amazon Inspector's
// enhanced scanning, or as a read-only role, it waits for the registry's
// own scan instead), and waits while the scan is IN_PROGRESS or PENDING.
// Whatever status it ends with is velocity-check's to judge: only COMPLETE
// and ACTIVE pass there. Any other failure of the AWS CLI fails the job
// with its message. POSIX sh, and no single quote, so the buildspec can
// quote it.
const imageScanScript = `set -eu
out=$2
IFS=,; set -f; set -- $1; unset IFS; set +f
region=$1 repository=$2 tag=$3 role=$4
image="$repository:$tag in $region"
if [ "$role" != - ]; then
  echo "velocity image scan: reading $image as $role"
  creds=$(aws sts assume-role --role-arn "$role" --role-session-name velocity-image-scan --query "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]" --output text)
  set -- $creds
  export AWS_ACCESS_KEY_ID="$1" AWS_SECRET_ACCESS_KEY="$2" AWS_SESSION_TOKEN="$3"
fi
deadline=$(( $(date +%s) + ${VELOCITY_SCAN_WAIT_SECONDS:-@WAIT@} ))
asked=false
while :; do
  if aws ecr describe-image-scan-findings --region "$region" --repository-name "$repository" --image-id imageTag="$tag" --output json > "$out" 2> "$out.err"; then
    status=$(jq -r ".imageScanStatus.status" "$out")
    if [ "$status" != IN_PROGRESS ] && [ "$status" != PENDING ]; then
      echo "velocity image scan: $image: scan $status"
      exit 0
    fi
    echo "velocity image scan: $image: scan $status, waiting"
  elif grep -q ScanNotFoundException "$out.err"; then
    if [ "$asked" = false ]; then
      asked=true
      if [ "$role" != - ]; then
        # A registry that scans on push, or Amazon Inspector, has a scan
        # within minutes of the push; a read-only role cannot start one.
        short=$(( $(date +%s) + 300 ))
        [ "$short" -ge "$deadline" ] || deadline=$short
        echo "velocity image scan: $image: not scanned yet; waiting up to 5 minutes for the registry to scan it (scan on push or Amazon Inspector; $role may only read findings)"
      elif aws ecr start-image-scan --region "$region" --repository-name "$repository" --image-id imageTag="$tag" > /dev/null 2> "$out.err"; then
        echo "velocity image scan: $image: started a basic scan"
      else
        echo "velocity image scan: $image: could not start a basic scan ($(head -c 300 "$out.err" | tr "\n" " ")); waiting for the registry to scan it (Amazon Inspector)"
      fi
    fi
  else
    cat "$out.err" >&2
    echo "velocity image scan: $image: could not read the scan findings" >&2
    exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    if [ "$role" != - ] && [ "$asked" = true ] && [ -z "${status:-}" ]; then
      echo "velocity image scan: $image: no scan: turn on scan on push (a registry scanning rule for the repository) or Amazon Inspector enhanced scanning in that account" >&2
    else
      echo "velocity image scan: $image: no finished scan after @MINUTES@ minutes" >&2
    fi
    exit 1
  fi
  sleep "${VELOCITY_SCAN_POLL_SECONDS:-15}"
done`

// scanCommand is the command that reads the findings of the image in the
// environment variable imageVar into output.
func scanCommand(imageVar, output string) string {
	script := strings.NewReplacer("@WAIT@", strconv.Itoa(imageScanWaitMinutes*60), "@MINUTES@", strconv.Itoa(imageScanWaitMinutes)).Replace(imageScanScript)
	return `sh -c '` + script + `' velocity-image-scan "$` + imageVar + `" "` + output + `"`
}

// imageScanStep returns the job that gates the staging deploy on the scans
// of the stage's container images, nil when the stage has none or the
// check is off. Each image is scanned and judged in turn, with the
// thresholds and suppressions of the source checks; its JUnit report is
// ecr-N.xml in the report group ImageScanFindings.
func (s *SecurityChecks) imageScanStep(scope constructs.Construct, build *Build, input pipelines.IFileSetProducer, staging awscdk.Stage) (pipelines.CodeBuildStep, error) {
	if s.Images.Off {
		recordDisabled(scope, DisabledCheck{Check: CheckImages, Reason: s.Images.Reason})
		return nil, nil
	}
	images, err := stageImages(staging)
	if err != nil {
		var ps Problems
		ps.Add("Images", *staging.StageName(), "asset manifests the image scan can read: "+err.Error())
		return nil, ps.Err()
	}
	if len(images) == 0 {
		return nil, nil
	}
	if build == nil {
		build = &Build{}
	}
	r := resolver{s: s, build: build, preset: build.preset()}
	th := r.threshold(s.Images)
	pipelineAccount := ""
	if a := awscdk.Stack_Of(scope).Account(); !*awscdk.Token_IsUnresolved(a) {
		pipelineAccount = *a
	}

	env := merge(merge(r.preset.Env, build.Env), map[string]string{"GOTOOLCHAIN": "auto"})
	if len(s.Suppressions) > 0 {
		env["VELOCITY_SUPPRESSIONS"] = suppressionsJSON(s.Suppressions)
	}
	var commands, repositories, roles []string
	var ps Problems
	for n, img := range images {
		role := "-"
		if !img.ownAccount(pipelineAccount) {
			lookup, ok := img.lookupRole()
			if !ok {
				ps.Add("Images", img.AssumeRoleArn, "an image publishing role named like the bootstrap's (cdk-<qualifier>-image-publishing-role-<account>-<region>), so the scan can read the image's account as its lookup role; or turn the image scan off with stages.Off(reason)")
				continue
			}
			role = lookup
			roles = appendNew(roles, sub(lookup))
		} else {
			repositories = appendNew(repositories, sub(img.repositoryArn()))
		}
		name := strconv.Itoa(n + 1)
		imageVar := "VELOCITY_IMAGE_" + name
		env[imageVar] = sub(strings.Join([]string{img.region(), img.RepositoryName, img.ImageTag, role}, ","))
		output := "$VELOCITY_OUT/ecr-" + name + ".json"
		commands = append(commands, scanCommand(imageVar, output), r.judgeAs(security.ECR, "ecr-"+name, output, srcDir, th))
	}
	if len(ps) > 0 {
		return nil, ps.Err()
	}
	// Each image may wait for its scan: the default timeout leaves every
	// one its wait, and 10 minutes for the toolchain and the checker.
	timeout := s.Timeout
	if timeout == 0 {
		timeout = time.Duration(10+imageScanWaitMinutes*len(images)) * time.Minute
	}
	job := Job{
		Install:     []string{`export VELOCITY_OUT="$(mktemp -d)"`},
		Commands:    commands,
		Env:         env,
		Secrets:     s.SecretEnv,
		ComputeType: s.ComputeType,
		Timeout:     timeout,
		Runtimes:    Runtimes{"golang": GoModRuntime},
	}
	recordCheck(scope, CheckImages, imageScanTool, th)
	return job.step(jobSpec{
		scope:       scope,
		id:          string(CheckImages),
		input:       input,
		reportGroup: newReportGroup(scope, "ImageScanFindings"),
		policies:    imageScanPolicies(repositories, roles),
	}), nil
}

// appendNew appends s to list unless it is there already.
func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// suppressImageScanFinding records why the image scan's role may read
// Amazon Inspector's findings on "*"; it runs once CDK Pipelines has made
// the step's project.
func suppressImageScanFinding(step pipelines.CodeBuildStep) {
	role := step.Project().Node().TryFindChild(jsii.String("Role"))
	if role == nil {
		return
	}
	nag.Suppress(role, true, nag.Rule{ID: "AwsSolutions-IAM5", AppliesTo: []string{"Resource::*"},
		Reason: "inspector2:ListFindings and ListCoverage, which ECR needs for the findings of an enhanced (Amazon Inspector) scan, have no resource-level permissions; they only read findings."})
}

// imageScanPolicies let the job read and start the scans of the images in
// the pipeline's account, and assume the lookup roles of the other
// accounts. Amazon Inspector's findings, which ECR returns with enhanced
// scanning, need inspector2:ListFindings and ListCoverage, which have no
// resource-level permissions.
func imageScanPolicies(repositories, roles []string) []awsiam.PolicyStatement {
	var out []awsiam.PolicyStatement
	if len(repositories) > 0 {
		out = append(out,
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ScanImages"),
				Actions:   jsii.Strings("ecr:DescribeImageScanFindings", "ecr:StartImageScan"),
				Resources: jsii.Strings(repositories...),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ReadInspectorFindings"),
				Actions:   jsii.Strings("inspector2:ListFindings", "inspector2:ListCoverage"),
				Resources: jsii.Strings("*"),
			}))
	}
	if len(roles) > 0 {
		out = append(out, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadImagesOfOtherAccounts"),
			Actions:   jsii.Strings("sts:AssumeRole"),
			Resources: jsii.Strings(roles...),
		}))
	}
	return out
}
