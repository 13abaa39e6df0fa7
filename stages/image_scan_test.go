package stages

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestImageAccountAndRoles(t *testing.T) {
	own := containerImage{
		RepositoryName: "cdk-hnb659fds-container-assets-${AWS::AccountId}-${AWS::Region}",
		AssumeRoleArn:  "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-image-publishing-role-${AWS::AccountId}-${AWS::Region}",
	}
	other := containerImage{
		RepositoryName: "cdk-hnb659fds-container-assets-111111111111-eu-west-1",
		Region:         "eu-west-1",
		AssumeRoleArn:  "arn:${AWS::Partition}:iam::111111111111:role/cdk-hnb659fds-image-publishing-role-111111111111-eu-west-1",
	}
	if !own.ownAccount("") || !own.ownAccount("222222222222") {
		t.Errorf("an image of the current account is not the pipeline's")
	}
	if other.ownAccount("") || other.ownAccount("222222222222") || !other.ownAccount("111111111111") {
		t.Errorf("ownAccount of an image of 111111111111 is wrong")
	}
	if got, want := own.repositoryArn(), "arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:repository/"+own.RepositoryName; got != want {
		t.Errorf("repositoryArn = %s, want %s", got, want)
	}
	if got, want := other.repositoryArn(), "arn:${AWS::Partition}:ecr:eu-west-1:111111111111:repository/"+other.RepositoryName; got != want {
		t.Errorf("repositoryArn = %s, want %s", got, want)
	}
	role, ok := other.lookupRole()
	if want := "arn:${AWS::Partition}:iam::111111111111:role/cdk-hnb659fds-lookup-role-111111111111-eu-west-1"; !ok || role != want {
		t.Errorf("lookupRole = %s %v, want %s", role, ok, want)
	}
	if _, ok := (containerImage{AssumeRoleArn: "arn:aws:iam::111111111111:role/publisher"}).lookupRole(); ok {
		t.Errorf("a role not named like the bootstrap's has a lookup role")
	}
}

