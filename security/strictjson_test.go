package security

import (
	"strings"
	"testing"
)

func TestDecodeStrict(t *testing.T) {
	type entry struct {
		Name  string `json:"name"`
		Count int    `json:"count,omitempty"`
		Skip  string `json:"-"`
		Plain string
	}
	type doc struct {
		Entries []entry                `json:"entries"`
		Bag     map[string]interface{} `json:"bag"`
		Any     interface{}            `json:"any"`
	}
	tests := []struct {
		name, in string
		opts     strictOptions
		want     string // "" for no error
	}{
		{"valid", `{"entries":[{"name":"a","count":2,"Plain":"p"}],"bag":{"Name":1,"name":2},"unknown":{"x":[1,{"y":null}]}}`, strictOptions{}, ""},
		{"white space around", " \n{}\n\t ", strictOptions{}, ""},
		{"exact keys of a map may differ in case", `{"bag":{"k":1,"K":2}}`, strictOptions{}, ""},
		{"the path of a duplicate", `{"entries":[{"name":"a"},{"name":"b","name":"c"}]}`, strictOptions{}, `at entries[1]: duplicate key "name"`},
		{"a duplicate in a map", `{"bag":{"k":1,"k":2}}`, strictOptions{}, `at bag: duplicate key "k"`},
		{"a duplicate below interface{}", `{"any":{"a":{"b":1,"b":1}}}`, strictOptions{}, `at any.a: duplicate key "b"`},
		{"a key with odd characters in the path", `{"unknown":{"a b":{"c":1,"c":2}}}`, strictOptions{}, `at unknown["a b"]: duplicate key "c"`},
		{"case of an untagged field", `{"entries":[{"plain":"p"}]}`, strictOptions{}, `key "plain" differs from "Plain" only in case`},
		{"a field tagged - is unknown", `{"entries":[{"Skip":"s"}]}`, strictOptions{knownFieldsOnly: true}, `unknown field "Skip"`},
		{"unknown fields when asked", `{"entries":[],"extra":1}`, strictOptions{knownFieldsOnly: true}, `unknown field "extra"; want one of entries, bag, any`},
		{"a long key is cut in the message", `{"` + strings.Repeat("k", 5000) + `":1,"` + strings.Repeat("k", 5000) + `":2}`, strictOptions{}, `… (5000 bytes)`},
		{"a type mismatch names the path", `{"entries":[{"count":"2"}]}`, strictOptions{}, "at entries.count: cannot unmarshal a JSON string; want an integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v doc
			err := decodeStrict([]byte(tt.in), &v, tt.opts)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v; want it to contain %q", err, tt.want)
			case tt.want != "" && len(err.Error()) > 500:
				t.Errorf("the error is %d bytes long", len(err.Error()))
			}
		})
	}
}

func TestDecodeStrictStream(t *testing.T) {
	type msg struct {
		A *int `json:"a"`
	}
	var got []int
	err := decodeStrictStream([]byte(`{"a":1} {"a":2}
{"b":{"c":[]}}`), strictOptions{}, func(i int, m *msg) error {
		if m.A != nil {
			got = append(got, *m.A)
		}
		return nil
	})
	if err != nil || len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("got %v, %v", got, err)
	}
	for in, want := range map[string]string{
		``:                     "empty report",
		`{"a":1}]`:             "value 1: invalid character ']'",
		`{"a":1}{"a":1,"a":2}`: `value 1: duplicate key "a"`,
		`{"A":1}`:              `value 0: key "A" differs from "a" only in case`,
		`{"a":1}null`:          "value 1: null",
		`{"a":1}{"a":`:         "value 1: at a: unexpected end of JSON input",
		`{"a":"x"}`:            "value 0: at a: cannot unmarshal a JSON string; want an integer",
	} {
		err := decodeStrictStream([]byte(in), strictOptions{}, func(int, *msg) error { return nil })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v; want it to contain %q", in, err, want)
		}
	}
}

func TestClip(t *testing.T) {
	if got := clip("short", 10); got != "short" {
		t.Errorf("clip = %q", got)
	}
	got := clip(strings.Repeat("é", 10), 5) // 2 bytes each: cut at a rune boundary
	if got != "éé… (20 bytes in all)" {
		t.Errorf("clip = %q", got)
	}
}
