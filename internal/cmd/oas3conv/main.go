// Command oas3conv converts a Swagger 2.0 model to OpenAPI 3, because
// oapi-codegen reads only OpenAPI 3 (fed Swagger 2.0 it fails with a
// misleading "unexpected reference depth"). It is run by go generate as
// `go tool oas3conv`, pinned in go.mod, so generation needs no network.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
)

func main() {
	in := flag.String("in", "", "Swagger 2.0 JSON file to read")
	out := flag.String("out", "", "OpenAPI 3 JSON file to write")
	flag.Parse()
	if *in == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: oas3conv -in swagger.json -out openapi3.json")
		os.Exit(2)
	}
	if err := convert(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "oas3conv:", err)
		os.Exit(1)
	}
}

func convert(in, out string) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(raw, &doc2); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	doc3, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return fmt.Errorf("%s: convert: %w", in, err)
	}
	js, err := json.Marshal(doc3)
	if err != nil {
		return err
	}
	// Re-indent so the committed file diffs well; key order is already
	// stable because kin-openapi marshals through maps.
	var buf bytes.Buffer
	if err := json.Indent(&buf, js, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	return os.WriteFile(out, buf.Bytes(), 0o644)
}
