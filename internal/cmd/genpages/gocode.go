package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// goPackage is what genpages reads of one generated apis/ package: its type
// declarations and the methods of ClientWithResponses, from the source
// (go/ast only, no type checking, so that a package need not build first).
type goPackage struct {
	fset    *token.FileSet
	types   map[string]ast.Expr      // type name -> its type expression
	alias   map[string]bool          // type names declared as aliases (type X = Y)
	methods map[string]*ast.FuncDecl // ClientWithResponses method name -> declaration
}

// loadPackage parses dir's Go files but tests and our own output.
func loadPackage(dir string) (*goPackage, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	pkg := &goPackage{fset: token.NewFileSet(), types: map[string]ast.Expr{}, alias: map[string]bool{}, methods: map[string]*ast.FuncDecl{}}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || n == outputFile {
			continue
		}
		f, err := parser.ParseFile(pkg.fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						pkg.types[ts.Name.Name] = ts.Type
						pkg.alias[ts.Name.Name] = ts.Assign.IsValid()
					}
				}
			case *ast.FuncDecl:
				if d.Recv != nil && len(d.Recv.List) == 1 && recvName(d.Recv.List[0].Type) == "ClientWithResponses" {
					pkg.methods[d.Name.Name] = d
				}
			}
		}
	}
	return pkg, nil
}

func recvName(e ast.Expr) string {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// src prints an expression as Go source.
func (p *goPackage) src(e ast.Expr) string {
	var b bytes.Buffer
	if err := printer.Fprint(&b, p.fset, e); err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return b.String()
}

// method finds the ...WithResponse method of the operation whose converted
// operationId is id: oapi-codegen capitalises it and upper-cases
// initialisms (listFinancialEventsByGroupId -> ListFinancialEventsByGroupID),
// so the match ignores case, and must be unique.
func (p *goPackage) method(id string) (string, *ast.FuncDecl, error) {
	var found []string
	for name := range p.methods {
		base, ok := strings.CutSuffix(name, "WithResponse")
		if ok && !strings.HasSuffix(base, "WithBody") && strings.EqualFold(base, id) {
			found = append(found, base)
		}
	}
	if len(found) != 1 {
		return "", nil, fmt.Errorf("operation %s: %d ClientWithResponses methods named %sWithResponse (case ignored): %v", id, len(found), id, found)
	}
	return found[0], p.methods[found[0]+"WithResponse"], nil
}

// field is one step of a Go field path.
type field struct {
	name    string
	pointer bool   // the field's type is a pointer
	typ     string // the field's type as Go source
	expr    ast.Expr
}

// structOf resolves e (an identifier, a pointer, a struct) to a struct type
// of the package, nil if it is none.
func (p *goPackage) structOf(e ast.Expr) *ast.StructType {
	for range 20 {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.Ident:
			next, ok := p.types[t.Name]
			if !ok {
				return nil
			}
			e = next
		case *ast.StructType:
			return t
		default:
			return nil
		}
	}
	return nil
}

// lookup finds the field of struct e whose tag key (json or form) names
// name, looking into embedded structs as Go promotes their fields.
func (p *goPackage) lookup(e ast.Expr, key, name string) (field, bool) {
	st := p.structOf(e)
	if st == nil {
		return field{}, false
	}
	for _, f := range st.Fields.List {
		if f.Tag != nil {
			tag, err := strconv.Unquote(f.Tag.Value)
			if err == nil {
				v, _, _ := strings.Cut(reflect.StructTag(tag).Get(key), ",")
				if v == name && len(f.Names) == 1 {
					_, ptr := f.Type.(*ast.StarExpr)
					return field{name: f.Names[0].Name, pointer: ptr, typ: p.src(f.Type), expr: f.Type}, true
				}
			}
		}
		if len(f.Names) == 0 {
			if got, ok := p.lookup(f.Type, key, name); ok {
				return got, true
			}
		}
	}
	return field{}, false
}

// path follows a JSON path from struct e.
func (p *goPackage) path(e ast.Expr, json []string) ([]field, error) {
	var out []field
	for _, name := range json {
		f, ok := p.lookup(e, "json", name)
		if !ok {
			return nil, fmt.Errorf("no field with json tag %q in %s", name, p.src(e))
		}
		out = append(out, f)
		e = f.expr
	}
	return out, nil
}

// fieldNamed finds the field named name of struct e.
func (p *goPackage) fieldNamed(e ast.Expr, name string) (field, bool) {
	st := p.structOf(e)
	if st == nil {
		return field{}, false
	}
	for _, f := range st.Fields.List {
		if slices.ContainsFunc(f.Names, func(id *ast.Ident) bool { return id.Name == name }) {
			_, ptr := f.Type.(*ast.StarExpr)
			return field{name: name, pointer: ptr, typ: p.src(f.Type), expr: f.Type}, true
		}
	}
	return field{}, false
}

// isString reports whether typ (Go source) is string or an alias of it.
func (p *goPackage) isString(typ string) bool {
	for range 20 {
		if typ == "string" {
			return true
		}
		e, ok := p.types[typ]
		if !ok || !p.alias[typ] {
			return false
		}
		typ = p.src(e)
	}
	return false
}

// elem is the element type of a list field's type (a slice, a pointer to
// one, or a type of the package declared as one), when it is a plain
// identifier (a type of the package, or string): an inline struct has no
// name to yield.
func (p *goPackage) elem(e ast.Expr) (string, bool) {
	for range 20 {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.Ident:
			next, ok := p.types[t.Name]
			if !ok {
				return "", false
			}
			e = next
		case *ast.ArrayType:
			id, ok := t.Elt.(*ast.Ident)
			if !ok || t.Len != nil {
				return "", false
			}
			return id.Name, true
		default:
			return "", false
		}
	}
	return "", false
}
