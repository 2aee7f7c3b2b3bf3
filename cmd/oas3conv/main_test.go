package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// convertFile runs the command on in and returns the exit status, the output
// file (nil if none was written) and stderr.
func convertFile(t *testing.T, in string) (int, []byte, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "openapi3.json")
	var stderr bytes.Buffer
	code := run([]string{"-in", in, "-out", out}, &stderr)
	got, err := os.ReadFile(out)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return code, got, stderr.String()
}

// TestCommittedModels: the models in the repository convert to exactly the
// OpenAPI 3 files committed beside their generated code.
func TestCommittedModels(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"../../api/tokens_2021-03-01.json", "../../gen/tokens.openapi3.json"},
	} {
		code, got, stderr := convertFile(t, tc.in)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.in, code, stderr)
		}
		want, err := os.ReadFile(tc.want)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s converts to %d bytes that differ from %s (%d bytes)", tc.in, len(got), tc.want, len(want))
		}
	}
}

// TestTokensModelKeeps checks what oapi-codegen needs from the Tokens model
// survived: OpenAPI 3, the server, the enum, the required lists and the
// sandbox examples.
func TestTokensModelKeeps(t *testing.T) {
	code, got, stderr := convertFile(t, "../../api/tokens_2021-03-01.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc := loadV3(t, got)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "https://sellingpartnerapi-na.amazon.com/" {
		t.Errorf("servers = %v, want the NA host", doc.Servers)
	}
	op := doc.Paths.Value("/tokens/2021-03-01/restrictedDataToken").Post
	if op == nil || op.OperationID != "createRestrictedDataToken" {
		t.Fatalf("createRestrictedDataToken missing")
	}
	if op.RequestBody == nil || op.RequestBody.Value.Content.Get("application/json") == nil {
		t.Errorf("request body is not application/json")
	}
	if _, ok := op.Responses.Value("200").Value.Extensions["x-amzn-api-sandbox"]; !ok {
		t.Errorf("200 lost x-amzn-api-sandbox")
	}
	if h := op.Responses.Value("200").Value.Headers["x-amzn-RateLimit-Limit"]; h == nil {
		t.Errorf("200 lost its x-amzn-RateLimit-Limit header")
	}
	res := doc.Components.Schemas["RestrictedResource"].Value
	if len(res.Properties["method"].Value.Enum) != 4 {
		t.Errorf("RestrictedResource.method enum = %v, want GET, PUT, POST, DELETE", res.Properties["method"].Value.Enum)
	}
	if strings.Join(res.Required, ",") != "method,path" {
		t.Errorf("RestrictedResource required = %v, want method, path", res.Required)
	}
}

