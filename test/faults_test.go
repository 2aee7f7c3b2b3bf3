package test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

const faultOpRDT = client.OpCreateRestrictedDataToken

// faultEnv is what one row of the fault matrix runs against: a fresh sptest
// server, a transport of its own (closed before the leak check) and the
// client built on them.
type faultEnv struct {
	srv   *sptest.Server
	tr    *http.Transport
	dials *faultDialLog
	cfg   client.Config
	c     *client.Client

	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	from    time.Time // what "within" is measured from, if not the start: the cancel, say
	retries []client.RetryInfo
	extra   *faultPeer // a second server, for the rows that need one
}

// faultCancelNow cancels the row's context and measures "within" from now.
func (e *faultEnv) faultCancelNow() {
	e.faultMark()
	e.cancel()
}

// faultMark makes "within" be measured from now.
func (e *faultEnv) faultMark() {
	e.mu.Lock()
	if e.from.IsZero() {
		e.from = time.Now()
	}
	e.mu.Unlock()
}

func (e *faultEnv) faultFrom() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.from
}

// faultDialLog records every address the client's transport dials.
type faultDialLog struct {
	mu    sync.Mutex
	addrs []string
}

func (d *faultDialLog) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	d.mu.Unlock()
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

func (d *faultDialLog) list() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

// faultPeer is a small httptest server besides sptest: a redirect target or
// a server that stalls mid-body.
type faultPeer struct {
	ts      *httptest.Server
	url     string // as the client should address it
	calls   atomic.Int32
	mu      sync.Mutex
	headers []http.Header
	bodies  []string
	started chan struct{} // closed once the stalling server has sent its headers
	stop    chan struct{} // closed at cleanup, releases stalled handlers
}

func (p *faultPeer) record(r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	p.calls.Add(1)
	p.mu.Lock()
	p.headers = append(p.headers, r.Header.Clone())
	p.bodies = append(p.bodies, string(b))
	p.mu.Unlock()
}

// faultStartPeer starts h on 127.0.0.1 and closes it at cleanup (before the
// transport and sptest are closed, and before the leak check).
func faultStartPeer(t *testing.T, h func(p *faultPeer, w http.ResponseWriter, r *http.Request)) *faultPeer {
	t.Helper()
	p := &faultPeer{started: make(chan struct{}), stop: make(chan struct{})}
	p.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(p, w, r) }))
	p.url = p.ts.URL
	t.Cleanup(p.ts.Close)
	t.Cleanup(func() { close(p.stop) }) // runs before Close, so no handler is left blocked
	return p
}

// faultRequest is a valid request for an RDT for getOrderAddress of any order.
func faultRequest() client.CreateRestrictedDataTokenRequest {
	return client.CreateRestrictedDataTokenRequest{
		RestrictedResources: []client.RestrictedResource{{
			Method: client.MethodGET,
			Path:   "/orders/v0/orders/{orderId}/address",
		}},
	}
}

// faultWant is the outcome a row expects.
type faultWant struct {
	ok       bool   // success
	status   int    // else a *client.APIError with this status (0: not an APIError)
	mayAPI   int    // with status 0: an *APIError with this status is allowed too
	code     string // ... and this error code ("" : not checked)
	lwa      bool   // else a *client.LWAError
	lwaCode  string // ... with this code (implies lwa)
	is       error  // errors.Is(err, is)
	text     string // err.Error() contains this
	op       string // the operation whose attempts are counted; default createRestrictedDataToken
	attempts int    // requests the server saw for op (exact: jitter changes waits, not counts)
	lwaCalls int    // LWA requests the server saw; -1 means not checked
	within   time.Duration
}

// faultPrompt is how soon a call must return once it has nothing left to
// wait for (its context ended, its attempts timed out). The rows make the
// wrong behaviour take several times longer (a 10 s stall, a 30 s
// Retry-After, a 10 s limiter wait), so the bound tells a client that waits
// from one that does not on any machine; a bound of 100 ms only told a
// quiet machine from a busy one.
const faultPrompt = 2 * time.Second

type faultRow struct {
	name    string
	opts    sptest.Options
	config  func(t *testing.T, e *faultEnv, cfg *client.Config)
	arrange func(t *testing.T, e *faultEnv)
	// act makes the call; the default is one CreateRestrictedDataToken.
	act   func(t *testing.T, e *faultEnv) (*client.RestrictedDataToken, error)
	want  faultWant
	check func(t *testing.T, e *faultEnv, rdt *client.RestrictedDataToken, err error)
}

