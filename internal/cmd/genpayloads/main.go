// Command genpayloads turns Amazon's JSON Schemas of feed and report
// documents (api/schemas/feeds, api/schemas/reports) into a Go package of
// types, one root type per schema file, so that a JSON_LISTINGS_FEED or a
// JSON report is built and read with types that never drift from Amazon's
// schema by hand-editing. It reads JSON Schema draft-07 with
// internal/jsonschema, as the other schema generators do, and types what
// decides a Go type (type, properties, required, items, enum, const, $ref
// to definitions/$defs, oneOf/anyOf, additionalProperties):
// objects become structs with fields in the schema's order, string enums
// named types with a constant per value, numbers float64, integers int64;
// a construct it cannot type (oneOf/anyOf without properties, a list of
// types) becomes json.RawMessage with a doc comment saying why.
//
// Usage, run by go generate from the output's directory:
//
//	genpayloads -package listings -out listings.gen.go Feed=../../api/schemas/feeds/listings-feed-schema-v2.json
//
// The output carries its own //go:generate line with these arguments, so a
// new package is made by running the command once by hand.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/spapi-go/spapi/internal/jsonschema"
)

func main() {
	pkg := flag.String("package", "", "package clause of the output")
	out := flag.String("out", "", "Go file to write")
	flag.Parse()
	if *pkg == "" || *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: genpayloads -package name -out file.gen.go TypeName=schema.json ...")
		os.Exit(2)
	}
	if err := run(*pkg, *out, flag.Args(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "genpayloads:", err)
		os.Exit(1)
	}
}

func run(pkg, out string, specs, args []string) error {
	roots, err := readRoots(specs)
	if err != nil {
		return err
	}
	src, err := generate(pkg, args, roots)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}

// readRoots reads each Name=file argument.
func readRoots(specs []string) ([]root, error) {
	var roots []root
	for _, spec := range specs {
		name, file, ok := strings.Cut(spec, "=")
		if !ok || name == "" || file == "" || goName(name) != name {
			return nil, fmt.Errorf("argument %q: want TypeName=schema.json with an exported Go name", spec)
		}
		s, err := jsonschema.Load(file)
		if err != nil {
			return nil, err
		}
		roots = append(roots, root{Name: name, File: file, Schema: s})
	}
	return roots, nil
}

// generate types every root into one package's source.
func generate(pkg string, args []string, roots []root) ([]byte, error) {
	g := newGenerator()
	roots = displayRoots(roots)
	for _, r := range roots {
		g.addRoot(r)
	}
	if len(g.errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(g.errs, "; "))
	}
	return render(pkg, args, roots, g)
}

// displayRoots names each root's file from api/ on, whatever the relative
// path given, so that the package doc reads the same from any directory.
func displayRoots(roots []root) []root {
	out := make([]root, len(roots))
	for i, r := range roots {
		if j := strings.Index(r.File, "api/schemas/"); j >= 0 {
			r.File = r.File[j:]
		}
		out[i] = r
	}
	return out
}
