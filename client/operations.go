package client

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/spapi-go/spapi/internal/ops"
	"github.com/spapi-go/spapi/internal/pathtmpl"
	"github.com/spapi-go/spapi/internal/ratelimit"
)

// RDTPolicy says which token HTTPClient sends to an operation.
type RDTPolicy int

// The policies Config.RDTOperations can set.
const (
	// RDTAuto is the table's answer: an RDT for the restricted operations
	// (for Orders getOrders, getOrder and getOrderItems only when
	// Config.DataElements asks for PII), the LWA token for the rest.
	RDTAuto RDTPolicy = iota
	// RDTNever sends the LWA access token.
	RDTNever
	// RDTTemplate sends an RDT minted for the operation's path template,
	// so that one RDT serves every id for its hour.
	RDTTemplate
	// RDTSpecificPath sends an RDT minted for the request's own path, as
	// getReportDocument needs.
	RDTSpecificPath
)

func (p RDTPolicy) String() string {
	switch p {
	case RDTAuto:
		return "RDTAuto"
	case RDTNever:
		return "RDTNever"
	case RDTTemplate:
		return "RDTTemplate"
	case RDTSpecificPath:
		return "RDTSpecificPath"
	}
	return fmt.Sprintf("RDTPolicy(%d)", int(p))
}

// OperationInfo describes one SP-API operation of the client's table.
type OperationInfo struct {
	Name         string  // e.g. "getListingsItem", "ordersV0.getOrder"
	Method, Path string  // "GET", "/listings/2021-08-01/items/{sellerId}/{sku}"
	API, Version string  // "listings-items-api-model", "2021-08-01"
	Rate         float64 // published requests per second; 0 when none is published
	Burst        int     // published burst; 0 when none
	Restricted   bool    // takes an RDT (see RDTAuto)
	RetrySafe    bool    // a POST or PATCH the client may repeat after a 5xx or timeout
	Deprecated   bool
	Grantless    bool
	DataElements []string // the dataElements an RDT for it may name
}

// Operations lists every SP-API operation the client knows (all of Amazon's
// models, plus restricted operations the models dropped), with the names
// that Config.RDTOperations, Config.RetrySafeOperations, NewRateLimiter,
// RetryInfo and APIError use.
func Operations() []OperationInfo {
	all := ops.All()
	out := make([]OperationInfo, len(all))
	for i, o := range all {
		out[i] = OperationInfo{Name: o.Name, Method: o.Method, Path: o.Path, API: o.API, Version: o.Version,
			Rate: o.Rate, Burst: o.Burst, Restricted: o.Restricted, RetrySafe: o.RetrySafe,
			Deprecated: o.Deprecated, Grantless: o.Grantless, DataElements: o.DataElements}
	}
	return out
}

// opTable is the client's view of the operations: the generated table,
// the operations the caller added through Config.RDTOperations, and the
// policies it set.
type opTable struct {
	extra    *ops.Matcher              // the caller's own templates; nil when none
	policy   map[string]RDTPolicy      // by operation name
	safe     map[string]bool           // Config.RetrySafeOperations, by name
	extraOps map[string]*ops.Operation // the caller's operations, by name
}

