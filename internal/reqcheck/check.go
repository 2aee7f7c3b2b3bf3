package reqcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Request is what Check reads of an HTTP request.
type Request struct {
	Path   map[string]string // path parameters by name, unescaped
	Query  url.Values
	Header http.Header
	Body   []byte
}

// Violation is one rule a request breaks.
type Violation struct {
	// Where names the value: "query.MarketplaceIds",
	// "body.reportSpecification.marketplaceIds[0]"; Key is the same with
	// indexes as [], as Op.Excused names it.
	Where, Key string
	// Kind is the rule: required, type, format, enum, pattern, minLength,
	// maxLength, minimum, maximum, minItems, maxItems.
	Kind string
	// Message is Amazon-style text naming the value and the rule.
	Message string
}

// Check returns the rules req breaks, in the order of the operation's
// parameters then the body's properties, leaving out the op's Excused.
func (t *Table) Check(op *Op, req Request) []Violation {
	c := &checker{t: t}
	for i := range op.Params {
		c.param(&op.Params[i], req)
	}
	c.body(op, req.Body)
	if len(op.Excused) == 0 {
		return c.out
	}
	return slices.DeleteFunc(c.out, func(v Violation) bool {
		return slices.Contains(op.Excused, v.Key+":"+v.Kind)
	})
}

type checker struct {
	t   *Table
	out []Violation
}

func (c *checker) add(where, kind, format string, args ...any) {
	c.out = append(c.out, Violation{Where: where, Key: indexes(where), Kind: kind, Message: fmt.Sprintf(format, args...)})
}

