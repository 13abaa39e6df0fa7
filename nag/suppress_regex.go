package nag

// Regex returns an AppliesTo entry that matches findings by regular
// expression (cdk-nag's {"regex": "/.../"} form), for findings whose text
// holds a logical id with a generated hash.
func Regex(pattern string) string { return regexPrefix + pattern }

const regexPrefix = "regex:"
