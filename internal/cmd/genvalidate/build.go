package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/spapi-go/spapi/internal/jsonschema"
	"github.com/spapi-go/spapi/internal/models"
	"github.com/spapi-go/spapi/internal/reqcheck"
)

// swagger is the part of a Swagger 2.0 model genvalidate reads.
type swagger struct {
	Parameters  map[string]*swParam                   `json:"parameters"`
	Definitions map[string]*jsonschema.Schema         `json:"definitions"`
	Paths       map[string]map[string]json.RawMessage `json:"paths"`
}

type swOp struct {
	Parameters []*swParam `json:"parameters"`
	Responses  map[string]struct {
		Sandbox *struct {
			Static  []swExample `json:"static"`
			Dynamic []swExample `json:"dynamic"`
		} `json:"x-amzn-api-sandbox"`
	} `json:"responses"`
}

type swExample struct {
	Request struct {
		Parameters map[string]struct {
			Value json.RawMessage `json:"value"`
		} `json:"parameters"`
	} `json:"request"`
}

// swParam is a Swagger 2.0 parameter: a body parameter's schema is under
// "schema"; any other parameter is itself a schema object (type, format,
// enum, pattern, items, ...), Own, except that its "required" is a boolean.
type swParam struct {
	Ref      string             `json:"$ref"`
	Name     string             `json:"name"`
	In       string             `json:"in"`
	Required bool               `json:"required"`
	Schema   *jsonschema.Schema `json:"schema"`
	Own      jsonschema.Schema  `json:"-"`
}

// UnmarshalJSON reads the parameter's fields, then the parameter as a
// schema object without its boolean "required".
func (p *swParam) UnmarshalJSON(b []byte) error {
	type plain swParam // without this method
	if err := json.Unmarshal(b, (*plain)(p)); err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	delete(fields, "required")
	own, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	return json.Unmarshal(own, &p.Own)
}

// build reads every model and makes the table.
func build(dir string) (*reqcheck.Table, error) {
	ms, err := models.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	t := &reqcheck.Table{Defs: map[string]*reqcheck.Rule{}}
	for _, m := range ms {
		var sw swagger
		if err := json.Unmarshal(m.Data, &sw); err != nil {
			return nil, fmt.Errorf("%s: %w", m.File, err)
		}
		b := &builder{model: m.Name, sw: &sw, defs: &jsonschema.Schema{Definitions: sw.Definitions}, table: t}
		for _, o := range m.Operations {
			op, err := b.op(o)
			if err != nil {
				return nil, fmt.Errorf("%s %s %s: %w", m.File, o.Method, o.Path, err)
			}
			t.Ops = append(t.Ops, op)
		}
	}
	// Compile compiles the patterns, which Check and the samples need.
	if err := t.Compile(); err != nil {
		return nil, err
	}
	for _, op := range t.Ops {
		excuse(t, op)
		sample(t, op)
	}
	return t, nil
}

type builder struct {
	model string
	sw    *swagger
	defs  *jsonschema.Schema // holds sw.Definitions, to look $refs up in
	table *reqcheck.Table
}

// op is the rules of one operation, with Amazon's 2xx example requests kept
// aside (in examples) for excuse.
func (b *builder) op(o *models.Operation) (*reqcheck.Op, error) {
	var item map[string]json.RawMessage
	raw := b.sw.Paths[o.Path]
	item = raw
	var shared []*swParam
	if p, ok := item["parameters"]; ok {
		if err := json.Unmarshal(p, &shared); err != nil {
			return nil, err
		}
	}
	var so swOp
	if err := json.Unmarshal(item[strings.ToLower(o.Method)], &so); err != nil {
		return nil, err
	}
	op := &reqcheck.Op{Name: o.Name, Method: o.Method, Path: o.Path}
	params := map[string]*swParam{}
	var order []string
	for _, p := range append(shared, so.Parameters...) {
		if p.Ref != "" {
			rp := b.sw.Parameters[strings.TrimPrefix(p.Ref, "#/parameters/")]
			if rp == nil {
				return nil, fmt.Errorf("parameter $ref %q not found", p.Ref)
			}
			p = rp
		}
		k := p.In + " " + p.Name
		if _, seen := params[k]; !seen {
			order = append(order, k)
		}
		params[k] = p // an operation's parameter overrides the path's
	}
	bodyName := ""
	for _, k := range order {
		p := params[k]
		switch p.In {
		case "body":
			op.Body = b.rule(p.Schema)
			op.BodyRequired = p.Required
			bodyName = p.Name
		case "query", "path", "header":
			r := b.rule(&p.Own)
			op.Params = append(op.Params, reqcheck.Param{Name: p.Name, In: p.In, Required: p.Required || p.In == "path", Rule: *r})
		}
	}
	for _, code := range sortedKeys(so.Responses) {
		resp := so.Responses[code]
		if !strings.HasPrefix(code, "2") || resp.Sandbox == nil {
			continue
		}
		for _, ex := range append(resp.Sandbox.Static, resp.Sandbox.Dynamic...) {
			examples[op] = append(examples[op], exampleSample(op, bodyName, ex))
		}
	}
	return op, nil
}

