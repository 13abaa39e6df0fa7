package dora

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// EMF renders data as CloudWatch Embedded Metric Format log lines: JSON
// objects that CloudWatch Logs turns into metrics of the namespace when a
// Lambda function prints them to stdout, without any PutMetricData call.
//
// Data with the same time (to the millisecond) and the same dimensions share
// one object, in the order they first appear, unless a metric name repeats or
// the object has 100 metrics (the EMF limit): then a new object starts, so no
// value is lost. Each object is
//
//	{"<dimension>": "<value>", ..., "<metric>": <value>, ...,
//	 "_aws": {"Timestamp": <ms>, "CloudWatchMetrics": [{"Namespace": "<namespace>",
//	   "Dimensions": [["<dimension>", ...]], "Metrics": [{"Name": "<metric>", "Unit": "<unit>"}, ...]}]}}
//
// with keys sorted (encoding/json's order for maps). A datum without a name,
// with a value that is not finite, or whose name is also one of its
// dimensions or "_aws", or with more than 30 dimensions (the EMF limit), is
// an error, and so is an empty namespace; an empty
// unit is rendered as "None".
func EMF(namespace string, data []Datum) ([][]byte, error) {
	if namespace == "" {
		return nil, errors.New("dora: EMF needs a namespace")
	}
	type group struct {
		ts      int64
		dims    map[string]string
		names   map[string]bool
		metrics []Datum
	}
	var groups []*group
	open := map[string]*group{}
	for _, d := range data {
		if err := checkDatum(d); err != nil {
			return nil, err
		}
		ts := d.Time.UnixMilli()
		key := fmt.Sprintf("%d|%s", ts, dimsKey(d.Dimensions))
		g := open[key]
		if g == nil || g.names[d.Name] || len(g.metrics) == maxEMFMetrics {
			g = &group{ts: ts, dims: d.Dimensions, names: map[string]bool{}}
			groups = append(groups, g)
			open[key] = g
		}
		g.names[d.Name] = true
		g.metrics = append(g.metrics, d)
	}

	lines := make([][]byte, 0, len(groups))
	for _, g := range groups {
		dimNames := make([]string, 0, len(g.dims))
		for k := range g.dims {
			dimNames = append(dimNames, k)
		}
		sort.Strings(dimNames)
		type metric struct {
			Name string `json:"Name"`
			Unit string `json:"Unit"`
		}
		type directive struct {
			Namespace  string     `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []metric   `json:"Metrics"`
		}
		type meta struct {
			Timestamp         int64       `json:"Timestamp"`
			CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
		}
		obj := map[string]any{}
		dir := directive{Namespace: namespace, Dimensions: [][]string{dimNames}}
		for _, k := range dimNames {
			obj[k] = g.dims[k]
		}
		for _, d := range g.metrics {
			unit := d.Unit
			if unit == "" {
				unit = UnitNone
			}
			dir.Metrics = append(dir.Metrics, metric{Name: d.Name, Unit: unit})
			obj[d.Name] = d.Value
		}
		obj["_aws"] = meta{Timestamp: g.ts, CloudWatchMetrics: []directive{dir}}
		line, err := json.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("dora: rendering EMF: %w", err)
		}
		lines = append(lines, line)
	}
	return lines, nil
}

// WriteEMF writes the [EMF] lines of data to w, one per line.
func WriteEMF(w io.Writer, namespace string, data []Datum) error {
	lines, err := EMF(namespace, data)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if _, err := w.Write(append(l, '\n')); err != nil {
			return err
		}
	}
	return nil
}

const (
	maxEMFMetrics    = 100
	maxEMFDimensions = 30
)

func checkDatum(d Datum) error {
	switch {
	case len(d.Dimensions) > maxEMFDimensions:
		return fmt.Errorf("dora: EMF metric %s has %d dimensions, more than %d", d.Name, len(d.Dimensions), maxEMFDimensions)
	case d.Name == "":
		return errors.New("dora: EMF datum without a name")
	case d.Name == "_aws":
		return errors.New(`dora: EMF metric cannot be named "_aws"`)
	case math.IsNaN(d.Value) || math.IsInf(d.Value, 0):
		return fmt.Errorf("dora: EMF metric %s has value %v", d.Name, d.Value)
	}
	if _, ok := d.Dimensions[d.Name]; ok {
		return fmt.Errorf("dora: EMF metric %s is also a dimension", d.Name)
	}
	if _, ok := d.Dimensions["_aws"]; ok {
		return errors.New(`dora: EMF dimension cannot be named "_aws"`)
	}
	return nil
}

func dimsKey(dims map[string]string) string {
	keys := make([]string, 0, len(dims))
	for k := range dims {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%q=%q;", k, dims[k])
	}
	return b.String()
}
