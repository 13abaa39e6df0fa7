package stages

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscodecommit"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Source is step 1 of the line: where changes come from. Every change a
// source delivers is versioned (a git commit or an S3 object version), so any
// run of the line can be traced back to exactly what it shipped.
//
// Velocity ships GitHub, GitLab, Bitbucket, CodeCommit, S3 and SourceBucket;
// a team may implement Source for anything CDK Pipelines can read.
type Source interface {
	// Validate reports every invalid setting as one error that joins a
	// Problem per setting (Problems.Err), with prop paths relative to the
	// source (for example "Repository").
	Validate() error
	// Produce creates the CDK Pipelines source in scope. It is the input of
	// the Build step.
	Produce(scope constructs.Construct, line *Line) pipelines.CodePipelineSource
	// Connect runs once the CodePipeline exists, to wire what starts the
	// line: V2 trigger filters or an EventBridge rule. action is the
	// pipeline's source action.
	Connect(scope constructs.Construct, pipeline awscodepipeline.Pipeline, action awscodepipeline.IAction)
}

// GitOptions configures a git source reached through an AWS CodeConnections
// (formerly CodeStar) connection.
type GitOptions struct {
	// ConnectionArn is the ARN of an AVAILABLE CodeConnections connection to
	// the provider (create it once in the console; it needs a human to
	// authorize). Required.
	ConnectionArn string
	// Branch is the branch the line ships. Default: "main".
	Branch string
	// IncludePaths starts the line only for pushes that change a file
	// matching one of these glob patterns (CodePipeline V2 trigger filter).
	// Default: every push to Branch starts the line.
	IncludePaths []string
	// ExcludePaths ignores pushes that only change files matching these
	// glob patterns, for example "docs/**".
	ExcludePaths []string
	// Tags also starts the line when a tag matching one of these glob
	// patterns is pushed, for example "v*".
	Tags []string
}

// gitSource is a repository behind a CodeConnections connection.
type gitSource struct {
	provider   string
	repository string
	opts       GitOptions
	repoRule   *regexp.Regexp
	repoWant   string
}

var (
	githubRepo    = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)
	gitlabRepo    = regexp.MustCompile(`^[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)+$`)
	bitbucketRepo = regexp.MustCompile(`^[A-Za-z0-9._-]{1,62}/[A-Za-z0-9._-]{1,62}$`)
	connectionArn = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:(?:codestar-connections|codeconnections):[a-z]{2}(?:-[a-z]+)+-[0-9]:[0-9]{12}:connection/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// GitHub ships the GitHub repository "owner/name" through a CodeConnections
// connection, starting the line on every push to the branch (narrowed by the
// trigger filters in opts).
func GitHub(repository string, opts GitOptions) Source {
	return &gitSource{provider: "GitHub", repository: repository, opts: opts,
		repoRule: githubRepo, repoWant: `"owner/name", e.g. "acme/shop"`}
}

// GitLab ships the GitLab project "group/name" (subgroups allowed:
// "group/sub/name") through a CodeConnections connection.
func GitLab(repository string, opts GitOptions) Source {
	return &gitSource{provider: "GitLab", repository: repository, opts: opts,
		repoRule: gitlabRepo, repoWant: `"group/name" or "group/subgroup/name"`}
}

// Bitbucket ships the Bitbucket repository "workspace/name" through a
// CodeConnections connection.
func Bitbucket(repository string, opts GitOptions) Source {
	return &gitSource{provider: "Bitbucket", repository: repository, opts: opts,
		repoRule: bitbucketRepo, repoWant: `"workspace/name"`}
}

func (g *gitSource) branch() string {
	if g.opts.Branch == "" {
		return "main"
	}
	return g.opts.Branch
}

func (g *gitSource) filtered() bool {
	return len(g.opts.IncludePaths)+len(g.opts.ExcludePaths)+len(g.opts.Tags) > 0
}

// Validate implements Source.
func (g *gitSource) Validate() error {
	var ps Problems
	if !g.repoRule.MatchString(g.repository) || strings.Contains(g.repository, "..") {
		ps.Add("Repository", g.repository, fmt.Sprintf("a %s repository %s", g.provider, g.repoWant))
	}
	if !connectionArn.MatchString(g.opts.ConnectionArn) {
		ps.Add("ConnectionArn", g.opts.ConnectionArn,
			"a CodeConnections ARN like arn:aws:codeconnections:eu-west-1:123456789012:connection/<uuid>")
	} else if problem := connectionPlace(g.opts.ConnectionArn); problem != "" {
		ps.Add("ConnectionArn", g.opts.ConnectionArn, problem)
	}
	if g.opts.Branch != "" && !validBranch(g.opts.Branch) {
		ps.Add("Branch", g.opts.Branch, "a git branch name (see git check-ref-format)")
	}
	for _, f := range []struct {
		name     string
		patterns []string
	}{{"IncludePaths", g.opts.IncludePaths}, {"ExcludePaths", g.opts.ExcludePaths}, {"Tags", g.opts.Tags}} {
		name, patterns := f.name, f.patterns
		if len(patterns) > 8 {
			ps.Add(name, strings.Join(patterns, ","), "at most 8 patterns (a CodePipeline trigger filter limit)")
		}
		for i, p := range patterns {
			if strings.TrimSpace(p) == "" || len(p) > 255 {
				ps.Add(fmt.Sprintf("%s[%d]", name, i), p, "a non-empty glob pattern of at most 255 characters")
			}
		}
	}
	return ps.Err()
}