// indexes replaces every [n] of where by [].
func indexes(where string) string {
	if !strings.Contains(where, "[") {
		return where
	}
	var b strings.Builder
	skip := false
	for _, r := range where {
		switch {
		case r == '[':
			skip = true
			b.WriteString("[]")
		case r == ']':
			skip = false
		case !skip:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// param checks a parameter's values as sent: a query parameter's values
// are each split at commas (collectionFormat csv, Swagger's default) when
// the parameter is an array; an empty value counts as absent.
func (c *checker) param(p *Param, req Request) {
	where := p.In + "." + p.Name
	var vals []string
	switch p.In {
	case "query":
		vals = req.Query[p.Name]
	case "header":
		vals = req.Header.Values(p.Name)
	case "path":
		if v, ok := req.Path[p.Name]; ok {
			vals = []string{v}
		}
	}
	vals = slices.DeleteFunc(slices.Clone(vals), func(v string) bool { return v == "" })
	if len(vals) == 0 {
		if p.Required {
			c.add(where, "required", "Missing required %s parameter %q.", paramKind(p.In), p.Name)
		}
		return
	}
	label := fmt.Sprintf("%s parameter %q", paramKind(p.In), p.Name)
	if p.Type == "array" {
		var items []string
		for _, v := range vals {
			items = append(items, strings.Split(v, ",")...)
		}
		c.count(where, label, len(items), &p.Rule)
		if p.Items != nil {
			for i, v := range items {
				c.scalar(fmt.Sprintf("%s[%d]", where, i), label, v, p.Items)
			}
		}
		return
	}
	c.scalar(where, label, vals[0], &p.Rule)
}

func paramKind(in string) string {
	if in == "header" {
		return "header"
	}
	return in
}

// scalar checks a parameter's text value against r.
func (c *checker) scalar(where, label, v string, r *Rule) {
	switch r.Type {
	case "integer", "number":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || (r.Type == "integer" && f != math.Trunc(f)) {
			c.add(where, "type", "Invalid %s: %q is not an %s.", label, v, article(r.Type))
			return
		}
		c.number(where, label, f, r)
	case "boolean":
		if v != "true" && v != "false" {
			c.add(where, "type", "Invalid %s: %q is not a boolean.", label, v)
		}
	default:
		c.str(where, label, v, r)
	}
	if len(r.Enum) > 0 && !inEnum(r.Enum, v) {
		c.add(where, "enum", "Invalid %s: %q is not one of %s.", label, v, enumList(r.Enum))
	}
}

func article(t string) string {
	if t == "integer" {
		return "integer"
	}
	return "number"
}

func (c *checker) str(where, label, v string, r *Rule) {
	n := len([]rune(v))
	if r.MinLength != nil && n < *r.MinLength {
		c.add(where, "minLength", "Invalid %s: %q is shorter than the minimum length %d.", label, short(v), *r.MinLength)
	}
	if r.MaxLength != nil && n > *r.MaxLength {
		c.add(where, "maxLength", "Invalid %s: %q is longer than the maximum length %d.", label, short(v), *r.MaxLength)
	}
	if r.Pattern != "" && !r.matches(v) {
		c.add(where, "pattern", "Invalid %s: %q does not match the pattern %s.", label, short(v), r.Pattern)
	}
	if r.Format == "date-time" {
		if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
			c.add(where, "format", "Invalid %s: %q is not an ISO 8601 date-time.", label, short(v))
		}
	}
}

func (c *checker) number(where, label string, f float64, r *Rule) {
	if m := r.Minimum; m != nil && (f < *m || r.ExclusiveMin && f == *m) {
		c.add(where, "minimum", "Invalid %s: %v is less than the minimum %v.", label, f, *m)
	}
	if m := r.Maximum; m != nil && (f > *m || r.ExclusiveMax && f == *m) {
		c.add(where, "maximum", "Invalid %s: %v is greater than the maximum %v.", label, f, *m)
	}
}

func (c *checker) count(where, label string, n int, r *Rule) {
	if r.MinItems != nil && n < *r.MinItems {
		c.add(where, "minItems", "Invalid %s: %d items, fewer than the minimum %d.", label, n, *r.MinItems)
	}
	if r.MaxItems != nil && n > *r.MaxItems {
		c.add(where, "maxItems", "Invalid %s: %d items, more than the maximum %d.", label, n, *r.MaxItems)
	}
}

// body checks a JSON body against op.Body.
func (c *checker) body(op *Op, body []byte) {
	if op.Body == nil {
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if op.BodyRequired {
			c.add("body", "required", "Missing required request body.")
		}
		return
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		c.add("body", "type", "The request body is not valid JSON.")
		return
	}
	c.value("body", v, op.Body, 0)
}

// value checks a decoded JSON value against r.
func (c *checker) value(where string, v any, r *Rule, depth int) {
	if r == nil || depth > 64 {
		return
	}
	if r.Ref != "" {
		c.value(where, v, c.t.Defs[r.Ref], depth+1)
		return
	}
	for _, a := range r.AllOf {
		c.value(where, v, a, depth+1)
	}
	label := fmt.Sprintf("value of %q in the request body", strings.TrimPrefix(where, "body."))
	if where == "body" {
		label = "request body"
	}
	switch x := v.(type) {
	case nil:
		return // null: treated as absent
	case map[string]any:
		if r.Type != "" && r.Type != "object" {
			c.add(where, "type", "Invalid %s: an object, want %s.", label, want(r.Type))
			return
		}
		for _, name := range r.Required {
			if pv, ok := x[name]; !ok || pv == nil {
				c.add(where+"."+name, "required", "Missing required property %q in the request body.", strings.TrimPrefix(where+"."+name, "body."))
			}
		}
		for _, name := range sortedKeys(r.Properties) {
			if pv, ok := x[name]; ok {
				c.value(where+"."+name, pv, r.Properties[name], depth+1)
			}
		}
	case []any:
		if r.Type != "" && r.Type != "array" {
			c.add(where, "type", "Invalid %s: an array, want %s.", label, want(r.Type))
			return
		}
		c.count(where, label, len(x), r)
		for i, e := range x {
			c.value(fmt.Sprintf("%s[%d]", where, i), e, r.Items, depth+1)
		}
	case string:
		if r.Type != "" && r.Type != "string" {
			c.add(where, "type", "Invalid %s: a string, want %s.", label, want(r.Type))
			return
		}
		c.str(where, label, x, r)
		if len(r.Enum) > 0 && !inEnum(r.Enum, x) {
			c.add(where, "enum", "Invalid %s: %q is not one of %s.", label, short(x), enumList(r.Enum))
		}
	case json.Number:
		f, err := x.Float64()
		if err != nil || (r.Type != "" && r.Type != "number" && r.Type != "integer") || (r.Type == "integer" && f != math.Trunc(f)) {
			c.add(where, "type", "Invalid %s: %s, want %s.", label, x, want(r.Type))
			return
		}
		c.number(where, label, f, r)
		if len(r.Enum) > 0 && !inEnum(r.Enum, x.String()) {
			c.add(where, "enum", "Invalid %s: %s is not one of %s.", label, x, enumList(r.Enum))
		}
	case bool:
		if r.Type != "" && r.Type != "boolean" {
			c.add(where, "type", "Invalid %s: a boolean, want %s.", label, want(r.Type))
		}
	}
}

func want(t string) string {
	switch t {
	case "integer", "array", "object":
		return "an " + t
	}
	return "a " + t
}

func inEnum(enum []any, v string) bool {
	for _, e := range enum {
		if fmt.Sprint(e) == v {
			return true
		}
	}
	return false
}

// enumList names the allowed values, the first twelve if there are more.
func enumList(enum []any) string {
	var parts []string
	for i, e := range enum {
		if i == 12 {
			parts = append(parts, fmt.Sprintf("... (%d values)", len(enum)))
			break
		}
		parts = append(parts, fmt.Sprint(e))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// short cuts a long value for a message.
func short(s string) string {
	if r := []rune(s); len(r) > 64 {
		return string(r[:64]) + "..."
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
