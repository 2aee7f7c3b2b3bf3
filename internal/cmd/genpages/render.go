package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"slices"
	"strings"

	"github.com/spapi-go/spapi/internal/paging"
)

// outputFile is the file genpages writes in each apis/ package with
// paginated operations.
const outputFile = "pages.gen.go"

// goOp is a paginated operation with the Go names of its typed package.
type goOp struct {
	paged
	goName    string   // SearchOrders
	args      []goArg  // the WithResponse arguments between ctx and reqEditors
	params    string   // SearchOrdersParams
	reply     string   // SearchOrdersHTTPResponse
	tokenIn   string   // the params field that takes the token: PaginationToken
	required  []string // params fields of the required query parameters
	set       []goSet
	next      []field // JSON<status>, then the token's path
	items     []field // JSON<status>, then the items' path; nil without an item iterator
	itemType  string  // Order
	itemsName string  // the items' JSON name, for the doc comment

	// By offset: the body argument, the offset's and the limit's fields
	// in it, and JSON<status> then the total's path.
	body          string
	offset, limit []field
	total         []field
}

type goArg struct{ name, typ string }

type goSet struct{ field, value string }

// reserved are the identifiers the generated functions use, which no
// argument may shadow.
var reserved = []string{"ctx", "c", "client", "paging", "iter", "context", "firstParams", "pageParams", "pageBody", "offset", "token", "r", "reqEditors"}

// resolve finds p's Go names in its package.
func resolve(pkg *goPackage, p paged) (*goOp, error) {
	g := &goOp{paged: p}
	name, decl, err := pkg.method(p.op.ConvertedID)
	if err != nil {
		return nil, err
	}
	g.goName = name
	for _, suffix := range []string{"Pages", "All"} {
		if _, clash := pkg.methods[name+suffix]; clash {
			return nil, fmt.Errorf("%s: ClientWithResponses already has a method %s%s", p.Name, name, suffix)
		}
	}
	ps := decl.Type.Params.List
	if len(ps) < 3 {
		return nil, fmt.Errorf("%s: %sWithResponse takes %d argument groups", p.Name, name, len(ps))
	}
	for _, f := range ps[1 : len(ps)-1] {
		for _, n := range f.Names {
			if slices.Contains(reserved, n.Name) {
				return nil, fmt.Errorf("%s: argument %s shadows a name the iterator uses", p.Name, n.Name)
			}
			g.args = append(g.args, goArg{n.Name, pkg.src(f.Type)})
			if n.Name == "params" {
				star, ok := f.Type.(*ast.StarExpr)
				if !ok {
					return nil, fmt.Errorf("%s: params is %s, not a pointer", p.Name, pkg.src(f.Type))
				}
				g.params = pkg.src(star.X)
			}
		}
	}
	if p.Offset != nil {
		return resolveOffset(pkg, g, decl)
	}
	if g.params == "" {
		return nil, fmt.Errorf("%s: %sWithResponse has no params argument", p.Name, name)
	}
	tok, ok := pkg.lookup(ast.NewIdent(g.params), "form", p.Param)
	if !ok || !tok.pointer || !pkg.isString(strings.TrimPrefix(tok.typ, "*")) {
		return nil, fmt.Errorf("%s: %s has no *string field for query parameter %s (%+v)", p.Name, g.params, p.Param, tok)
	}
	g.tokenIn = tok.name
	for _, q := range p.Required {
		f, ok := pkg.lookup(ast.NewIdent(g.params), "form", q)
		if !ok {
			return nil, fmt.Errorf("%s: %s has no field for required query parameter %s", p.Name, g.params, q)
		}
		g.required = append(g.required, f.name)
	}
	for _, s := range p.Set {
		f, ok := pkg.lookup(ast.NewIdent(g.params), "form", s.Name)
		if !ok {
			return nil, fmt.Errorf("%s: %s has no field for query parameter %s", p.Name, g.params, s.Name)
		}
		g.set = append(g.set, goSet{f.name, s.Value})
	}
	body, err := replyBody(pkg, g, decl)
	if err != nil {
		return nil, err
	}
	rest, err := pkg.path(body.expr, p.Token)
	if err != nil {
		return nil, fmt.Errorf("%s: the token %s: %w", p.Name, strings.Join(p.Token, "."), err)
	}
	if last := rest[len(rest)-1]; !pkg.isString(strings.TrimPrefix(last.typ, "*")) {
		return nil, fmt.Errorf("%s: the token field %s is %s", p.Name, last.name, last.typ)
	}
	g.next = append([]field{body}, rest...)
	if err := resolveItems(pkg, g, body); err != nil {
		return nil, err
	}
	return g, nil
}

