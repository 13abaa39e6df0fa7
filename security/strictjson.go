package security

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The strict JSON layer: every report and every suppressions file is read
// through decodeStrict or decodeStrictStream, and nothing else in the
// package calls encoding/json to decode.
//
// encoding/json alone is too forgiving for a security gate. It matches
// object keys to struct fields case-insensitively (so "Expires" next to
// "expires" sets the same field, and the later one wins), lets the last of
// two duplicate keys win, decodes null into anything as its zero value,
// and json.Decoder.More reports "no more" on a stray "]" or "}" after the
// value. Each of these lets a report, or a suppression, say something else
// than what a reader of the file sees. So the layer first walks the
// document's tokens next to the Go type it will fill, and refuses:
//
//   - anything but exactly one JSON value (a stream: one or more values),
//     including an empty input, a byte order mark, and data after the value;
//   - a duplicate key in any object, at any depth;
//   - a key that differs from a field of the struct only in case (field
//     names match exactly; property bags that must stay free-form are
//     decoded into maps, whose keys are exact);
//   - a key that names no field, and null anywhere, when the caller asks
//     (suppressions);
//   - null as the whole document (or as one value of a stream);
//   - nesting deeper than maxJSONDepth.
//
// Only then does encoding/json decode the checked bytes into the value.

// maxJSONDepth is the deepest nesting accepted, as in encoding/json.
const maxJSONDepth = 10000

// strictOptions say how strict the walk is beyond the rules above.
type strictOptions struct {
	// knownFieldsOnly makes a key that names no field of the struct an
	// error (`unknown field "expiry"`).
	knownFieldsOnly bool
	// noNull makes null anywhere an error (suppressions: "expires": null
	// must not read as "never expires").
	noNull bool
}

// decodeStrict decodes data, which must be exactly one JSON value, into v
// (a non-nil pointer) after the checks described above.
func decodeStrict(data []byte, v interface{}, opts strictOptions) error {
	if err := checkEncoding(data); err != nil {
		return err
	}
	dec := newTokenDecoder(data)
	w := walker{dec: dec, opts: opts, fields: map[reflect.Type]*fieldSet{}}
	tok, err := dec.Token()
	if err == io.EOF {
		return errors.New("empty report: no JSON value")
	}
	if err != nil {
		return w.syntaxError(err)
	}
	if err := w.top(tok, reflect.TypeOf(v).Elem()); err != nil {
		return err
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("unexpected data after the JSON value (at byte %d); want exactly one JSON value", end)
	}
	return unmarshal(data, v)
}

// decodeStrictStream decodes data, a stream of one or more JSON values
// (such as govulncheck's JSON output), each checked as decodeStrict checks
// a whole document and decoded into a fresh T, and calls each with it and
// its index. It stops at the first error, of the stream or of each.
func decodeStrictStream[T any](data []byte, opts strictOptions, each func(i int, v *T) error) error {
	if err := checkEncoding(data); err != nil {
		return err
	}
	dec := newTokenDecoder(data)
	w := walker{dec: dec, opts: opts, fields: map[reflect.Type]*fieldSet{}}
	typ := reflect.TypeOf((*T)(nil)).Elem()
	for i := 0; ; i++ {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			if i == 0 {
				return errors.New("empty report: no JSON value")
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("value %d: %w", i, w.syntaxError(err))
		}
		if err := w.top(tok, typ); err != nil {
			return fmt.Errorf("value %d: %w", i, err)
		}
		v := new(T)
		if err := unmarshal(data[start:dec.InputOffset()], v); err != nil {
			return fmt.Errorf("value %d: %w", i, err)
		}
		if err := each(i, v); err != nil {
			return err
		}
	}
}

func newTokenDecoder(data []byte) *json.Decoder {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // numbers are only skipped; no float conversion
	return dec
}

// checkEncoding refuses what is not UTF-8 JSON text before any token is
// read, with a message that says so.
func checkEncoding(data []byte) error {
	switch {
	case bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")):
		return errors.New("starts with a UTF-8 byte order mark; want JSON text without one (RFC 8259)")
	case bytes.HasPrefix(data, []byte("\xFE\xFF")), bytes.HasPrefix(data, []byte("\xFF\xFE")):
		return errors.New("starts with a UTF-16 byte order mark; want UTF-8 JSON")
	}
	return nil
}

// walker checks the tokens of one document against a Go type.
type walker struct {
	dec    *json.Decoder
	opts   strictOptions
	path   []pathSegment
	fields map[reflect.Type]*fieldSet
}

// pathSegment is one step of the path to the current value: a key or an
// array index.
type pathSegment struct {
	key   string
	index int
	isKey bool
}

// top checks one whole value, whose first token is tok: null is refused.
func (w *walker) top(tok json.Token, t reflect.Type) error {
	if tok == nil {
		return fmt.Errorf("null, not a JSON %s", jsonKind(t))
	}
	return w.value(tok, t, 0)
}

