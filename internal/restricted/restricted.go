// Package restricted knows which Selling Partner API operations are
// "restricted", i.e. need a Restricted Data Token (RDT) instead of the plain
// LWA access token, and recognises them from a request's method and path so
// that the client can fetch and attach an RDT transparently.
//
// The table is generated from api/restricted-operations.json (see
// generate.go); matching is done on a segment trie built once at init, so
// that Match can sit on the hot path of every request without allocating.
package restricted

import (
	"fmt"
	"slices"
	"strings"
)

// Operation is one restricted SP-API operation.
type Operation struct {
	API, Version, Name string // e.g. "Orders", "v0", "getOrderAddress"
	Method             string // "GET", ...
	Path               string // template, e.g. "/orders/v0/orders/{orderId}/address"
	// DataElements are the dataElements values the operation accepts in an
	// RDT request; nil if none apply.
	DataElements []string
}

// Operations returns a copy of the table, in the order of
// api/restricted-operations.json. It is a deep copy (DataElements included)
// so that callers may modify it without corrupting what Match returns.
func Operations() []Operation {
	out := slices.Clone(operations)
	for i := range out {
		out[i].DataElements = slices.Clone(out[i].DataElements)
	}
	return out
}

// Match reports the restricted operation that a request with this method and
// URL path (no query; already-escaped or raw path as in url.URL.Path) is, if
// any.
//
// The method must equal the operation's exactly (case-sensitive, as net/http
// sends it). Literal template segments must equal the path's; a {param}
// matches exactly one non-empty segment. Trailing slashes, empty segments and
// extra or missing segments never match. Where more than one template could
// match, literal segments win over {param} ones, earliest segment first.
//
// The returned *Operation points into the package's table and must not be
// modified; it is returned by pointer so that Match does not allocate.
func Match(method, path string) (*Operation, bool) {
	if len(path) < 2 || path[0] != '/' {
		return nil, false
	}
	op := root.match(method, path, 1)
	return op, op != nil
}

// SpecificPathOnly reports whether an RDT for o must name the request's own
// path rather than the template. That is the case for the Reports API's
// getReportDocument only: the Tokens API refuses a template path for it, as
// it grants access to one specific (PII-bearing) document.
func (o *Operation) SpecificPathOnly() bool {
	return o.API == "Reports" && o.Name == "getReportDocument"
}

// RDTPath is the path to ask an RDT for when calling o at path: the
// template, so that one RDT covers every id for its hour of validity, or path
// itself where SpecificPathOnly.
func (o *Operation) RDTPath(path string) string {
	if o.SpecificPathOnly() {
		return path
	}
	return o.Path
}

// node is one position in the segment trie. Fan-out is small (at most a
// handful of literals per level), so literal children are a slice scanned
// linearly, which beats a map lookup at this size and never allocates.
type node struct {
	lits  []edge       // literal children
	param *node        // child for a {param} segment, if any
	ops   []*Operation // operations whose template ends here, one per method
}

// edge is a literal child of a node.
type edge struct {
	seg  string
	next *node
}

// root is the trie over every template in operations.
var root = build(operations)

// build constructs the trie. It panics on two operations with the same
// method whose templates differ only in parameter names, since Match could
// not tell them apart; the generator rejects such input already.
func build(ops []Operation) *node {
	r := &node{}
	for i := range ops {
		op := &ops[i]
		n := r
		for seg := range strings.SplitSeq(op.Path[1:], "/") {
			if strings.HasPrefix(seg, "{") {
				if n.param == nil {
					n.param = &node{}
				}
				n = n.param
				continue
			}
			k := slices.IndexFunc(n.lits, func(e edge) bool { return e.seg == seg })
			if k < 0 {
				n.lits = append(n.lits, edge{seg: seg, next: &node{}})
				k = len(n.lits) - 1
			}
			n = n.lits[k].next
		}
		for _, o := range n.ops {
			if o.Method == op.Method {
				panic(fmt.Sprintf("restricted: %s %s and %s %s match the same requests", o.Method, o.Path, op.Method, op.Path))
			}
		}
		n.ops = append(n.ops, op)
	}
	return r
}

// match matches path[i:], which starts just after a '/', against n's
// children. It tries the literal child before the {param} child and
// backtracks, which is what makes literals win.
func (n *node) match(method, path string, i int) *Operation {
	end := len(path)
	if j := strings.IndexByte(path[i:], '/'); j >= 0 {
		end = i + j
	}
	if end == i { // empty segment: "//" or a trailing slash
		return nil
	}
	seg := path[i:end]
	for _, e := range n.lits {
		if e.seg == seg {
			if op := e.next.at(method, path, end); op != nil {
				return op
			}
			break
		}
	}
	if n.param != nil {
		return n.param.at(method, path, end)
	}
	return nil
}

// at continues matching at n with path[k:] left, which is either empty or
// starts with '/'.
func (n *node) at(method, path string, k int) *Operation {
	if k == len(path) {
		for _, op := range n.ops {
			if op.Method == method {
				return op
			}
		}
		return nil
	}
	return n.match(method, path, k+1)
}
