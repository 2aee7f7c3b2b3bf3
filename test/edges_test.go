package test

// Regression tests for issue 17, "Safe and plain at the edges" (items 1, 2,
// 8, 9, 10 and 11; items 5, 6 and 8's unit test are in package client). Each
// failed on the client as it was.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/http/httputil"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/redisstore"
	"github.com/spapi-go/spapi/sptest"
)

// edgeHosts is an in-memory world of three hosts: LWA, the SP-API endpoint
// (https://sp.example) and another host (https://other.example), which
// answers every request with a redirect to target, keeping method and body
// (307, 308). It records each request to the endpoint.
type edgeHosts struct {
	status int    // the other host's redirect status
	target string // where it redirects

	mu   sync.Mutex
	sp   []*http.Request
	mint int
}

func (h *edgeHosts) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	switch {
	case r.URL.Path == "/auth/o2/token":
		return harmReply(200, nil, `{"access_token":"Atza|edge","token_type":"bearer","expires_in":3600}`), nil
	case r.URL.Host == "other.example":
		return harmReply(h.status, http.Header{"Location": {h.target}}, ""), nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sp = append(h.sp, r)
	if r.URL.Path == "/tokens/2021-03-01/restrictedDataToken" {
		h.mint++
		return harmReply(200, nil, `{"restrictedDataToken":"Atz.sprdt|edge","expiresIn":3600}`), nil
	}
	return harmReply(200, nil, `{"payload":{"ShippingAddress":{"Name":"Jane Doe"}}}`), nil
}

// Item 1: through HTTPClient, GET http://other-host/x -> 307 -> the
// endpoint's getOrderAddress returned 200 with the address, and minted an
// RDT: any URL the application fetches could make it act for the seller.
// 307 and 308 keep the method and the body, so a PUT or POST went too.
func TestEdgeRedirectIntoEndpointRefused(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodPost} {
		for _, status := range []int{307, 308} {
			t.Run(method+" "+http.StatusText(status), func(t *testing.T) {
				h := &edgeHosts{status: status, target: "https://sp.example/orders/v0/orders/1/address"}
				c, _ := harmClient(t, h, nil)
				var body io.Reader
				if method != http.MethodGet {
					body = strings.NewReader(`{"x":1}`)
				}
				req, err := http.NewRequest(method, "https://other.example/report.csv", body)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := c.HTTPClient().Do(req)
				if err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					t.Fatalf("HTTP %d %q: a redirect from another host into the endpoint was followed, want an error", resp.StatusCode, b)
				}
				if !strings.Contains(err.Error(), "redirect") || !strings.Contains(err.Error(), "other.example") {
					t.Errorf("err = %v, want a refused redirect naming where it came from", err)
				}
				if len(h.sp) != 0 || h.mint != 0 {
					t.Errorf("the endpoint got %d requests (%d mints), want none", len(h.sp), h.mint)
				}
			})
		}
	}
	t.Run("a redirect between other hosts is still followed", func(t *testing.T) {
		h := &edgeHosts{status: 307, target: "https://third.example/x"}
		third := 0
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.URL.Host == "third.example" {
				third++
				return harmReply(200, nil, "{}"), nil
			}
			return h.RoundTrip(r)
		})
		c, _ := harmClient(t, rt, nil)
		resp, err := c.HTTPClient().Get("https://other.example/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || third != 1 {
			t.Errorf("HTTP %d after %d requests to third.example, want 200 after 1", resp.StatusCode, third)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Item 2: resp.Request of every reply was the copy the auth layer made,
// with x-amz-access-token in its header, and httputil.DumpRequest printed
// it; the generated client's HTTPResponse.Request too. The reply now names
// the caller's own request.
func TestEdgeReplyCarriesNoToken(t *testing.T) {
	c, srv := setupSPTest(t, nil)
	check := func(t *testing.T, resp *http.Response, sent *http.Request) {
		t.Helper()
		if resp.Request == nil {
			t.Fatal("resp.Request is nil")
		}
		if tok := resp.Request.Header.Get("x-amz-access-token"); tok != "" {
			t.Errorf("resp.Request carries x-amz-access-token %q", tok)
		}
		dump, err := httputil.DumpRequest(resp.Request, false)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(dump), "Atz") {
			t.Errorf("DumpRequest(resp.Request) shows a token:\n%s", dump)
		}
		if sent != nil && resp.Request != sent {
			t.Errorf("resp.Request is not the caller's request")
		}
	}
	for _, tt := range []struct{ name, path string }{
		{"HTTPClient, LWA token", "/orders/v0/orders/123-1234567-1234567"},
		{"HTTPClient, RDT", "/orders/v0/orders/123-1234567-1234567/address"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, c.Endpoint()+tt.path, nil)
			resp, err := c.HTTPClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("HTTP %d, want 200", resp.StatusCode)
			}
			check(t, resp, req)
		})
	}
	t.Run("Gen", func(t *testing.T) {
		r, err := c.Gen().CreateRestrictedDataTokenWithResponse(context.Background(), harmRDTRequest())
		if err != nil {
			t.Fatal(err)
		}
		check(t, r.HTTPResponse, nil)
	})
	if srv.RDTCalls() != 2 {
		t.Errorf("Tokens calls = %d, want 2 (the address's RDT and Gen's)", srv.RDTCalls())
	}
}