// value checks the value that starts with tok, where the Go value t (nil:
// anything) will receive it.
func (w *walker) value(tok json.Token, t reflect.Type, depth int) error {
	if depth >= maxJSONDepth {
		return w.errorf("nested deeper than %d levels", maxJSONDepth)
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if tok == nil && w.opts.noNull {
		return w.errorf("null; want a value (leave the field out instead)")
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar: encoding/json checks its type
	}
	switch d {
	case '{':
		return w.object(t, depth)
	case '[':
		return w.array(t, depth)
	}
	return w.errorf("unexpected %q", string(d)) // json.Decoder never returns a closing delimiter here
}

func (w *walker) object(t reflect.Type, depth int) error {
	var fields *fieldSet
	var elem reflect.Type
	if t != nil {
		switch t.Kind() {
		case reflect.Struct:
			fields = w.fieldsOf(t)
		case reflect.Map:
			elem = t.Elem()
		}
	}
	seen := map[string]bool{}
	for {
		tok, err := w.dec.Token()
		if err != nil {
			return w.syntaxError(err)
		}
		if d, ok := tok.(json.Delim); ok && d == '}' {
			return nil
		}
		key, ok := tok.(string)
		if !ok {
			return w.errorf("object key is %v, not a string", tok) // json.Decoder never returns one
		}
		if seen[key] {
			return w.errorf("duplicate key %s: a JSON object must not repeat a key (which one would count?)", quoteClip(key))
		}
		seen[key] = true
		child := elem
		if fields != nil {
			ft, ok := fields.byName[key]
			if !ok {
				if name, found := fields.fold(key); found {
					return w.errorf("key %s differs from %q only in case; keys must match exactly", quoteClip(key), name)
				}
				if w.opts.knownFieldsOnly {
					return w.errorf("unknown field %s; want one of %s", quoteClip(key), strings.Join(fields.names, ", "))
				}
			}
			child = ft // nil for an unknown key: anything goes below it
		}
		w.path = append(w.path, pathSegment{key: key, isKey: true})
		if tok, err = w.dec.Token(); err != nil {
			return w.syntaxError(err)
		}
		if err := w.value(tok, child, depth+1); err != nil {
			return err
		}
		w.path = w.path[:len(w.path)-1]
	}
}

func (w *walker) array(t reflect.Type, depth int) error {
	var elem reflect.Type
	if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		elem = t.Elem()
	}
	for i := 0; ; i++ {
		tok, err := w.dec.Token()
		if err != nil {
			return w.syntaxError(err)
		}
		if d, ok := tok.(json.Delim); ok && d == ']' {
			return nil
		}
		w.path = append(w.path, pathSegment{index: i})
		if err := w.value(tok, elem, depth+1); err != nil {
			return err
		}
		w.path = w.path[:len(w.path)-1]
	}
}

// errorf returns an error that names the path of the current value.
func (w *walker) errorf(format string, args ...interface{}) error {
	msg := fmt.Sprintf(format, args...)
	if p := w.pathString(); p != "" {
		return errors.New("at " + p + ": " + msg)
	}
	return errors.New(msg)
}

// syntaxError words an error of json.Decoder.Token: the end of the input
// inside a value is a truncated document.
func (w *walker) syntaxError(err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return w.errorf("unexpected end of JSON input: the report is truncated")
	}
	return w.errorf("%v (at byte %d)", err, w.dec.InputOffset())
}

func (w *walker) pathString() string {
	var b strings.Builder
	for _, s := range w.path {
		switch {
		case !s.isKey:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case isIdentifier(s.key):
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
		default:
			b.WriteString("[" + quoteClip(s.key) + "]")
		}
	}
	return b.String()
}

func isIdentifier(s string) bool {
	if s == "" || len(s) > maxKeyShown {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// maxKeyShown is the longest key (or value) an error message quotes in
// full: a report cannot make an error message as long as itself.
const maxKeyShown = 80

// quoteClip quotes s for a message, cut at maxKeyShown bytes.
func quoteClip(s string) string {
	if len(s) <= maxKeyShown {
		return strconv.Quote(s)
	}
	cut := maxKeyShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + fmt.Sprintf("… (%d bytes)", len(s))
}

// maxText is the longest text taken from a report into one line of the
// build log, one text of the JUnit report or one message (in bytes);
// longer ones are cut, saying by how much.
const maxText = 2000

// clip cuts s to at most n bytes (at a rune boundary), saying how long it
// was.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… (%d bytes in all)", len(s))
}

// fieldSet are the JSON names of a struct's fields, as encoding/json
// names them, and the type each decodes into.
type fieldSet struct {
	byName map[string]reflect.Type
	names  []string // in declaration order
}

// fold returns the field whose name key equals but for case (Unicode
// simple folding, as encoding/json matches keys).
func (fs *fieldSet) fold(key string) (string, bool) {
	for _, n := range fs.names {
		if strings.EqualFold(n, key) {
			return n, true
		}
	}
	return "", false
}

func (w *walker) fieldsOf(t reflect.Type) *fieldSet {
	if fs, ok := w.fields[t]; ok {
		return fs
	}
	fs := &fieldSet{byName: map[string]reflect.Type{}}
	addFields(fs, t)
	w.fields[t] = fs
	return fs
}

// addFields adds the JSON fields of struct t, following encoding/json's
// rules for tags, unexported fields and embedded structs.
func addFields(fs *fieldSet, t reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				addFields(fs, et)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := fs.byName[name]; dup {
			continue
		}
		fs.byName[name] = f.Type
		fs.names = append(fs.names, name)
	}
}

// unmarshal decodes checked JSON into v, and words a type mismatch by
// the path of the value and the JSON kinds, not by Go type names.
func unmarshal(data []byte, v interface{}) error {
	err := json.Unmarshal(data, v)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		at := ""
		if te.Field != "" {
			at = "at " + clip(te.Field, maxKeyShown) + ": "
		}
		got := te.Value
		if len(got) > maxKeyShown {
			got = got[:maxKeyShown] + "…"
		}
		return fmt.Errorf("%scannot unmarshal a JSON %s; want %s %s", at, got, article(jsonKind(te.Type)), jsonKind(te.Type))
	}
	return err
}

func article(kind string) string {
	if strings.ContainsAny(kind[:1], "aeiou") {
		return "an"
	}
	return "a"
}

// jsonKind names the JSON value a Go type is read from, for messages.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	}
	return "value"
}
