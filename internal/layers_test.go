package internal_test

import (
	"go/build"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// module is the module path; every package below is named relative to it.
const module = "github.com/spapi-go/spapi"

// layers is the order of the client's packages, lowest first: a package
// imports only packages of lower layers (never its own layer, never a
// higher one). client is the façade on top; every other package of the
// module (sptest, cmd, apis, the generators, the tests) sits above it and
// is not checked, but none of these may be imported from here.
var layers = [][]string{
	{"gen", "store", "internal/pathtmpl", "internal/redact", "internal/ratelimit", "internal/neterr", "internal/marketplaces"},
	{"internal/ops"},
	{"internal/optable", "internal/telemetry", "internal/flight"},
	{"internal/shared"},
	{"internal/lwa"},
	{"internal/rdt"},
	{"internal/transport"},
	{"client"},
}

// apart are packages that must not depend on the client at all, however
// indirectly: a Store implementation needs the protocol, not OpenTelemetry,
// oauth2 and go-retryablehttp.
var apart = []string{"redisstore", "store"}

// TestLayers fails when a package of the core imports one of its own layer
// or above, or a package of the module outside the core.
func TestLayers(t *testing.T) {
	root := moduleRoot(t)
	layerOf := map[string]int{}
	for i, l := range layers {
		for _, p := range l {
			layerOf[p] = i
		}
	}
	for i, l := range layers {
		for _, p := range l {
			for _, imp := range imports(t, root, p) {
				j, core := layerOf[imp]
				switch {
				case !core:
					t.Errorf("%s (layer %d) imports %s, which is outside the layered core", p, i, imp)
				case j >= i:
					t.Errorf("%s (layer %d) imports %s (layer %d): a package imports only lower layers", p, i, imp, j)
				}
			}
		}
	}
}

// TestApartFromClient fails when redisstore (or store) depends on client,
// directly or through any package of the module.
func TestApartFromClient(t *testing.T) {
	root := moduleRoot(t)
	for _, p := range apart {
		seen := map[string]bool{}
		var walk func(p string, path []string)
		walk = func(p string, path []string) {
			if seen[p] {
				return
			}
			seen[p] = true
			for _, imp := range imports(t, root, p) {
				via := append(slices.Clone(path), imp)
				if imp == "client" {
					t.Errorf("%s depends on client: %s", via[0], strings.Join(via, " -> "))
					continue
				}
				walk(imp, via)
			}
		}
		walk(p, []string{p})
	}
}

// imports is the module's packages that p (relative to the module) imports
// in its non-test files, relative to the module.
func imports(t *testing.T, root, p string) []string {
	t.Helper()
	pkg, err := build.ImportDir(filepath.Join(root, filepath.FromSlash(p)), 0)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	var out []string
	for _, imp := range pkg.Imports {
		if rel, ok := strings.CutPrefix(imp, module+"/"); ok {
			out = append(out, rel)
		}
	}
	return out
}

// moduleRoot is the directory of go.mod, above this package's.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
