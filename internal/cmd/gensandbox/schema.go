package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/spapi-go/spapi/internal/jsonschema"
)

// maxDepth bounds how deep build and conform follow a schema: the models'
// cyclic definitions (a node whose children are nodes) end there.
const maxDepth = 12

// Placeholder values of a built body, for formats the typed clients parse.
const (
	sampleDateTime = "2025-01-02T03:04:05Z"
	sampleDate     = "2025-01-02"
	sampleString   = "string"
)

// build writes a JSON value that s describes and that the typed clients
// (oapi-codegen) decode: objects with their required properties, arrays with
// one element, an enum's first value, a schema's own example where it fits,
// date-times and dates that parse. A $ref already being built (a cycle) or a
// schema deeper than maxDepth ends as the empty value of its type.
func (m *model) build(s *jsonschema.Schema) ([]byte, error) {
	var b bytes.Buffer
	if err := m.buildInto(&b, s, nil); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (m *model) buildInto(b *bytes.Buffer, s *jsonschema.Schema, stack []string) error {
	s, name, err := m.resolve(s)
	if err != nil {
		return err
	}
	if s == nil {
		b.WriteString("null")
		return nil
	}
	if name != "" {
		if slices.Contains(stack, name) || len(stack) >= maxDepth {
			b.WriteString(m.empty(s))
			return nil
		}
		stack = append(stack, name)
	} else if len(stack) >= maxDepth {
		b.WriteString(m.empty(s))
		return nil
	}
	if len(s.Enum) > 0 {
		return compactInto(b, s.Enum[0])
	}
	if len(s.Example) > 0 && m.conform(s.Example, s) == nil {
		return compactInto(b, s.Example)
	}
	switch {
	case len(s.AllOf) > 0:
		return m.buildAllOf(b, s, stack)
	case len(s.OneOf) > 0:
		return m.buildInto(b, s.OneOf[0], stack)
	case len(s.AnyOf) > 0:
		return m.buildInto(b, s.AnyOf[0], stack)
	}
	switch kind(s) {
	case "object":
		return m.buildObject(b, s, stack)
	case "array":
		b.WriteByte('[')
		if err := m.buildInto(b, s.Items, stack); err != nil {
			return err
		}
		b.WriteByte(']')
	case "string":
		b.WriteString(sampleFor(s.Format))
	case "integer":
		b.WriteString("1")
	case "number":
		b.WriteString("1.5")
	case "boolean":
		b.WriteString("true")
	default:
		b.WriteString("null")
	}
	return nil
}

// buildObject writes s's required properties, in the order s lists them.
func (m *model) buildObject(b *bytes.Buffer, s *jsonschema.Schema, stack []string) error {
	b.WriteByte('{')
	n := 0
	for _, p := range s.Required {
		ps := s.Properties.Get(p)
		if ps == nil {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		key, _ := json.Marshal(p)
		b.Write(key)
		b.WriteByte(':')
		if err := m.buildInto(b, ps, stack); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	b.WriteByte('}')
	return nil
}

// buildAllOf merges the objects built from each part of an allOf.
func (m *model) buildAllOf(b *bytes.Buffer, s *jsonschema.Schema, stack []string) error {
	merged := &jsonschema.Schema{Type: jsonschema.TypeList{"object"}}
	for _, part := range append([]*jsonschema.Schema{{Properties: s.Properties, Required: s.Required}}, s.AllOf...) {
		p, _, err := m.resolve(part)
		if err != nil {
			return err
		}
		// A later part's property replaces an earlier one of its name:
		// Properties.Get finds the last.
		merged.Properties = append(merged.Properties, p.Properties...)
		for _, r := range p.Required {
			if !slices.Contains(merged.Required, r) {
				merged.Required = append(merged.Required, r)
			}
		}
	}
	return m.buildObject(b, merged, stack)
}

// empty is the smallest value of s's type.
func (m *model) empty(s *jsonschema.Schema) string {
	switch kind(s) {
	case "object":
		return "{}"
	case "array":
		return "[]"
	case "string":
		return sampleFor(s.Format)
	case "integer", "number":
		return "0"
	case "boolean":
		return "false"
	}
	return "null"
}

// kind is s's JSON type: its type, or object where it only lists properties.
func kind(s *jsonschema.Schema) string {
	t := s.Type.Single()
	if t == "" && (len(s.Properties) > 0 || s.AdditionalProperties != nil) {
		return "object"
	}
	return t
}

func sampleFor(format string) string {
	switch format {
	case "date-time":
		return `"` + sampleDateTime + `"`
	case "date":
		return `"` + sampleDate + `"`
	case "byte":
		return `"` + base64.StdEncoding.EncodeToString([]byte(sampleString)) + `"`
	}
	return `"` + sampleString + `"`
}

func compactInto(b *bytes.Buffer, raw json.RawMessage) error {
	return json.Compact(b, raw)
}

// conform reports why raw would not decode into the Go type oapi-codegen
// generates for s, or nil: JSON types must match, integers be whole, dates
// and date-times parse, and base64 strings decode. It does not check enums
// or required properties, which decoding does not check either.
func (m *model) conform(raw json.RawMessage, s *jsonschema.Schema) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return err
	}
	return m.conformValue(v, s, 0)
}

func (m *model) conformValue(v any, s *jsonschema.Schema, depth int) error {
	s, _, err := m.resolve(s)
	if err != nil || s == nil {
		return err
	}
	if depth > 4*maxDepth {
		return nil
	}
	for _, part := range s.AllOf {
		if err := m.conformValue(v, part, depth+1); err != nil {
			return err
		}
	}
	if alts := append(slices.Clone(s.OneOf), s.AnyOf...); len(alts) > 0 {
		var errs []error
		for _, alt := range alts {
			err := m.conformValue(v, alt, depth+1)
			if err == nil {
				errs = nil
				break
			}
			errs = append(errs, err)
		}
		if errs != nil {
			return errors.Join(errs...)
		}
	}
	if v == nil {
		if s.Format == "date" {
			return errors.New("null for a date")
		}
		return nil
	}
	switch kind(s) {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s, want an object", jsonType(v))
		}
		var extra *jsonschema.Schema // the schema of a key not in Properties
		if ap := s.AdditionalProperties; ap != nil && ap.Bool == nil {
			extra = ap
		}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			ps := s.Properties.Get(k)
			if ps == nil {
				ps = extra
			}
			if ps == nil {
				continue
			}
			if err := m.conformValue(obj[k], ps, depth+1); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s, want an array", jsonType(v))
		}
		for i, e := range arr {
			if err := m.conformValue(e, s.Items, depth+1); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s, want a string", jsonType(v))
		}
		return conformString(str, s.Format)
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return fmt.Errorf("%s, want an integer", jsonType(v))
		}
		i, err := n.Int64()
		if err != nil {
			return fmt.Errorf("%s is not an integer", n)
		}
		if s.Format == "int32" && (i < math.MinInt32 || i > math.MaxInt32) {
			return fmt.Errorf("%s is out of int32 range", n)
		}
	case "number":
		if _, ok := v.(json.Number); !ok {
			return fmt.Errorf("%s, want a number", jsonType(v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s, want a boolean", jsonType(v))
		}
	}
	return nil
}

func conformString(s, format string) error {
	var err error
	switch format {
	case "date-time":
		_, err = time.Parse(time.RFC3339, s)
	case "date":
		_, err = time.Parse(time.DateOnly, s)
	case "byte":
		_, err = base64.StdEncoding.DecodeString(s)
	}
	if err != nil {
		return fmt.Errorf("%q is not a valid %s", s, format)
	}
	return nil
}

func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

// isJSONMedia reports whether a media type carries JSON (application/json,
// application/hal+json).
func isJSONMedia(mt string) bool {
	mt, _, _ = strings.Cut(mt, ";")
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}