// Produce implements Source.
func (g *gitSource) Produce(scope constructs.Construct, line *Line) pipelines.CodePipelineSource {
	return pipelines.CodePipelineSource_Connection(jsii.String(g.repository), jsii.String(g.branch()), &pipelines.ConnectionSourceOptions{
		ConnectionArn: jsii.String(g.opts.ConnectionArn),
		ActionName:    jsii.String(g.provider),
		// With filters, a V2 trigger decides which pushes start the line.
		TriggerOnPush: jsii.Bool(!g.filtered()),
	})
}

// Connect implements Source: it adds the V2 trigger with the filters.
func (g *gitSource) Connect(scope constructs.Construct, pipeline awscodepipeline.Pipeline, action awscodepipeline.IAction) {
	if !g.filtered() {
		return
	}
	filters := []*awscodepipeline.GitPushFilter{{
		BranchesIncludes:  jsii.Strings(g.branch()),
		FilePathsIncludes: stringsOrNil(g.opts.IncludePaths),
		FilePathsExcludes: stringsOrNil(g.opts.ExcludePaths),
	}}
	if len(g.opts.Tags) > 0 {
		filters = append(filters, &awscodepipeline.GitPushFilter{TagsIncludes: stringsOrNil(g.opts.Tags)})
	}
	pipeline.AddTrigger(&awscodepipeline.TriggerProps{
		ProviderType: awscodepipeline.ProviderType_CODE_STAR_SOURCE_CONNECTION,
		GitConfiguration: &awscodepipeline.GitConfiguration{
			SourceAction: action,
			PushFilter:   &filters,
		},
	})
}

// codeCommitSource is an existing CodeCommit repository.
type codeCommitSource struct {
	repository awscodecommit.IRepository
	branch     string
}

// CodeCommit ships an existing CodeCommit repository, starting the line on
// every push to branch (an EventBridge rule, no polling).
func CodeCommit(repository awscodecommit.IRepository, branch string) Source {
	return &codeCommitSource{repository: repository, branch: branch}
}

// Validate implements Source.
func (c *codeCommitSource) Validate() error {
	var ps Problems
	if c.repository == nil {
		ps.Add("Repository", "nil", "an awscodecommit.IRepository, e.g. from awscodecommit.Repository_FromRepositoryName")
	}
	if !validBranch(c.branch) {
		ps.Add("Branch", c.branch, "a git branch name (see git check-ref-format)")
	}
	return ps.Err()
}

// Produce implements Source.
func (c *codeCommitSource) Produce(scope constructs.Construct, line *Line) pipelines.CodePipelineSource {
	return pipelines.CodePipelineSource_CodeCommit(c.repository, jsii.String(c.branch), &pipelines.CodeCommitSourceOptions{
		ActionName: jsii.String("CodeCommit"),
	})
}

// Connect implements Source; CDK Pipelines already adds the event rule.
func (c *codeCommitSource) Connect(constructs.Construct, awscodepipeline.Pipeline, awscodepipeline.IAction) {
}

func stringsOrNil(s []string) *[]*string {
	if len(s) == 0 {
		return nil
	}
	return jsii.Strings(s...)
}

// connectionPlace checks the region and partition of a connection ARN: a
// region aws-cdk-lib knows, in the partition that region belongs to.
func connectionPlace(arn string) string {
	parts := strings.Split(arn, ":")
	partition, region := parts[1], parts[3]
	want := "aws"
	switch {
	case strings.HasPrefix(region, "cn-"):
		want = "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		want = "aws-us-gov"
	case strings.Contains(region, "-iso"), strings.HasPrefix(region, "eusc-"):
		return "" // isolated partitions: not checked here
	}
	switch {
	case !knownRegion(region):
		return fmt.Sprintf("a connection in an AWS region (%s is none aws-cdk-lib knows)", region)
	case partition != want:
		return fmt.Sprintf("an ARN in the %s partition, where %s is", want, region)
	}
	return ""
}