// fakeAWS is an aws command for the scan script: it logs each call with
// the access key it ran with, answers sts assume-role with credentials and
// start-image-scan with startRC, and answers the n-th
// describe-image-scan-findings with describe[n] (the last one again after
// that): "rc|stdout|stderr".
func fakeAWS(t *testing.T, startRC int, describe ...string) (bin, calls string) {
	t.Helper()
	dir := t.TempDir()
	for i, d := range describe {
		if err := os.WriteFile(filepath.Join(dir, "describe."+strconv.Itoa(i+1)), []byte(d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	script := `#!/bin/sh
d=` + dir + `
echo "$* key=${AWS_ACCESS_KEY_ID:-}" >> "$d/calls"
case "$1 $2" in
"sts assume-role") printf "AKIAOTHER\tsecret\ttoken\n"; exit 0 ;;
"ecr start-image-scan") exit ` + strconv.Itoa(startRC) + ` ;;
"ecr describe-image-scan-findings")
  n=$(grep -c describe-image-scan-findings "$d/calls")
  [ -f "$d/describe.$n" ] || n=` + strconv.Itoa(len(describe)) + `
  IFS="|" read -r rc out err < "$d/describe.$n"
  printf "%s\n" "$out"; printf "%s\n" "$err" >&2; exit "$rc" ;;
esac
echo "unexpected call" >&2; exit 99
`
	if err := os.WriteFile(filepath.Join(dir, "aws"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, filepath.Join(dir, "calls")
}

// runScan runs the job's scan command for image in sh, as CodeBuild does,
// with the fake aws command first on PATH, and returns its output, the
// findings file and the aws calls.
func runScan(t *testing.T, bin, calls, image string, env ...string) (log, findings, awsCalls string, err error) {
	t.Helper()
	out := t.TempDir()
	cmd := exec.Command("sh", "-c", scanCommand("VELOCITY_IMAGE_1", "$VELOCITY_OUT/ecr-1.json"))
	cmd.Env = append(os.Environ(), append([]string{"PATH=" + bin + ":" + os.Getenv("PATH"), "VELOCITY_OUT=" + out,
		"VELOCITY_IMAGE_1=" + image, "VELOCITY_SCAN_POLL_SECONDS=0", "AWS_ACCESS_KEY_ID=AKIAJOB"}, env...)...)
	raw, err := cmd.CombinedOutput()
	f, _ := os.ReadFile(filepath.Join(out, "ecr-1.json"))
	c, _ := os.ReadFile(calls)
	return string(raw), string(f), string(c), err
}

const (
	scanNotFound = `254||An error occurred (ScanNotFoundException) when calling the DescribeImageScanFindings operation: Image scan does not exist`
	inProgress   = `0|{"imageScanStatus": {"status": "IN_PROGRESS"}}|`
	complete     = `0|{"imageScanStatus": {"status": "COMPLETE"}, "imageScanFindings": {"findings": []}}|`
)

// An image without a scan gets a basic scan, which the job waits for; the
// findings of the finished scan are what velocity-check judges.
func TestImageScanStartsABasicScanAndWaits(t *testing.T) {
	bin, calls := fakeAWS(t, 0, scanNotFound, inProgress, complete)
	log, findings, aws, err := runScan(t, bin, calls, "eu-west-1,repo,tag1,-")
	if err != nil {
		t.Fatalf("scan failed: %v\n%s", err, log)
	}
	if !strings.Contains(findings, `"COMPLETE"`) {
		t.Errorf("findings = %q, want the finished scan", findings)
	}
	for _, want := range []string{"started a basic scan", "scan IN_PROGRESS, waiting", "scan COMPLETE"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	want := "ecr describe-image-scan-findings --region eu-west-1 --repository-name repo --image-id imageTag=tag1 --output json key=AKIAJOB\n" +
		"ecr start-image-scan --region eu-west-1 --repository-name repo --image-id imageTag=tag1 key=AKIAJOB\n" +
		strings.Repeat("ecr describe-image-scan-findings --region eu-west-1 --repository-name repo --image-id imageTag=tag1 --output json key=AKIAJOB\n", 2)
	if aws != want {
		t.Errorf("aws calls:\n%s\nwant:\n%s", aws, want)
	}
}

// An image of another account is read as its lookup role, which cannot
// start a scan: the job waits for the registry's own.
func TestImageScanOfAnotherAccountUsesItsRole(t *testing.T) {
	bin, calls := fakeAWS(t, 0, scanNotFound, `0|{"imageScanStatus": {"status": "ACTIVE"}, "imageScanFindings": {"enhancedFindings": []}}|`)
	role := "arn:aws:iam::111111111111:role/cdk-hnb659fds-lookup-role-111111111111-eu-west-1"
	log, findings, aws, err := runScan(t, bin, calls, "eu-west-1,repo,tag1,"+role)
	if err != nil {
		t.Fatalf("scan failed: %v\n%s", err, log)
	}
	if !strings.Contains(findings, `"ACTIVE"`) || !strings.Contains(log, "waiting up to 5 minutes for the registry to scan it") {
		t.Errorf("findings %q, log:\n%s", findings, log)
	}
	if !strings.HasPrefix(aws, "sts assume-role --role-arn "+role+" ") || strings.Contains(aws, "start-image-scan") ||
		strings.Count(aws, "describe-image-scan-findings") != 2 || strings.Count(aws, "key=AKIAOTHER") != 2 {
		t.Errorf("aws calls:\n%s", aws)
	}
}

// The job fails, with the AWS CLI's message, when it cannot read the
// findings, and when no scan finishes in time; a finished scan of any
// other status is velocity-check's to refuse.
func TestImageScanFailures(t *testing.T) {
	bin, calls := fakeAWS(t, 0, `254||An error occurred (AccessDeniedException) when calling the DescribeImageScanFindings operation: not authorized`)
	log, _, _, err := runScan(t, bin, calls, "eu-west-1,repo,tag1,-")
	if err == nil || !strings.Contains(log, "AccessDeniedException") || !strings.Contains(log, "could not read the scan findings") {
		t.Errorf("denied: err %v, log:\n%s", err, log)
	}

	bin, calls = fakeAWS(t, 0, inProgress)
	log, _, _, err = runScan(t, bin, calls, "eu-west-1,repo,tag1,-", "VELOCITY_SCAN_WAIT_SECONDS=0")
	if err == nil || !strings.Contains(log, "no finished scan after 20 minutes") {
		t.Errorf("never finished: err %v, log:\n%s", err, log)
	}

	bin, calls = fakeAWS(t, 0, scanNotFound)
	log, _, aws, err := runScan(t, bin, calls, "eu-west-1,repo,tag1,arn:aws:iam::111111111111:role/cdk-hnb659fds-lookup-role-111111111111-eu-west-1", "VELOCITY_SCAN_WAIT_SECONDS=0")
	if err == nil || !strings.Contains(log, "no scan: turn on scan on push") || strings.Contains(aws, "start-image-scan") {
		t.Errorf("another account without scans: err %v, log:\n%s\naws:\n%s", err, log, aws)
	}

	bin, calls = fakeAWS(t, 254, scanNotFound, `0|{"imageScanStatus": {"status": "FAILED", "description": "UnsupportedImageError"}}|`)
	log, findings, _, err := runScan(t, bin, calls, "eu-west-1,repo,tag1,-")
	if err != nil || !strings.Contains(log, "could not start a basic scan") || !strings.Contains(findings, "FAILED") {
		t.Errorf("failed scan: err %v, findings %q, log:\n%s", err, findings, log)
	}
}

func TestImageScanScriptQuotes(t *testing.T) {
	if strings.Contains(imageScanScript, "'") {
		t.Fatal("the scan script has a single quote: the buildspec command quotes it with single quotes")
	}
}
