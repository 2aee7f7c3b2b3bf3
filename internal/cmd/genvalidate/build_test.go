package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/internal/jsonschema"
	"github.com/spapi-go/spapi/internal/reqcheck"
)

// testModel is a model with one operation whose enum Amazon's 2xx example
// breaks ("LEGACY"), a 400 example that breaks it too (which must not
// excuse anything), a pattern the sample must satisfy, and a body.
const testModel = `{"swagger":"2.0","info":{"title":"Test","version":"v1"},
 "paths":{"/test/v1/things/{thingId}":{"post":{"operationId":"makeThing",
  "description":"**Usage plan:**\n\n| Rate (requests per second) | Burst |\n| ---- | ---- |\n| 1 | 1 |",
  "parameters":[
   {"name":"thingId","in":"path","required":true,"type":"string","pattern":"^T[0-9]{4}$"},
   {"name":"kind","in":"query","required":true,"type":"string","enum":["NEW","USED"]},
   {"name":"limit","in":"query","type":"integer","minimum":1,"maximum":5},
   {"name":"body","in":"body","required":true,"schema":{"$ref":"#/definitions/Thing"}}],
  "responses":{
   "200":{"description":"ok","x-amzn-api-sandbox":{"static":[{"request":{"parameters":{"kind":{"value":"LEGACY"},"body":{"value":{"name":"x"}}}},"response":{}}]}},
   "400":{"description":"bad","x-amzn-api-sandbox":{"static":[{"request":{"parameters":{"limit":{"value":99}}},"response":{}}]}}}}}},
 "definitions":{"Thing":{"type":"object","required":["name"],"properties":{"name":{"type":"string","maxLength":8}}}}}`

func TestBuild(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "test-api-model"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "test-api-model", "test.json"), []byte(testModel), 0o644); err != nil {
		t.Fatal(err)
	}
	tb, err := build(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Ops) != 1 {
		t.Fatalf("%d operations, want 1", len(tb.Ops))
	}
	op := tb.Ops[0]
	if !slices.Equal(op.Excused, []string{"query.kind:enum"}) {
		t.Errorf("Excused = %q, want only the enum the 2xx example breaks", op.Excused)
	}
	s := op.Sample
	if s == nil || s.Path["thingId"] != "T0000" || s.Query["kind"][0] != "NEW" || string(s.Body) != `{"name":"x"}` {
		t.Fatalf("Sample = %+v, want thingId from the pattern, the first enum value and the example's body", s)
	}
	if vs := tb.Check(op, s.Request()); len(vs) != 0 {
		t.Errorf("the sample breaks %+v", vs)
	}
	bad := s.Request()
	bad.Query.Set("limit", "6")
	bad.Body = []byte(`{"name":"much too long"}`)
	var kinds []string
	for _, v := range tb.Check(op, bad) {
		kinds = append(kinds, v.Key+":"+v.Kind)
	}
	if strings.Join(kinds, " ") != "query.limit:maximum body.name:maxLength" {
		t.Errorf("violations %q", kinds)
	}
	if _, ok := tb.Defs["test/Thing"]; !ok {
		t.Errorf("definitions %v lack test/Thing", tb.Defs)
	}
	if out, err := render(tb); err != nil || !strings.Contains(string(out), `"excused": [`) {
		t.Errorf("render: %v", err)
	}
}

func TestFromRegexp(t *testing.T) {
	for _, p := range []string{`^[A-Z]{2}$`, `^(UN|ID|NA)[0-9]{4}$`, `^[a-zA-Z0-9-._ ]*$`, `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`, `^https?://.+`, `^[1-9](\.[1-9])?$`} {
		r := &reqcheck.Rule{Type: "string", Pattern: p}
		if s := stringValue(r, "???"); !fits(r, s) {
			t.Errorf("stringValue for %s = %q, which does not match", p, s)
		}
	}
}

