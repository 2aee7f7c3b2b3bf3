package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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