// replyBody finds the reply type of decl and its JSON<status> field.
func replyBody(pkg *goPackage, g *goOp, decl *ast.FuncDecl) (field, error) {
	results := decl.Type.Results.List
	star, ok := results[0].Type.(*ast.StarExpr)
	if !ok {
		return field{}, fmt.Errorf("%s: %sWithResponse returns %s", g.Name, g.goName, pkg.src(results[0].Type))
	}
	g.reply = pkg.src(star.X)
	body, ok := pkg.fieldNamed(ast.NewIdent(g.reply), fmt.Sprintf("JSON%d", g.Status))
	if !ok || !body.pointer {
		return field{}, fmt.Errorf("%s: %s has no pointer field JSON%d", g.Name, g.reply, g.Status)
	}
	return body, nil
}

// resolveOffset finds the Go names of an operation that pages by offset:
// the body's offset and limit (int64 fields reached without a pointer, so
// that a copy of the body can take another offset) and the reply's total.
func resolveOffset(pkg *goPackage, g *goOp, decl *ast.FuncDecl) (*goOp, error) {
	var bodyType ast.Expr
	for _, f := range decl.Type.Params.List[1 : len(decl.Type.Params.List)-1] {
		for _, n := range f.Names {
			if n.Name == "body" {
				g.body, bodyType = n.Name, f.Type
			}
		}
	}
	if bodyType == nil {
		return nil, fmt.Errorf("%s: %sWithResponse has no body argument", g.Name, g.goName)
	}
	for _, want := range []struct {
		json []string
		dst  *[]field
	}{{g.Offset, &g.offset}, {g.Limit, &g.limit}} {
		path, err := pkg.path(bodyType, want.json)
		if err != nil {
			return nil, fmt.Errorf("%s: body %s: %w", g.Name, strings.Join(want.json, "."), err)
		}
		for _, f := range path {
			if f.pointer {
				return nil, fmt.Errorf("%s: body %s: %s is a pointer", g.Name, strings.Join(want.json, "."), f.name)
			}
		}
		if last := path[len(path)-1]; last.typ != "int64" {
			return nil, fmt.Errorf("%s: body %s is %s, not int64", g.Name, strings.Join(want.json, "."), last.typ)
		}
		*want.dst = path
	}
	body, err := replyBody(pkg, g, decl)
	if err != nil {
		return nil, err
	}
	rest, err := pkg.path(body.expr, g.Total)
	if err != nil {
		return nil, fmt.Errorf("%s: the total %s: %w", g.Name, strings.Join(g.Total, "."), err)
	}
	if last := rest[len(rest)-1]; strings.TrimPrefix(last.typ, "*") != "int64" {
		return nil, fmt.Errorf("%s: the total %s is %s, not int64", g.Name, last.name, last.typ)
	}
	g.total = append([]field{body}, rest...)
	if err := resolveItems(pkg, g, body); err != nil {
		return nil, err
	}
	return g, nil
}