// TestCollectionFormat: array parameters keep their Swagger serialization.
func TestCollectionFormat(t *testing.T) {
	in := writeModel(t, `{
	  "swagger": "2.0",
	  "info": {"title": "t", "version": "1"},
	  "parameters": {
	    "Shared": {"name": "shared", "in": "query", "type": "array", "items": {"type": "string"}}
	  },
	  "paths": {
	    "/things/{ids}": {
	      "parameters": [
	        {"name": "level", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "pipes"}
	      ],
	      "get": {
	        "operationId": "getThings",
	        "parameters": [
	          {"$ref": "#/parameters/Shared"},
	          {"name": "ids", "in": "path", "required": true, "type": "array", "items": {"type": "string"}},
	          {"name": "csvDefault", "in": "query", "type": "array", "items": {"type": "string"}},
	          {"name": "csv", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "csv"},
	          {"name": "ssv", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "ssv"},
	          {"name": "multi", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"},
	          {"name": "X-Tags", "in": "header", "type": "array", "items": {"type": "string"}},
	          {"name": "plain", "in": "query", "type": "string"},
	          {"name": "body", "in": "body", "schema": {"type": "object"}}
	        ],
	        "responses": {"200": {"description": "ok"}}
	      }
	    }
	  }
	}`)
	code, got, stderr := convertFile(t, in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc := loadV3(t, got)
	item := doc.Paths.Value("/things/{ids}")
	params := map[string]*openapi3.Parameter{}
	for _, p := range append(item.Parameters, item.Get.Parameters...) {
		if p.Value != nil {
			params[p.Value.Name] = p.Value
		}
	}
	params["shared"] = doc.Components.Parameters["Shared"].Value

	for _, tc := range []struct {
		name, style string
		explode     string // "" when unset (the default)
		sm          openapi3.SerializationMethod
	}{
		{"shared", "form", "false", openapi3.SerializationMethod{Style: "form", Explode: false}},
		{"level", "pipeDelimited", "false", openapi3.SerializationMethod{Style: "pipeDelimited", Explode: false}},
		{"ids", "", "", openapi3.SerializationMethod{Style: "simple", Explode: false}},
		{"csvDefault", "form", "false", openapi3.SerializationMethod{Style: "form", Explode: false}},
		{"csv", "form", "false", openapi3.SerializationMethod{Style: "form", Explode: false}},
		{"ssv", "spaceDelimited", "false", openapi3.SerializationMethod{Style: "spaceDelimited", Explode: false}},
		{"multi", "form", "true", openapi3.SerializationMethod{Style: "form", Explode: true}},
		{"X-Tags", "", "", openapi3.SerializationMethod{Style: "simple", Explode: false}},
		{"plain", "", "", openapi3.SerializationMethod{Style: "form", Explode: true}},
	} {
		p := params[tc.name]
		if p == nil {
			t.Errorf("%s: missing", tc.name)
			continue
		}
		explode := ""
		if p.Explode != nil {
			explode = map[bool]string{true: "true", false: "false"}[*p.Explode]
		}
		if p.Style != tc.style || explode != tc.explode {
			t.Errorf("%s: style %q explode %q, want %q %q", tc.name, p.Style, explode, tc.style, tc.explode)
		}
		sm, err := p.SerializationMethod()
		if err != nil || *sm != tc.sm {
			t.Errorf("%s: serialized as %+v (%v), want %+v", tc.name, sm, err, tc.sm)
		}
	}
}

// TestCollectionFormatWithoutEquivalent: a collectionFormat OpenAPI 3
// cannot express is an error naming the parameter, not a silently different
// client.
func TestCollectionFormatWithoutEquivalent(t *testing.T) {
	for _, param := range []string{
		`{"name": "tabs", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "tsv"}`,
		`{"name": "tabs", "in": "path", "required": true, "type": "array", "items": {"type": "string"}, "collectionFormat": "ssv"}`,
		`{"name": "tabs", "in": "header", "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"}`,
	} {
		in := writeModel(t, `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {"/x/{tabs}": {"get": {
		  "parameters": [`+param+`], "responses": {"200": {"description": "ok"}}}}}}`)
		code, got, stderr := convertFile(t, in)
		if code != 1 || got != nil {
			t.Errorf("%s: exit %d, output written %v; want 1 and none", param, code, got != nil)
		}
		if !strings.Contains(stderr, `parameter "tabs"`) || !strings.Contains(stderr, "no OpenAPI 3 equivalent") {
			t.Errorf("%s: stderr %q, want it to name the parameter and say why", param, stderr)
		}
	}
}

// TestDocumentProduces: an operation without produces takes the document's.
func TestDocumentProduces(t *testing.T) {
	in := writeModel(t, `{
	  "swagger": "2.0",
	  "info": {"title": "t", "version": "1"},
	  "produces": ["application/xml"],
	  "paths": {
	    "/a": {"get": {"responses": {"200": {"description": "ok", "schema": {"type": "string"}}}}},
	    "/b": {"get": {"produces": ["text/plain"], "responses": {"200": {"description": "ok", "schema": {"type": "string"}}}}}
	  }
	}`)
	code, got, stderr := convertFile(t, in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc := loadV3(t, got)
	for path, want := range map[string]string{"/a": "application/xml", "/b": "text/plain"} {
		content := doc.Paths.Value(path).Get.Responses.Value("200").Value.Content
		if len(content) != 1 || content.Get(want) == nil {
			t.Errorf("%s: content types %v, want only %s", path, keys(content), want)
		}
	}
}

// TestResponseHeaders: the responses' headers are kept by default and
// dropped, from the operations' and the shared responses, with
// -response-headers=false; the rest of each response stays.
func TestResponseHeaders(t *testing.T) {
	in := writeModel(t, `{
	  "swagger": "2.0",
	  "info": {"title": "t", "version": "1"},
	  "responses": {
	    "Throttled": {"description": "slow down", "headers": {"x-amzn-RequestId": {"type": "string"}},
	      "schema": {"type": "object", "properties": {"code": {"type": "string"}}}}
	  },
	  "paths": {"/a": {"get": {"operationId": "getA", "responses": {
	    "200": {"description": "ok", "headers": {"x-amzn-RateLimit-Limit": {"type": "string"}},
	      "schema": {"type": "object", "properties": {"a": {"type": "string"}}}},
	    "429": {"$ref": "#/responses/Throttled"}
	  }}}}
	}`)
	for _, tc := range []struct {
		args []string
		keep bool
	}{
		{nil, true},
		{[]string{"-response-headers=true"}, true},
		{[]string{"-response-headers=false"}, false},
	} {
		out := filepath.Join(t.TempDir(), "openapi3.json")
		var stderr bytes.Buffer
		if code := run(append(tc.args, "-in", in, "-out", out), &stderr); code != 0 {
			t.Fatalf("%q: exit %d: %s", tc.args, code, stderr.String())
		}
		js, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		doc := loadV3(t, js)
		ok := doc.Paths.Value("/a").Get.Responses.Value("200").Value
		shared := doc.Components.Responses["Throttled"].Value
		if got := len(ok.Headers) == 1 && len(shared.Headers) == 1; got != tc.keep {
			t.Errorf("%q: headers of 200 %v, of Throttled %v; want kept %v", tc.args, ok.Headers, shared.Headers, tc.keep)
		}
		if ok.Content.Get("application/json") == nil || shared.Content.Get("application/json") == nil || *shared.Description != "slow down" {
			t.Errorf("%q: a response lost its body or description", tc.args)
		}
	}
}

// TestDeterministic: the same model gives the same bytes.
func TestDeterministic(t *testing.T) {
	_, a, _ := convertFile(t, "../../api/models/orders-api-model/ordersV0.json")
	_, b, _ := convertFile(t, "../../api/models/orders-api-model/ordersV0.json")
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("two conversions differ (%d and %d bytes)", len(a), len(b))
	}
}

// TestErrors: exit 1 and a message naming the problem when the model cannot
// be read or is not Swagger 2.0 JSON; nothing is written.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, in, want string
	}{
		{"missing file", filepath.Join(dir, "nope.json"), "nope.json: no such file"},
		{"not JSON", writeModel(t, "swagger: '2.0'\n"), "invalid character"},
		{"OpenAPI 3 already", writeModel(t, `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}`), `not a Swagger 2.0 model (swagger: "")`},
	} {
		code, got, stderr := convertFile(t, tc.in)
		if code != 1 {
			t.Errorf("%s: exit %d, want 1", tc.name, code)
		}
		if got != nil {
			t.Errorf("%s: output written", tc.name)
		}
		if !strings.HasPrefix(stderr, "oas3conv: ") || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: stderr %q, want oas3conv: ... %s", tc.name, stderr, tc.want)
		}
	}
}

