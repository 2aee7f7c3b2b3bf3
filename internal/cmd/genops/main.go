// Command genops turns Amazon's models (api/models/),
// api/restricted-operations.json and api/retry-safe-operations.json into
// internal/ops/operations.gen.go: one compiled-in table of every SP-API
// operation (name, method, path template, usage plan, restricted and
// retry-safe flags), so the client can name, rate-limit and authorise any
// request, and the table can never drift from the models by hand-editing.
// It is run by go generate as `go tool genops`, pinned in go.mod, and reads
// only the files it is given.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	modelsDir := flag.String("models", "", "directory of Amazon's models to read (api/models)")
	restricted := flag.String("restricted", "", "restricted-operations JSON file to read")
	retrySafe := flag.String("retry-safe", "", "retry-safe-operations JSON file to read")
	out := flag.String("out", "", "Go file to write")
	flag.Parse()
	if *modelsDir == "" || *restricted == "" || *retrySafe == "" || *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: genops -models api/models -restricted restricted-operations.json -retry-safe retry-safe-operations.json -out operations.gen.go")
		os.Exit(2)
	}
	if err := run(*modelsDir, *restricted, *retrySafe, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genops:", err)
		os.Exit(1)
	}
}

func run(modelsDir, restrictedFile, retrySafeFile, out string) error {
	in, names, err := readInputs(modelsDir, restrictedFile, retrySafeFile)
	if err != nil {
		return err
	}
	t, err := buildTable(in)
	if err != nil {
		return err
	}
	if err := checkNames(t, names); err != nil {
		return err
	}
	src, err := renderTable(t)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}

// readInputs reads the models and the two JSON lists.
func readInputs(modelsDir, restrictedFile, retrySafeFile string) (inputs, []string, error) {
	var in inputs
	var names []string
	var err error
	if in.source, in.plans, names, err = fromModels(modelsDir); err != nil {
		return in, nil, err
	}
	if in.restricted, err = os.ReadFile(restrictedFile); err != nil {
		return in, nil, err
	}
	if in.retrySafe, err = os.ReadFile(retrySafeFile); err != nil {
		return in, nil, err
	}
	return in, names, nil
}