// resolveItems finds the Go path and element type of g's items, where the
// element type has a name.
func resolveItems(pkg *goPackage, g *goOp, body field) error {
	p := g.paged
	if p.Items != nil {
		rest, err := pkg.path(body.expr, p.Items)
		if err != nil {
			return fmt.Errorf("%s: the items %s: %w", p.Name, strings.Join(p.Items, "."), err)
		}
		if elem, ok := pkg.elem(rest[len(rest)-1].expr); ok {
			g.items = append([]field{body}, rest...)
			g.itemType = elem
			g.itemsName = p.Items[len(p.Items)-1]
		}
	}
	return nil
}

// access writes a function body that returns the field at the end of path
// from r, nil where a pointer on the way is nil; the last field is returned
// by address (addr) or as it is.
func access(b *bytes.Buffer, path []field, zero string, addrLast bool) {
	expr := "r"
	var checks []string
	for i, f := range path {
		expr += "." + f.name
		if f.pointer && i < len(path)-1 {
			checks = append(checks, expr+" == nil")
		}
	}
	if len(checks) > 0 {
		fmt.Fprintf(b, "\t\tif %s {\n\t\t\treturn %s\n\t\t}\n", strings.Join(checks, " || "), zero)
	}
	last := path[len(path)-1]
	switch {
	case addrLast && !last.pointer:
		fmt.Fprintf(b, "\t\treturn &%s\n", expr)
	case !addrLast && last.pointer:
		fmt.Fprintf(b, "\t\tif %s == nil {\n\t\t\treturn nil\n\t\t}\n\t\treturn *%s\n", expr, expr)
	default:
		fmt.Fprintf(b, "\t\treturn %s\n", expr)
	}
}

// renderPackage writes pages.gen.go of one package.
func renderPackage(pkg string, ops []*goOp) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by genpages. DO NOT EDIT.\n\npackage %s\n\n", pkg)
	b.WriteString("import (\n\t\"context\"\n\t\"iter\"\n\n\t\"github.com/spapi-go/spapi/client\"\n\t\"github.com/spapi-go/spapi/internal/paging\"\n)\n\n")
	if slices.ContainsFunc(ops, func(g *goOp) bool { return g.Offset == nil }) {
		b.WriteString("// ErrRepeatedPageToken is the error a ...Pages or ...All iterator stops with\n// when a reply gives a page token that was already sent: following it would\n// loop for ever. It is the same error in every package.\nvar ErrRepeatedPageToken = paging.ErrRepeatedToken\n")
	}
	for _, g := range ops {
		var sig, call []string
		for _, a := range g.args {
			sig = append(sig, a.name+" "+a.typ)
			if a.name == "params" {
				call = append(call, "&pageParams")
			} else {
				call = append(call, a.name)
			}
		}
		var pass []string
		for _, a := range g.args {
			pass = append(pass, a.name)
		}
		b.WriteString("\n")
		if g.Offset != nil {
			renderOffset(&b, g, sig, call)
		} else {
			renderToken(&b, g, sig, call)
		}
		if g.items == nil {
			continue
		}
		b.WriteString("\n")
		comment(&b, fmt.Sprintf("%sAll iterates the %s of every page of %s, for callers who want the items and not the pages: each item of %s of each page %sPages yields, in order, then the error that ended the pages, if any.", g.goName, g.itemsName, g.Name, strings.Join(g.Items, "."), g.goName))
		fmt.Fprintf(&b, "func (c *ClientWithResponses) %sAll(ctx context.Context, %s, reqEditors ...RequestEditorFn) iter.Seq2[%s, error] {\n", g.goName, strings.Join(sig, ", "), g.itemType)
		fmt.Fprintf(&b, "\treturn paging.Items(c.%sPages(ctx, %s, reqEditors...), func(r *%s) []%s {\n", g.goName, strings.Join(pass, ", "), g.reply, g.itemType)
		access(&b, g.items, "nil", false)
		b.WriteString("\t})\n}\n")
	}
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s: formatting: %w\n%s", pkg, err, b.Bytes())
	}
	return out, nil
}