func faultCreate(t *testing.T, e *faultEnv) (*client.RestrictedDataToken, error) {
	return e.c.CreateRestrictedDataToken(e.ctx, faultRequest())
}

func faultScript(op string, faults ...sptest.Fault) func(*testing.T, *faultEnv) {
	return func(_ *testing.T, e *faultEnv) { e.srv.Script(op, faults...) }
}

func faultAlways(op string, f sptest.Fault) func(*testing.T, *faultEnv) {
	return func(_ *testing.T, e *faultEnv) { e.srv.Always(op, &f) }
}

const (
	faultBadSecret  = "fault-wrong-client-secret-5b1e"
	faultBadRefresh = "Atzr|fault-wrong-refresh-token-77c2"
)

// TestFaultMatrix runs the client through one fault per row, each against a
// fresh server, and checks the outcome, the attempts the server saw and that
// nothing is left running.
func TestFaultMatrix(t *testing.T) {
	rows := []faultRow{
		{
			name:    "429 once",
			arrange: faultScript(faultOpRDT, sptest.Fault{Status: 429}),
			want:    faultWant{ok: true, attempts: 2, lwaCalls: 1},
		},
		{
			name:    "429 forever",
			arrange: faultAlways(faultOpRDT, sptest.Fault{Status: 429}),
			want: faultWant{status: 429, code: "QuotaExceeded", text: "HTTP 429",
				attempts: 1 + client.DefaultMaxRetries, lwaCalls: 1},
		},
		{
			name:    "500 forever",
			arrange: faultAlways(faultOpRDT, sptest.Fault{Status: 500}),
			want:    faultWant{status: 500, code: "InternalFailure", attempts: 1 + client.DefaultMaxRetries, lwaCalls: 1},
		},
		{
			name:    "500 twice then 200",
			arrange: faultScript(faultOpRDT, sptest.Fault{Status: 500}, sptest.Fault{Status: 500}),
			want:    faultWant{ok: true, attempts: 3, lwaCalls: 1},
		},
		{
			name:    "502 forever",
			arrange: faultAlways(faultOpRDT, sptest.Fault{Status: 502}),
			want:    faultWant{status: 502, code: "BadGateway", attempts: 1 + client.DefaultMaxRetries, lwaCalls: 1},
		},
		{
			name:    "503 then 200",
			arrange: faultScript(faultOpRDT, sptest.Fault{Status: 503}),
			want:    faultWant{ok: true, attempts: 2, lwaCalls: 1},
		},
		{
			name:    "504 forever with MaxRetries 2",
			config:  func(_ *testing.T, _ *faultEnv, cfg *client.Config) { cfg.MaxRetries = 2 },
			arrange: faultAlways(faultOpRDT, sptest.Fault{Status: 504}),
			want:    faultWant{status: 504, code: "GatewayTimeout", attempts: 3, lwaCalls: 1},
		},
		{
			name:    "400 is not retried",
			arrange: faultScript(faultOpRDT, sptest.Fault{Status: 400}),
			want:    faultWant{status: 400, code: "InvalidInput", attempts: 1, lwaCalls: 1},
		},
		{
			name:    "connection reset once then success",
			arrange: faultScript(faultOpRDT, sptest.Fault{Reset: true}),
			want:    faultWant{ok: true, attempts: 2, lwaCalls: 1},
			check: func(t *testing.T, e *faultEnv, _ *client.RestrictedDataToken, _ error) {
				if got := e.srv.CallsByStatus(faultOpRDT, 0); got != 1 {
					t.Errorf("replies withheld (reset) = %d, want 1", got)
				}
			},
		},
		{
			name:    "connection reset forever",
			arrange: faultAlways(faultOpRDT, sptest.Fault{Reset: true}),
			want:    faultWant{attempts: 1 + client.DefaultMaxRetries, lwaCalls: 1, text: "sp-api createRestrictedDataToken"},
			check: func(t *testing.T, e *faultEnv, _ *client.RestrictedDataToken, err error) {
				if strings.HasPrefix(err.Error(), "Post ") {
					t.Errorf("error starts with the *url.Error prefix: %v", err)
				}
				e.mu.Lock()
				defer e.mu.Unlock()
				if len(e.retries) != client.DefaultMaxRetries {
					t.Fatalf("OnRetry calls = %d, want %d", len(e.retries), client.DefaultMaxRetries)
				}
				for _, ri := range e.retries {
					if ri.StatusCode != 0 || ri.Err == nil {
						t.Errorf("RetryInfo %+v: want status 0 and the transport error", ri)
					}
				}
			},
		},
		{
			name: "server stalls past the context deadline",
			arrange: func(t *testing.T, e *faultEnv) {
				e.srv.Script(faultOpRDT, sptest.Fault{Delay: 10 * time.Second})
				e.cancel()
				e.ctx, e.cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
			},
			want: faultWant{is: context.DeadlineExceeded, attempts: 1, lwaCalls: 1, within: faultPrompt},
			check: func(t *testing.T, e *faultEnv, _ *client.RestrictedDataToken, err error) {
				if errors.Is(err, context.Canceled) {
					t.Errorf("deadline error also matches context.Canceled: %v", err)
				}
			},
		},
		{
			name: "context cancelled during backoff",
			config: func(t *testing.T, e *faultEnv, cfg *client.Config) {
				cfg.MaxWait = time.Minute // let Retry-After: 30 through
				cfg.OnRetry = func(ri client.RetryInfo) {
					e.mu.Lock()
					e.retries = append(e.retries, ri)
					e.mu.Unlock()
					e.faultCancelNow()
				}
			},
			arrange: faultScript(faultOpRDT, sptest.Fault{Status: 429, Header: http.Header{"Retry-After": {"30"}}}),
			// The error may also carry the 429 of the attempt before
			// (errors.As *APIError), as the client reports since 0a37a1b.
			want: faultWant{is: context.Canceled, mayAPI: 429, attempts: 1, lwaCalls: 1, within: faultPrompt},
			check: func(t *testing.T, e *faultEnv, _ *client.RestrictedDataToken, _ error) {
				e.mu.Lock()
				defer e.mu.Unlock()
				if len(e.retries) != 1 || e.retries[0].Wait != 30*time.Second || e.retries[0].StatusCode != 429 {
					t.Errorf("RetryInfo = %+v, want one 429 with a 30 s wait", e.retries)
				}
			},
		},
		{
			name: "context cancelled during LWA refresh",
			arrange: func(t *testing.T, e *faultEnv) {
				e.srv.Script("lwa", sptest.Fault{Delay: 10 * time.Second})
				faultCancelWhen(t, e, func() bool { return e.srv.LWACalls() == 1 })
			},
			want: faultWant{is: context.Canceled, attempts: 0, lwaCalls: 1, within: faultPrompt},
			check: func(t *testing.T, e *faultEnv, _ *client.RestrictedDataToken, _ error) {
				// The shared fetch is cancelled once its only waiter gave
				// up: the server sees the LWA request end without a reply.
				if !faultEventually(faultPrompt, func() bool { return e.srv.CallsByStatus("lwa", 0) == 1 }) {
					t.Errorf("the LWA request is still running after its only caller gave up")
				}
			},
		},
		{
			name: "context cancelled during the body read",
			config: func(t *testing.T, e *faultEnv, cfg *client.Config) {
				e.extra = faultStartPeer(t, func(p *faultPeer, w http.ResponseWriter, r *http.Request) {
					p.record(r)
					w.Header().Set("Content-Type", "application/json")
					w.Header().Set("Content-Length", "4096")
					w.WriteHeader(http.StatusOK)
					_, _ = io.WriteString(w, `{"restrictedDataToken":"Atz.sprdt|`)
					_ = http.NewResponseController(w).Flush()
					close(p.started)
					select {
					case <-r.Context().Done():
					case <-p.stop:
					}
				})
				cfg.Endpoint = e.extra.url
			},
			arrange: func(t *testing.T, e *faultEnv) {
				go func() {
					select {
					case <-e.extra.started:
						time.Sleep(20 * time.Millisecond) // let the client reach the body read
						e.faultCancelNow()
					case <-e.ctx.Done():
					}
				}()
			},
			want: faultWant{is: context.Canceled, attempts: 0, lwaCalls: 1, within: faultPrompt, text: "reading the HTTP 200 reply"},
			check: func(t *testing.T, e *faultEnv, _ *client.RestrictedDataToken, _ error) {
				if got := e.extra.calls.Load(); got != 1 {
					t.Errorf("stalling server saw %d requests, want 1", got)
				}
			},
		},
		{
			name:    "LWA 500 then 200",
			arrange: faultScript("lwa", sptest.Fault{Status: 500}),
			want:    faultWant{ok: true, attempts: 1, lwaCalls: 2},
		},
		{
			name:   "LWA invalid_grant",
			config: func(_ *testing.T, _ *faultEnv, cfg *client.Config) { cfg.RefreshToken = faultBadRefresh },
			want:   faultWant{lwaCode: "invalid_grant", text: "lwa: invalid_grant", attempts: 0, lwaCalls: 1},
			check:  faultNoSecrets,
		},
		{
			name:   "LWA invalid_client",
			config: func(_ *testing.T, _ *faultEnv, cfg *client.Config) { cfg.ClientSecret = faultBadSecret },
			want:   faultWant{lwaCode: "invalid_client", text: "lwa: invalid_client", attempts: 0, lwaCalls: 1},
			check:  faultNoSecrets,
		},
		{
			name: "LWA reply without access_token",
			arrange: faultScript("lwa", sptest.Fault{Status: 200,
				Body: []byte(`{"token_type":"bearer","expires_in":3600}`)}),
			want: faultWant{text: "access_token", attempts: 0, lwaCalls: 1},
			check: func(t *testing.T, _ *faultEnv, _ *client.RestrictedDataToken, err error) {
				if !strings.HasPrefix(err.Error(), "lwa:") {
					t.Errorf("error %q does not start with lwa:", err)
				}
			},
		},
		{
			name: "expired access token is refreshed once",
			act: func(t *testing.T, e *faultEnv) (*client.RestrictedDataToken, error) {
				if _, err := faultCreate(t, e); err != nil {
					t.Fatalf("first call: %v", err)
				}
				e.srv.RevokeAccessTokens()
				return faultCreate(t, e)
			},
			want: faultWant{ok: true, attempts: 3, lwaCalls: 2},
			check: func(t *testing.T, e *faultEnv, _ *client.RestrictedDataToken, _ error) {
				if got := e.srv.CallsByStatus(faultOpRDT, 403); got != 1 {
					t.Errorf("403 replies = %d, want 1", got)
				}
			},
		},
		{
			name:    "truncated JSON",
			arrange: faultScript(faultOpRDT, sptest.Fault{Status: 200, Body: []byte(`{"restrictedDataToken":"Atz.sprdt|x"`)}),
			want:    faultWant{is: client.ErrMalformedResponse, attempts: 1, lwaCalls: 1},
		},
		{
			name:    "truncated transfer (Content-Length not met)",
			arrange: faultScript(faultOpRDT, sptest.Fault{Truncate: true}),
			want:    faultWant{attempts: 1, lwaCalls: 1, text: "reading the HTTP 200 reply"},
		},
		{
			name:    "JSON array",
			arrange: faultScript(faultOpRDT, sptest.Fault{Status: 200, Body: []byte(`[1,2]`)}),
			want:    faultWant{is: client.ErrMalformedResponse, attempts: 1, lwaCalls: 1},
		},
		{
			name:    "token of the wrong type",
			arrange: faultScript(faultOpRDT, sptest.Fault{Status: 200, Body: []byte(`{"restrictedDataToken":5}`)}),
			want:    faultWant{is: client.ErrMalformedResponse, attempts: 1, lwaCalls: 1},
		},
		{
			name:    "object without a token",
			arrange: faultScript(faultOpRDT, sptest.Fault{Status: 200, Body: []byte(`{"expiresIn":3600}`)}),
			want:    faultWant{is: client.ErrMalformedResponse, attempts: 1, lwaCalls: 1, text: "restrictedDataToken"},
		},
		{
			name:    "empty 200 body",
			arrange: faultScript(faultOpRDT, sptest.Fault{Status: 200, Body: []byte{}}),
			want:    faultWant{is: client.ErrMalformedResponse, attempts: 1, lwaCalls: 1},
		},
		{
			name:   "HTML error page from a proxy",
			config: func(_ *testing.T, _ *faultEnv, cfg *client.Config) { cfg.MaxRetries = -1 },
			arrange: faultScript(faultOpRDT, sptest.Fault{Status: 502,
				Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}},
				Body:   []byte(faultHTML)}),
			want: faultWant{status: 502, attempts: 1, lwaCalls: 1, text: "text/html"},
			check: func(t *testing.T, _ *faultEnv, _ *client.RestrictedDataToken, err error) {
				var ae *client.APIError
				if !errors.As(err, &ae) {
					return // reported already
				}
				if string(ae.Body) != faultHTML {
					t.Errorf("APIError.Body = %q, want the proxy's page", ae.Body)
				}
				if len(ae.Errors) != 0 || ae.Code() != "" {
					t.Errorf("APIError.Errors = %+v, want none", ae.Errors)
				}
			},
		},
		{
			name:    "32 MiB reply",
			arrange: faultScript(faultOpRDT, sptest.Fault{Status: 200, BodySize: 32 << 20}),
			act:     faultMeasureAlloc,
			want:    faultWant{is: client.ErrResponseTooLarge, attempts: 1, lwaCalls: 1},
		},
		{
			// The SP-API never redirects: a redirect to another origin is
			// refused, not followed (issue 9; it used to be followed
			// without the token, and its reply accepted).
			name: "307 to another host is refused",
			config: func(t *testing.T, e *faultEnv, _ *client.Config) {
				e.extra = faultStartPeer(t, func(p *faultPeer, w http.ResponseWriter, r *http.Request) {
					p.record(r)
					w.Header().Set("Content-Type", "application/json")
					_, _ = io.WriteString(w, `{"restrictedDataToken":"Atz.sprdt|from-the-other-host","expiresIn":3600}`)
				})
				// sptest listens on 127.0.0.1: "localhost" is another origin.
				e.extra.url = strings.Replace(e.extra.url, "127.0.0.1", "localhost", 1)
			},
			arrange: func(t *testing.T, e *faultEnv) {
				e.srv.Script(faultOpRDT, sptest.Fault{Status: 307,
					Header: http.Header{"Location": {e.extra.url + "/tokens/2021-03-01/restrictedDataToken"}}})
			},
			want: faultWant{text: "never redirects", attempts: 1, lwaCalls: 1},
			check: func(t *testing.T, e *faultEnv, _ *client.RestrictedDataToken, _ error) {
				if got := e.extra.calls.Load(); got != 0 {
					t.Errorf("redirect target saw %d requests, want 0", got)
				}
			},
		},
		{
			name: "301 to a non-loopback http host is refused",
			arrange: faultScript(faultOpRDT, sptest.Fault{Status: 301,
				Header: http.Header{"Location": {"http://example.invalid/tokens/2021-03-01/restrictedDataToken"}}}),
			want: faultWant{text: "redirect refused", attempts: 1, lwaCalls: 1},
			check: func(t *testing.T, e *faultEnv, _ *client.RestrictedDataToken, _ error) {
				for _, a := range e.dials.list() {
					if !strings.HasPrefix(a, "127.0.0.1:") {
						t.Errorf("client dialled %s", a)
					}
				}
			},
		},
		{
			name: "reply slower than the attempt timeout",
			config: func(t *testing.T, e *faultEnv, cfg *client.Config) {
				cfg.AttemptTimeout = 100 * time.Millisecond
				cfg.MaxRetries = 1
			},
			arrange: faultAlways(faultOpRDT, sptest.Fault{Delay: 4 * faultPrompt}),
			want:    faultWant{attempts: 2, lwaCalls: 1, within: faultPrompt},
			check: func(t *testing.T, e *faultEnv, _ *client.RestrictedDataToken, err error) {
				if errors.Is(err, context.Canceled) {
					t.Errorf("timeout reported as a cancellation: %v", err)
				}
			},
		},
		{
			name:    "LWA 429 forever is retried by the LWA layer only",
			arrange: faultAlways("lwa", sptest.Fault{Status: 429}),
			want:    faultWant{lwa: true, lwaCode: "slow_down", attempts: 0, lwaCalls: 1 + client.DefaultMaxRetries},
		},
		{
			name:    "LWA connection reset once",
			arrange: faultScript("lwa", sptest.Fault{Reset: true}),
			want:    faultWant{ok: true, attempts: 1, lwaCalls: 2},
		},
		{
			name:    "LWA 32 MiB reply",
			arrange: faultScript("lwa", sptest.Fault{Status: 200, BodySize: 32 << 20}),
			act:     faultMeasureAlloc,
			// errors.Is(err, client.ErrResponseTooLarge): see
			// faults_regress_test.go.
			want: faultWant{attempts: 0, lwaCalls: 1},
			check: func(t *testing.T, _ *faultEnv, _ *client.RestrictedDataToken, err error) {
				if !strings.HasPrefix(err.Error(), "lwa:") {
					t.Errorf("error %q does not start with lwa:", err)
				}
			},
		},
		{
			name: "redirect loop stops",
			arrange: func(t *testing.T, e *faultEnv) {
				e.srv.Always(faultOpRDT, &sptest.Fault{Status: 307,
					Header: http.Header{"Location": {e.srv.URL() + "/tokens/2021-03-01/restrictedDataToken"}}})
			},
			want: faultWant{text: "redirect", attempts: 5, lwaCalls: 1},
		},
		{
			// An error, in bounded memory. That it matches
			// ErrResponseTooLarge is in faults_regress_test.go.
			name:    "500 with a 32 MiB body",
			config:  func(_ *testing.T, _ *faultEnv, cfg *client.Config) { cfg.MaxRetries = -1 },
			arrange: faultScript(faultOpRDT, sptest.Fault{Status: 500, BodySize: 32 << 20}),
			act:     faultMeasureAlloc,
			want:    faultWant{mayAPI: 500, attempts: 1, lwaCalls: 1},
		},
		{
			name: "limiter wait past the context deadline",
			// The server states the same slow rate, so the client does
			// not learn a faster one (sptest's Tokens default is 1/s)
			// and its next token stays 10 s away.
			opts: sptest.Options{Rate: 0.1, Burst: 1},
			config: func(_ *testing.T, _ *faultEnv, cfg *client.Config) {
				cfg.NoRateLimit = false
				cfg.RateLimiter = client.NewRateLimiter(map[string]client.Rate{faultOpRDT: {PerSecond: 0.1, Burst: 1}})
			},
			act: func(t *testing.T, e *faultEnv) (*client.RestrictedDataToken, error) {
				if _, err := faultCreate(t, e); err != nil {
					t.Fatalf("first call: %v", err)
				}
				// The limiter's next token is 10 s away, past the deadline:
				// the call fails at once instead of waiting the deadline out.
				ctx, cancel := context.WithTimeout(e.ctx, 2*faultPrompt)
				defer cancel()
				e.faultMark()
				return e.c.CreateRestrictedDataToken(ctx, faultRequest())
			},
			want: faultWant{is: context.DeadlineExceeded, text: "rate limit", attempts: 1, lwaCalls: 1, within: faultPrompt},
		},
		{
			name: "limiter wait cancelled",
			// The server states the same slow rate, so the client does
			// not learn a faster one (sptest's Tokens default is 1/s,
			// which a late cancel could outwait) and its next token
			// stays 5 s away: before the row's 10 s deadline, long after
			// the cancel.
			opts: sptest.Options{Rate: 0.2, Burst: 1},
			config: func(_ *testing.T, _ *faultEnv, cfg *client.Config) {
				cfg.NoRateLimit = false
				cfg.RateLimiter = client.NewRateLimiter(map[string]client.Rate{faultOpRDT: {PerSecond: 0.2, Burst: 1}})
			},
			act: func(t *testing.T, e *faultEnv) (*client.RestrictedDataToken, error) {
				if _, err := faultCreate(t, e); err != nil {
					t.Fatalf("first call: %v", err)
				}
				time.AfterFunc(50*time.Millisecond, e.faultCancelNow)
				return faultCreate(t, e)
			},
			want: faultWant{is: context.Canceled, attempts: 1, lwaCalls: 1, within: faultPrompt},
		},
		{
			name:    "HTTPClient: getOrderAddress 503 then 200",
			arrange: faultScript("getOrderAddress", sptest.Fault{Status: 503}),
			act:     faultGetAddress(http.StatusOK),
			want:    faultWant{ok: true, op: "getOrderAddress", attempts: 2, lwaCalls: 1},
			check: func(t *testing.T, e *faultEnv, _ *client.RestrictedDataToken, _ error) {
				if got := e.srv.RDTCalls(); got != 1 {
					t.Errorf("RDT calls = %d, want 1 (the RDT is cached across the retry)", got)
				}
			},
		},
		{
			name:    "HTTPClient: getOrderAddress 429 forever",
			config:  func(_ *testing.T, _ *faultEnv, cfg *client.Config) { cfg.MaxRetries = 2 },
			arrange: faultAlways("getOrderAddress", sptest.Fault{Status: 429}),
			act:     faultGetAddress(http.StatusTooManyRequests),
			want:    faultWant{ok: true, op: "getOrderAddress", attempts: 3, lwaCalls: 1},
		},
		{
			name: "HTTPClient: revoked RDT is replaced once",
			act: func(t *testing.T, e *faultEnv) (*client.RestrictedDataToken, error) {
				if _, err := faultGetAddress(http.StatusOK)(t, e); err != nil {
					t.Fatalf("first call: %v", err)
				}
				e.srv.RevokeRDTs()
				return faultGetAddress(http.StatusOK)(t, e)
			},
			want: faultWant{ok: true, op: "getOrderAddress", attempts: 3, lwaCalls: 1},
			check: func(t *testing.T, e *faultEnv, _ *client.RestrictedDataToken, _ error) {
				if got := e.srv.RDTCalls(); got != 2 {
					t.Errorf("RDT calls = %d, want 2", got)
				}
				if got := e.srv.CallsByStatus("getOrderAddress", 403); got != 1 {
					t.Errorf("403 replies = %d, want 1", got)
				}
			},
		},
	}

	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) { faultRun(t, row) })
	}
}

