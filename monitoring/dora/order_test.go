package dora

import (
	"flag"
	"math/rand"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

var exhaustive = flag.Bool("exhaustive", false, "TestEveryOrderAndDuplication: walk every permutation one by one (about a minute) instead of every transition between sets of delivered events")

// orderScenario is a realistic sequence of events: the history is delivered
// first, in order; every permutation of the events is checked.
type orderScenario struct {
	name     string
	history  []Event
	events   []Event
	revs     map[string][]float64
	triggers map[string]string
	// want is the metrics in order (byName), checked against the model.
	want map[string][]float64
}

func orderScenarios() []orderScenario {
	m := func(minutes float64) float64 { return minutes * 60 }
	return []orderScenario{{
		name:     "deploy success",
		events:   deploy("a", 0),
		revs:     map[string][]float64{"a": {-10}},
		triggers: map[string]string{"a": TriggerWebhook},
		want: map[string][]float64{
			"ExecutionsStarted": {1}, "StageDuration/Build": {m(4)}, "StageDuration/Production": {m(5)},
			"Deployments": {1}, "ProductionAttempts": {1}, "LeadTime": {m(20)},
			"ExecutionsSucceeded": {1}, "LineRed": {0},
		},
	}, {
		name:     "deploy failing, then fixed by a new commit",
		history:  deploy("a", 0),
		events:   concat(failProduction("b", 50), shortDeploy("c", 105)),
		revs:     map[string][]float64{"a": {-5}, "b": {45}, "c": {100}},
		triggers: map[string]string{"a": TriggerWebhook, "b": TriggerWebhook, "c": TriggerWebhook},
		want: map[string][]float64{
			"ExecutionsStarted": {1, 1, 1}, "StageDuration/Build": {m(4)}, "StageDuration/Production": {m(5), m(5), m(5)},
			"Deployments": {1, 1}, "ProductionAttempts": {1, 1, 1}, "ProductionFailures": {1},
			// b's change ships with c: c's lead time counts from it.
			"LeadTime": {m(15), m(115 - 45)}, "TimeToRestore": {m(115 - 60)},
			"ExecutionsSucceeded": {1, 1}, "ExecutionsFailed": {1}, "LineRed": {0, 1, 0},
		},
	}, {
		name:     "failure, then automated rollback",
		history:  deploy("a", 0),
		events:   concat(failProduction("b", 50), rollback("r", TriggerAutomatedRollback, 61, 9)),
		revs:     map[string][]float64{"a": {-5}, "b": {45}, "r": {-5}},
		triggers: map[string]string{"a": TriggerWebhook, "b": TriggerWebhook, "r": TriggerAutomatedRollback},
		want: map[string][]float64{
			"ExecutionsStarted": {1, 1, 1}, "StageDuration/Build": {m(4)}, "StageDuration/Production": {m(5), m(5), m(9)},
			"Deployments": {1}, "ProductionAttempts": {1, 1}, "ProductionFailures": {1},
			"LeadTime": {m(15)}, "TimeToRestore": {m(10)},
			"ExecutionsSucceeded": {1, 1}, "ExecutionsFailed": {1}, "LineRed": {0, 1, 0},
		},
	}, {
		name:     "manual rollback of a healthy deployment, then a fix",
		history:  deploy("a", 0),
		events:   concat(rollback("m", TriggerManualRollback, 100, 8), shortDeploy("d", 120)),
		revs:     map[string][]float64{"a": {-5}, "m": {-5}, "d": {115}},
		triggers: map[string]string{"a": TriggerWebhook, "m": TriggerManualRollback, "d": TriggerWebhook},
		want: map[string][]float64{
			"ExecutionsStarted": {1, 1, 1}, "StageDuration/Build": {m(4)}, "StageDuration/Production": {m(5), m(8), m(5)},
			"Deployments": {1, 1}, "ProductionAttempts": {1, 1}, "ProductionFailures": {1},
			"LeadTime": {m(15), m(15)}, "TimeToRestore": {m(8)},
			"ExecutionsSucceeded": {1, 1, 1}, "LineRed": {0, 0, 0},
		},
	}, {
		name:     "failure, then manual rollback",
		history:  deploy("a", 0),
		events:   concat(failProduction("b", 50), rollback("m", TriggerManualRollback, 65, 5)),
		revs:     map[string][]float64{"a": {-5}, "b": {45}, "m": {-5}},
		triggers: map[string]string{"a": TriggerWebhook, "b": TriggerWebhook, "m": TriggerManualRollback},
		want: map[string][]float64{
			"ExecutionsStarted": {1, 1, 1}, "StageDuration/Build": {m(4)}, "StageDuration/Production": {m(5), m(5), m(5)},
			"Deployments": {1}, "ProductionAttempts": {1, 1}, "ProductionFailures": {1},
			"LeadTime": {m(15)}, "TimeToRestore": {m(10)},
			"ExecutionsSucceeded": {1, 1}, "ExecutionsFailed": {1}, "LineRed": {0, 1, 0},
		},
	}, {
		name: "superseded executions",
		events: concat(
			[]Event{started("b", at(0), TriggerWebhook), pipelineEvent("b", StateSuperseded, at(3))},
			shortDeploy("c", 2),
			[]Event{started("d", at(8), TriggerWebhook), pipelineEvent("d", StateFailed, at(9))},
		),
		revs:     map[string][]float64{"b": {-20}, "c": {1}, "d": {7}},
		triggers: map[string]string{"b": TriggerWebhook, "c": TriggerWebhook, "d": TriggerWebhook},
		want: map[string][]float64{
			"ExecutionsStarted": {1, 1, 1}, "StageDuration/Production": {m(5)},
			"Deployments": {1}, "ProductionAttempts": {1},
			// c ships b's older change; d's is newer than c's and waits.
			"LeadTime":            {m(12 + 20)},
			"ExecutionsSucceeded": {1}, "ExecutionsFailed": {1}, "LineRed": {1, 0},
		},
	}, {
		name: "concurrent executions",
		events: []Event{
			started("a", at(0), TriggerWebhook), started("b", at(2), TriggerWebhook),
			stageEvent("a", "Production", StateStarted, at(5)), stageEvent("b", "Production", StateStarted, at(6)),
			stageEvent("b", "Production", StateFailed, at(10)), pipelineEvent("b", StateFailed, at(10)),
			stageEvent("a", "Production", StateSucceeded, at(12)), pipelineEvent("a", StateSucceeded, at(12)),
		},
		revs:     map[string][]float64{"a": {-3}, "b": {1}},
		triggers: map[string]string{"a": TriggerWebhook, "b": TriggerWebhook},
		want: map[string][]float64{
			"ExecutionsStarted": {1, 1}, "StageDuration/Production": {m(4), m(7)},
			"Deployments": {1}, "ProductionAttempts": {1, 1}, "ProductionFailures": {1},
			// b's change is newer than a's: it waits for the next deployment.
			"LeadTime": {m(15)}, "TimeToRestore": {m(2)},
			"ExecutionsSucceeded": {1}, "ExecutionsFailed": {1}, "LineRed": {1, 0},
		},
	}, {
		name:    "production stage retried after a failure",
		history: deploy("a", 0),
		events: []Event{
			started("b", at(50), TriggerWebhook),
			stageEvent("b", "Production", StateStarted, at(55)),
			stageEvent("b", "Production", StateFailed, at(60)),
			pipelineEvent("b", StateFailed, at(60)),
			attempt(pipelineEvent("b", StateResumed, at(70)), 2),
			attempt(stageEvent("b", "Production", StateResumed, at(70)), 2),
			attempt(stageEvent("b", "Production", StateSucceeded, at(75)), 2),
			attempt(pipelineEvent("b", StateSucceeded, at(75)), 2),
		},
		revs:     map[string][]float64{"a": {-1}, "b": {40}},
		triggers: map[string]string{"a": TriggerWebhook, "b": TriggerWebhook},
		want: map[string][]float64{
			"ExecutionsStarted": {1, 1}, "StageDuration/Build": {m(4)}, "StageDuration/Production": {m(5), m(5), m(5)},
			"Deployments": {1, 1}, "ProductionAttempts": {1, 1, 1}, "ProductionFailures": {1},
			"LeadTime": {m(11), m(35)}, "TimeToRestore": {m(15)},
			"ExecutionsSucceeded": {1, 1}, "ExecutionsFailed": {1}, "LineRed": {0, 1, 0},
		},
	}}
}

// lookups are the three ways the function may know about executions: from
// CodePipeline (trigger and revisions), revisions only (whether an
// execution is a rollback comes from its events), or nothing.
func (sc orderScenario) lookups() map[string]Lookup {
	return map[string]Lookup{
		"trigger and revisions": func(pipeline, id string) (Details, error) {
			d, err := revs(sc.revs)(pipeline, id)
			d.Trigger = sc.triggers[id]
			return d, err
		},
		"revisions only": revs(sc.revs),
		"no lookup":      nil,
	}
}

func datumKey(d Datum) string {
	return d.Name + "|" + d.Dimensions[DimensionStage] + "|" + strconv.FormatFloat(d.Value, 'g', -1, 64) + "|" + strconv.FormatInt(d.Time.UnixMilli(), 10)
}

func keys(data []Datum) []string {
	out := make([]string, len(data))
	for i, d := range data {
		out[i] = datumKey(d)
	}
	return out
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

// orderChecker walks the permutations of a scenario's events, delivered at
// one clock within the settle window, and checks that every one publishes
// the same multiset of data points as the events in order.
//
// A permutation is a path through the sets of delivered events, one event
// added at a time. The checker applies every transition (a set, one more
// event) and checks that the state and the data published so far at the
// new set are those of every other order that reached it. Apply is a
// function of its arguments (state, event, clock, lookup), so by induction
// every permutation reaches every one of its sets with the same state and
// data, and ends with the in-order data: all n! are covered by n·2ⁿ⁻¹
// transitions. With -exhaustive the checker walks each permutation to its
// end instead, n! paths and about e·n! deliveries.
type orderChecker struct {
	t      *testing.T
	rules  Rules
	look   Lookup
	events []Event
	now    time.Time // the clock while the events arrive
	final  time.Time // the clock of the tick once all has settled
	want   []string  // sorted data points of the events in order

	// Per set of delivered events (a bit mask): the state and the data
	// points published so far, which must not depend on the order.
	states map[uint]State
	data   map[uint][]string

	exhaustive bool

	transitions, walked, deliveries, duplicates int
}

func (c *orderChecker) walk(s State, mask uint, published []string) {
	if c.t.Failed() {
		return
	}
	sorted := sortedCopy(published)
	if st, ok := c.states[mask]; !ok {
		c.states[mask], c.data[mask] = s, sorted
		// Every delivered event delivered again changes nothing and
		// publishes nothing. Checked once per set: the state of every
		// order that delivered this set is this one (checked below), and
		// Apply is a function of its arguments.
		for i := range c.events {
			if mask&(1<<i) == 0 {
				continue
			}
			again, data := c.rules.Apply(s, c.events[i], c.now, c.look)
			c.deliveries++
			c.duplicates++
			if len(data) != 0 || !reflect.DeepEqual(again, s) {
				c.t.Errorf("after %b, event %d again published %v / changed the state", mask, i, keys(data))
				return
			}
		}
	} else if !reflect.DeepEqual(st, s) || !reflect.DeepEqual(c.data[mask], sorted) {
		c.t.Errorf("set %b: state or published data depend on the order:\n%+v\n%+v\n%v\n%v", mask, st, s, c.data[mask], sorted)
		return
	} else if !c.exhaustive {
		return // the same state as the first order here: the same future
	}
	if mask == 1<<len(c.events)-1 {
		c.walked++
		_, data := c.rules.Tick(s, c.final, c.look)
		if got := sortedCopy(append(published, keys(data)...)); !reflect.DeepEqual(got, c.want) {
			c.t.Errorf("a permutation published\n%v\nin order:\n%v", got, c.want)
		}
		return
	}
	for i, e := range c.events {
		if mask&(1<<i) != 0 {
			continue
		}
		next, data := c.rules.Apply(s, e, c.now, c.look)
		c.deliveries++
		c.transitions++
		c.walk(next, mask|1<<i, append(published[:len(published):len(published)], keys(data)...))
	}
}

// inOrder delivers the events in time order, each at its own time (plus a
// second), ticking as time passes: what the function sees when nothing is
// late or duplicated.
func inOrder(t *testing.T, r Rules, events []Event, look Lookup, final time.Time) []Datum {
	events = append([]Event(nil), events...)
	sort.SliceStable(events, func(i, j int) bool { return events[i].Time.Before(events[j].Time) })
	var s State
	var out []Datum
	for _, e := range events {
		var data []Datum
		s, data = r.Apply(s, e, e.Time.Add(time.Second), look)
		out = append(out, data...)
		s = roundTrip(t, s)
	}
	_, data := r.Tick(s, final, look)
	return append(out, data...)
}

func factorial(n int) int {
	f := 1
	for i := 2; i <= n; i++ {
		f *= i
	}
	return f
}

// TestEveryOrderAndDuplication: for each scenario and each way of knowing
// the executions, every permutation of the scenario's events (delivered
// after its history, at a clock within the settle window) publishes exactly
// the data points that the events in order publish, and each prefix of
// each permutation leaves the same state and has published the same data as
// any other order of the same events. Every event redelivered after any
// prefix changes nothing, so any number of duplicates anywhere changes
// nothing either; random orders with duplicates, through JSON like the
// store, check that directly.
func TestEveryOrderAndDuplication(t *testing.T) {
	var sequences, permutations, transitions, walked, deliveries, duplicates, shuffled int
	for _, sc := range orderScenarios() {
		if len(sc.events) > 8 {
			t.Fatalf("%s: %d events, at most 8 keep the test fast", sc.name, len(sc.events))
		}
		all := concat(sc.history, sc.events)
		last := all[0].Time
		for _, e := range all {
			if e.Time.After(last) {
				last = e.Time
			}
		}
		for lookName, look := range sc.lookups() {
			t.Run(sc.name+"/"+lookName, func(t *testing.T) {
				sequences++
				// In order, as the function sees events in time, with the
				// default settle delay and with one shorter than the
				// scenario, so that it settles while events arrive.
				final := last.Add(30 * time.Hour)
				want := inOrder(t, Rules{}, all, look, final)
				if short := inOrder(t, Rules{Settle: 10 * time.Minute}, all, look, final); !reflect.DeepEqual(sortedCopy(keys(short)), sortedCopy(keys(want))) {
					t.Fatalf("settling while events arrive changes the data:\n%v\n%v", sortedCopy(keys(short)), sortedCopy(keys(want)))
				}
				if look != nil {
					if got := byName(want); !reflect.DeepEqual(got, sc.want) {
						t.Fatalf("in order:\n got %v\nwant %v", got, sc.want)
					}
				}

				// Every permutation: all within a settle window of a day.
				r := Rules{Settle: 24 * time.Hour}
				var s State
				var history []Datum
				for _, e := range sc.history {
					var data []Datum
					s, data = r.Apply(s, e, e.Time.Add(time.Second), look)
					history = append(history, data...)
				}
				c := &orderChecker{t: t, rules: r, look: look, events: sc.events,
					now: last.Add(time.Minute), final: final, want: sortedCopy(keys(want)),
					states: map[uint]State{}, data: map[uint][]string{}, exhaustive: *exhaustive}
				c.walk(s, 0, keys(history))
				n := len(sc.events)
				if !t.Failed() && (len(c.states) != 1<<n || (c.exhaustive && c.walked != factorial(n)) || (!c.exhaustive && c.transitions != n<<(n-1))) {
					t.Fatalf("%d sets, %d transitions, %d permutations walked", len(c.states), c.transitions, c.walked)
				}
				permutations += factorial(n)
				transitions += c.transitions
				walked += c.walked
				deliveries += c.deliveries
				duplicates += c.duplicates

				// Random orders in which each event is delivered once or
				// twice, the state stored between deliveries.
				rng := rand.New(rand.NewSource(int64(len(sc.name))))
				for n := 0; n < 200 && !t.Failed(); n++ {
					var seq []Event
					for _, e := range sc.events {
						seq = append(seq, e)
						if rng.Intn(2) == 0 {
							seq = append(seq, e)
						}
					}
					rng.Shuffle(len(seq), func(i, j int) { seq[i], seq[j] = seq[j], seq[i] })
					st, out := s, keys(history)
					for _, e := range seq {
						var data []Datum
						st, data = r.Apply(st, e, c.now, look)
						st = roundTrip(t, st)
						out = append(out, keys(data)...)
					}
					deliveries += len(seq)
					_, data := r.Tick(st, final, look)
					if got := sortedCopy(append(out, keys(data)...)); !reflect.DeepEqual(got, c.want) {
						t.Fatalf("%d deliveries with duplicates published\n%v\nin order:\n%v", len(seq), got, c.want)
					}
					shuffled++
				}
			})
		}
	}
	if *exhaustive {
		t.Logf("%d sequences (%d scenarios × 3 lookups): %d permutations, each walked to its end; %d deliveries, %d of them duplicates (every delivered event again after every set of delivered events); %d random orders with duplicates",
			sequences, len(orderScenarios()), walked, deliveries, duplicates, shuffled)
		return
	}
	checkREADMEPermutations(t, sequences, permutations)
	t.Logf("%d sequences (%d scenarios × 3 lookups): %d permutations covered by %d transitions between sets of delivered events, each checked against every other order of the same set; %d duplicate deliveries (every delivered event again after every set); %d random orders with duplicates, walked to the end; %d deliveries in all (-exhaustive walks every permutation)",
		sequences, len(orderScenarios()), permutations, transitions, duplicates, shuffled, deliveries)
}

// checkREADMEPermutations keeps the README's security table honest: its
// DORA row quotes the sequences and permutations this test checks.
func checkREADMEPermutations(t *testing.T, sequences, permutations int) {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`DORA metrics that differ[^|]*\| \*\*0\*\* in ([0-9,]+) permutations of ([0-9]+) event sequences`).FindSubmatch(readme)
	if m == nil {
		t.Fatal(`README.md has no row "DORA metrics that differ … | **0** in N permutations of M event sequences" in its security table`)
	}
	n, _ := strconv.Atoi(strings.ReplaceAll(string(m[1]), ",", ""))
	seqs, _ := strconv.Atoi(string(m[2]))
	if n != permutations || seqs != sequences {
		t.Errorf("README.md says %s permutations of %s sequences; the test checks %d of %d", m[1], m[2], permutations, sequences)
	}
}
