package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/spapi-go/spapi/internal/models"
)

// tokensPackage is the Tokens API's model, whose client is gen/.
const tokensPackage = "tokens20210301"

// generatedFile is the constructor file genapis writes beside oapi-codegen's.
const (
	clientFile = "client.gen.go"
	newFile    = "new.gen.go"
)

// run generates every package, then the table, then removes the packages of
// models that are gone.
func run(modelsDir, restrictedFile, out string) error {
	ms, err := models.LoadDir(modelsDir)
	if err != nil {
		return err
	}
	restricted, err := readRestricted(restrictedFile)
	if err != nil {
		return err
	}
	tools, err := resolveTools()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "genapis-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	absModels, err := filepath.Abs(modelsDir)
	if err != nil {
		return err
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return err
	}

	var apis []api
	for _, m := range ms {
		if m.Package == tokensPackage {
			continue
		}
		apis = append(apis, newAPI(m, restricted))
	}
	jobs := make(chan api)
	errs := make([]error, len(apis))
	var wg sync.WaitGroup
	for range max(1, runtime.NumCPU()) {
		wg.Go(func() {
			for a := range jobs {
				errs[a.index] = generate(tools, a, absModels, absOut, tmp)
			}
		})
	}
	for i := range apis {
		apis[i].index = i
		jobs <- apis[i]
	}
	close(jobs)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(absOut, "README.md"), table(apis), 0o644); err != nil {
		return err
	}
	return removeStale(absOut, apis)
}

// tools holds the paths of the pinned tools' binaries.
type tools struct{ oas3conv, oapiCodegen string }

// resolveTools asks the go command where the tools pinned in go.mod are
// built (`go tool -n`), so that each is built once and run directly.
func resolveTools() (tools, error) {
	var t tools
	for _, x := range []struct {
		name string
		dst  *string
	}{{"oas3conv", &t.oas3conv}, {"oapi-codegen", &t.oapiCodegen}} {
		out, err := exec.Command("go", "tool", "-n", x.name).Output()
		if err != nil {
			return t, fmt.Errorf("go tool -n %s: %w", x.name, err)
		}
		*x.dst = strings.TrimSpace(string(out))
	}
	return t, nil
}

// generate writes one package.
func generate(t tools, a api, modelsDir, out, tmp string) error {
	m := a.model
	dir := filepath.Join(out, m.Package)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	spec := filepath.Join(tmp, m.Package+".openapi3.json")
	// -response-headers=false: oapi-codegen would give every status of
	// every operation a struct of its headers and the code that fills it,
	// a quarter of apis/, for what the reply's HTTPResponse.Header holds.
	if err := runTool(dir, t.oas3conv, "-response-headers=false", "-in", filepath.Join(modelsDir, filepath.FromSlash(m.File)), "-out", spec); err != nil {
		return fmt.Errorf("%s: %w", m.File, err)
	}
	cfg := filepath.Join(tmp, m.Package+".yaml")
	if err := os.WriteFile(cfg, codegenConfig(a), 0o644); err != nil {
		return err
	}
	if err := runTool(dir, t.oapiCodegen, "-config", cfg, spec); err != nil {
		return fmt.Errorf("%s: %w", m.File, err)
	}
	return os.WriteFile(filepath.Join(dir, newFile), constructor(a), 0o644)
}

// runTool runs a tool in dir, returning its output in the error if it fails.
func runTool(dir, tool string, args ...string) error {
	cmd := exec.CommandContext(context.Background(), tool, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", filepath.Base(tool), err, out.Bytes())
	}
	return nil
}

// removeStale removes the package directories under out that genapis made
// (they hold its new.gen.go) for models that are no longer there.
func removeStale(out string, apis []api) error {
	entries, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() || slices.ContainsFunc(apis, func(a api) bool { return a.model.Package == e.Name() }) {
			continue
		}
		if _, err := os.Stat(filepath.Join(out, e.Name(), newFile)); err == nil {
			if err := os.RemoveAll(filepath.Join(out, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// restrictedOp is one entry of api/restricted-operations.json.
type restrictedOp struct {
	Operation, Method, Path string
	DataElements            []string
}

func readRestricted(file string) ([]restrictedOp, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var doc struct{ Operations []restrictedOp }
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return doc.Operations, nil
}
