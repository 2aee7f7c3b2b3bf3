package client

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/spapi-go/spapi/internal/ops"
)

// RestrictedDataToken returns an RDT for req from the cache while it has
// life left (refreshed a tenth of its lifetime, at most a minute, before it
// expires), else mints one. Requests that grant the same thing share an
// entry whatever the order of their resources and dataElements; delegated
// RDTs (targetApplication) are kept apart. One mint per entry however many
// goroutines ask. CreateRestrictedDataToken is the uncached call.
func (c *Client) RestrictedDataToken(ctx context.Context, req CreateRestrictedDataTokenRequest) (*RestrictedDataToken, error) {
	if err := ValidateRequest(req); err != nil {
		return nil, err
	}
	t, err := c.cachedRDT(ctx, rdtKey(req), req)
	if err != nil {
		return nil, err
	}
	cp := *t // callers may change theirs; the cache's stays
	return &cp, nil
}

// cachedRDT is the cache's RDT for key, minted with req when needed. A
// refusal for want of the restricted role is remembered for refusalTTL, and
// returned without asking again.
func (c *Client) cachedRDT(ctx context.Context, key string, req CreateRestrictedDataTokenRequest) (*RestrictedDataToken, error) {
	if err := c.refused.get(key, c.now()); err != nil {
		return nil, err
	}
	t, err := c.rdts.get(ctx, key, c.now, func(ctx context.Context) (*RestrictedDataToken, error) {
		return c.CreateRestrictedDataToken(ctx, req)
	})
	if err != nil && noRestrictedRole(err) {
		c.refused.add(key, err, c.now())
	}
	return t, err
}

// HTTPClient returns an http.Client for any SP-API operation on c's
// endpoint, to use with plain net/http or any other generated SP-API client.
// It puts the right token on each request: for a restricted operation an RDT
// from the cache, minted for the operation's path template so that one RDT
// serves every order id for an hour (or for the request's own path where
// only that works, as for getReportDocument), with Config.DataElements for
// the Orders operations that take them; for any other operation the LWA
// access token. A request to any other host gets no token at all. Retries,
// backoff and the rate limiter apply as for the Tokens call, and an RDT the
// API rejects as expired or revoked is dropped and the call sent once more
// with a new one. Reply bodies are the caller's to read and close. A
// non-2xx reply is returned as a response, not an error (a 429 once the
// retries are spent included); see APIError for what each path returns.
//
// Requests to any other host (report documents on S3, feed uploads) go to
// the base transport as they are: no token, no limiter, no retries, no
// buffering and no attempt timeout. Each call returns a new *http.Client, so
// a caller may set its Timeout or Jar without affecting anyone else.
func (c *Client) HTTPClient() *http.Client {
	hc := *c.httpClient
	return &hc
}

// operationToken is HTTPClient's tokenFunc: an RDT where the operation
// needs one (see rdtPolicy), else the LWA access token.
func (c *Client) operationToken(ctx context.Context, req *http.Request) (string, func(string), error) {
	path := strings.TrimPrefix(req.URL.EscapedPath(), c.base.Path)
	op, ok := c.ops.match(req.Method, path)
	var pol RDTPolicy
	if ok {
		pol = c.rdtPolicy(op)
	}
	if pol == RDTNever || pol == RDTAuto || (pol == RDTSpecificPath && c.noRole.has(op.Name)) {
		return c.lwaToken(ctx)
	}
	rpath := op.Path
	if pol == RDTSpecificPath {
		rpath = path
	}
	res := RestrictedResource{Method: RestrictedResourceMethod(op.Method), Path: rpath}
	if de := c.dataElementsFor(op); len(de) > 0 {
		res.DataElements = &de
	}
	rreq := CreateRestrictedDataTokenRequest{RestrictedResources: []RestrictedResource{res}}
	if c.targetApp != "" {
		rreq.TargetApplication = &c.targetApp
	}
	key := rdtKey(rreq)
	t, err := c.cachedRDT(ctx, key, rreq)
	if err != nil {
		if pol == RDTSpecificPath && noRestrictedRole(err) {
			// An application without the restricted role can have no
			// PII report types, so its documents take the LWA token.
			// Remember it: asking again would fail the same way.
			if c.noRole.add(op.Name) && c.logger != nil {
				c.logger.LogAttrs(ctx, slog.LevelInfo, "sp-api: the application may not mint RDTs for this operation; using the LWA token from now on",
					slog.String("operation", op.Name))
			}
			return c.lwaToken(ctx)
		}
		return "", nil, err
	}
	return t.Token, func(tok string) { c.rdts.evict(key, tok) }, nil
}

// lwaToken is the tokenFunc answer with the LWA access token.
func (c *Client) lwaToken(ctx context.Context) (string, func(string), error) {
	tok, err := c.lwa.Token(ctx)
	return tok, c.lwaReject, err
}

// rdtPolicy is the token op takes: the caller's Config.RDTOperations, else
// the table's answer. A restricted operation takes an RDT, for its request
// path where it must (getReportDocument) and its template otherwise; one
// that is restricted only for PII (Orders getOrders, getOrder,
// getOrderItems) takes one only when Config.DataElements asks for some of
// its dataElements, and the LWA token otherwise, which an application
// without the restricted role can also use.
func (c *Client) rdtPolicy(op *ops.Operation) RDTPolicy {
	if p, ok := c.ops.policy[op.Name]; ok && p != RDTAuto {
		return p
	}
	switch {
	case !op.Restricted:
		return RDTNever
	case op.DataElements != nil && len(c.dataElementsFor(op)) == 0:
		return RDTNever
	case op.SpecificPath:
		return RDTSpecificPath
	}
	return RDTTemplate
}

// dataElementsFor is the configured dataElements that op accepts.
func (c *Client) dataElementsFor(op *ops.Operation) []string {
	var out []string
	for _, d := range c.dataElements {
		if slices.Contains(op.DataElements, d) {
			out = append(out, d)
		}
	}
	return out
}

// noRestrictedRole reports whether a Tokens call failed because the
// application lacks the role for the resource: 400 InvalidInput
// "Application do not have access to some or all requested resource".
func noRestrictedRole(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.lacksRole()
}

// nameSet is a concurrency-safe set of operation names, small and
// write-once per name.
type nameSet struct {
	mu sync.Mutex
	m  map[string]bool
}

func (s *nameSet) has(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[name]
}

// add adds name, and reports whether it was new.
func (s *nameSet) add(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[name] {
		return false
	}
	if s.m == nil {
		s.m = map[string]bool{}
	}
	s.m[name] = true
	return true
}