// TestUsage: exit 2 with the usage line for a bad command line; -h is not
// an error.
func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "-in and -out are required"},
		{[]string{"-in", "x.json"}, 2, "-in and -out are required"},
		{[]string{"-out", "y.json"}, 2, "-in and -out are required"},
		{[]string{"-in", "x.json", "-out", "y.json", "z.json"}, 2, `unexpected argument "z.json"`},
		{[]string{"-input", "x.json"}, 2, "flag provided but not defined: -input"},
		{[]string{"-h"}, 0, "-out file"},
	} {
		var stderr bytes.Buffer
		if code := run(tc.args, &stderr); code != tc.code {
			t.Errorf("%q: exit %d, want %d", tc.args, code, tc.code)
		}
		if s := stderr.String(); !strings.Contains(s, tc.want) || !strings.Contains(s, usage) {
			t.Errorf("%q: stderr %q, want %q and the usage line", tc.args, s, tc.want)
		}
	}
}

func writeModel(t *testing.T, s string) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "model-*.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// loadV3 parses and validates converted output, as oapi-codegen will.
func loadV3(t *testing.T, js []byte) *openapi3.T {
	t.Helper()
	if !json.Valid(js) {
		t.Fatalf("output is not JSON")
	}
	doc, err := openapi3.NewLoader().LoadFromData(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("output is not valid OpenAPI 3: %v", err)
	}
	return doc
}

func keys(c openapi3.Content) []string {
	var out []string
	for k := range c {
		out = append(out, k)
	}
	return out
}
