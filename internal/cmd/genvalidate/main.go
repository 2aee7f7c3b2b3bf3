// Command genvalidate turns Amazon's SP-API models (api/models) into the
// request rules the sptest fake checks before any handler
// (sptest/validate.gen.json): per operation, its query, path and header
// parameters and its JSON body schema, reduced to the keywords that decide
// whether a request is accepted (required, type, enum, pattern,
// minLength/maxLength, minimum/maximum, minItems/maxItems, date-time), and
// the schema definitions the bodies reach. It reads the models' schema
// objects, and non-body parameters as schema objects, with
// internal/jsonschema, as the other schema generators do. Amazon's own
// example requests (x-amzn-api-sandbox under a 2xx response) must be
// accepted: a rule one of them breaks is excused for that operation and
// listed in the output (and with -v on stderr). Each operation also gets a
// sample request its rules accept, from Amazon's example where there is one,
// else built from the rules. It is run by go generate as `go tool
// genvalidate`, pinned in go.mod, reads only the directory it is given and
// writes deterministic output.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

// verbose receives one line per excused rule, with -v.
var verbose io.Writer = io.Discard

func main() {
	models := flag.String("models", "", "directory of SP-API models (<api>-model/<file>.json) to read")
	out := flag.String("out", "", "JSON file to write")
	v := flag.Bool("v", false, "print each excused rule and why")
	flag.Parse()
	if *v {
		verbose = os.Stderr
	}
	if *models == "" || *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: genvalidate -models api/models -out validate.gen.json")
		os.Exit(2)
	}
	if err := run(*models, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genvalidate:", err)
		os.Exit(1)
	}
}

func run(dir, out string) error {
	t, err := build(dir)
	if err != nil {
		return err
	}
	b, err := render(t)
	if err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}
