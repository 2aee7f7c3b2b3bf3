// Command genpages writes the page iterators of the typed clients: from
// Amazon's models it finds every paginated operation (which reply field
// carries the next token, which query parameter takes it, whether the other
// parameters are kept or dropped with it), and writes
//
//   - internal/paging/paging.gen.go, the table of them, which sptest plays;
//   - apis/<package>/pages.gen.go, a <Op>Pages iterator per operation (and
//     an <Op>All iterator of its items where a page has one list), read
//     against the Go names genapis generated;
//   - test/pages_gen_test.go, a case per iterator for the end-to-end tests.
//
// It runs after genapis (apis/pages_generate.go) and reads nothing but the
// models and the generated apis/ sources.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/spapi-go/spapi/internal/models"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "genpages:", err)
		os.Exit(1)
	}
}

func run(args []string, log io.Writer) error {
	fs := flag.NewFlagSet("genpages", flag.ContinueOnError)
	modelsDir := fs.String("models", "", "api/models")
	apisDir := fs.String("apis", "", "apis/, where the typed packages are")
	table := fs.String("table", "", "output: internal/paging/paging.gen.go")
	test := fs.String("test", "", "output: test/pages_gen_test.go")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *modelsDir == "" || *apisDir == "" || *table == "" || *test == "" {
		return fmt.Errorf("-models, -apis, -table and -test are required")
	}
	ms, err := models.LoadDir(*modelsDir)
	if err != nil {
		return err
	}
	found, _, err := find(ms)
	if err != nil {
		return err
	}
	files, err := generate(found, *apisDir)
	if err != nil {
		return err
	}
	t, err := renderTable(found)
	if err != nil {
		return err
	}
	files[*table] = t
	files[*test] = files["test"]
	delete(files, "test")
	// A package that no longer paginates keeps no stale pages.gen.go.
	stale, err := filepath.Glob(filepath.Join(*apisDir, "*", outputFile))
	if err != nil {
		return err
	}
	for _, f := range stale {
		if _, ok := files[f]; !ok {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	for name, data := range files {
		if old, err := os.ReadFile(name); err == nil && bytes.Equal(old, data) {
			continue
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(log, "genpages: %d paginated operations\n", len(found))
	return nil
}

// generate resolves every operation against its package and renders the
// packages' files and the test file (under the key "test").
func generate(found []paged, apisDir string) (map[string][]byte, error) {
	pkgs := map[string]*goPackage{}
	byPkg := map[string][]*goOp{}
	var all []*goOp
	for _, p := range found {
		pkg, ok := pkgs[p.Package]
		if !ok {
			var err error
			if pkg, err = loadPackage(filepath.Join(apisDir, p.Package)); err != nil {
				return nil, err
			}
			pkgs[p.Package] = pkg
		}
		g, err := resolve(pkg, p)
		if err != nil {
			return nil, err
		}
		byPkg[p.Package] = append(byPkg[p.Package], g)
		all = append(all, g)
	}
	files := map[string][]byte{}
	names := make([]string, 0, len(byPkg))
	for n := range byPkg {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		out, err := renderPackage(n, byPkg[n])
		if err != nil {
			return nil, err
		}
		files[filepath.Join(apisDir, n, outputFile)] = out
	}
	t, err := renderTest(all, pkgs)
	if err != nil {
		return nil, err
	}
	files["test"] = t
	return files, nil
}
