package monitoring

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssynthetics"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/monitoring/probe"
	"github.com/velocity-cdk/velocity/nag"
)

// SyntheticTrafficProps configures NewSyntheticTraffic.
type SyntheticTrafficProps struct {
	// Endpoint is the base URL to request (a stack's output value, such
	// as an API's URL or "http://" plus a load balancer's DNS name).
	// Required.
	Endpoint *string
	// Paths are requested in order, relative to Endpoint, once each per
	// run; the run fails on any answer but 2xx. Default: "health".
	Paths []string
	// Every is how often the canary runs: whole minutes from 1 to 5 (its
	// alarm, MonitorCanary's, needs a run in every 5 minutes). 0 keeps the
	// default, 5 minutes (CloudWatch Synthetics bills per run: about 8,600
	// runs a month).
	Every time.Duration
}

// defaultSyntheticPaths and DefaultSyntheticEvery are what the synthetic
// traffic requests, and how often, unless told otherwise.
var defaultSyntheticPaths = []string{"health"}

const DefaultSyntheticEvery = 5 * time.Minute

// SyntheticProblems reports the invalid paths and period of synthetic
// traffic, prefixed with prop; it needs no jsii runtime.
func SyntheticProblems(paths []string, every time.Duration) []Problem {
	var ps []Problem
	for i, p := range paths {
		if strings.TrimSpace(p) == "" || strings.ContainsAny(p, ", \t\n") || strings.HasPrefix(p, "/") || strings.Contains(p, "://") {
			ps = append(ps, Problem{Prop: fmt.Sprintf("Paths[%d]", i), Value: p, Want: `a path relative to the endpoint, without spaces or commas and without a leading "/", e.g. "health"`})
		}
	}
	if every != 0 && (every < time.Minute || every > DefaultSyntheticEvery || every%time.Minute != 0) {
		ps = append(ps, Problem{Prop: "Every", Value: every.String(), Want: "whole minutes from 1m to 5m, or 0 for the default (5 minutes): MonitorCanary's alarm counts a 5-minute period without a run as a failure"})
	}
	return ps
}

// NewSyntheticTraffic creates a CloudWatch Synthetics canary that requests
// the endpoint's paths on a schedule (package probe's script on the
// newest Node.js runtime aws-cdk-lib offers), so that the service's alarms,
// and a bake's traffic requirement, have data when no user is around. Its
// run artifacts are kept 30 days in a bucket of its own (encrypted, TLS
// only). Watch it with ServiceMonitor.MonitorCanary. Invalid props create
// nothing and are reported as synth errors on scope; it then returns nil.
func NewSyntheticTraffic(scope constructs.Construct, id string, props *SyntheticTrafficProps) awssynthetics.Canary {
	var ps []Problem
	if props == nil || props.Endpoint == nil || *props.Endpoint == "" {
		ps = append(ps, Problem{Prop: "Endpoint", Value: "", Want: "the base URL of the service"})
	}
	paths, every := defaultSyntheticPaths, DefaultSyntheticEvery
	if props != nil {
		ps = append(ps, SyntheticProblems(props.Paths, props.Every)...)
		if len(props.Paths) > 0 {
			paths = props.Paths
		}
		if props.Every != 0 {
			every = props.Every
		}
	}
	dir, err := probe.Dir()
	if err != nil {
		ps = append(ps, Problem{Prop: "script", Value: "velocity-probe.js", Want: "a writable temporary directory: " + err.Error()})
	}
	if len(ps) > 0 {
		for _, p := range ps {
			awscdk.Annotations_Of(scope).AddError(jsii.String("NewSyntheticTraffic(" + id + "): " + p.Error()))
		}
		return nil
	}
	// The run artifacts, in a bucket of the canary's own: aws-cdk-lib's
	// default bucket blocks no public access.
	artifacts := awss3.NewBucket(scope, jsii.String(id+"Artifacts"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		// AWS's own key for S3: the canary's role may use it through S3
		// without a key policy of this app.
		Encryption:     awss3.BucketEncryption_KMS_MANAGED,
		LifecycleRules: &[]*awss3.LifecycleRule{{Expiration: awscdk.Duration_Days(jsii.Number(30))}},
		RemovalPolicy:  awscdk.RemovalPolicy_RETAIN,
	})
	nag.Suppress(artifacts, false, nag.Rule{ID: "AwsSolutions-S1",
		Reason: "The canary's run artifacts (screenshots, logs of each run), kept 30 days: access logs of this bucket would log the canary's own writes."})
	canary := awssynthetics.NewCanary(scope, jsii.String(id), &awssynthetics.CanaryProps{
		Runtime: awssynthetics.Runtime_SYNTHETICS_NODEJS_PUPPETEER_13_0(),
		Test: awssynthetics.Test_Custom(&awssynthetics.CustomTestOptions{
			Code:    awssynthetics.Code_FromAsset(jsii.String(dir), nil),
			Handler: jsii.String(probe.Handler),
		}),
		Schedule: awssynthetics.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(every.Minutes()))),
		// A run that takes longer than a minute is a failure, and runs
		// never overlap.
		Timeout:                    awscdk.Duration_Minutes(jsii.Number(1)),
		EnvironmentVariables:       &map[string]*string{"ENDPOINT": props.Endpoint, "PATHS": jsii.String(strings.Join(paths, ","))},
		ArtifactsBucketLocation:    &awssynthetics.ArtifactsBucketLocation{Bucket: artifacts},
		ProvisionedResourceCleanup: jsii.Bool(true),
	})
	nag.Suppress(canary, true, nag.Rule{ID: "AwsSolutions-IAM5",
		Reason: "aws-cdk-lib's role for a Synthetics canary: it writes its run artifacts under its bucket's objects, its own logs and the CloudWatchSynthetics metrics (cloudwatch:PutMetricData has no resource-level permissions; a condition limits the namespace), and lists buckets as the runtime needs."})
	return canary
}
