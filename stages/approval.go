package stages

import (
	"fmt"
	"net/url"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipelineactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Approval is an optional manual approval between staging and production.
// The line waits (up to 7 days, CodePipeline's limit) until a person approves
// or rejects in the console; a notification goes to an SNS topic encrypted
// with the line's KMS key.
type Approval struct {
	// Emails are subscribed to the approval topic (each must confirm the
	// subscription once).
	Emails []string
	// Comment is shown to the approver. Default: a sentence saying staging
	// passed its acceptance tests.
	Comment string
	// ReviewURL is a https link shown to the approver, e.g. the staging
	// dashboard or the release notes.
	ReviewURL string
	// Topic is an existing topic to notify instead of creating one.
	Topic awssns.ITopic
}

// DefaultApprovalComment is the Comment used when none is given.
const DefaultApprovalComment = "Staging passed its acceptance tests. Approve to ship this revision to production."

// Validate reports every invalid setting of the approval.
func (a *Approval) Validate() error {
	var ps Problems
	seen := map[string]bool{}
	for i, e := range a.Emails {
		switch {
		case !ValidEmail(e):
			ps.Add(fmt.Sprintf("Emails[%d]", i), e, "an email address like team@example.com")
		case seen[e]:
			ps.Add(fmt.Sprintf("Emails[%d]", i), e, "each address once (it repeats an earlier entry)")
		}
		seen[e] = true
	}
	// CodePipeline counts characters, not bytes: 300 "é" are 300.
	if runes := []rune(a.Comment); len(runes) > 500 {
		ps.Add("Comment", string(runes[:40])+"...", fmt.Sprintf("at most 500 characters (it has %d)", len(runes)))
	}
	if a.ReviewURL != "" {
		u, err := url.Parse(a.ReviewURL)
		switch n := len([]rune(a.ReviewURL)); {
		case err != nil || u.Scheme != "https" || u.Host == "":
			ps.Add("ReviewURL", a.ReviewURL, "an absolute https URL")
		case n > maxActionConfigValue:
			// The link is a value of the action's configuration, which
			// CodePipeline caps at 1,000 characters.
			ps.Add("ReviewURL", string([]rune(a.ReviewURL)[:60])+"...", fmt.Sprintf("an https URL of at most %d characters (it has %d)", maxActionConfigValue, n))
		}
	}
	return ps.Err()
}

// maxActionConfigValue is the longest value CodePipeline takes in an
// action's configuration (ActionDeclaration.configuration).
const maxActionConfigValue = 1000

// AddTo implements LineStep: a stage named Approval right before the
// first production stage; nothing when the line ends at staging.
func (a *Approval) AddTo(plan *Plan) {
	plan.OnPipeline(func(b Built) {
		if b.FirstProduction == nil {
			return
		}
		b.Pipeline.AddStage(&awscodepipeline.StageOptions{
			StageName: jsii.String("Approval"),
			Placement: &awscodepipeline.StagePlacement{RightBefore: b.FirstProduction},
			Actions:   &[]awscodepipeline.IAction{a.Action(plan.Scope, plan.Line)},
		})
	})
}

// Action creates the approval action, and its topic unless Topic is set.
func (a *Approval) Action(scope constructs.Construct, line *Line) awscodepipeline.IAction {
	topic := a.Topic
	if topic == nil {
		topic = awssns.NewTopic(scope, jsii.String("ApprovalTopic"), &awssns.TopicProps{
			DisplayName: jsii.String("Approval needed: production deploy"),
			MasterKey:   line.Key,
			EnforceSSL:  jsii.Bool(true),
		})
	}
	for _, e := range a.Emails {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(e), nil))
	}
	comment := a.Comment
	if comment == "" {
		comment = DefaultApprovalComment
	}
	props := &awscodepipelineactions.ManualApprovalActionProps{
		ActionName:            jsii.String("Approve"),
		NotificationTopic:     topic,
		AdditionalInformation: jsii.String(comment),
	}
	if a.ReviewURL != "" {
		props.ExternalEntityLink = jsii.String(a.ReviewURL)
	}
	return awscodepipelineactions.NewManualApprovalAction(props)
}
