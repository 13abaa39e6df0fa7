// Command bridge measures what one jsii round trip costs a Go CDK app: the
// fixed cost of starting the jsii kernel and loading aws-cdk-lib into it,
// the cost of a trivial request (reading a construct's id), and of
// creating a construct (an SNS topic), each against the same operations in
// Node.js with aws-cdk-lib itself (the TypeScript twin's node_modules), run
// in the same command. It is the floor under the synth benchmark's
// Go/TypeScript ratio: a Go app pays the kernel start once and the bridge
// on every request, whatever it builds.
//
// Run it from the repository root (the twin's dependencies must be
// installed: benchmarks/synth.sh does it, or npm ci in benchmarks/ts-twin):
//
//	go run ./benchmarks/bridge
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
)

const (
	gets   = 2000 // trivial requests timed
	topics = 200  // constructs created
)

// timings are per operation, in microseconds, but start (milliseconds).
type timings struct {
	StartMs float64 `json:"startMs"`
	GetUs   float64 `json:"getUs"`
	TopicUs float64 `json:"topicUs"`
}

// nodeTwin does the same in Node.js: require aws-cdk-lib and create the
// App and Stack, read node.id, create topics.
const nodeTwin = `
const t0 = process.hrtime.bigint();
const { App, Stack, aws_sns } = require(process.argv[1]);
const app = new App(); const stack = new Stack(app, 'S');
const t1 = process.hrtime.bigint();
let id; for (let i = 0; i < GETS; i++) id = stack.node.id;
const t2 = process.hrtime.bigint();
for (let i = 0; i < TOPICS; i++) new aws_sns.Topic(stack, 'T' + i);
const t3 = process.hrtime.bigint();
console.log(JSON.stringify({startMs: Number(t1 - t0) / 1e6, getUs: Number(t2 - t1) / GETS / 1e3, topicUs: Number(t3 - t2) / TOPICS / 1e3}));
`

func main() {
	lib, err := filepath.Abs("benchmarks/ts-twin/node_modules/aws-cdk-lib")
	if err == nil {
		_, err = os.Stat(lib)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bridge: run from the repository root, with the twin's dependencies installed (cd benchmarks/ts-twin && npm ci)")
		os.Exit(1)
	}

	t0 := time.Now()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("S"), nil)
	t1 := time.Now()
	for i := 0; i < gets; i++ {
		_ = stack.Node().Id() // two requests: get node, get id
	}
	t2 := time.Now()
	for i := 0; i < topics; i++ {
		awssns.NewTopic(stack, jsii.String(fmt.Sprint("T", i)), nil)
	}
	t3 := time.Now()
	jsii.Close()
	goSide := timings{
		StartMs: float64(t1.Sub(t0).Microseconds()) / 1000,
		GetUs:   float64(t2.Sub(t1).Nanoseconds()) / (2 * gets) / 1000,
		TopicUs: float64(t3.Sub(t2).Nanoseconds()) / topics / 1000,
	}

	script := fmt.Sprintf("const GETS = %d, TOPICS = %d;\n%s", gets, topics, nodeTwin)
	out, err := exec.Command("node", "-e", script, lib).Output()
	var nodeSide timings
	if err == nil {
		err = json.Unmarshal(out, &nodeSide)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bridge: the Node.js side failed:", err)
		os.Exit(1)
	}

	fmt.Printf("| Operation | Go through jsii | Node.js, aws-cdk-lib directly | Bridge cost |\n|---|--:|--:|--:|\n")
	fmt.Printf("| kernel start and aws-cdk-lib load (Go) / require (Node.js), App and Stack | %.0f ms | %.0f ms | %.0f ms once |\n", goSide.StartMs, nodeSide.StartMs, goSide.StartMs-nodeSide.StartMs)
	fmt.Printf("| trivial request (get a property) | %.0f µs | %.2f µs | %.0f µs per request |\n", goSide.GetUs, nodeSide.GetUs, goSide.GetUs-nodeSide.GetUs)
	fmt.Printf("| create a construct (SNS topic, no props) | %.0f µs | %.0f µs | %.0f µs per create |\n", goSide.TopicUs, nodeSide.TopicUs, goSide.TopicUs-nodeSide.TopicUs)
}
