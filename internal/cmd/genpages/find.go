package main

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"

	"github.com/spapi-go/spapi/internal/models"
	"github.com/spapi-go/spapi/internal/paging"
)

// paged is one paginated operation as the models describe it, before the
// Go names of its typed package are known.
type paged struct {
	paging.Op
	op    *models.Operation
	token *openapi2.Parameter
}

// skipped is an operation that carries a token-ish field or parameter but
// does not paginate by the convention, and why.
type skipped struct {
	Name, Why string
}

// override replaces what the model's text gives for one operation. Each
// entry says why in Source; TestOverrides checks that each one still names a
// paginated operation and changes what the text gives.
type override struct {
	Others paging.Policy
	Source string
}

// overrides are the operations whose policy the model's words do not give
// right. None is needed with the models of api/models: every "drop" is in
// the token parameter's own description, and every other operation asks for
// the same arguments again (or says nothing, and Amazon's guides say the
// same). The map stays so that a later model's gap is fixed in one place.
var overrides = map[string]override{}

// dropPhrases, found in the token parameter's or the operation's
// description, say that the operation refuses other parameters beside a
// token.
var dropPhrases = []string{
	"as the only parameter",
	"with any other parameters",
	"must not be included",
	"only the nexttoken",
	"no other parameters",
}

// find reads every paginated operation of ms. An operation paginates when
// it has a query parameter whose name holds "token" (a request token, such
// as shippingV2's requestToken, is not one) and a 2xx reply whose schema
// holds a string field named next...token (nextToken, NextToken,
// nextPageToken, nextTokenForLineItems), at any depth up to four objects.
// Operations with only one of the two are returned as skipped.
func find(ms []*models.Model) ([]paged, []skipped, error) {
	var out []paged
	var skip []skipped
	for _, o := range models.All(ms) {
		params := parameters(o)
		var tokens []*openapi2.Parameter
		for _, p := range params {
			n := strings.ToLower(p.Name)
			if p.In == "query" && strings.Contains(n, "token") && !strings.Contains(n, "request") {
				tokens = append(tokens, p)
			}
		}
		status, reply, err := replyToken(o)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", o.Name, err)
		}
		switch {
		case len(tokens) == 0 && reply == nil:
			p, err := byOffset(o, params)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", o.Name, err)
			}
			if p != nil {
				out = append(out, *p)
			}
			continue
		case len(tokens) > 1:
			return nil, nil, fmt.Errorf("%s: %d token parameters", o.Name, len(tokens))
		case len(tokens) == 0:
			skip = append(skip, skipped{o.Name, fmt.Sprintf("reply field %s, but no query parameter takes a token", strings.Join(reply.path, "."))})
			continue
		case reply == nil:
			skip = append(skip, skipped{o.Name, fmt.Sprintf("query parameter %s, but no reply field gives a next token", tokens[0].Name)})
			continue
		}
		p := paged{op: o, token: tokens[0], Op: paging.Op{
			Name: o.Name, Model: o.Model.Name, Package: o.Model.Package,
			Method: o.Method, Path: o.Path,
			Param: tokens[0].Name, Status: status, Token: reply.path, Items: reply.items,
		}}
		p.Others, p.Source = policy(o, tokens[0])
		for _, q := range params {
			if q.In != "query" || q == tokens[0] || !q.Required {
				continue
			}
			p.Required = append(p.Required, q.Name)
			if slices.Contains(q.Enum, any("NEXT_TOKEN")) {
				p.Set = append(p.Set, paging.Param{Name: q.Name, Value: "NEXT_TOKEN"})
			}
		}
		if len(p.Set) > 0 {
			// The token is a query type of its own: the other query types'
			// parameters go.
			p.Others = paging.Drop
			p.Source = fmt.Sprintf("model: %s takes NEXT_TOKEN with the token; the other query types' parameters are dropped", p.Set[0].Name)
		}
		if ov, ok := overrides[o.Name]; ok {
			p.Others, p.Source = ov.Others, "override: "+ov.Source
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b paged) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(skip, func(a, b skipped) int { return strings.Compare(a.Name, b.Name) })
	for name := range overrides {
		if !slices.ContainsFunc(out, func(p paged) bool { return p.Name == name }) {
			return nil, nil, fmt.Errorf("override %q names no paginated operation", name)
		}
	}
	return out, skip, nil
}

