package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spapi-go/spapi/internal/jsonschema"
)

// root is one schema file and the name of the Go type its root becomes.
type root struct {
	Name   string             // Go type name, such as Feed
	File   string             // path as given on the command line
	Schema *jsonschema.Schema // the decoded file
}

// decl is one Go type declaration to write.
type decl struct {
	name   string
	doc    []string // paragraphs, without comment markers
	base   string   // "struct", or the underlying type of an enum ("string")
	fields []field  // for a struct
	consts []enumConst
}

type field struct {
	name, json, typ string
	doc             []string
	optional        bool
}

type enumConst struct{ name, value string }

// generator turns schemas into decls; names are unique within the package.
type generator struct {
	decls    []*decl
	taken    map[string]bool
	byRaw    map[string]string  // a schema's JSON -> the type made for it
	root     *jsonschema.Schema // the current root, whose definitions $refs name
	defNames map[string]string  // its "#/definitions/X" and "#/$defs/X" -> their reserved Go names
	defDone  map[string]string  // refs already typed -> Go type
	imports  map[string]bool
	errs     []string
}

func newGenerator() *generator {
	return &generator{taken: map[string]bool{}, byRaw: map[string]string{}, imports: map[string]bool{}}
}

// addRoot types one schema file as the Go type r.Name.
func (g *generator) addRoot(r root) {
	g.root, g.defNames, g.defDone = r.Schema, map[string]string{}, map[string]string{}
	g.taken[r.Name] = true
	for _, src := range []struct {
		prefix string
		m      map[string]*jsonschema.Schema
	}{{jsonschema.DefinitionsPrefix, r.Schema.Definitions}, {jsonschema.DefsPrefix, r.Schema.Defs}} {
		for _, k := range sortedKeys(src.m) {
			g.defNames[src.prefix+k] = g.unique(goName(k), "")
		}
	}
	s := r.Schema
	if len(s.Properties) == 0 {
		g.errs = append(g.errs, fmt.Sprintf("%s: the root has no properties", r.File))
		return
	}
	g.structDecl(s, r.Name, []string{"It is the root of " + r.File + "."})
}

// unique returns name, or parent+name, or name with a number, whichever is
// first free, and takes it.
func (g *generator) unique(name, parent string) string {
	cands := []string{name}
	if parent != "" && !strings.HasPrefix(name, parent) {
		cands = append(cands, parent+name)
	}
	for _, c := range cands {
		if !g.taken[c] {
			g.taken[c] = true
			return c
		}
	}
	for i := 2; ; i++ {
		c := cands[len(cands)-1] + strconv.Itoa(i)
		if !g.taken[c] {
			g.taken[c] = true
			return c
		}
	}
}

// structDecl declares the struct name for s, which has properties.
func (g *generator) structDecl(s *jsonschema.Schema, name string, extra []string) string {
	g.byRaw[s.Raw()] = name
	g.imports["encoding/json"] = true
	g.imports["github.com/spapi-go/spapi/internal/payloadjson"] = true
	d := &decl{name: name, base: "struct", doc: append(docOf(name, s), extra...)}
	g.decls = append(g.decls, d)
	if len(s.OneOf)+len(s.AnyOf)+len(s.AllOf) > 0 {
		d.doc = append(d.doc, branchNote(s)...)
	}
	used := map[string]bool{}
	for _, p := range s.Properties {
		if p.Schema.IsFalse() {
			continue
		}
		fname := goName(p.Name)
		for i := 2; used[fname] || fname == "Extra"; i++ {
			fname = goName(p.Name) + strconv.Itoa(i)
		}
		used[fname] = true
		typ, ptr, note := g.typeOf(p.Schema, p.Name, name)
		opt := !s.IsRequired(p.Name)
		if opt && ptr {
			typ = "*" + typ
		}
		fs := p.Schema
		if def, _, ok := g.root.Lookup(fs.Ref); ok && fs.Description == "" && fs.Title == "" {
			fs = def
		}
		f := field{name: fname, json: p.Name, typ: typ, optional: opt, doc: docOf(fname, fs)}
		if note != "" {
			f.doc = append(f.doc, note)
		}
		d.fields = append(d.fields, f)
	}
	for _, r := range s.Required {
		found := false
		for _, p := range s.Properties {
			found = found || p.Name == r
		}
		if !found {
			d.doc = append(d.doc, fmt.Sprintf("The schema requires %q, which it does not describe; it is not a field.", r))
		}
	}
	return name
}

// branchNote documents the oneOf/anyOf/allOf constraints of a struct, which
// its Go type does not enforce.
func branchNote(s *jsonschema.Schema) []string {
	out := []string{"The schema adds constraints the Go type does not enforce (oneOf/anyOf/allOf); each must hold as stated:"}
	for _, list := range [][]*jsonschema.Schema{s.OneOf, s.AnyOf, s.AllOf} {
		for _, b := range list {
			if b.Comment != "" {
				out = append(out, "  - "+oneLine(b.Comment))
			}
		}
	}
	return out
}

