package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"

	"github.com/spapi-go/spapi/internal/reqcheck"
)

// Values a sample prefers where the rules allow them, so that tests reading
// the samples see the placeholders they always used.
const (
	prefPath   = "sptest-1"
	prefQuery  = "ATVPDKIKX0DER"
	prefHeader = "sptest"
	prefBody   = "sptest"
	sampleTime = "2025-01-02T03:04:05Z"
)

// sample sets op.Sample: every required parameter, and the body of
// Amazon's first 2xx example that has one, else one built from the schema
// with its required properties. A rule the sample still breaks (a pattern
// no value was found for) is excused and printed with -v.
func sample(t *reqcheck.Table, op *reqcheck.Op) {
	s := &reqcheck.Sample{}
	for _, p := range op.Params {
		if !p.Required {
			continue
		}
		switch p.In {
		case "path":
			mapSet(&s.Path, p.Name, paramValue(&p, prefPath))
		case "query":
			if s.Query == nil {
				s.Query = map[string][]string{}
			}
			s.Query[p.Name] = []string{paramValue(&p, prefQuery)}
		case "header":
			mapSet(&s.Header, p.Name, paramValue(&p, prefHeader))
		}
	}
	if op.Body != nil {
		for _, ex := range examples[op] {
			if len(ex.Body) > 0 {
				s.Body = ex.Body
				break
			}
		}
		if s.Body == nil {
			b, err := json.Marshal(bodyValue(t, op.Body, 0))
			if err == nil {
				s.Body = b
			}
		}
	}
	for _, v := range t.Check(op, s.Request()) {
		k := v.Key + ":" + v.Kind
		if !slices.Contains(op.Excused, k) {
			fmt.Fprintf(verbose, "%s: excused %s: no sample value found: %s\n", op.Name, k, v.Message)
			op.Excused = append(op.Excused, k)
			slices.Sort(op.Excused)
		}
	}
	op.Sample = s
}

func mapSet(m *map[string]string, k, v string) {
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[k] = v
}

// paramValue is a text value of parameter p that its rules accept.
func paramValue(p *reqcheck.Param, pref string) string {
	r := &p.Rule
	if r.Type == "array" && r.Items != nil {
		return scalarText(r.Items, pref)
	}
	return scalarText(r, pref)
}

func scalarText(r *reqcheck.Rule, pref string) string {
	switch r.Type {
	case "integer", "number":
		return fmt.Sprint(numberValue(r))
	case "boolean":
		return "true"
	}
	return stringValue(r, pref)
}

func numberValue(r *reqcheck.Rule) any {
	if len(r.Enum) > 0 {
		return r.Enum[0]
	}
	v := 1.0
	if r.Minimum != nil && v < *r.Minimum {
		v = *r.Minimum
		if r.ExclusiveMin {
			v++
		}
	}
	if r.Maximum != nil && v > *r.Maximum {
		v = *r.Maximum
	}
	return v
}

// stringValue is a string r accepts: its first enum value, a date-time,
// pref if it fits, else one made from the pattern or padded to the lengths.
func stringValue(r *reqcheck.Rule, pref string) string {
	if len(r.Enum) > 0 {
		return fmt.Sprint(r.Enum[0])
	}
	if r.Format == "date-time" {
		return sampleTime
	}
	if fits(r, pref) {
		return pref
	}
	if r.Pattern != "" {
		if re, err := syntax.Parse(r.Pattern, syntax.Perl); err == nil {
			for reps := 1; reps <= 64; reps++ {
				if s := fromRegexp(re.Simplify(), reps); fits(r, s) {
					return s
				}
			}
		}
		return pref
	}
	s := pref
	if r.MinLength != nil && len(s) < *r.MinLength {
		s += strings.Repeat("x", *r.MinLength-len(s))
	}
	if r.MaxLength != nil && len(s) > *r.MaxLength {
		s = s[:*r.MaxLength]
	}
	return s
}

func fits(r *reqcheck.Rule, s string) bool {
	n := len([]rune(s))
	if r.MinLength != nil && n < *r.MinLength || r.MaxLength != nil && n > *r.MaxLength {
		return false
	}
	if r.Pattern != "" {
		re, err := regexp.Compile(r.Pattern)
		return err == nil && re.MatchString(s)
	}
	return true
}

// fromRegexp is a string re matches, repeating each * and + reps times.
func fromRegexp(re *syntax.Regexp, reps int) string {
	switch re.Op {
	case syntax.OpLiteral:
		return string(re.Rune)
	case syntax.OpCharClass:
		return string(classRune(re.Rune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return "a"
	case syntax.OpCapture:
		return fromRegexp(re.Sub[0], reps)
	case syntax.OpStar, syntax.OpPlus:
		return strings.Repeat(fromRegexp(re.Sub[0], reps), reps)
	case syntax.OpQuest:
		return ""
	case syntax.OpRepeat:
		n := max(re.Min, min(reps, re.Max))
		if re.Max == -1 {
			n = max(re.Min, reps)
		}
		return strings.Repeat(fromRegexp(re.Sub[0], reps), n)
	case syntax.OpConcat:
		var b strings.Builder
		for _, sub := range re.Sub {
			b.WriteString(fromRegexp(sub, reps))
		}
		return b.String()
	case syntax.OpAlternate:
		return fromRegexp(re.Sub[0], reps)
	}
	return "" // anchors, empty match
}

// classRune picks a letter or digit from a character class's ranges if it
// has one, else its first rune.
func classRune(ranges []rune) rune {
	for _, want := range []rune{'A', 'a', '0'} {
		for i := 0; i+1 < len(ranges); i += 2 {
			if ranges[i] <= want && want <= ranges[i+1] {
				return want
			}
		}
	}
	for i := 0; i+1 < len(ranges); i += 2 {
		if ranges[i] >= '0' && ranges[i] <= 'z' {
			return ranges[i]
		}
	}
	return ranges[0]
}

// bodyValue builds a JSON value r accepts: objects with their required
// properties, arrays with their minimum number of items (at least one).
func bodyValue(t *reqcheck.Table, r *reqcheck.Rule, depth int) any {
	if r == nil || depth > 24 {
		return prefBody
	}
	if r.Ref != "" {
		return bodyValue(t, t.Defs[r.Ref], depth+1)
	}
	typ := r.Type
	if typ == "" {
		switch {
		case len(r.Properties) > 0 || len(r.Required) > 0 || len(r.AllOf) > 0:
			typ = "object"
		case r.Items != nil:
			typ = "array"
		}
	}
	switch typ {
	case "object":
		m := map[string]any{}
		for _, a := range r.AllOf {
			if sub, ok := bodyValue(t, a, depth+1).(map[string]any); ok {
				for k, v := range sub {
					m[k] = v
				}
			}
		}
		for _, name := range r.Required {
			m[name] = bodyValue(t, r.Properties[name], depth+1)
		}
		return m
	case "array":
		n := 1
		if r.MinItems != nil && *r.MinItems > n {
			n = *r.MinItems
		}
		out := make([]any, n)
		for i := range out {
			out[i] = bodyValue(t, r.Items, depth+1)
		}
		return out
	case "integer", "number":
		return numberValue(r)
	case "boolean":
		return true
	}
	return stringValue(r, prefBody)
}