// renderOffset writes the Pages iterator of an operation that pages by
// offset.
func renderOffset(b *bytes.Buffer, g *goOp, sig, call []string) {
	offset, limit, total := fieldPath(g.offset), fieldPath(g.limit), strings.Join(g.Total, ".")
	comment(b, fmt.Sprintf("%sPages iterates the pages of %s (%s %s), so that no caller writes the offset loop: it calls again with the body's %s advanced by its %s for as long as the reply's %s says there are more results. The rest of the body is sent again as it is. Each page is the %s as %sWithResponse returns it: the typed body in JSON%d, the request id and rate-limit headers in HTTPResponse. A limit below 1 or a negative offset is an error wrapping client.ErrInvalidRequest, before anything is sent. A non-2xx reply ends the iteration with client.CheckResponse's *client.APIError (the model caps the offset: past it, that is the end); a transport error or the context's end ends it too. The body's offset is where the iteration starts; the iterator may be ranged over more than once.",
		g.goName, g.Name, g.Method, g.Path, strings.Join(g.Offset, "."), strings.Join(g.Limit, "."), total, g.reply, g.goName, g.Status))
	fmt.Fprintf(b, "func (c *ClientWithResponses) %sPages(ctx context.Context, %s, reqEditors ...RequestEditorFn) iter.Seq2[*%s, error] {\n", g.goName, strings.Join(sig, ", "), g.reply)
	fmt.Fprintf(b, "\treturn paging.Offsets(ctx, %q, client.ErrInvalidRequest, %s.%s, %s.%s, func(ctx context.Context, offset int64) (*%s, error) {\n", g.Name, g.body, offset, g.body, limit, g.reply)
	fmt.Fprintf(b, "\t\tpageBody := %s\n\t\tpageBody.%s = offset\n", g.body, offset)
	for i, a := range call {
		if a == g.body {
			call[i] = "pageBody"
		}
	}
	fmt.Fprintf(b, "\t\treturn client.Check(c.%sWithResponse(ctx, %s, reqEditors...))\n", g.goName, strings.Join(call, ", "))
	fmt.Fprintf(b, "\t}, func(r *%s) *int64 {\n", g.reply)
	access(b, g.total, "nil", true)
	b.WriteString("\t})\n}\n")
}

// fieldPath joins the Go names of a field path.
func fieldPath(fs []field) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.name
	}
	return strings.Join(names, ".")
}

// renderToken writes the Pages iterator of an operation that pages by
// token.
func renderToken(b *bytes.Buffer, g *goOp, sig, call []string) {
	tokenPath := strings.Join(g.Token, ".")
	var doc strings.Builder
	fmt.Fprintf(&doc, "%sPages iterates the pages of %s (%s %s), so that no caller writes the token loop: it calls again for as long as the reply's %s gives a token, which the next request sends as %s. ", g.goName, g.Name, g.Method, g.Path, tokenPath, g.Param)
	switch g.Others {
	case paging.Keep:
		doc.WriteString("Every other parameter of params is sent again with it, as the model asks. ")
	case paging.Drop:
		fmt.Fprintf(&doc, "With it, the request sends %s and nothing else of params: the operation refuses its other parameters beside a token. ", describeDrop(g))
	}
	fmt.Fprintf(&doc, "Each page is the %s as %sWithResponse returns it: the typed body in JSON%d, the request id and rate-limit headers in HTTPResponse. ", g.reply, g.goName, g.Status)
	fmt.Fprintf(&doc, "A non-2xx reply ends the iteration with client.CheckResponse's *client.APIError; a transport error, the context's end or a repeated token (ErrRepeatedPageToken) ends it too. A %s already set in params is where the iteration starts. params is copied (a shallow copy) when %sPages is called; the iterator may be ranged over more than once.", g.tokenIn, g.goName)
	comment(b, doc.String())
	fmt.Fprintf(b, "func (c *ClientWithResponses) %sPages(ctx context.Context, %s, reqEditors ...RequestEditorFn) iter.Seq2[*%s, error] {\n", g.goName, strings.Join(sig, ", "), g.reply)
	fmt.Fprintf(b, "\tvar firstParams %s\n\tif params != nil {\n\t\tfirstParams = *params\n\t}\n", g.params)
	fmt.Fprintf(b, "\treturn paging.Pages(ctx, %q, firstParams.%s, func(ctx context.Context, token *string) (*%s, error) {\n", g.Name, g.tokenIn, g.reply)
	b.WriteString("\t\tpageParams := firstParams\n\t\tif token != nil {\n")
	switch g.Others {
	case paging.Keep:
		fmt.Fprintf(b, "\t\t\tpageParams.%s = token\n", g.tokenIn)
	case paging.Drop:
		fields := []string{g.tokenIn + ": token"}
		for _, r := range g.required {
			if !slices.ContainsFunc(g.set, func(s goSet) bool { return s.field == r }) {
				fields = append(fields, r+": firstParams."+r)
			}
		}
		for _, s := range g.set {
			fields = append(fields, fmt.Sprintf("%s: %q", s.field, s.value))
		}
		fmt.Fprintf(b, "\t\t\tpageParams = %s{%s}\n", g.params, strings.Join(fields, ", "))
	}
	b.WriteString("\t\t}\n")
	fmt.Fprintf(b, "\t\treturn client.Check(c.%sWithResponse(ctx, %s, reqEditors...))\n", g.goName, strings.Join(call, ", "))
	fmt.Fprintf(b, "\t}, func(r *%s) *string {\n", g.reply)
	access(b, g.next, "nil", true)
	b.WriteString("\t})\n}\n")
}

