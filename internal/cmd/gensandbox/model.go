package main

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/spapi-go/spapi/internal/jsonschema"
	"github.com/spapi-go/spapi/internal/models"
)

// model is one Swagger 2.0 model file, read as far as the sandbox needs.
type model struct {
	file string // path under the models directory, with forward slashes
	src  *models.Model
	doc  document
	defs *jsonschema.Schema // holds doc.Definitions, for resolve; set by resolve
}

// document is the part of a Swagger 2.0 model the sandbox reads.
type document struct {
	Produces    []string                              `json:"produces"`
	Paths       map[string]map[string]json.RawMessage `json:"paths"`
	Definitions map[string]*jsonschema.Schema         `json:"definitions"`
	Parameters  map[string]*parameter                 `json:"parameters"`
	Responses   map[string]*response                  `json:"responses"`
}

type operation struct {
	OperationID string               `json:"operationId"`
	Produces    []string             `json:"produces"`
	Parameters  []*parameter         `json:"parameters"`
	Responses   map[string]*response `json:"responses"`
}

type parameter struct {
	Ref      string `json:"$ref"`
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
}

type response struct {
	Ref      string             `json:"$ref"`
	Schema   *jsonschema.Schema `json:"schema"`
	Examples json.RawMessage    `json:"examples"`
	Sandbox  *struct {
		Static []struct {
			Response json.RawMessage `json:"response"`
		} `json:"static"`
	} `json:"x-amzn-api-sandbox"`
}

// loadModels reads every model under dir through internal/models, the one
// loader that names operations for the table, the typed clients and this
// generator; the raw bytes are decoded again here to keep each example's
// bytes exactly as the model writes them.
func loadModels(dir string) ([]model, error) {
	ms, err := models.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	out := make([]model, 0, len(ms))
	for _, src := range ms {
		m := model{file: src.File, src: src}
		if err := json.Unmarshal(src.Data, &m.doc); err != nil {
			return nil, fmt.Errorf("%s: %w", src.File, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// name is the model's file name, such as ordersV0.json.
func (m *model) name() string { return path.Base(m.file) }

// op is one operation of a model with its parameters resolved (path-level
// ones merged in).
type op struct {
	name, method, path string // name: the operations table's
	operation
}

// operations lists m's operations in internal/models' order (path, then
// method).
func (m *model) operations() ([]op, error) {
	var out []op
	for _, mo := range m.src.Operations {
		item := m.doc.Paths[mo.Path]
		var shared []*parameter
		if raw, ok := item["parameters"]; ok {
			if err := json.Unmarshal(raw, &shared); err != nil {
				return nil, fmt.Errorf("%s %s parameters: %w", m.file, mo.Path, err)
			}
		}
		raw, ok := item[strings.ToLower(mo.Method)]
		if !ok {
			return nil, fmt.Errorf("%s: no %s %s", m.file, mo.Method, mo.Path)
		}
		o := op{name: mo.Name, method: mo.Method, path: mo.Path}
		if err := json.Unmarshal(raw, &o.operation); err != nil {
			return nil, fmt.Errorf("%s %s %s: %w", m.file, o.method, o.path, err)
		}
		params, err := m.mergeParams(shared, o.Parameters)
		if err != nil {
			return nil, fmt.Errorf("%s %s %s: %w", m.file, o.method, o.path, err)
		}
		o.Parameters = params
		out = append(out, o)
	}
	return out, nil
}

// mergeParams resolves $refs and lets an operation's parameter replace a
// path-level one of the same name and location, as Swagger 2.0 says.
func (m *model) mergeParams(shared, own []*parameter) ([]*parameter, error) {
	var out []*parameter
	index := map[string]int{}
	for _, list := range [][]*parameter{shared, own} {
		for _, p := range list {
			if p.Ref != "" {
				name, ok := strings.CutPrefix(p.Ref, "#/parameters/")
				if !ok || m.doc.Parameters[name] == nil {
					return nil, fmt.Errorf("parameter $ref %q does not resolve", p.Ref)
				}
				p = m.doc.Parameters[name]
			}
			k := p.In + "\x00" + p.Name
			if i, ok := index[k]; ok {
				out[i] = p
				continue
			}
			index[k] = len(out)
			out = append(out, p)
		}
	}
	return out, nil
}

// resolveResponse follows a response $ref.
func (m *model) resolveResponse(r *response) (*response, error) {
	if r == nil || r.Ref == "" {
		return r, nil
	}
	name, ok := strings.CutPrefix(r.Ref, "#/responses/")
	if !ok || m.doc.Responses[name] == nil {
		return nil, fmt.Errorf("response $ref %q does not resolve", r.Ref)
	}
	return m.doc.Responses[name], nil
}

// resolve follows a schema $ref through the model's definitions (see
// jsonschema.Schema.Resolve).
func (m *model) resolve(s *jsonschema.Schema) (*jsonschema.Schema, string, error) {
	if m.defs == nil {
		m.defs = &jsonschema.Schema{Definitions: m.doc.Definitions}
	}
	return m.defs.Resolve(s)
}