// Item 8: the RDT cache key joined its parts with spaces and newlines, so a
// target application "\nGET /p1 " with [GET /p2] took the cached RDT of no
// target application with [GET /p1, GET /p2]: a token for another grant.
func TestEdgeRDTCacheKeyInjective(t *testing.T) {
	c, srv := setupSPTest(t, nil)
	ta := "\nGET /orders/v0/orders/{orderId}/address "
	res := func(paths ...string) []client.RestrictedResource {
		var out []client.RestrictedResource
		for _, p := range paths {
			out = append(out, client.RestrictedResource{Method: client.MethodGET, Path: p})
		}
		return out
	}
	ctx := context.Background()
	if _, err := c.RestrictedDataToken(ctx, client.CreateRestrictedDataTokenRequest{
		RestrictedResources: res("/orders/v0/orders/{orderId}/address", "/orders/v0/orders/{orderId}/buyerInfo"),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RestrictedDataToken(ctx, client.CreateRestrictedDataTokenRequest{
		TargetApplication:   &ta,
		RestrictedResources: res("/orders/v0/orders/{orderId}/buyerInfo"),
	}); err != nil {
		t.Fatal(err)
	}
	if n := srv.RDTCalls(); n != 2 {
		t.Errorf("Tokens calls = %d for two different grants, want 2 (one came from the other's cache entry)", n)
	}
}

// Item 9: a GET whose 5xx or 429 body could not be read (the connection
// cut mid-body, or a proxy page over 1 MiB) failed after one attempt with
// "reading the HTTP 503 reply". The status alone decides the retry.
func TestEdgeStatusAloneDecidesRetry(t *testing.T) {
	tests := []struct {
		name  string
		fault sptest.Fault
	}{
		{"503 cut mid-body", sptest.Fault{Status: 503, Body: []byte(`{"errors":[{"code":"ServiceUnavailable","message":"try again later"}]}`), Truncate: true}},
		{"429 cut mid-body", sptest.Fault{Status: 429, Body: []byte(`{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota"}]}`), Truncate: true}},
		{"503 page over 1 MiB", sptest.Fault{Status: 503, BodySize: client.MaxResponseBytes + 1}},
		{"429 page over 1 MiB", sptest.Fault{Status: 429, BodySize: 2 << 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := setupSPTest(t, nil)
			srv.Script("ordersV0.getOrder", tt.fault)
			resp, err := c.HTTPClient().Get(c.Endpoint() + "/orders/v0/orders/123-1234567-1234567")
			if err != nil {
				t.Fatalf("err = %v after %d attempts, want a retry and 200", err, srv.Calls("ordersV0.getOrder"))
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || err != nil {
				t.Errorf("HTTP %d (%v): %.100s, want 200", resp.StatusCode, err, b)
			}
			if n := srv.Calls("ordersV0.getOrder"); n != 2 {
				t.Errorf("attempts = %d, want 2", n)
			}
		})
	}
	t.Run("the last attempt's unreadable body is the caller's error", func(t *testing.T) {
		c, srv := setupSPTest(t, func(cfg *client.Config) { cfg.MaxRetries = -1 })
		srv.Script("ordersV0.getOrder", sptest.Fault{Status: 503, BodySize: client.MaxResponseBytes + 1})
		resp, err := c.HTTPClient().Get(c.Endpoint() + "/orders/v0/orders/123-1234567-1234567")
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 503 || !errors.Is(err, client.ErrResponseTooLarge) {
			t.Errorf("HTTP %d, reading the body: %v; want 503 and ErrResponseTooLarge, not a body cut short in silence", resp.StatusCode, err)
		}
	})
}

// Item 10: after a 429, a POST whose next attempt failed before anything
// was written (a TLS handshake cut) was refused as "may have reached the
// server", while the same failure on a first attempt was retried: the
// record of what was sent kept the first attempt's WroteHeaders. Each
// attempt now starts with a clean record.
//
// The transport reports through net/http/httptrace as http.Transport does:
// GetConn when it starts an attempt, WroteHeaders once the request is out.
func TestEdgeNotSentAfter429IsRetried(t *testing.T) {
	handshakeCut := errors.New("remote error: tls: handshake failure")
	tests := []struct {
		name  string
		steps []string // per attempt: "429", "cut" (nothing written), "reset" (written, then cut), "200"
		ok    bool
	}{
		{"cut on a first attempt", []string{"cut", "200"}, true},
		{"cut after a 429", []string{"429", "cut", "200"}, true},
		{"cut after a 429 and a cut", []string{"429", "cut", "cut", "200"}, true},
		{"written, then cut, after a 429: not repeated", []string{"429", "reset"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				posts := 0
				rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
					if r.Body != nil {
						_, _ = io.Copy(io.Discard, r.Body)
						_ = r.Body.Close()
					}
					switch r.URL.Path {
					case "/auth/o2/token":
						return harmReply(200, nil, `{"access_token":"Atza|edge","token_type":"bearer","expires_in":3600}`), nil
					case "/tokens/2021-03-01/restrictedDataToken": // createShipment is restricted
						return harmReply(200, nil, harmRDT), nil
					}
					mu.Lock()
					posts++
					step := "200"
					if posts <= len(tt.steps) {
						step = tt.steps[posts-1]
					}
					mu.Unlock()
					tr := httptrace.ContextClientTrace(r.Context())
					if tr == nil || tr.GetConn == nil || tr.WroteHeaders == nil {
						t.Fatal("a POST that may not be repeated is sent without a trace")
					}
					tr.GetConn(r.URL.Host)
					if step == "cut" {
						return nil, handshakeCut
					}
					tr.WroteHeaders()
					switch step {
					case "reset":
						return nil, errors.New("read: connection reset by peer")
					case "429":
						return harmReply(429, nil, `{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota"}]}`), nil
					}
					return harmReply(200, nil, `{"payload":{}}`), nil
				})
				c, _ := harmClient(t, rt, nil)
				resp, err := harmPost(context.Background(), c, "/mfn/v0/shipments")
				mu.Lock()
				defer mu.Unlock()
				if !tt.ok {
					if err == nil || !strings.Contains(err.Error(), "may have reached the server") || posts != len(tt.steps) {
						t.Errorf("err = %v after %d attempts, want the written POST not repeated after %d", err, posts, len(tt.steps))
					}
					return
				}
				if err != nil {
					t.Fatalf("err = %v after %d attempts, want a retry: nothing was written", err, posts)
				}
				if resp.StatusCode != 200 || posts != len(tt.steps) {
					t.Errorf("HTTP %d after %d attempts, want 200 after %d", resp.StatusCode, posts, len(tt.steps))
				}
			})
		})
	}
}

