package apis_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutsideModule builds and runs examples/typed (which imports
// apis/ordersv0 and apis/reports20210630 and calls them against sptest) as
// a user's program: from a temporary module of its own that requires this
// one through a replace directive, offline (GOPROXY=off, -mod=mod: the
// module cache and this module's go.sum have everything).
func TestOutsideModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program in a module of its own")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "examples", "typed", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module example.com/typed\n\ngo 1.26.0\n\n" +
		"require github.com/spapi-go/spapi v0.0.0\n\n" +
		"replace github.com/spapi-go/spapi => " + root + "\n"
	for name, data := range map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum, "main.go": src} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(t.Context(), "go", "run", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go run: %v\n%s", err, &stderr)
	}
	want := "order 902-1845936-5435065\norder 113-7293021-4462645\nreport document DOC-1 RDTs minted: 1\n"
	if got := stdout.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(stderr.String(), "go: downloading") {
		t.Errorf("the build downloaded modules:\n%s", &stderr)
	}
}