// byOffset reads an operation that pages by offset: its body has integer
// fields offset and limit in one object (Replenishment's
// pagination.offset and pagination.limit), and its 2xx reply an integer
// total... field (pagination.totalResults). It returns nil for any other
// operation.
func byOffset(o *models.Operation, params []*openapi2.Parameter) (*paged, error) {
	var body *openapi2.SchemaRef
	for _, p := range params {
		if p.In == "body" {
			body = p.Schema
		}
	}
	if body == nil {
		return nil, nil
	}
	var offset, limit [][]string
	walk(o.Model.Spec, body, nil, 0, map[string]bool{}, func(path []string, s *openapi2.Schema) {
		if !s.Type.Is("integer") {
			return
		}
		switch path[len(path)-1] {
		case "offset":
			offset = append(offset, slices.Clone(path))
		case "limit":
			limit = append(limit, slices.Clone(path))
		}
	})
	if len(offset) != 1 || len(limit) != 1 || !slices.Equal(offset[0][:len(offset[0])-1], limit[0][:len(limit[0])-1]) {
		return nil, nil
	}
	codes := twoHundreds(o)
	for _, code := range codes {
		r := o.Op.Responses.Value(code)
		if r == nil || r.Schema == nil {
			continue
		}
		var total [][]string
		walk(o.Model.Spec, r.Schema, nil, 0, map[string]bool{}, func(path []string, s *openapi2.Schema) {
			if s.Type.Is("integer") && strings.HasPrefix(strings.ToLower(path[len(path)-1]), "total") {
				total = append(total, slices.Clone(path))
			}
		})
		if len(total) != 1 {
			continue
		}
		status, err := strconv.Atoi(code)
		if err != nil {
			return nil, err
		}
		return &paged{op: o, Op: paging.Op{
			Name: o.Name, Model: o.Model.Name, Package: o.Model.Package,
			Method: o.Method, Path: o.Path, Status: status,
			Offset: offset[0], Limit: limit[0], Total: total[0],
			Items:  itemsBeside(o.Model.Spec, r.Schema, total[0]),
			Others: paging.Keep,
			Source: "offset: the body is sent again with the next offset",
		}}, nil
	}
	return nil, nil
}

