// Package reqcheck checks an SP-API request against the rules its model
// states: required parameters and body properties, enum, pattern,
// minLength/maxLength, minimum/maximum, minItems/maxItems, type and
// date-time format, in query, path and header parameters and JSON bodies.
// internal/cmd/genvalidate writes the rules of every operation from
// Amazon's models (sptest/validate.gen.json); the sptest fake checks every
// request with them before any handler, so it answers 400 where the model
// refuses a request, as the real API does.
package reqcheck

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
)

// Rule is a JSON Schema subset: the keywords of a Swagger 2.0 parameter or
// schema that decide whether a value is accepted.
type Rule struct {
	Type         string           `json:"type,omitempty"`   // string, integer, number, boolean, array, object
	Format       string           `json:"format,omitempty"` // date-time is checked
	Enum         []any            `json:"enum,omitempty"`
	Pattern      string           `json:"pattern,omitempty"`
	MinLength    *int             `json:"minLength,omitempty"`
	MaxLength    *int             `json:"maxLength,omitempty"`
	Minimum      *float64         `json:"minimum,omitempty"`
	Maximum      *float64         `json:"maximum,omitempty"`
	ExclusiveMin bool             `json:"exclusiveMinimum,omitempty"`
	ExclusiveMax bool             `json:"exclusiveMaximum,omitempty"`
	MinItems     *int             `json:"minItems,omitempty"`
	MaxItems     *int             `json:"maxItems,omitempty"`
	Items        *Rule            `json:"items,omitempty"`
	Properties   map[string]*Rule `json:"properties,omitempty"`
	Required     []string         `json:"required,omitempty"`
	AllOf        []*Rule          `json:"allOf,omitempty"`
	Ref          string           `json:"$ref,omitempty"` // a key of Table.Defs

	re *regexp.Regexp // Pattern, compiled by Parse
}

// Param is one query, path or header parameter.
type Param struct {
	Name     string `json:"name"`
	In       string `json:"in"` // query, path, header
	Required bool   `json:"required,omitempty"`
	Rule
}

// Op is one operation's rules.
type Op struct {
	Name   string  `json:"name"`
	Method string  `json:"method"`
	Path   string  `json:"path"`
	Params []Param `json:"params,omitempty"`
	// Body is the JSON body's schema, nil if the operation takes none.
	Body         *Rule `json:"body,omitempty"`
	BodyRequired bool  `json:"bodyRequired,omitempty"`
	// Excused are the rules not enforced for this operation because one of
	// Amazon's own example requests breaks them ("where:kind", indexes as
	// []): the example wins.
	Excused []string `json:"excused,omitempty"`
	// Sample is a request the rules accept (from Amazon's example where it
	// has one), for tests that need a valid call of any operation.
	Sample *Sample `json:"sample,omitempty"`
}

// Sample is a request of an operation that its rules accept.
type Sample struct {
	Path   map[string]string   `json:"path,omitempty"`
	Query  map[string][]string `json:"query,omitempty"`
	Header map[string]string   `json:"header,omitempty"`
	Body   json.RawMessage     `json:"body,omitempty"`
}

// Table is every operation's rules and the schema definitions they name.
type Table struct {
	Ops  []*Op            `json:"operations"`
	Defs map[string]*Rule `json:"definitions"`
}

// Parse reads a Table and compiles it.
func Parse(b []byte) (*Table, error) {
	var t Table
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("reqcheck: %w", err)
	}
	if err := t.Compile(); err != nil {
		return nil, err
	}
	return &t, nil
}

// Compile checks that every $ref resolves and compiles every pattern.
func (t *Table) Compile() error {
	var err error
	var walk func(where string, r *Rule)
	seen := map[*Rule]bool{}
	walk = func(where string, r *Rule) {
		if r == nil || seen[r] || err != nil {
			return
		}
		seen[r] = true
		if r.Ref != "" && t.Defs[r.Ref] == nil {
			err = fmt.Errorf("reqcheck: %s: $ref %q is not defined", where, r.Ref)
			return
		}
		if r.Pattern != "" {
			re, e := regexp.Compile(r.Pattern)
			if e != nil {
				err = fmt.Errorf("reqcheck: %s: pattern %q: %v", where, r.Pattern, e)
				return
			}
			r.re = re
		}
		walk(where, r.Items)
		for _, p := range r.Properties {
			walk(where, p)
		}
		for _, a := range r.AllOf {
			walk(where, a)
		}
	}
	for k, d := range t.Defs {
		walk(k, d)
	}
	for _, op := range t.Ops {
		for i := range op.Params {
			walk(op.Name, &op.Params[i].Rule)
		}
		walk(op.Name, op.Body)
	}
	return err
}

// Request is the sample as a Request for Check.
func (s *Sample) Request() Request {
	r := Request{Path: s.Path, Query: url.Values{}, Header: http.Header{}, Body: s.Body}
	for k, v := range s.Query {
		r.Query[k] = v
	}
	for k, v := range s.Header {
		r.Header.Set(k, v)
	}
	return r
}

// matches reports whether s matches r's pattern (compiled by Parse, or
// here for a Rule built by hand).
func (r *Rule) matches(s string) bool {
	re := r.re
	if re == nil {
		var err error
		if re, err = regexp.Compile(r.Pattern); err != nil {
			return true // a pattern Go cannot read is not enforced
		}
	}
	return re.MatchString(s)
}