// TestParamRule reads a parameter as genvalidate does and checks the rule
// it becomes, with the definitions it registers.
func TestParamRule(t *testing.T) {
	const defs = `{"Thing":{"type":"object","properties":{"id":{"type":"string","maxLength":4},"id":{"type":"integer","minimum":2,"exclusiveMinimum":true}}},
		"Loop":{"type":"object","properties":{"next":{"$ref":"#/definitions/Loop"}}},
		"Part":{"allOf":[{"$ref":"#/definitions/Thing"},{"required":["extra"]}]},
		"Dup":{"properties":{"x":{"$ref":"#/definitions/Loop"},"x":{"type":"string"}}}}`
	for _, tt := range []struct {
		name, param string
		want        string // the rule's JSON
		defs        []string
	}{
		{"query enum", `{"name":"k","in":"query","required":true,"type":"string","enum":["A",2,null]}`,
			`{"type":"string","enum":["A",2,null]}`, nil},
		{"exclusive bounds", `{"name":"n","in":"query","type":"number","minimum":0,"exclusiveMinimum":true,"maximum":9,"exclusiveMaximum":true}`,
			`{"type":"number","minimum":0,"maximum":9,"exclusiveMinimum":true,"exclusiveMaximum":true}`, nil},
		{"array of patterns", `{"name":"ids","in":"query","type":"array","minItems":1,"maxItems":3,"items":{"type":"string","pattern":"^[A-Z]+$","minLength":2}}`,
			`{"type":"array","minItems":1,"maxItems":3,"items":{"type":"string","pattern":"^[A-Z]+$","minLength":2}}`, nil},
		{"not RE2", `{"name":"s","in":"header","type":"string","pattern":"^(?!x)"}`,
			`{"type":"string"}`, nil},
		{"date-time only", `{"name":"d","in":"query","type":"string","format":"date-time"}`,
			`{"type":"string","format":"date-time"}`, nil},
		{"other format dropped", `{"name":"d","in":"query","type":"string","format":"date"}`,
			`{"type":"string"}`, nil},
		{"body ref, last duplicate property counts", `{"name":"body","in":"body","schema":{"$ref":"#/definitions/Thing"}}`,
			`{"$ref":"m/Thing"}`, []string{"m/Thing"}},
		{"recursive", `{"name":"body","in":"body","schema":{"$ref":"#/definitions/Loop"}}`,
			`{"$ref":"m/Loop"}`, []string{"m/Loop"}},
		{"allOf", `{"name":"body","in":"body","schema":{"$ref":"#/definitions/Part"}}`,
			`{"$ref":"m/Part"}`, []string{"m/Part", "m/Thing"}},
		{"a duplicate property read over reaches nothing", `{"name":"body","in":"body","schema":{"$ref":"#/definitions/Dup"}}`,
			`{"$ref":"m/Dup"}`, []string{"m/Dup"}},
		{"missing definition", `{"name":"body","in":"body","schema":{"$ref":"#/definitions/Nope"}}`,
			`null`, nil},
		{"not a definition", `{"name":"body","in":"body","schema":{"$ref":"other.json#/definitions/Thing"}}`,
			`null`, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var sw swagger
			if err := json.Unmarshal([]byte(`{"definitions":`+defs+`}`), &sw); err != nil {
				t.Fatal(err)
			}
			b := &builder{model: "m", sw: &sw, defs: &jsonschema.Schema{Definitions: sw.Definitions}, table: &reqcheck.Table{Defs: map[string]*reqcheck.Rule{}}}
			var p swParam
			if err := json.Unmarshal([]byte(tt.param), &p); err != nil {
				t.Fatal(err)
			}
			s := &p.Own
			if p.In == "body" {
				s = p.Schema
			}
			got, err := json.Marshal(b.rule(s))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("rule %s\nwant %s", got, tt.want)
			}
			if keys := slices.Sorted(maps.Keys(b.table.Defs)); !slices.Equal(keys, tt.defs) {
				t.Errorf("definitions %q, want %q", keys, tt.defs)
			}
		})
	}
	// The definitions' own rules: the last "id" counts, a loop refers to itself.
	var sw swagger
	if err := json.Unmarshal([]byte(`{"definitions":`+defs+`}`), &sw); err != nil {
		t.Fatal(err)
	}
	b := &builder{model: "m", sw: &sw, defs: &jsonschema.Schema{Definitions: sw.Definitions}, table: &reqcheck.Table{Defs: map[string]*reqcheck.Rule{}}}
	b.rule(&jsonschema.Schema{AllOf: []*jsonschema.Schema{{Ref: "#/definitions/Part"}, {Ref: "#/definitions/Loop"}}})
	got, _ := json.Marshal(b.table.Defs)
	want := `{"m/Loop":{"type":"object","properties":{"next":{"$ref":"m/Loop"}}},` +
		`"m/Part":{"allOf":[{"$ref":"m/Thing"},{"required":["extra"]}]},` +
		`"m/Thing":{"type":"object","properties":{"id":{"type":"integer","minimum":2,"exclusiveMinimum":true}}}}`
	if string(got) != want {
		t.Errorf("definitions %s\nwant %s", got, want)
	}
}