// twoHundreds are o's 2xx response codes, sorted.
func twoHundreds(o *models.Operation) []string {
	var codes []string
	if o.Op.Responses == nil {
		return nil
	}
	for code := range o.Op.Responses.Map() {
		if strings.HasPrefix(code, "2") {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	return codes
}

// policy reads from the token parameter's and the operation's descriptions
// whether the other parameters are dropped with a token.
func policy(o *models.Operation, token *openapi2.Parameter) (paging.Policy, string) {
	texts := []string{o.Op.Description}
	if token != nil {
		texts = append([]string{token.Description}, texts...)
	}
	for _, text := range texts {
		low := strings.ToLower(text)
		for _, ph := range dropPhrases {
			if i := strings.Index(low, ph); i >= 0 {
				return paging.Drop, "model: " + sentence(text, i)
			}
		}
	}
	return paging.Keep, "default: the other parameters are sent again"
}

// sentence is the sentence of text around byte i, for Source.
func sentence(text string, i int) string {
	start := strings.LastIndexAny(text[:i], ".\n") + 1
	end := strings.IndexAny(text[i:], ".\n")
	if end < 0 {
		end = len(text) - i
	}
	return strings.TrimSpace(text[start : i+end+1])
}

// parameters are o's parameters, the path item's shared ones first, with
// references resolved (an operation's own wins over a shared one of the
// same name and place).
func parameters(o *models.Operation) []*openapi2.Parameter {
	var out []*openapi2.Parameter
	add := func(ps openapi2.Parameters) {
		for _, p := range ps {
			if p == nil {
				continue
			}
			if p.Ref != "" {
				p = o.Model.Spec.Parameters[strings.TrimPrefix(p.Ref, "#/parameters/")]
				if p == nil {
					continue
				}
			}
			out = slices.DeleteFunc(out, func(q *openapi2.Parameter) bool { return q.Name == p.Name && q.In == p.In })
			out = append(out, p)
		}
	}
	if o.PathItem != nil {
		add(o.PathItem.Parameters)
	}
	add(o.Op.Parameters)
	return out
}

// tokenField is where a reply carries its next token, and its items.
type tokenField struct {
	path  []string
	items []string
}

// nextToken matches a reply field that carries the next page's token.
var nextToken = regexp.MustCompile(`(?i)^next.*token`)

// replyToken finds the next-token field of o's first 2xx reply that has
// one. More than one such field in a reply is an error.
func replyToken(o *models.Operation) (int, *tokenField, error) {
	if o.Op.Responses == nil {
		return 0, nil, nil
	}
	var codes []string
	for code := range o.Op.Responses.Map() {
		if strings.HasPrefix(code, "2") {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	for _, code := range codes {
		r := o.Op.Responses.Value(code)
		if r == nil || r.Schema == nil {
			continue
		}
		var found [][]string
		walk(o.Model.Spec, r.Schema, nil, 0, map[string]bool{}, func(path []string, s *openapi2.Schema) {
			if nextToken.MatchString(path[len(path)-1]) && s.Type.Is("string") {
				found = append(found, slices.Clone(path))
			}
		})
		switch len(found) {
		case 0:
			continue
		case 1:
		default:
			return 0, nil, fmt.Errorf("reply %s has %d next-token fields: %v", code, len(found), found)
		}
		status, err := strconv.Atoi(code)
		if err != nil {
			return 0, nil, err
		}
		f := &tokenField{path: found[0]}
		f.items = itemsBeside(o.Model.Spec, r.Schema, f.path)
		return status, f, nil
	}
	return 0, nil, nil
}

// itemsBeside finds the one array field of the object that holds the token
// (or, where the token sits in a "pagination" object, of the object that
// holds that), nil if there is none or more than one.
func itemsBeside(spec *openapi2.T, root *openapi2.SchemaRef, token []string) []string {
	container := token[:len(token)-1]
	if n := len(container); n > 0 && strings.EqualFold(container[n-1], "pagination") {
		container = container[:n-1]
	}
	arrays := listsIn(spec, at(spec, root, container))
	if len(arrays) == 0 {
		// The list may sit in the payload beside the token's object
		// (getInventorySummaries: payload.inventorySummaries, pagination.nextToken).
		container = append(slices.Clone(container), "payload")
		arrays = listsIn(spec, at(spec, root, container))
	}
	if len(arrays) != 1 {
		return nil
	}
	return append(slices.Clone(container), arrays[0])
}

// listsIn names the array fields of s, but errors and warnings, which are
// not the page's items.
func listsIn(spec *openapi2.T, s *openapi2.Schema) []string {
	if s == nil {
		return nil
	}
	var arrays []string
	for name, p := range properties(spec, s) {
		if strings.EqualFold(name, "errors") || strings.EqualFold(name, "warnings") {
			continue
		}
		if v := deref(spec, p); v != nil && v.Type.Is("array") {
			arrays = append(arrays, name)
		}
	}
	return arrays
}

// at is the schema at path under root, nil if there is none.
func at(spec *openapi2.T, root *openapi2.SchemaRef, path []string) *openapi2.Schema {
	s := deref(spec, root)
	for _, name := range path {
		if s == nil {
			return nil
		}
		s = deref(spec, properties(spec, s)[name])
	}
	return s
}

// walk calls f for every property under s, depth first, down to four
// objects deep; seen stops a recursive definition.
func walk(spec *openapi2.T, ref *openapi2.SchemaRef, path []string, depth int, seen map[string]bool, f func([]string, *openapi2.Schema)) {
	if ref == nil || depth > 4 || (ref.Ref != "" && seen[ref.Ref]) {
		return
	}
	if ref.Ref != "" {
		seen[ref.Ref] = true
		defer delete(seen, ref.Ref)
	}
	s := deref(spec, ref)
	if s == nil {
		return
	}
	props := properties(spec, s)
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p := append(slices.Clone(path), n)
		if v := deref(spec, props[n]); v != nil {
			f(p, v)
		}
		walk(spec, props[n], p, depth+1, seen, f)
	}
}

// properties are s's properties, its allOf members' included.
func properties(spec *openapi2.T, s *openapi2.Schema) map[string]*openapi2.SchemaRef {
	out := map[string]*openapi2.SchemaRef{}
	for _, a := range s.AllOf {
		if v := deref(spec, a); v != nil {
			for k, p := range properties(spec, v) {
				out[k] = p
			}
		}
	}
	for k, p := range s.Properties {
		out[k] = p
	}
	return out
}

// deref follows a chain of local references.
func deref(spec *openapi2.T, ref *openapi2.SchemaRef) *openapi2.Schema {
	for range 20 {
		if ref == nil {
			return nil
		}
		if ref.Ref == "" {
			return ref.Value
		}
		ref = spec.Definitions[strings.TrimPrefix(ref.Ref, "#/definitions/")]
	}
	return nil
}