// describeDrop names what a Drop request sends, for the doc comment.
func describeDrop(g *goOp) string {
	parts := []string{"the token"}
	for _, r := range g.required {
		if !slices.ContainsFunc(g.set, func(s goSet) bool { return s.field == r }) {
			parts = append(parts, r)
		}
	}
	for _, s := range g.set {
		parts = append(parts, fmt.Sprintf("%s %s", s.field, s.value))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// renderTable writes internal/paging/paging.gen.go.
func renderTable(ps []paged) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by genpages. DO NOT EDIT.\n\npackage paging\n\n")
	fmt.Fprintf(&b, "// ops are the %d paginated operations of api/models, by name.\nvar ops = []Op{\n", len(ps))
	for _, p := range ps {
		fmt.Fprintf(&b, "\t{\n\t\tName: %q, Model: %q, Package: %q,\n\t\tMethod: %q, Path: %q,\n", p.Name, p.Model, p.Package, p.Method, p.Path)
		if p.Offset != nil {
			fmt.Fprintf(&b, "\t\tStatus: %d, Offset: %s, Limit: %s, Total: %s,\n", p.Status, strs(p.Offset), strs(p.Limit), strs(p.Total))
		} else {
			fmt.Fprintf(&b, "\t\tParam: %q, Status: %d, Token: %s,\n", p.Param, p.Status, strs(p.Token))
		}
		if p.Items != nil {
			fmt.Fprintf(&b, "\t\tItems: %s,\n", strs(p.Items))
		}
		fmt.Fprintf(&b, "\t\tOthers: %s,\n", map[paging.Policy]string{paging.Keep: "Keep", paging.Drop: "Drop"}[p.Others])
		if p.Required != nil {
			fmt.Fprintf(&b, "\t\tRequired: %s,\n", strs(p.Required))
		}
		if p.Set != nil {
			b.WriteString("\t\tSet: []Param{")
			for _, s := range p.Set {
				fmt.Fprintf(&b, "{%q, %q}", s.Name, s.Value)
			}
			b.WriteString("},\n")
		}
		fmt.Fprintf(&b, "\t\tSource: %q,\n\t},\n", p.Source)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

func strs(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}

// comment writes text as a // comment wrapped at about 80 columns.
func comment(b *bytes.Buffer, text string) {
	line := "//"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > 78 && line != "//" {
			b.WriteString(line + "\n")
			line = "//"
		}
		line += " " + w
	}
	b.WriteString(line + "\n")
}
