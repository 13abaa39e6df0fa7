package stages

import (
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
)

// Secret is a reference to a value CodeBuild reads at run time from AWS
// Secrets Manager or SSM Parameter Store. Velocity never puts a secret's value
// in a template or buildspec: only the reference, and the job's role gets
// read access to exactly that secret or parameter.
type Secret struct {
	kind awscodebuild.BuildEnvironmentVariableType
	ref  string
}

// FromSecretsManager references a Secrets Manager secret, as CodeBuild
// accepts it: "secret-id", or "secret-id:json-key" for one key of a JSON
// secret (secret-id is a name or an ARN).
func FromSecretsManager(ref string) Secret {
	return Secret{kind: awscodebuild.BuildEnvironmentVariableType_SECRETS_MANAGER, ref: ref}
}

// FromParameterStore references an SSM Parameter Store parameter by name,
// for example "/shop/api-token". SecureString parameters are decrypted.
func FromParameterStore(name string) Secret {
	return Secret{kind: awscodebuild.BuildEnvironmentVariableType_PARAMETER_STORE, ref: name}
}

var (
	secretRefPattern = regexp.MustCompile(`^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+|[A-Za-z0-9/_+=.@-]{1,512})(:[^:\s]*){0,3}$`)
	parameterPattern = regexp.MustCompile(`^/?[A-Za-z0-9_.\-/]{1,1000}$`)
)

func (s Secret) validate(prop string, ps *Problems) {
	switch s.kind {
	case awscodebuild.BuildEnvironmentVariableType_SECRETS_MANAGER:
		if !secretRefPattern.MatchString(s.ref) {
			ps.Add(prop, s.ref, `a Secrets Manager secret name or ARN, optionally ":json-key"`)
		}
	case awscodebuild.BuildEnvironmentVariableType_PARAMETER_STORE:
		if !parameterPattern.MatchString(s.ref) {
			ps.Add(prop, s.ref, `an SSM parameter name, e.g. "/shop/api-token"`)
		}
	default:
		ps.Add(prop, "zero Secret", "stages.FromSecretsManager(...) or stages.FromParameterStore(...)")
	}
}
