package ops

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/spapi-go/spapi/internal/pathtmpl"
)

// Matcher recognises operations from a request's method and path. The
// package's own table has one (see Match); NewMatcher builds one over a
// caller's operations, e.g. restricted operations Amazon publishes after
// this table was generated. A Matcher is immutable and safe for concurrent
// use.
type Matcher struct {
	root node
}

// node is one position in the segment trie. Literal children are a slice
// scanned linearly (see lit): the root has a few dozen, most nodes a
// handful, and the scan never allocates.
type node struct {
	lits  []edge       // literal children, in table order
	param *node        // child for a {param} segment, if any
	ops   []*Operation // operations whose template ends here, one per method
}

// edge is a literal child of a node.
type edge struct {
	seg  string
	next *node
}

// table is the Matcher over the generated table. The generator has already
// rejected anything build could fail on.
var table = func() *Matcher {
	m, err := build(operations)
	if err != nil {
		panic("ops: generated table: " + err.Error())
	}
	return m
}()

// Match reports the operation of the package's table that a request with
// this method and path is, if any. See Matcher.Match.
func Match(method, path string) (*Operation, bool) {
	return table.Match(method, path)
}

// NewMatcher builds a Matcher over a copy of ops, so the caller may reuse
// the slice. Every operation needs a non-empty, unique Name, an upper-case
// HTTP method and a valid template (leading '/', no empty segment, whole
// {param} segments), a finite non-negative Rate and a non-negative Burst;
// no two operations may match the same requests (same method, templates
// equal up to parameter names). Index and the other fields are kept as
// given.
func NewMatcher(ops []Operation) (*Matcher, error) {
	own := slices.Clone(ops)
	for i := range own {
		own[i].DataElements = slices.Clone(own[i].DataElements)
	}
	names := make(map[string]int, len(own))
	for i, op := range own {
		if err := check(op); err != nil {
			return nil, fmt.Errorf("ops: operations[%d] (%s): %w", i, op.Name, err)
		}
		if j, dup := names[op.Name]; dup {
			return nil, fmt.Errorf("ops: operations[%d] and [%d] are both named %q", j, i, op.Name)
		}
		names[op.Name] = i
	}
	m, err := build(own)
	if err != nil {
		return nil, fmt.Errorf("ops: %w", err)
	}
	return m, nil
}

// check applies the generator's rules to one caller-supplied operation.
func check(op Operation) error {
	if op.Name == "" {
		return errors.New("empty Name")
	}
	if err := pathtmpl.CheckMethod(op.Method); err != nil {
		return err
	}
	if err := pathtmpl.Check(op.Path); err != nil {
		return err
	}
	if op.Rate < 0 || math.IsNaN(op.Rate) || math.IsInf(op.Rate, 0) {
		return fmt.Errorf("rate %v is not a finite non-negative number", op.Rate)
	}
	if op.Burst < 0 {
		return fmt.Errorf("burst %d is negative", op.Burst)
	}
	for i, d := range op.DataElements {
		if d == "" {
			return fmt.Errorf("empty DataElements[%d]", i)
		}
	}
	return nil
}

// build constructs the trie over ops, whose templates must be valid. The
// Matcher points into ops, which must not change afterwards. It fails on two
// operations with the same method whose templates differ only in parameter
// names, since no request could tell them apart.
func build(ops []Operation) (*Matcher, error) {
	m := &Matcher{}
	for i := range ops {
		op := &ops[i]
		n := &m.root
		for seg := range strings.SplitSeq(op.Path[1:], "/") {
			if pathtmpl.IsParam(seg) {
				if n.param == nil {
					n.param = &node{}
				}
				n = n.param
				continue
			}
			next := n.lit(seg)
			if next == nil {
				next = &node{}
				n.lits = append(n.lits, edge{seg: seg, next: next})
			}
			n = next
		}
		for _, o := range n.ops {
			if o.Method == op.Method {
				return nil, fmt.Errorf("%s %s (%s) and %s %s (%s) match the same requests",
					o.Method, o.Path, o.Name, op.Method, op.Path, op.Name)
			}
		}
		n.ops = append(n.ops, op)
	}
	return m, nil
}

// Match reports the operation that a request with this method and path is,
// if any. path is the escaped URL path (url.URL.EscapedPath()), without the
// query; an id with an escaped '/' ("a%2Fb") is one segment.
//
// The method must equal the operation's exactly (case-sensitive, as
// net/http sends it). Literal template segments must equal the path's; a
// {param} matches exactly one non-empty segment. Trailing slashes, empty
// segments and extra or missing segments never match. Where more than one
// template could match, literal segments win over {param} ones, earliest
// segment first, backtracking to the {param} if the literal leads nowhere.
// A path holding '?' or '#' never matches: an escaped path cannot, so it
// carries a query or fragment, which would otherwise end up inside a
// {param}.
//
// The returned *Operation points into the Matcher's table and must not be
// modified; it is returned by pointer so that Match does not allocate.
func (m *Matcher) Match(method, path string) (*Operation, bool) {
	if len(path) < 2 || path[0] != '/' || strings.IndexByte(path, '?') >= 0 || strings.IndexByte(path, '#') >= 0 {
		return nil, false
	}
	op := m.root.match(method, path, 1)
	return op, op != nil
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
	if next := n.lit(path[i:end]); next != nil {
		if op := next.at(method, path, end); op != nil {
			return op
		}
	}
	if n.param != nil {
		return n.param.at(method, path, end)
	}
	return nil
}

// lit returns the literal child for seg, or nil. A linear scan: string
// equality rejects a length mismatch before comparing bytes, and measured on
// BenchmarkMatch it beats a binary search even at the root's few dozen
// children.
func (n *node) lit(seg string) *node {
	for i := range n.lits {
		if n.lits[i].seg == seg {
			return n.lits[i].next
		}
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
