package stages

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipelineactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DefaultSourceKey is the object key SourceBucket watches.
const DefaultSourceKey = "source.zip"

// s3Source is a zip file in a versioned bucket.
type s3Source struct {
	bucket awss3.IBucket
	key    string
	// own is true when the line creates the bucket itself.
	own bool
}

// S3 ships the zip file at key in an existing bucket. The bucket must be
// versioned (each upload is a new version, so every run is traceable) and
// must send its events to Amazon EventBridge (EventBridgeEnabled): the line
// starts on every "Object Created" event for key, without polling and without
// a CloudTrail trail.
func S3(bucket awss3.IBucket, key string) Source {
	return &s3Source{bucket: bucket, key: key}
}

// SourceBucket makes the line create its own source bucket (versioned,
// encrypted with the line's key, public access blocked, TLS only, retained on
// stack deletion) and start on every upload of DefaultSourceKey. It is the
// default source: `cdk deploy` works in a fresh account with no connection to
// a git provider. The bucket's name is a stack output, SourceBucketName.
func SourceBucket() Source {
	return &s3Source{key: DefaultSourceKey, own: true}
}

// Bucket returns the source bucket; for SourceBucket it is nil until Produce.
func (s *s3Source) Bucket() awss3.IBucket { return s.bucket }

// Validate implements Source.
func (s *s3Source) Validate() error {
	var ps Problems
	if !s.own && s.bucket == nil {
		ps.Add("Bucket", "nil", "an awss3.IBucket (versioned, EventBridgeEnabled), or stages.SourceBucket() to let the line create one")
	}
	if problem := unusableBucket(s.bucket); problem != "" {
		ps.Add("Bucket", *s.bucket.Node().Path(), problem)
	}
	if s.key == "" || strings.HasPrefix(s.key, "/") || len(s.key) > 1024 {
		ps.Add("Key", s.key, `an S3 object key without a leading "/", e.g. "source.zip"`)
	}
	return ps.Err()
}

// Produce implements Source.
func (s *s3Source) Produce(scope constructs.Construct, line *Line) pipelines.CodePipelineSource {
	if s.own {
		s.bucket = newSourceBucket(scope, line)
	}
	return pipelines.CodePipelineSource_S3(s.bucket, jsii.String(s.key), &pipelines.S3SourceOptions{
		ActionName: jsii.String("S3"),
		// An EventBridge rule (see Connect) starts the line instead: CDK's
		// EVENTS trigger needs a CloudTrail trail, which a fresh account lacks.
		Trigger: awscodepipelineactions.S3Trigger_NONE,
	})
}

// Connect implements Source: an EventBridge rule starts the pipeline when a
// new version of the key is uploaded.
func (s *s3Source) Connect(scope constructs.Construct, pipeline awscodepipeline.Pipeline, _ awscodepipeline.IAction) {
	awsevents.NewRule(scope, jsii.String("SourceUploaded"), &awsevents.RuleProps{
		Description: jsii.String("Starts the line when a new version of the source zip is uploaded"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.s3"),
			DetailType: jsii.Strings("Object Created"),
			Detail: &map[string]interface{}{
				"bucket": map[string]interface{}{"name": []interface{}{s.bucket.BucketName()}},
				"object": map[string]interface{}{"key": []interface{}{s.key}},
			},
		},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewCodePipeline(pipeline, nil)},
	})
	if s.own {
		awscdk.NewCfnOutput(scope, jsii.String("SourceBucketName"), &awscdk.CfnOutputProps{
			Description: jsii.String("Upload the source zip here as " + s.key + " to start the line"),
			Value:       s.bucket.BucketName(),
		})
	}
}

// unusableBucket says why a bucket defined in this app cannot be the
// line's source, or "": without versioning a run cannot be traced to what
// it shipped, and without EventBridge notifications no upload ever starts
// the line. A bucket imported by name or ARN cannot be checked at synth.
func unusableBucket(b awss3.IBucket) string {
	bucket, ok := b.(awss3.Bucket)
	if !ok {
		return ""
	}
	cfn, ok := bucket.Node().DefaultChild().(awss3.CfnBucket)
	if !ok {
		return ""
	}
	versioned := false
	if vc := cfn.VersioningConfiguration(); vc != nil {
		if m, ok := awscdk.Stack_Of(cfn).Resolve(vc).(map[string]interface{}); ok {
			versioned = m["status"] == "Enabled"
		}
	}
	notified := eventBridgeEnabled(bucket)
	switch {
	case !versioned && !notified:
		return "a bucket with Versioned and EventBridgeEnabled set: every change must be a new version, and only EventBridge events start the line"
	case !versioned:
		return "a bucket with Versioned set: every change must be a new version, so each run can be traced to what it shipped"
	case !notified:
		return "a bucket with EventBridgeEnabled set: the line starts on the bucket's EventBridge events, and without them no upload starts it"
	}
	return ""
}

// eventBridgeEnabled says whether the bucket sends its events to
// EventBridge: aws-cdk-lib puts EventBridgeConfiguration in the
// NotificationConfiguration of the bucket's Custom::S3BucketNotifications
// resource, which it also creates for SQS, SNS and Lambda notifications
// alone.
func eventBridgeEnabled(bucket awss3.Bucket) bool {
	n := bucket.Node().TryFindChild(jsii.String("Notifications"))
	if n == nil {
		return false
	}
	res, ok := n.Node().TryFindChild(jsii.String("Resource")).(awscdk.CfnResource)
	if !ok || res.CfnProperties() == nil {
		return false
	}
	config, ok := awscdk.Stack_Of(res).Resolve((*res.CfnProperties())["NotificationConfiguration"]).(map[string]interface{})
	if !ok {
		return false
	}
	_, enabled := config["EventBridgeConfiguration"]
	return enabled
}

func newSourceBucket(scope constructs.Construct, line *Line) awss3.IBucket {
	return awss3.NewBucket(scope, jsii.String("SourceBucket"), &awss3.BucketProps{
		Versioned:              jsii.Bool(true),
		EventBridgeEnabled:     jsii.Bool(true),
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          line.Key,
		BucketKeyEnabled:       jsii.Bool(true),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:          awscdk.RemovalPolicy_RETAIN,
		ServerAccessLogsBucket: line.AccessLogs,
		ServerAccessLogsPrefix: jsii.String("source-bucket/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-old-sources"),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(90)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
		}},
	})
}