// newOpTable checks Config.RDTOperations and Config.RetrySafeOperations.
// A key is an operation name from the table, or "METHOD /path/template"
// for an operation the table lacks.
func newOpTable(cfg *Config) (*opTable, error) {
	t := &opTable{policy: map[string]RDTPolicy{}, safe: map[string]bool{}, extraOps: map[string]*ops.Operation{}}
	keys := make([]string, 0, len(cfg.RDTOperations))
	for k := range cfg.RDTOperations {
		keys = append(keys, k)
	}
	sort.Strings(keys) // errors and indices independent of map order
	var added []ops.Operation
	for _, k := range keys {
		p := cfg.RDTOperations[k]
		if p < RDTAuto || p > RDTSpecificPath {
			return nil, fmt.Errorf("config: RDTOperations[%q]: %v is not one of RDTAuto, RDTNever, RDTTemplate, RDTSpecificPath", k, p)
		}
		if _, ok := ops.Lookup(k); ok {
			t.policy[k] = p
			continue
		}
		method, path, ok := strings.Cut(k, " ")
		if !ok || !strings.HasPrefix(path, "/") {
			return nil, fmt.Errorf("config: RDTOperations[%q]: not an operation name (see client.Operations) nor \"METHOD /path/template\"", k)
		}
		if err := pathtmpl.CheckMethod(method); err != nil {
			return nil, fmt.Errorf("config: RDTOperations[%q]: %v", k, err)
		}
		if err := pathtmpl.Check(path); err != nil {
			return nil, fmt.Errorf("config: RDTOperations[%q]: %v", k, err)
		}
		added = append(added, ops.Operation{Index: len(ops.All()) + len(added), Name: k, Method: method, Path: path,
			Restricted: p == RDTTemplate || p == RDTSpecificPath, SpecificPath: p == RDTSpecificPath})
		t.policy[k] = p
	}
	if len(added) > 0 {
		m, err := ops.NewMatcher(added)
		if err != nil {
			return nil, fmt.Errorf("config: RDTOperations: %v", err)
		}
		t.extra = m
		for i := range added {
			t.extraOps[added[i].Name] = &added[i]
		}
	}
	for name, r := range cfg.Rates {
		if _, ok := ops.Lookup(name); !ok && t.extraOps[name] == nil && name != OpCreateRestrictedDataToken {
			return nil, fmt.Errorf("config: Rates[%q]: not an operation name (see client.Operations)", name)
		}
		if !(r.PerSecond == 0 || ratelimit.ValidRate(r.PerSecond)) || r.Burst < 0 {
			return nil, fmt.Errorf("config: Rates[%q]: PerSecond %v, Burst %d: want 0 (no limit) or a rate in [%g, %g] per second, and a burst >= 0",
				name, r.PerSecond, r.Burst, ratelimit.MinRate, ratelimit.MaxRate)
		}
	}
	for i, name := range cfg.RetrySafeOperations {
		if _, ok := ops.Lookup(name); !ok {
			if _, ok := t.extraOps[name]; !ok {
				return nil, fmt.Errorf("config: RetrySafeOperations[%d]: %q is not an operation name (see client.Operations)", i, name)
			}
		}
		t.safe[name] = true
	}
	return t, nil
}

// match is the operation a request path is, the caller's own first.
func (t *opTable) match(method, path string) (*ops.Operation, bool) {
	if t.extra != nil {
		if op, ok := t.extra.Match(method, path); ok {
			return op, true
		}
	}
	return ops.Match(method, path)
}

// retrySafe reports whether a POST or PATCH of the named operation may be
// repeated after it may have reached the server.
func (t *opTable) retrySafe(name string) bool {
	if t.safe[name] || name == OpCreateRestrictedDataToken {
		return true
	}
	op, ok := ops.Lookup(name)
	return ok && op.RetrySafe
}

// operationName names a request to the SP-API host for the limiter,
// RetryInfo, errors and logs: the operation's name from the table, or for a
// path that is no known operation its method and shape ("GET
// /foo/v1/{}/bar"), in which an id never appears; "" for another host.
func (c *Client) operationName(req *http.Request) string {
	if !sameOrigin(req.URL, c.base) {
		return ""
	}
	path := strings.TrimPrefix(req.URL.EscapedPath(), c.base.Path)
	if req.Method == http.MethodPost && path == tokensPath {
		return OpCreateRestrictedDataToken
	}
	if op, ok := c.ops.match(req.Method, path); ok {
		return op.Name
	}
	return ops.Shape(req.Method, path)
}

// telemetryName names a request's operation in metrics and spans: its name
// from the table, or "unknown" for any other path, whose shape could still
// hold something an id-like (a new operation's literal segments, say).
// Metrics never get an id, a path or a token, and a bounded set of series.
func (c *Client) telemetryName(req *http.Request) string {
	return telemetryName(c.operationName(req))
}

func telemetryName(op string) string {
	if op == OpCreateRestrictedDataToken {
		return op
	}
	if _, ok := ops.Lookup(op); ok {
		return op
	}
	return unknownOperation
}
