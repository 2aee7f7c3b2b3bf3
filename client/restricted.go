package client

import (
	"context"
	"net/http"

	"github.com/spapi-go/spapi/internal/rdt"
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
	t, err := c.rdt.Cached(ctx, rdt.Key(req), req, false)
	if err != nil {
		return nil, err
	}
	cp := RestrictedDataToken(*t) // callers may change theirs; the cache's stays
	return &cp, nil
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
