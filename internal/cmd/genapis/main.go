// Command genapis writes apis/<package>/, a typed client for every one of
// Amazon's SP-API models under api/models (except the Tokens API's, which
// is gen/), and apis/README.md, the table of them. For each model it runs
// the pinned tools, as a user following the README's recipe would: `go tool
// oas3conv -response-headers=false` (Swagger 2.0 to OpenAPI 3 without the
// responses' headers, into a temporary directory: the intermediate file is
// not committed) and `go tool oapi-codegen` (types, client and client with
// responses; no server, no embedded spec, no getters, enum validators or
// ContentType methods; see codegenConfig), then
// writes new.gen.go, the constructor that wires the client to a
// *client.Client. The package doc, written through an oapi-codegen user
// template, names the model file and the API's docs.
//
// It is run by go generate from apis/generate.go. The models run in
// parallel, one per CPU; the output depends only on the models, the tools'
// versions and the restricted-operations list, so it is committed and
// checked by `make check-generate`.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	modelsDir := flag.String("models", "", "directory of Amazon's models (api/models)")
	restricted := flag.String("restricted", "", "restricted-operations JSON file (api/restricted-operations.json)")
	out := flag.String("out", "", "directory to write the packages into (apis)")
	flag.Parse()
	if *modelsDir == "" || *restricted == "" || *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: genapis -models api/models -restricted api/restricted-operations.json -out apis")
		os.Exit(2)
	}
	if err := run(*modelsDir, *restricted, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genapis:", err)
		os.Exit(1)
	}
}
