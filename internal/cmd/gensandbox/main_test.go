package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/spapi-go/spapi/internal/jsonschema"
	"github.com/spapi-go/spapi/internal/models"
)

// testModel builds a model from a Swagger 2.0 document's JSON.
func testModel(t *testing.T, doc string) *model {
	t.Helper()
	doc = `{"swagger": "2.0", "info": {"title": "Test", "version": "v1"}, ` + doc[1:]
	ms, err := models.Load(fstest.MapFS{"test-api-model/test.json": {Data: []byte(doc)}})
	if err != nil {
		t.Fatal(err)
	}
	m := &model{file: ms[0].File, src: ms[0]}
	if err := json.Unmarshal([]byte(doc), &m.doc); err != nil {
		t.Fatal(err)
	}
	return m
}

const definitions = `{"definitions": {
	"Node": {"type": "object", "required": ["id", "children"], "properties": {
		"id": {"type": "string"},
		"children": {"type": "array", "items": {"$ref": "#/definitions/Node"}}}},
	"Alias": {"$ref": "#/definitions/Money"},
	"Money": {"type": "object", "required": ["amount", "currency"], "properties": {
		"currency": {"type": "string", "enum": ["USD", "EUR"]},
		"amount": {"type": "number"},
		"note": {"type": "string"}}},
	"Stamp": {"type": "object", "required": ["at", "day", "blob", "n", "ok", "ex"], "properties": {
		"at": {"type": "string", "format": "date-time"},
		"day": {"type": "string", "format": "date"},
		"blob": {"type": "string", "format": "byte"},
		"n": {"type": "integer", "format": "int32"},
		"ok": {"type": "boolean"},
		"ex": {"type": "string", "example": "from-the-model"}}},
	"Both": {"allOf": [{"$ref": "#/definitions/Money"}, {"type": "object", "required": ["note2"], "properties": {"note2": {"type": "string"}}}]},
	"List": {"type": "array", "items": {"$ref": "#/definitions/Money"}},
	"BadExample": {"type": "string", "format": "date-time", "example": "Mon Oct 28 18:49:32 UTC 2019"}
}}`

func TestBuild(t *testing.T) {
	m := testModel(t, definitions)
	for _, tt := range []struct{ ref, want string }{
		{"Money", `{"amount":1.5,"currency":"USD"}`},
		{"Alias", `{"amount":1.5,"currency":"USD"}`},
		{"Node", `{"id":"string","children":[{}]}`}, // the cycle ends at the second Node
		{"Stamp", `{"at":"2025-01-02T03:04:05Z","day":"2025-01-02","blob":"c3RyaW5n","n":1,"ok":true,"ex":"from-the-model"}`},
		{"Both", `{"amount":1.5,"currency":"USD","note2":"string"}`},
		{"List", `[{"amount":1.5,"currency":"USD"}]`},
		{"BadExample", `"2025-01-02T03:04:05Z"`}, // its own example does not parse
	} {
		t.Run(tt.ref, func(t *testing.T) {
			s := &jsonschema.Schema{Ref: "#/definitions/" + tt.ref}
			got, err := m.build(s)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("build = %s, want %s", got, tt.want)
			}
			if err := m.conform(got, s); err != nil {
				t.Errorf("the built body does not fit its schema: %v", err)
			}
		})
	}
	if _, err := m.build(&jsonschema.Schema{Ref: "#/definitions/Missing"}); err == nil || !strings.Contains(err.Error(), "Missing") {
		t.Errorf("build of a dangling $ref: err = %v, want one naming it", err)
	}
}

