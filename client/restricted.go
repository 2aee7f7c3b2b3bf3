package client

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/spapi-go/tokens/internal/restricted"
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

func (c *Client) cachedRDT(ctx context.Context, key string, req CreateRestrictedDataTokenRequest) (*RestrictedDataToken, error) {
	return c.rdts.get(ctx, key, c.now, func(ctx context.Context) (*RestrictedDataToken, error) {
		return c.CreateRestrictedDataToken(ctx, req)
	})
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
// with a new one. Reply bodies are the caller's to read and close.
//
// Requests to any other host (report documents on S3, feed uploads) go to
// the base transport as they are: no token, no limiter, no retries, no
// buffering and no attempt timeout. Each call returns a new *http.Client, so
// a caller may set its Timeout or Jar without affecting anyone else.
func (c *Client) HTTPClient() *http.Client {
	hc := *c.httpClient
	return &hc
}

// operationToken is HTTPClient's tokenFunc.
func (c *Client) operationToken(ctx context.Context, req *http.Request) (string, func(), error) {
	path := strings.TrimPrefix(req.URL.EscapedPath(), c.base.Path)
	op, ok := restricted.Match(req.Method, path)
	if !ok {
		tok, err := c.lwa.Token(ctx)
		return tok, func() { c.lwa.invalidate(tok) }, err
	}
	res := RestrictedResource{Method: RestrictedResourceMethod(op.Method), Path: op.RDTPath(path)}
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
		return "", nil, err
	}
	return t.Token, func() { c.rdts.evict(key, t.Token) }, nil
}

// dataElementsFor is the configured dataElements that op accepts.
func (c *Client) dataElementsFor(op *restricted.Operation) []string {
	var out []string
	for _, d := range c.dataElements {
		if slices.Contains(op.DataElements, d) {
			out = append(out, d)
		}
	}
	return out
}

// operationKey names a request for the limiter and RetryInfo: a restricted
// operation by its method and path template; any other by its method and
// path with id-like segments folded, so that one operation shares one bucket
// whatever the ids.
func operationKey(method, path string) string {
	if op, ok := restricted.Match(method, path); ok {
		return op.Method + " " + op.Path
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if i > 1 && isIDSegment(s) {
			segs[i] = "{}"
		}
	}
	return method + " " + strings.Join(segs, "/")
}

// isIDSegment guesses whether a path segment is an id rather than a name
// or a version ("v0", "2021-06-30"): it has a digit.
func isIDSegment(s string) bool {
	if s == "" || isVersion(s) {
		return false
	}
	return strings.ContainsAny(s, "0123456789")
}

func isVersion(s string) bool {
	if len(s) >= 2 && s[0] == 'v' && strings.Trim(s[1:], "0123456789") == "" {
		return true
	}
	// 2021-06-30
	return len(s) == 10 && s[4] == '-' && s[7] == '-' && strings.Trim(s, "0123456789-") == ""
}