const faultHTML = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"

// faultRun runs one row. Cleanups run last-in first-out: the row's peers,
// then the transport's idle connections, then sptest, then the leak check.
func faultRun(t *testing.T, row faultRow) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })

	e := &faultEnv{srv: sptest.NewServer(row.opts), dials: &faultDialLog{}}
	t.Cleanup(e.srv.Close)
	e.tr = &http.Transport{
		DialContext:         e.dials.dial,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     30 * time.Second,
	}
	t.Cleanup(e.tr.CloseIdleConnections)
	e.ctx, e.cancel = context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(func() { e.cancel() })

	e.cfg = client.Config{
		ClientID:     sptest.ClientID,
		ClientSecret: sptest.ClientSecret,
		RefreshToken: sptest.RefreshToken,
		Endpoint:     e.srv.URL(),
		LWAEndpoint:  e.srv.LWAURL(),
		HTTPClient:   &http.Client{Transport: e.tr},
		NoRateLimit:  true,
		RetryWait:    time.Millisecond,
		MaxWait:      50 * time.Millisecond,
		OnRetry: func(ri client.RetryInfo) {
			e.mu.Lock()
			e.retries = append(e.retries, ri)
			e.mu.Unlock()
		},
	}
	if row.config != nil {
		row.config(t, e, &e.cfg)
	}
	var err error
	if e.c, err = client.New(e.cfg); err != nil {
		t.Fatalf("New: %v", err)
	}
	if row.arrange != nil {
		row.arrange(t, e)
	}
	act := row.act
	if act == nil {
		act = faultCreate
	}

	start := time.Now()
	rdt, err := act(t, e)
	end := time.Now()

	w := row.want
	switch {
	case w.ok && err != nil:
		t.Fatalf("want success, got %v", err)
	case w.ok && rdt == nil:
		t.Fatalf("want a token, got nil and no error")
	case !w.ok && err == nil:
		t.Fatalf("want an error, got success (%v)", rdt)
	}
	if err != nil {
		t.Logf("error after %v: %v", end.Sub(start), err)
		faultCheckErr(t, w, err)
	}
	if w.within > 0 {
		from := start
		if at := e.faultFrom(); !at.IsZero() {
			from = at
		}
		if d := end.Sub(from); d > w.within {
			t.Errorf("returned %v after the start or the cancel, want within %v", d, w.within)
		}
	}
	op := w.op
	if op == "" {
		op = faultOpRDT
	}
	if got := e.srv.Calls(op); got != w.attempts {
		t.Errorf("%s attempts = %d, want %d", op, got, w.attempts)
	}
	if w.lwaCalls >= 0 {
		if got := e.srv.LWACalls(); got != w.lwaCalls {
			t.Errorf("LWA calls = %d, want %d", got, w.lwaCalls)
		}
	}
	if row.check != nil {
		row.check(t, e, rdt, err)
	}
}

