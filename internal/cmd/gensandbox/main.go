// Command gensandbox turns Amazon's SP-API models (api/models) into the
// table the sptest fake serves for every operation without a handler of its
// own: the 2xx status the model documents, the content type, a reply body
// (the model's x-amzn-api-sandbox static example or response example where
// one fits the response schema, else one built from that schema) and the
// required query and header parameters and body, so that a request missing
// one gets a 400 naming it. The fake then answers every operation the way its
// model documents, and the table can never drift from the models by
// hand-editing. It is run by go generate as `go tool gensandbox`, pinned in
// go.mod, reads only the directory it is given and writes deterministic
// output.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	models := flag.String("models", "", "directory of SP-API models (<api>-model/<file>.json) to read")
	out := flag.String("out", "", "JSON file to write")
	typed := flag.String("typed-list", "", "instead: Go test file to write, listing every apis/ package's constructor")
	typedPkg := flag.String("typed-package", "test", "package clause of the -typed-list file")
	verbose := flag.Bool("v", false, "print each model example passed over, and why")
	flag.Parse()
	if *verbose {
		rejected = os.Stderr
	}
	if *models == "" || (*out == "") == (*typed == "") || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: gensandbox -models api/models -out sandbox.gen.json\n       gensandbox -models api/models -typed-list typedclients_gen_test.go [-typed-package test]")
		os.Exit(2)
	}
	if *typed != "" {
		if err := writeTypedList(*models, *typed, *typedPkg); err != nil {
			fmt.Fprintln(os.Stderr, "gensandbox:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*models, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gensandbox:", err)
		os.Exit(1)
	}
}

func run(dir, out string) error {
	models, err := loadModels(dir)
	if err != nil {
		return err
	}
	src, err := render(models)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}