// examples are Amazon's 2xx example requests by operation, as Samples.
var examples = map[*reqcheck.Op][]*reqcheck.Sample{}

// exampleSample turns one x-amzn-api-sandbox request into a Sample.
func exampleSample(op *reqcheck.Op, bodyName string, ex swExample) *reqcheck.Sample {
	s := &reqcheck.Sample{Path: map[string]string{}, Query: map[string][]string{}, Header: map[string]string{}}
	for name, pv := range ex.Request.Parameters {
		if name == bodyName && bodyName != "" {
			var buf bytes.Buffer
			if json.Compact(&buf, pv.Value) == nil {
				s.Body = buf.Bytes()
			}
			continue
		}
		text := exampleText(pv.Value)
		for _, p := range op.Params {
			if p.Name != name {
				continue
			}
			switch p.In {
			case "path":
				s.Path[name] = text
			case "query":
				s.Query[name] = []string{text}
			case "header":
				s.Header[name] = text
			}
		}
	}
	return s
}

// exampleText is a parameter's example value as sent: a string as is, a
// list joined with commas, anything else in its JSON spelling.
func exampleText(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var list []any
	if json.Unmarshal(v, &list) == nil {
		parts := make([]string, len(list))
		for i, e := range list {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, ",")
	}
	return string(bytes.TrimSpace(v))
}

// rule converts a schema, registering the definitions it reaches.
func (b *builder) rule(s *jsonschema.Schema) *reqcheck.Rule {
	if s == nil {
		return nil
	}
	if s.Ref != "" {
		def, name, ok := b.defs.Lookup(s.Ref)
		if !ok {
			return nil
		}
		key := b.model + "/" + name
		if _, done := b.table.Defs[key]; !done {
			b.table.Defs[key] = nil // reserve: a recursive schema refers to itself
			b.table.Defs[key] = b.rule(def)
		}
		return &reqcheck.Rule{Ref: key}
	}
	// Swagger 2.0 spells exclusiveMinimum and exclusiveMaximum as booleans.
	r := &reqcheck.Rule{
		Type: s.Type.Single(), Enum: enumValues(s.Enum), Pattern: goPattern(s.Pattern),
		MinLength: s.MinLength, MaxLength: s.MaxLength, Minimum: s.Minimum, Maximum: s.Maximum,
		ExclusiveMin: s.ExclusiveMinimum.Flag, ExclusiveMax: s.ExclusiveMaximum.Flag,
		MinItems: s.MinItems, MaxItems: s.MaxItems, Required: s.Required,
	}
	if s.Format == "date-time" {
		r.Format = s.Format
	}
	r.Items = b.rule(s.Items)
	for _, p := range s.Properties {
		if r.Properties == nil {
			r.Properties = map[string]*reqcheck.Rule{}
		}
		r.Properties[p.Name] = b.rule(s.Properties.Get(p.Name)) // the last of a name counts
	}
	for _, a := range s.AllOf {
		r.AllOf = append(r.AllOf, b.rule(a))
	}
	return r
}

// enumValues is an enum's values decoded, as the rules carry them.
func enumValues(raw []json.RawMessage) []any {
	if len(raw) == 0 {
		return nil
	}
	vs := make([]any, len(raw))
	for i, r := range raw {
		_ = json.Unmarshal(r, &vs[i]) // r is JSON the schema was decoded from
	}
	return vs
}

// goPattern is the pattern if Go's regexp reads it, else "" (listed with
// -v): a rule sptest cannot check is not enforced.
func goPattern(p string) string {
	if p == "" {
		return ""
	}
	if _, err := regexp.Compile(p); err != nil {
		fmt.Fprintf(verbose, "pattern %q: not RE2 syntax, not enforced: %v\n", p, err)
		return ""
	}
	return p
}

// excuse lists the rules Amazon's example requests of op break: a value
// the rules refuse, or a body without a property its schema requires.
func excuse(t *reqcheck.Table, op *reqcheck.Op) {
	set := map[string]bool{}
	for _, ex := range examples[op] {
		for _, v := range t.Check(op, ex.Request()) {
			if v.Kind == "required" && !strings.HasPrefix(v.Key, "body.") {
				// An example names only the parameters it matches on; one it
				// leaves out is not sent empty.
				continue
			}
			k := v.Key + ":" + v.Kind
			if !set[k] {
				fmt.Fprintf(verbose, "%s: excused %s: Amazon's example breaks it: %s\n", op.Name, k, v.Message)
			}
			set[k] = true
		}
	}
	op.Excused = slices.Sorted(mapKeys(set))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