func TestConform(t *testing.T) {
	m := testModel(t, definitions)
	for _, tt := range []struct {
		name, ref, body, wantErr string
	}{
		{"fits", "Money", `{"amount":"x","currency":"USD"}`, `amount: a string, want a number`},
		{"object", "Money", `{"amount":2,"currency":"GBP","extra":[1]}`, ``}, // enums and unknown keys are not checked
		{"array for an object", "Money", `[]`, `an array, want an object`},
		{"date-time", "Stamp", `{"at":"2024-01-07T00:00Z"}`, `at: "2024-01-07T00:00Z" is not a valid date-time`},
		{"date", "Stamp", `{"day":"2025-01-12T00:00:00Z"}`, `is not a valid date`},
		{"null date", "Stamp", `{"day":null}`, `null for a date`},
		{"null elsewhere", "Stamp", `{"at":null,"n":null}`, ``},
		{"base64", "Stamp", `{"blob":"not base64!"}`, `is not a valid byte`},
		{"integer", "Stamp", `{"n":1.5}`, `1.5 is not an integer`},
		{"int32", "Stamp", `{"n":4294967296}`, `out of int32 range`},
		{"boolean", "Stamp", `{"ok":"true"}`, `a string, want a boolean`},
		{"deep", "Node", `{"children":[{"children":[{"id":7}]}]}`, `children: [0]: children: [0]: id: a number, want a string`},
		{"allOf", "Both", `{"amount":1,"note2":3}`, `note2: a number, want a string`},
		{"array", "List", `[{"amount":1},{"amount":true}]`, `[1]: amount: a boolean, want a number`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := m.conform(json.RawMessage(tt.body), &jsonschema.Schema{Ref: "#/definitions/" + tt.ref})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("conform = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("conform = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestEntry(t *testing.T) {
	doc := `{"produces": ["application/json"],
	"parameters": {"Market": {"name": "marketplaceIds", "in": "query", "required": true, "type": "array"}},
	"paths": {
		"/things/{id}": {
			"parameters": [{"name": "id", "in": "path", "required": true, "type": "string"},
				{"name": "x-shared", "in": "header", "required": true, "type": "string"}],
			"get": {"operationId": "getThing",
				"parameters": [{"$ref": "#/parameters/Market"},
					{"name": "x-shared", "in": "header", "required": false, "type": "string"},
					{"name": "optional", "in": "query", "type": "string"}],
				"responses": {"200": {"schema": {"$ref": "#/definitions/Money"},
					"x-amzn-api-sandbox": {"static": [
						{"request": {}, "response": {"amount": "not a number"}},
						{"request": {}, "response": {"currency": "EUR",   "amount": 2.50}}]}},
					"400": {"schema": {"$ref": "#/definitions/Money"}}}},
			"put": {"operationId": "putThing",
				"parameters": [{"name": "body", "in": "body", "required": true, "schema": {"$ref": "#/definitions/Money"}},
					{"name": "x-idem", "in": "header", "required": true, "type": "string"}],
				"responses": {"204": {"description": "done", "examples": {"application/json": {"x": 1}}}, "200": {}}},
			"post": {"operationId": "postThing", "produces": ["application/hal+json"],
				"responses": {"202": {"schema": {"$ref": "#/definitions/Money"},
					"examples": {"Named example": {"currency": "USD", "amount": 3}}}}},
			"patch": {"operationId": "patchThing",
				"responses": {"201": {"schema": {"$ref": "#/definitions/Money"},
					"examples": {"amount": 4, "currency": "EUR"}}}},
			"delete": {"operationId": "deleteThing",
				"responses": {"200": {"schema": {"$ref": "#/definitions/Money"},
					"examples": {"application/json": {"amount": "bad"}}}}}
		},
		"/empty": {"post": {"operationId": "cancelIt", "responses": {"200": {"description": "no schema"}}},
			"delete": {"operationId": "removeIt", "responses": {"204": {"schema": {"type": "string"}, "examples": {"application/json": "x"}}}}}
	}, ` + definitions[1:]
	m := testModel(t, doc)
	ops, err := m.operations()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range ops {
		e, err := m.entry(o)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(e)
		got[o.OperationID] = string(b)
	}
	const prefix = `{"model":"test-api-model/test.json",`
	for _, tt := range []struct{ op, want string }{
		// The first static example does not fit; the second does, as written.
		{"getThing", prefix + `"name":"getThing","operationId":"getThing","method":"GET","path":"/things/{id}","status":200,"contentType":"application/json","query":["marketplaceIds"],"source":"x-amzn-api-sandbox","reply":{"currency":"EUR","amount":2.50}}`},
		// The operation's header replaces the path's; 200 (before 204) without a schema is {}.
		{"putThing", prefix + `"name":"putThing","operationId":"putThing","method":"PUT","path":"/things/{id}","status":200,"header":["x-shared","x-idem"],"body":true,"contentType":"application/json","source":"none","reply":{}}`},
		{"postThing", prefix + `"name":"postThing","operationId":"postThing","method":"POST","path":"/things/{id}","status":202,"contentType":"application/hal+json","header":["x-shared"],"source":"examples","reply":{"currency":"USD","amount":3}}`},
		{"patchThing", prefix + `"name":"patchThing","operationId":"patchThing","method":"PATCH","path":"/things/{id}","status":201,"contentType":"application/json","header":["x-shared"],"source":"examples","reply":{"amount":4,"currency":"EUR"}}`},
		{"deleteThing", prefix + `"name":"deleteThing","operationId":"deleteThing","method":"DELETE","path":"/things/{id}","status":200,"contentType":"application/json","header":["x-shared"],"source":"schema","reply":{"amount":1.5,"currency":"USD"}}`},
		{"removeIt", prefix + `"name":"removeIt","operationId":"removeIt","method":"DELETE","path":"/empty","status":204}`}, // no body, whatever the model shows
		{"cancelIt", prefix + `"name":"cancelIt","operationId":"cancelIt","method":"POST","path":"/empty","status":200,"contentType":"application/json","source":"none","reply":{}}`},
	} {
		var w, g any
		if err := json.Unmarshal([]byte(tt.want), &w); err != nil {
			t.Fatal(err)
		}
		_ = json.Unmarshal([]byte(got[tt.op]), &g)
		wb, _ := json.Marshal(w)
		gb, _ := json.Marshal(g)
		if !bytes.Equal(wb, gb) {
			t.Errorf("%s:\n got %s\nwant %s", tt.op, got[tt.op], tt.want)
		}
	}
}

// TestGeneratedUpToDate: the committed table is what the generator writes
// from the committed models (make check-generate checks the same).
func TestGeneratedUpToDate(t *testing.T) {
	models, err := loadModels(filepath.Join("..", "..", "..", "api", "models"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := render(models)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "..", "sptest", "sandbox.gen.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("sptest/sandbox.gen.json is not what gensandbox writes from api/models: run go generate ./sptest/")
	}
	again, _ := render(models)
	if !bytes.Equal(got, again) {
		t.Error("two runs differ")
	}
}
