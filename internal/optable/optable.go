// Package optable is the client's view of the SP-API operations: the
// generated table (package ops), the operations a caller added through
// Config.RDTOperations, the token policies it set and the POSTs it said may
// be repeated. It names every request for the limiter, the retries and the
// telemetry.
package optable

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/spapi-go/spapi/internal/ops"
	"github.com/spapi-go/spapi/internal/pathtmpl"
	"github.com/spapi-go/spapi/internal/ratelimit"
)

// Policy says which token HTTPClient sends to an operation (client.RDTPolicy
// has the same values, and its names).
type Policy int

// The policies client.Config.RDTOperations can set.
const (
	// RDTAuto is the table's answer: an RDT for the restricted operations
	// (for Orders getOrders, getOrder and getOrderItems only when
	// Config.DataElements asks for PII), the LWA token for the rest.
	RDTAuto Policy = iota
	// RDTNever sends the LWA access token.
	RDTNever
	// RDTTemplate sends an RDT minted for the operation's path template,
	// so that one RDT serves every id for its hour.
	RDTTemplate
	// RDTSpecificPath sends an RDT minted for the request's own path, as
	// getReportDocument needs.
	RDTSpecificPath
)

func (p Policy) String() string {
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

// Table is the client's view of the operations: the generated table,
// the operations the caller added through Config.RDTOperations, and the
// policies it set.
type Table struct {
	extra    *ops.Matcher              // the caller's own templates; nil when none
	policy   map[string]Policy         // by operation name
	safe     map[string]bool           // Config.RetrySafeOperations, by name
	extraOps map[string]*ops.Operation // the caller's operations, by name
}

// New checks Config.RDTOperations (rdtOps), Config.Rates (rates) and
// Config.RetrySafeOperations (retrySafe), and makes the table.
// A key is an operation name from the table, or "METHOD /path/template"
// for an operation the table lacks.
func New(rdtOps map[string]Policy, rates map[string]ratelimit.Rate, retrySafe []string) (*Table, error) {
	// Maps made only when something goes in them: most Clients set none
	// of these, and three empty maps per Client were heap each seller
	// paid for (issue 22). A nil map reads as empty.
	t := &Table{}
	if len(rdtOps) > 0 {
		t.policy = make(map[string]Policy, len(rdtOps))
	}
	if len(retrySafe) > 0 {
		t.safe = make(map[string]bool, len(retrySafe))
	}
	keys := make([]string, 0, len(rdtOps))
	for k := range rdtOps {
		keys = append(keys, k)
	}
	sort.Strings(keys) // errors and indices independent of map order
	var added []ops.Operation
	for _, k := range keys {
		p := rdtOps[k]
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
		t.extraOps = make(map[string]*ops.Operation, len(added))
		for i := range added {
			t.extraOps[added[i].Name] = &added[i]
		}
	}
	for name, r := range rates {
		if _, ok := ops.Lookup(name); !ok && t.extraOps[name] == nil && name != ops.CreateRestrictedDataToken {
			return nil, fmt.Errorf("config: Rates[%q]: not an operation name (see client.Operations)", name)
		}
		if !(r.PerSecond == 0 || ratelimit.ValidRate(r.PerSecond)) || r.Burst < 0 {
			return nil, fmt.Errorf("config: Rates[%q]: PerSecond %v, Burst %d: want 0 (no limit) or a rate in [%g, %g] per second, and a burst >= 0",
				name, r.PerSecond, r.Burst, ratelimit.MinRate, ratelimit.MaxRate)
		}
	}
	for i, name := range retrySafe {
		if _, ok := ops.Lookup(name); !ok {
			if _, ok := t.extraOps[name]; !ok {
				return nil, fmt.Errorf("config: RetrySafeOperations[%d]: %q is not an operation name (see client.Operations)", i, name)
			}
		}
		t.safe[name] = true
	}
	return t, nil
}

// Match is the operation a request path is, the caller's own first.
func (t *Table) Match(method, path string) (*ops.Operation, bool) {
	if t.extra != nil {
		if op, ok := t.extra.Match(method, path); ok {
			return op, true
		}
	}
	return ops.Match(method, path)
}

// RetrySafe reports whether a POST or PATCH of the named operation may be
// repeated after it may have reached the server.
func (t *Table) RetrySafe(name string) bool {
	if t.safe[name] || name == ops.CreateRestrictedDataToken {
		return true
	}
	op, ok := ops.Lookup(name)
	return ok && op.RetrySafe
}

// Policy is the caller's policy for the named operation, if it set one.
func (t *Table) Policy(name string) (Policy, bool) {
	p, ok := t.policy[name]
	return p, ok
}

// Name names a request to the SP-API host by its method and its path below
// the endpoint's base path, for the limiter, RetryInfo, errors and logs:
// the operation's name from the table, or for a path that is no known
// operation its method and shape ("GET /foo/v1/{}/bar"), in which an id
// never appears.
func (t *Table) Name(method, path string) string {
	if method == http.MethodPost && path == ops.TokensPath {
		return ops.CreateRestrictedDataToken
	}
	if op, ok := t.Match(method, path); ok {
		return op.Name
	}
	return ops.Shape(method, path)
}