// Item 11: a typed-nil *redisstore.Store in Config.Store (the common `var st
// *redisstore.Store; if url != "" { st = ... }`) passed New and panicked on
// the first call; with NoRateLimit, in a goroutine no caller can recover.
// New now refuses it, naming the field.
func TestEdgeTypedNilStoreRefused(t *testing.T) {
	var st *redisstore.Store
	for _, noLimit := range []bool{false, true} {
		cfg := client.Config{ClientID: "id", ClientSecret: "secret", RefreshToken: "Atzr|r", Store: st, NoRateLimit: noLimit}
		c, err := client.New(cfg)
		if err == nil {
			t.Fatalf("NoRateLimit %v: New accepted a nil *redisstore.Store (client %v), whose first use panics", noLimit, c)
		}
		if !strings.Contains(err.Error(), "Store") || !strings.Contains(err.Error(), "nil *redisstore.Store") {
			t.Errorf("NoRateLimit %v: err = %v, want one naming Store and the nil *redisstore.Store", noLimit, err)
		}
	}
	var lim *client.TokenBucketLimiter
	if _, err := client.New(client.Config{ClientID: "id", ClientSecret: "secret", RefreshToken: "Atzr|r", RateLimiter: lim}); err == nil || !strings.Contains(err.Error(), "RateLimiter") {
		t.Errorf("New with a nil %T as RateLimiter: err = %v, want one naming RateLimiter", lim, err)
	}
}