func faultCheckErr(t *testing.T, w faultWant, err error) {
	t.Helper()
	msg := err.Error()
	if msg == "" {
		t.Errorf("empty error text")
	}
	var ae *client.APIError
	isAPI := errors.As(err, &ae)
	switch {
	case w.status != 0 && !isAPI:
		t.Errorf("error %v (%T) is not an *APIError", err, err)
	case w.status != 0:
		if ae.StatusCode != w.status {
			t.Errorf("APIError.StatusCode = %d, want %d", ae.StatusCode, w.status)
		}
		if w.code != "" && ae.Code() != w.code {
			t.Errorf("APIError.Code() = %q, want %q", ae.Code(), w.code)
		}
		if ae.RequestID == "" {
			t.Errorf("APIError has no request id: %v", err)
		}
	case isAPI && ae.StatusCode != w.mayAPI:
		t.Errorf("unexpected *APIError: %v", err)
	}
	var le *client.LWAError
	isLWA := errors.As(err, &le)
	switch {
	case (w.lwa || w.lwaCode != "") && !isLWA:
		t.Errorf("error %v (%T) is not an *LWAError", err, err)
	case w.lwaCode != "" && le.Code != w.lwaCode:
		t.Errorf("LWAError.Code = %q, want %q", le.Code, w.lwaCode)
	case !w.lwa && w.lwaCode == "" && isLWA:
		t.Errorf("unexpected *LWAError: %v", err)
	}
	if w.is != nil && !errors.Is(err, w.is) {
		t.Errorf("errors.Is(%v, %v) = false", err, w.is)
	}
	if w.text != "" && !strings.Contains(msg, w.text) {
		t.Errorf("error %q does not mention %q", msg, w.text)
	}
}

