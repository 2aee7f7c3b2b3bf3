// Package models loads Amazon's SP-API models (the Swagger 2.0 files under
// api/models/, byte for byte as published) and gives, per model and per
// operation, the facts this module generates code from: the Go package name
// of its typed client, the API and version, and per operation its table
// name, method, path template, published usage plan, grantless and
// deprecated flags, and the raw operation (parameters, responses and their
// examples). The operations table (internal/ops), the typed clients (apis/)
// and the sptest sandbox all read the models through this package, so they
// agree on every name.
package models

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
)

// Model is one Swagger 2.0 model file.
type Model struct {
	// File is the file's path under the models root, slash-separated:
	// "orders-api-model/ordersV0.json".
	File string
	// Name is the file's base name without ".json": "ordersV0". The table
	// qualifies an operation name with it when operationIds collide.
	Name string
	// Package is the Go package name of its typed client: Name lower-cased,
	// letters and digits only ("ordersv0", "orders20260101").
	Package string
	// API is the API's name as the operations table uses it: the model's
	// folder ("orders-api-model").
	API string
	// Version is the model's info.version ("v0", "2026-01-01").
	Version string
	// Title is the model's info.title.
	Title string
	// Data is the file, byte for byte.
	Data []byte
	// Spec is the decoded model, for definitions and shared parameters.
	Spec *openapi2.T
	// Operations are the model's operations sorted by path, then method.
	Operations []*Operation
}

// Operation is one operation (one method of one path) of a model.
type Operation struct {
	// Model is the model that declares the operation.
	Model *Model
	// Name is the operation's name in the operations table, unique across
	// all models: see Load for the rule.
	Name string
	// ID is the operationId as the model spells it.
	ID string
	// ConvertedID is the operationId cmd/oas3conv gives the operation, from
	// which oapi-codegen names its methods and types in apis/: ID, with
	// Method appended where the model uses ID for more than one method
	// (shippingV2's "linkCarrierAccountPUT" and "linkCarrierAccountPOST").
	ConvertedID string
	// Method is the HTTP method, upper case.
	Method string
	// Path is the path template ("/orders/v0/orders/{orderId}").
	Path string
	// Plan is the published usage plan; nil where the model publishes none
	// (Note then says why).
	Plan *Plan
	// Note explains a missing or unusual plan, or marks a sandbox-only
	// operation; empty otherwise.
	Note string
	// Grantless is set when the description says the operation is grantless
	// (it is called with a client-credentials token, not a seller's).
	Grantless bool
	// Deprecated is the operation's deprecated flag.
	Deprecated bool
	// SandboxOnly is set when the operation or its path carries
	// x-amzn-api-sandbox-only: it exists on the sandbox endpoints only.
	SandboxOnly bool
	// PathItem is the raw path item (its shared parameters, extensions).
	PathItem *openapi2.PathItem
	// Op is the raw operation: parameters, responses with their examples,
	// extensions such as x-amzn-api-sandbox.
	Op *openapi2.Operation
}

// Plan is a published usage plan.
type Plan struct {
	Rate  float64 // requests per second
	Burst int
}

// PackageName returns the Go package name for a model file name: its base
// name without ".json", lower-cased, letters and digits only
// ("ordersV0.json" -> "ordersv0", "orders_2026-01-01.json" -> "orders20260101").
func PackageName(file string) string {
	base := strings.TrimSuffix(path.Base(file), ".json")
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// LoadDir is Load on the directory dir (api/models).
func LoadDir(dir string) ([]*Model, error) {
	return Load(os.DirFS(dir))
}

// Load reads every *.json file under fsys's root (other files, such as the
// .md notes of retired APIs, are skipped) and returns the models sorted by
// File. Operation names follow the operations table's rule, a contract:
//
//  1. the operationId, if no other operation of any model has it;
//  2. else the model's Name, a dot, and the operationId ("ordersV0.getOrder");
//  3. else, where one model uses one operationId for two methods (shippingV2
//     does for linkCarrierAccount, POST and PUT), that name, a dot and the
//     method ("shippingV2.linkCarrierAccount.PUT").
//
// Load fails if a file is not a Swagger 2.0 model, if two models share a
// Package or Name, if an operation has no operationId, or if the names are
// still not unique.
func Load(fsys fs.FS) ([]*Model, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("models: no .json model found")
	}
	var out []*Model
	pkgs := make(map[string]string)
	names := make(map[string]string)
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		m, err := parse(f, data)
		if err != nil {
			return nil, fmt.Errorf("models: %s: %w", f, err)
		}
		if other, dup := pkgs[m.Package]; dup {
			return nil, fmt.Errorf("models: %s and %s both make package %q", other, f, m.Package)
		}
		if other, dup := names[m.Name]; dup {
			return nil, fmt.Errorf("models: %s and %s have the same file name", other, f)
		}
		pkgs[m.Package], names[m.Name] = f, f
		out = append(out, m)
	}
	if err := assignNames(out); err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	return out, nil
}

