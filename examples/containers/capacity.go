package containers

import "fmt"

// Capacity is where the service's tasks run. Both run the same task behind
// the same load balancer, with the same canary deploys and alarms:
//
//   - Fargate (the default): AWS runs the tasks; there are no instances to
//     patch, scale or replace.
//   - EC2: the cluster's own Auto Scaling group of Graviton instances (for
//     cost at a steady load, GPUs, daemons or instance storage), from an
//     ECS-optimized AMI the line hardens and bakes on every deploy, replaced
//     one at a time without downtime when a new AMI comes.
//
// The repository's app picks it with `-c capacity=ec2`; a team's app calls
// NewPipelineStackOn.
type Capacity string

// The capacities of the containers example.
const (
	Fargate Capacity = "fargate"
	EC2     Capacity = "ec2"
)

// ParseCapacity reads a capacity as `-c capacity=...` gives it: "" or
// "fargate" is Fargate, "ec2" is EC2.
func ParseCapacity(s string) (Capacity, error) {
	switch Capacity(s) {
	case "", Fargate:
		return Fargate, nil
	case EC2:
		return EC2, nil
	}
	return "", fmt.Errorf("unknown capacity %q: want fargate (the default) or ec2", s)
}

// title names the capacity in descriptions.
func (c Capacity) title() string {
	if c == EC2 {
		return "EC2 instances"
	}
	return "AWS Fargate"
}