// faultGetAddress calls getOrderAddress through HTTPClient and wants the
// given status; the token it returns is a placeholder.
func faultGetAddress(want int) func(*testing.T, *faultEnv) (*client.RestrictedDataToken, error) {
	return func(t *testing.T, e *faultEnv) (*client.RestrictedDataToken, error) {
		req, err := http.NewRequestWithContext(e.ctx, http.MethodGet,
			e.srv.URL()+"/orders/v0/orders/902-1845936-5435065/address", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := e.c.HTTPClient().Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			return nil, fmt.Errorf("getOrderAddress: HTTP %d, want %d: %s", resp.StatusCode, want, b)
		}
		return &client.RestrictedDataToken{}, nil
	}
}

// faultMeasureAlloc makes the call and checks that it allocated far less
// than the 32 MiB the server offers.
func faultMeasureAlloc(t *testing.T, e *faultEnv) (*client.RestrictedDataToken, error) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rdt, err := faultCreate(t, e)
	runtime.ReadMemStats(&after)
	grew := after.TotalAlloc - before.TotalAlloc
	t.Logf("TotalAlloc grew by %.2f MiB", float64(grew)/(1<<20))
	if grew > 8<<20 {
		t.Errorf("TotalAlloc grew by %.1f MiB during the call, want < 8 MiB", float64(grew)/(1<<20))
	}
	return rdt, err
}

// faultNoSecrets checks that an LWA refusal names none of the credentials.
func faultNoSecrets(t *testing.T, e *faultEnv, _ *client.RestrictedDataToken, err error) {
	for _, s := range []string{e.cfg.ClientSecret, e.cfg.RefreshToken, sptest.ClientSecret, sptest.RefreshToken} {
		for _, text := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(text, s) {
				t.Errorf("error text %q contains a secret", text)
			}
		}
	}
}

// faultCancelWhen cancels the row's context as soon as cond holds.
func faultCancelWhen(t *testing.T, e *faultEnv, cond func() bool) {
	t.Helper()
	go func() {
		for !cond() {
			select {
			case <-e.ctx.Done():
				return
			case <-time.After(time.Millisecond):
			}
		}
		time.Sleep(20 * time.Millisecond) // the LWA request is in the server's Delay
		e.faultCancelNow()
	}()
}

// faultEventually polls cond until it holds or d passes.
func faultEventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cond()
}
