// Command genops turns api/usage-plans.json, api/restricted-operations.json
// and api/retry-safe-operations.json into internal/ops/operations.gen.go:
// one compiled-in table of every SP-API operation (name, method, path
// template, usage plan, restricted and retry-safe flags), so the client can
// name, rate-limit and authorise any request, and the table can never drift
// from the JSON by hand-editing. It is run by go generate as
// `go tool genops`, pinned in go.mod, and reads only the files it is given.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	plans := flag.String("plans", "", "usage-plans JSON file to read")
	restricted := flag.String("restricted", "", "restricted-operations JSON file to read")
	retrySafe := flag.String("retry-safe", "", "retry-safe-operations JSON file to read")
	out := flag.String("out", "", "Go file to write")
	flag.Parse()
	if *plans == "" || *restricted == "" || *retrySafe == "" || *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: genops -plans usage-plans.json -restricted restricted-operations.json -retry-safe retry-safe-operations.json -out operations.gen.go")
		os.Exit(2)
	}
	if err := run(*plans, *restricted, *retrySafe, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genops:", err)
		os.Exit(1)
	}
}

func run(plansFile, restrictedFile, retrySafeFile, out string) error {
	var in inputs
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{plansFile, &in.plans}, {restrictedFile, &in.restricted}, {retrySafeFile, &in.retrySafe}} {
		b, err := os.ReadFile(f.name)
		if err != nil {
			return err
		}
		*f.dst = b
	}
	src, err := render(in)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}