// methods are the HTTP methods a Swagger 2.0 path item can hold, in the
// order Operations lists them for one path (upper case sorts as the table
// sorts).
var methods = []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}

// parse decodes one model file.
func parse(file string, data []byte) (*Model, error) {
	var spec openapi2.T
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, err
	}
	if spec.Swagger != "2.0" {
		return nil, fmt.Errorf("not a Swagger 2.0 model (swagger: %q)", spec.Swagger)
	}
	dir := path.Dir(file)
	m := &Model{
		File:    file,
		Name:    strings.TrimSuffix(path.Base(file), ".json"),
		Package: PackageName(file),
		API:     path.Base(dir),
		Version: spec.Info.Version,
		Title:   spec.Info.Title,
		Data:    data,
		Spec:    &spec,
	}
	switch {
	case m.Package == "" || ('0' <= m.Package[0] && m.Package[0] <= '9'):
		return nil, fmt.Errorf("file name gives no valid package name (%q)", m.Package)
	case dir == ".":
		return nil, fmt.Errorf("model is not in an API folder")
	case m.Version == "":
		return nil, fmt.Errorf("no info.version")
	}
	paths := make([]string, 0, len(spec.Paths))
	for p := range spec.Paths {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		item := spec.Paths[p]
		if item == nil {
			continue
		}
		for _, method := range methods {
			op := item.GetOperation(method)
			if op == nil {
				continue
			}
			if op.OperationID == "" {
				return nil, fmt.Errorf("%s %s: no operationId", method, p)
			}
			o := &Operation{
				Model: m, ID: op.OperationID, Method: method, Path: p,
				Deprecated:  op.Deprecated,
				Grantless:   isGrantless(op.Description),
				SandboxOnly: isTrue(item.Extensions["x-amzn-api-sandbox-only"]) || isTrue(op.Extensions["x-amzn-api-sandbox-only"]),
				PathItem:    item,
				Op:          op,
			}
			o.Plan, o.Note = parsePlan(op.Description)
			if o.SandboxOnly {
				o.Note = joinNote(o.Note, "sandbox-only operation (x-amzn-api-sandbox-only)")
			}
			m.Operations = append(m.Operations, o)
		}
	}
	count := make(map[string]int)
	for _, o := range m.Operations {
		count[o.ID]++
	}
	for _, o := range m.Operations {
		o.ConvertedID = o.ID
		if count[o.ID] > 1 {
			o.ConvertedID += o.Method
		}
	}
	return m, nil
}

// isTrue reports whether an extension's value is the JSON true.
func isTrue(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case json.RawMessage:
		return strings.TrimSpace(string(v)) == "true"
	}
	return false
}

// isGrantless reports whether a description says the operation (or API) is
// grantless, as Amazon's notifications model does: "The `getDestinations`
// operation is grantless."
func isGrantless(desc string) bool {
	d := strings.ToLower(desc)
	return strings.Contains(d, "operation is grantless") || strings.Contains(d, "api is grantless")
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// assignNames applies Load's naming rule to every operation of every model.
func assignNames(ms []*Model) error {
	byID := make(map[string]int)
	for _, m := range ms {
		for _, o := range m.Operations {
			byID[o.ID]++
		}
	}
	qualified := make(map[string]int)
	for _, m := range ms {
		for _, o := range m.Operations {
			if byID[o.ID] == 1 {
				o.Name = o.ID
				continue
			}
			o.Name = m.Name + "." + o.ID
			qualified[o.Name]++
		}
	}
	seen := make(map[string]*Operation)
	for _, m := range ms {
		for _, o := range m.Operations {
			if qualified[o.Name] > 1 {
				o.Name += "." + o.Method
			}
			if p, dup := seen[o.Name]; dup {
				return fmt.Errorf("operation name %q is not unique: %s %s (%s) and %s %s (%s)",
					o.Name, p.Method, p.Path, p.Model.File, o.Method, o.Path, m.File)
			}
			seen[o.Name] = o
		}
	}
	return nil
}

// All returns every operation of ms sorted by path, then method: the order
// of the operations table.
func All(ms []*Model) []*Operation {
	var all []*Operation
	for _, m := range ms {
		all = append(all, m.Operations...)
	}
	slices.SortStableFunc(all, func(a, b *Operation) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return all
}
