package dora

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestEMFGolden(t *testing.T) {
	ts := time.Date(2025, 3, 4, 10, 42, 30, 0, time.UTC)
	pipe := map[string]string{DimensionPipeline: "velocity-line"}
	stage := map[string]string{DimensionPipeline: "velocity-line", DimensionStage: "Production"}
	data := []Datum{
		{Name: MetricStageDuration, Value: 748, Unit: UnitSeconds, Dimensions: stage, Time: ts},
		{Name: MetricDeployments, Value: 1, Unit: UnitCount, Dimensions: pipe, Time: ts},
		{Name: MetricProductionAttempts, Value: 1, Unit: UnitCount, Dimensions: pipe, Time: ts},
		{Name: MetricLeadTime, Value: 2550.5, Unit: UnitSeconds, Dimensions: pipe, Time: ts},
		{Name: MetricLineRed, Value: 0, Dimensions: pipe, Time: ts.Add(time.Second)},
	}
	var buf bytes.Buffer
	if err := WriteEMF(&buf, DefaultNamespace, data); err != nil {
		t.Fatal(err)
	}
	want := `{"Pipeline":"velocity-line","Stage":"Production","StageDuration":748,"_aws":{"Timestamp":1741084950000,"CloudWatchMetrics":[{"Namespace":"Velocity/Line","Dimensions":[["Pipeline","Stage"]],"Metrics":[{"Name":"StageDuration","Unit":"Seconds"}]}]}}
{"Deployments":1,"LeadTime":2550.5,"Pipeline":"velocity-line","ProductionAttempts":1,"_aws":{"Timestamp":1741084950000,"CloudWatchMetrics":[{"Namespace":"Velocity/Line","Dimensions":[["Pipeline"]],"Metrics":[{"Name":"Deployments","Unit":"Count"},{"Name":"ProductionAttempts","Unit":"Count"},{"Name":"LeadTime","Unit":"Seconds"}]}]}}
{"LineRed":0,"Pipeline":"velocity-line","_aws":{"Timestamp":1741084951000,"CloudWatchMetrics":[{"Namespace":"Velocity/Line","Dimensions":[["Pipeline"]],"Metrics":[{"Name":"LineRed","Unit":"None"}]}]}}
`
	if buf.String() != want {
		t.Errorf("EMF:\n got %s\nwant %s", buf.String(), want)
	}
}

// emfLine is the part of an EMF object the spec requires.
type emfLine struct {
	AWS struct {
		Timestamp         int64
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []struct{ Name, Unit string }
		}
	} `json:"_aws"`
}

// TestEMFSpec checks every rendered line against the EMF specification's
// rules: one directive with a namespace, every dimension and metric a
// top-level member, dimension values strings and metric values numbers.
func TestEMFSpec(t *testing.T) {
	ts := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	var data []Datum
	for i := 0; i < 3; i++ {
		data = append(data,
			Datum{Name: MetricExecutionsStarted, Value: 1, Unit: UnitCount, Dimensions: map[string]string{DimensionPipeline: "p"}, Time: ts},
			Datum{Name: MetricStageDuration, Value: float64(i), Unit: UnitSeconds, Dimensions: map[string]string{DimensionPipeline: "p", DimensionStage: "Build"}, Time: ts})
	}
	lines, err := EMF("Velocity/Line", data)
	if err != nil {
		t.Fatal(err)
	}
	// A repeated metric name starts a new object: 3 × 2 objects.
	if len(lines) != 6 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		var m emfLine
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatal(err)
		}
		var top map[string]any
		_ = json.Unmarshal(l, &top)
		if m.AWS.Timestamp != ts.UnixMilli() || len(m.AWS.CloudWatchMetrics) != 1 {
			t.Fatalf("metadata: %s", l)
		}
		d := m.AWS.CloudWatchMetrics[0]
		if d.Namespace != "Velocity/Line" || len(d.Dimensions) != 1 || len(d.Metrics) == 0 {
			t.Fatalf("directive: %s", l)
		}
		for _, dim := range d.Dimensions[0] {
			if _, ok := top[dim].(string); !ok {
				t.Errorf("dimension %s is not a string member: %s", dim, l)
			}
		}
		for _, metric := range d.Metrics {
			if _, ok := top[metric.Name].(float64); !ok {
				t.Errorf("metric %s is not a number member: %s", metric.Name, l)
			}
		}
	}

	many := make([]Datum, 0, 150)
	for i := 0; i < 150; i++ {
		many = append(many, Datum{Name: "M" + strings.Repeat("x", i), Value: 1, Time: ts})
	}
	if lines, err := EMF("ns", many); err != nil || len(lines) != 2 {
		t.Errorf("150 metrics: %d lines, %v", len(lines), err)
	}
	if lines, err := EMF("ns", nil); err != nil || len(lines) != 0 {
		t.Errorf("no data: %d lines, %v", len(lines), err)
	}
}

func TestEMFErrors(t *testing.T) {
	ts := time.Unix(0, 0)
	ok := Datum{Name: "A", Value: 1, Time: ts}
	for name, c := range map[string]struct {
		ns string
		d  Datum
	}{
		"no namespace":     {"", ok},
		"no name":          {"ns", Datum{Value: 1}},
		"NaN":              {"ns", Datum{Name: "A", Value: math.NaN()}},
		"Inf":              {"ns", Datum{Name: "A", Value: math.Inf(1)}},
		"_aws metric":      {"ns", Datum{Name: "_aws", Value: 1}},
		"metric=dimension": {"ns", Datum{Name: "A", Value: 1, Dimensions: map[string]string{"A": "x"}}},
		"_aws dimension":   {"ns", Datum{Name: "A", Value: 1, Dimensions: map[string]string{"_aws": "x"}}},
		"too many dimensions": {"ns", Datum{Name: "A", Value: 1, Dimensions: func() map[string]string {
			m := map[string]string{}
			for i := 0; i < 31; i++ {
				m[strings.Repeat("d", i+1)] = "v"
			}
			return m
		}()}},
	} {
		if _, err := EMF(c.ns, []Datum{c.d}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := WriteEMF(failingWriter{}, "ns", []Datum{ok}); err == nil {
		t.Error("write error not returned")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }
