package sptest

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/spapi-go/spapi/api"
)

// operation is one SP-API operation the fake answers, read from the embedded
// facts (api.UsagePlans and api.RestrictedOperations) independently of the
// client's generated table, so that the fake checks the client against the
// facts rather than against itself.
type operation struct {
	index  int
	name   string // see opName
	method string
	path   string // template, such as /orders/v0/orders/{orderId}
	plan   Plan   // published; Rate 0 where the model publishes none

	restricted bool // needs an RDT that covers the request
	exactRDT   bool // the RDT must name the specific path (getReportDocument)
	piiOnly    bool // restricted only for PII: the LWA access token also works (Orders v0 dataElements)
}

// opTable is every operation and a matcher from method + path to operation.
type opTable struct {
	ops    []*operation
	byName map[string][]*operation // canonical names and aliases
	root   *trieNode
}

// aliases keeps the names that Calls, Script and Always accepted before the
// fake knew every operation: "getOrder" was Orders v0's getOrder.
var aliases = map[string]string{
	"getOrder": opGetOrder,
}

// Operation is one SP-API operation the fake answers, as Operations lists it.
type Operation struct {
	Name       string // the name Calls, Script, Always, Plans and SpendBudgetOf take
	Method     string
	Path       string // template, such as /orders/v0/orders/{orderId}
	Plan       Plan   // the published usage plan; Rate 0 where none is published
	Restricted bool   // needs a Restricted Data Token (for PII only, on Orders v0 getOrders, getOrder, getOrderItems)
}

// Operations lists every operation the fake answers, in the order of the
// embedded usage-plans table (then restricted operations it lacks), so that a
// test can check a client's own operation table against the fake's reading
// of the same facts.
func Operations() []Operation {
	t := mustTable()
	out := make([]Operation, len(t.ops))
	for i, op := range t.ops {
		out[i] = Operation{Name: op.name, Method: op.method, Path: op.path, Plan: op.plan, Restricted: op.restricted}
	}
	return out
}

// loadTable builds the table from the embedded facts, once.
var loadTable = sync.OnceValues(func() (*opTable, error) {
	return buildTable(api.UsagePlans, api.RestrictedOperations)
})

func mustTable() *opTable {
	t, err := loadTable()
	if err != nil {
		panic("sptest: " + err.Error())
	}
	return t
}

// usagePlanEntry is one entry of usage-plans.json.
type usagePlanEntry struct {
	Model       string   `json:"model"`
	OperationID string   `json:"operationId"`
	Method      string   `json:"method"`
	Path        string   `json:"path"`
	Rate        *float64 `json:"rate"`
	Burst       *int     `json:"burst"`
}

// restrictedEntry is one entry of restricted-operations.json.
type restrictedEntry struct {
	Operation    string   `json:"operation"`
	Method       string   `json:"method"`
	Path         string   `json:"path"`
	DataElements []string `json:"dataElements"`
}

// Handlers of their own need these operations in the table.
var handledOps = []string{
	opCreateRestrictedDataToken, opGetOrderAddress, opGetOrder, opGetOrders,
	opGetOrderItems, opGetReportDocument, opGetMarketplaceParticipations,
}

func buildTable(plansJSON, restrictedJSON []byte) (*opTable, error) {
	var plans struct {
		Operations []usagePlanEntry `json:"operations"`
	}
	if err := json.Unmarshal(plansJSON, &plans); err != nil {
		return nil, fmt.Errorf("parsing the usage plans: %w", err)
	}
	var restricted struct {
		Operations []restrictedEntry `json:"operations"`
	}
	if err := json.Unmarshal(restrictedJSON, &restricted); err != nil {
		return nil, fmt.Errorf("parsing the restricted operations: %w", err)
	}

	entries := plans.Operations
	key := func(method, path string) string { return method + " " + path }
	known := map[string]bool{}
	for _, e := range entries {
		known[key(e.Method, e.Path)] = true
	}
	for _, r := range restricted.Operations {
		if !known[key(r.Method, r.Path)] {
			// No model publishes it (cancelShipmentOld): no plan.
			entries = append(entries, usagePlanEntry{OperationID: r.Operation, Method: r.Method, Path: r.Path})
			known[key(r.Method, r.Path)] = true
		}
	}

	ids := map[string]int{}
	for _, e := range entries {
		ids[e.OperationID]++
		ids[e.Model+"\x00"+e.OperationID]++
	}
	t := &opTable{byName: map[string][]*operation{}, root: &trieNode{}}
	byKey := map[string]*operation{}
	for i, e := range entries {
		if e.OperationID == "" || e.Method == "" || !strings.HasPrefix(e.Path, "/") {
			return nil, fmt.Errorf("usage plan entry %d (%q %s %s) is incomplete", i, e.OperationID, e.Method, e.Path)
		}
		op := &operation{index: i, name: opName(e, ids), method: e.Method, path: e.Path}
		if e.Rate != nil && *e.Rate > 0 {
			op.plan.Rate = *e.Rate
			if e.Burst != nil {
				op.plan.Burst = *e.Burst
			}
		}
		t.ops = append(t.ops, op)
		t.byName[op.name] = append(t.byName[op.name], op)
		byKey[key(op.method, op.path)] = op
		if err := t.root.insert(op); err != nil {
			return nil, err
		}
	}
	for _, r := range restricted.Operations {
		op := byKey[key(r.Method, r.Path)]
		op.restricted = true
		op.piiOnly = len(r.DataElements) > 0
		// The Tokens API guide: getReportDocument needs the document's path,
		// not a template.
		op.exactRDT = op.name == opGetReportDocument
	}
	for alias, name := range aliases {
		if t.byName[alias] != nil {
			return nil, fmt.Errorf("alias %q is also an operation name", alias)
		}
		t.byName[alias] = t.byName[name]
	}
	for _, name := range handledOps {
		if len(t.byName[name]) != 1 {
			return nil, fmt.Errorf("operation %q: %d entries in the table, want 1", name, len(t.byName[name]))
		}
	}
	return t, nil
}

// opName is an operation's name, a contract shared with the client: the
// operationId where it is unique in the table, else the model's file name
// without .json, a dot and the operationId ("ordersV0.getOrder"), and where
// one model uses one operationId twice (shippingV2's linkCarrierAccount, POST
// and PUT), that plus a dot and the method
// ("shippingV2.linkCarrierAccount.PUT").
func opName(e usagePlanEntry, ids map[string]int) string {
	if ids[e.OperationID] == 1 || e.Model == "" {
		return e.OperationID
	}
	name := strings.TrimSuffix(e.Model, ".json") + "." + e.OperationID
	if ids[e.Model+"\x00"+e.OperationID] > 1 {
		name += "." + e.Method
	}
	return name
}

// lookup returns the operations named name (an alias included); usually
// one, more where the table gives two operations the same name.
func (t *opTable) lookup(name string) []*operation { return t.byName[name] }

// canonical is name with an alias resolved.
func canonical(name string) string {
	if c, ok := aliases[name]; ok {
		return c
	}
	return name
}

// match returns the operation for method and the escaped path, or nil.
func (t *opTable) match(method, escapedPath string) *operation {
	if !strings.HasPrefix(escapedPath, "/") {
		return nil
	}
	return t.root.match(strings.Split(escapedPath[1:], "/"), method)
}

func isParam(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}

// trieNode is one path segment of the matcher.
type trieNode struct {
	literal map[string]*trieNode
	param   *trieNode             // a {param} segment
	ops     map[string]*operation // by method, where a template ends here
}

// insert adds op under its path template; it fails on a template with an
// empty segment or a method + path already taken.
func (n *trieNode) insert(op *operation) error {
	for _, seg := range strings.Split(op.path[1:], "/") {
		if seg == "" {
			return fmt.Errorf("operation %s: path %q has an empty segment", op.name, op.path)
		}
		n = n.child(seg)
	}
	if n.ops[op.method] != nil {
		return fmt.Errorf("operations %s and %s: both %s %s", n.ops[op.method].name, op.name, op.method, op.path)
	}
	if n.ops == nil {
		n.ops = map[string]*operation{}
	}
	n.ops[op.method] = op
	return nil
}

func (n *trieNode) child(seg string) *trieNode {
	if isParam(seg) {
		if n.param == nil {
			n.param = &trieNode{}
		}
		return n.param
	}
	if n.literal == nil {
		n.literal = map[string]*trieNode{}
	}
	c := n.literal[seg]
	if c == nil {
		c = &trieNode{}
		n.literal[seg] = c
	}
	return c
}

// match finds the operation for segs and method. A literal segment beats a
// {param} where both could match; a {param} matches one non-empty segment.
func (n *trieNode) match(segs []string, method string) *operation {
	if len(segs) == 0 {
		return n.ops[method]
	}
	if c := n.literal[segs[0]]; c != nil {
		if op := c.match(segs[1:], method); op != nil {
			return op
		}
	}
	if n.param != nil && segs[0] != "" {
		return n.param.match(segs[1:], method)
	}
	return nil
}
