package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/spapi-go/tokens/api"
)

// TestRenderUpToDate fails when operations.gen.go was not regenerated after
// a change to the JSON or to the generator.
func TestRenderUpToDate(t *testing.T) {
	want, err := render(api.RestrictedOperations)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../restricted/operations.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("internal/restricted/operations.gen.go is stale; run go generate ./internal/restricted/")
	}
	if !bytes.HasPrefix(got, []byte(header+"\n")) {
		t.Fatalf("generated file does not start with %q", header)
	}
}

func TestRenderDeterministic(t *testing.T) {
	a, err := render(api.RestrictedOperations)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, err := render(api.RestrictedOperations)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatal("render is not deterministic")
		}
	}
}

func TestRenderRejects(t *testing.T) {
	const ok = `{"api":"A","version":"v1","operation":"op","method":"GET","path":"/a/{id}","dataElements":null}`
	tests := []struct {
		name, ops, wantErr string
	}{
		{"unknown field", `{"api":"A","version":"v1","operation":"op","method":"GET","path":"/a","extra":1}`, "unknown field"},
		{"lowercase method", strings.Replace(ok, `"GET"`, `"get"`, 1), "method"},
		{"no leading slash", strings.Replace(ok, `"/a/{id}"`, `"a/{id}"`, 1), "must start"},
		{"trailing slash", strings.Replace(ok, `"/a/{id}"`, `"/a/{id}/"`, 1), "empty segment"},
		{"partial param", strings.Replace(ok, `"/a/{id}"`, `"/a/x{id}y"`, 1), "brace"},
		{"param suffix", strings.Replace(ok, `"/a/{id}"`, `"/a/x{id}"`, 1), "whole {param}"},
		{"unclosed param", strings.Replace(ok, `"/a/{id}"`, `"/a/{id"`, 1), "whole {param}"},
		{"empty param", strings.Replace(ok, `"/a/{id}"`, `"/a/{}"`, 1), "whole {param}"},
		{"empty name", strings.Replace(ok, `"op"`, `""`, 1), "empty operation"},
		{"indistinguishable", ok + "," + strings.Replace(ok, "{id}", "{other}", 1), "same requests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := render([]byte(`{"operations":[` + tt.ops + `]}`))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("render error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	if _, err := render([]byte(`{"operations":[` + ok + `]}`)); err != nil {
		t.Fatalf("render of a valid document: %v", err)
	}
}