// typeOf is the Go type for s, found in a field or element named hint of
// the type parent; ptr says whether an optional field of it needs a pointer
// to tell absent from zero; note documents a schema left untyped.
func (g *generator) typeOf(s *jsonschema.Schema, hint, parent string) (typ string, ptr bool, note string) {
	if s.Bool != nil {
		g.imports["encoding/json"] = true
		return "json.RawMessage", false, "Any JSON value (the schema is true)."
	}
	if s.Ref != "" {
		return g.ref(s.Ref)
	}
	if name, ok := g.byRaw[s.Raw()]; ok {
		return name, true, ""
	}
	t := s.Type.Single()
	if len(s.Type) == 0 {
		switch {
		case len(s.Properties) > 0:
			t = "object"
		case s.Items != nil:
			t = "array"
		}
	}
	switch t {
	case "object":
		if len(s.Properties) > 0 {
			return g.structDecl(s, g.unique(goName(hint), parent), nil), true, ""
		}
		if ap := s.AdditionalProperties; ap != nil && ap.Bool == nil {
			et, _, n := g.typeOf(ap, hint+"Value", parent)
			return "map[string]" + et, false, n
		}
		return "map[string]any", false, "Its keys are not fixed by the schema."
	case "array":
		if s.Items == nil || s.Items.Bool != nil {
			g.imports["encoding/json"] = true
			return "[]json.RawMessage", false, "Its elements may be any JSON value."
		}
		et, _, n := g.typeOf(s.Items, singular(hint), parent)
		return "[]" + et, false, n
	case "string":
		if len(s.Enum) > 0 || s.Const != nil {
			return g.enumDecl(s, hint, parent), true, ""
		}
		return "string", true, ""
	case "integer":
		return "int64", true, ""
	case "number":
		return "float64", true, ""
	case "boolean":
		return "bool", true, ""
	}
	g.imports["encoding/json"] = true
	switch {
	case len(s.OneOf)+len(s.AnyOf) > 0:
		return "json.RawMessage", false, "Left as raw JSON: the schema allows one of several shapes (oneOf/anyOf)."
	case len(s.Type) > 1:
		return "json.RawMessage", false, "Left as raw JSON: the schema allows several types (" + strings.Join(s.Type, ", ") + ")."
	}
	return "json.RawMessage", false, "Left as raw JSON: the schema does not say its type."
}

// ref resolves a local $ref to its Go type, declaring it the first time.
func (g *generator) ref(ref string) (string, bool, string) {
	if t, ok := g.defDone[ref]; ok {
		return t, !strings.HasPrefix(t, "[]") && !strings.HasPrefix(t, "map[") && !strings.HasPrefix(t, "json."), ""
	}
	s, defName, ok := g.root.Lookup(ref)
	if !ok {
		g.errs = append(g.errs, fmt.Sprintf("$ref %q: not a local definition", ref))
		g.imports["encoding/json"] = true
		return "json.RawMessage", false, "Left as raw JSON: its $ref " + ref + " is not in the schema."
	}
	name := g.defNames[ref]
	isStruct := len(s.Properties) > 0 && (s.Type.Single() == "object" || len(s.Type) == 0)
	isEnum := s.Type.Single() == "string" && (len(s.Enum) > 0 || s.Const != nil)
	switch {
	case isStruct:
		g.defDone[ref] = name
		if prev, ok := g.byRaw[s.Raw()]; ok {
			g.defDone[ref] = prev
			return prev, true, ""
		}
		g.structDecl(s, name, nil)
		return name, true, ""
	case isEnum:
		g.defDone[ref] = name
		return g.enumNamed(s, name), true, ""
	}
	typ, ptr, note := g.typeOf(s, defName, "")
	g.defDone[ref] = typ
	return typ, ptr, note
}

// enumDecl declares a string type with a constant per value of s's enum or
// const, named after hint.
func (g *generator) enumDecl(s *jsonschema.Schema, hint, parent string) string {
	return g.enumNamed(s, g.unique(goName(hint), parent))
}

func (g *generator) enumNamed(s *jsonschema.Schema, name string) string {
	g.byRaw[s.Raw()] = name
	d := &decl{name: name, base: "string", doc: docOf(name, s)}
	var values []string
	for _, raw := range s.Enum {
		var v any
		_ = json.Unmarshal(raw, &v) // a value of the document, so valid JSON
		if str, ok := v.(string); ok {
			values = append(values, str)
		}
	}
	if s.Const != nil {
		var str string
		if json.Unmarshal(s.Const, &str) == nil {
			values = append(values, str)
		}
	}
	used := map[string]bool{}
	for _, v := range values {
		c := name + strings.TrimPrefix(goName(v), "X")
		if v == "" {
			c = name + "Empty"
		}
		for i := 2; used[c] || g.taken[c]; i++ {
			c = name + strings.TrimPrefix(goName(v), "X") + strconv.Itoa(i)
		}
		used[c] = true
		g.taken[c] = true
		d.consts = append(d.consts, enumConst{name: c, value: v})
	}
	g.decls = append(g.decls, d)
	return name
}

// docOf is the doc comment of the Go name for s: its title and description.
func docOf(name string, s *jsonschema.Schema) []string {
	var parts []string
	if s.Title != "" && goName(s.Title) != name {
		parts = append(parts, oneLine(s.Title)+".")
	}
	if s.Description != "" {
		parts = append(parts, oneLine(s.Description))
	}
	if s.Format != "" {
		parts = append(parts, "Format: "+s.Format+".")
	}
	if len(parts) == 0 {
		if len(s.Enum) > 0 {
			return []string{name + " is one of the values the schema lists."}
		}
		return []string{name + " is as the schema names it."}
	}
	return []string{name + ": " + strings.Join(parts, " ")}
}

// oneLine collapses runs of white space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
