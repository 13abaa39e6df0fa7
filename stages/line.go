package stages

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
)

// Line is what the assembly line shares with its steps when they create
// resources: steps encrypt with the line's key and log bucket access to the
// line's log bucket, so a team has one key to audit and one place to look.
type Line struct {
	// Key is the customer managed KMS key (rotation on) that encrypts the
	// artifact bucket, the source bucket and the line's SNS topics.
	Key awskms.IKey
	// AccessLogs receives the server access logs of every bucket the line
	// creates.
	AccessLogs awss3.IBucket
	// ArtifactBucket holds the pipeline's artifacts and the build cache.
	ArtifactBucket awss3.IBucket
}
