package test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// TestFaultRegressions holds the rows of the fault matrix that once failed:
// each guards a bug fixed in client/ (see the comment on each row).
func TestFaultRegressions(t *testing.T) {
	rows := []faultRow{
		{
			// The LWA token request carries the client secret and the
			// refresh token in its form. lwaHTTPClient's inner client
			// refuses redirects, but the outer http.Client (the one
			// x/oauth2 uses) has no CheckRedirect, so it follows a 307/308
			// and POSTs the whole form, secrets included, to any host.
			name: "LWA 307 to another host is not followed",
			config: func(t *testing.T, e *faultEnv, _ *client.Config) {
				e.extra = faultStartPeer(t, func(p *faultPeer, w http.ResponseWriter, r *http.Request) {
					p.record(r)
					w.Header().Set("Content-Type", "application/json")
					_, _ = io.WriteString(w, `{"access_token":"Atza|peer","token_type":"bearer","expires_in":3600}`)
				})
			},
			arrange: func(t *testing.T, e *faultEnv) {
				e.srv.Script("lwa", sptest.Fault{Status: 307,
					Header: http.Header{"Location": {e.extra.url + "/auth/o2/token"}}})
			},
			act: func(t *testing.T, e *faultEnv) (*client.RestrictedDataToken, error) {
				rdt, err := faultCreate(t, e)
				if got := e.extra.calls.Load(); got != 0 {
					e.extra.mu.Lock()
					defer e.extra.mu.Unlock()
					t.Errorf("the LWA form was sent on to the redirect target %d times; body %q", got, e.extra.bodies)
				}
				return rdt, err
			},
			want: faultWant{lwa: true, attempts: 0, lwaCalls: 1},
		},
		{
			// Same bug; the target is a plain-http, non-loopback host,
			// which the client refuses everywhere else.
			name: "LWA 308 to a non-loopback http host is not followed",
			arrange: faultScript("lwa", sptest.Fault{Status: 308,
				Header: http.Header{"Location": {"http://example.invalid/auth/o2/token"}}}),
			want: faultWant{lwa: true, attempts: 0, lwaCalls: 1},
			check: func(t *testing.T, e *faultEnv, _ *client.RestrictedDataToken, _ error) {
				for _, a := range e.dials.list() {
					if !strings.HasPrefix(a, "127.0.0.1:") {
						t.Errorf("client dialled %s to send the LWA form", a)
					}
				}
			},
		},
		{
			// MaxResponseBytes says it bounds LWA replies and
			// ErrResponseTooLarge that it matches the error for a reply
			// past it; an LWA reply past 1 MiB gives x/oauth2's "cannot
			// parse json: unexpected end of JSON input" instead (x/oauth2
			// silently truncates at 1 MiB).
			name:    "LWA 32 MiB reply is ErrResponseTooLarge",
			arrange: faultScript("lwa", sptest.Fault{Status: 200, BodySize: 32 << 20}),
			act:     faultMeasureAlloc,
			want:    faultWant{text: "lwa:", is: client.ErrResponseTooLarge, attempts: 0, lwaCalls: 1},
		},
		{
			// An LWA reply whose expires_in is negative is an
			// already-expired token. accept() refuses a reply with no
			// expires_in ("lwa: reply has no expires_in"), but a negative
			// one passes: x/oauth2 turns it into an Expiry in the past,
			// accept() computes a negative lifetime from it and caches the
			// token with expiry and refreshAt in the past. The token is
			// handed out (and sent) once; every later call fetches again.
			name: "LWA reply with a negative expires_in is refused",
			arrange: faultScript("lwa", sptest.Fault{Status: 200,
				Body: []byte(`{"access_token":"Atza|already-expired","token_type":"bearer","expires_in":-3600}`)}),
			want: faultWant{text: "expires_in", attempts: 0, lwaCalls: 1},
		},
		{
			// HTTPClient mints the RDT inside the auth layer, under the
			// retry layer. A mint that fails with an *APIError comes out of
			// authTransport as an error, and retryable() treats every error
			// it does not know as a transport failure: the request is sent
			// again, and the mint with it. A non-retryable 403 from the
			// Tokens API is so tried 1 + MaxRetries times ("never retry other
			// 4xx").
			name:    "HTTPClient: RDT mint refused with a 403 is not retried",
			arrange: faultAlways(faultOpRDT, sptest.Fault{Status: 403}),
			act:     faultGetAddress(http.StatusOK),
			want:    faultWant{status: 403, code: "Unauthorized", attempts: 1, lwaCalls: 1},
		},
		{
			// Same cause: a mint that fails with 500 forever is retried by
			// the Tokens call (5 attempts) and then again by the outer
			// request's retries, 5 x 5 = 25 Tokens calls in all.
			name:    "HTTPClient: RDT mint 500 forever is retried once over",
			arrange: faultAlways(faultOpRDT, sptest.Fault{Status: 500}),
			act:     faultGetAddress(http.StatusOK),
			want:    faultWant{status: 500, attempts: 1 + client.DefaultMaxRetries, lwaCalls: 1},
			check: func(t *testing.T, e *faultEnv, _ *client.RestrictedDataToken, _ error) {
				if got := e.srv.Calls("getOrderAddress"); got != 0 {
					t.Errorf("getOrderAddress calls = %d, want 0", got)
				}
			},
		},
		{
			// flightGroup.do cancels the shared fetch when its last waiter
			// gives up, but leaves the flight in the map until the fetch
			// has returned. A caller that arrives in between joins the
			// doomed flight and gets its cancellation ("lwa: context
			// canceled") although its own context is live.
			name: "LWA: a caller after a cancelled refresh is not failed by it",
			arrange: func(t *testing.T, e *faultEnv) {
				e.srv.Script("lwa", sptest.Fault{Delay: 10 * time.Second})
			},
			act: func(t *testing.T, e *faultEnv) (*client.RestrictedDataToken, error) {
				ctx, cancel := context.WithCancel(e.ctx)
				go func() {
					for e.srv.LWACalls() == 0 {
						time.Sleep(time.Millisecond)
					}
					time.Sleep(20 * time.Millisecond)
					cancel()
				}()
				if _, err := e.c.CreateRestrictedDataToken(ctx, faultRequest()); !errors.Is(err, context.Canceled) {
					t.Fatalf("first call: %v, want context.Canceled", err)
				}
				return faultCreate(t, e) // a live context
			},
			want: faultWant{ok: true, attempts: 1, lwaCalls: 2},
		},
		{
			// lwaHTTPClient wraps the base transport (Config.HTTPClient's)
			// directly in go-retryablehttp, which calls
			// HTTPClient.CloseIdleConnections every time it gives up. So each
			// failed LWA fetch (here a 500 with retries off) closes every
			// idle connection of the caller's transport, to every host,
			// including those another client shares. Under an LWA outage a
			// busy service redials for every request (this is also what
			// stalled FuzzLWAReply on ports in TIME_WAIT).
			name: "LWA failure keeps the base transport's idle connections",
			act: func(t *testing.T, e *faultEnv) (*client.RestrictedDataToken, error) {
				if _, err := faultCreate(t, e); err != nil {
					t.Fatalf("first call: %v", err)
				}
				other := e.cfg
				other.MaxRetries = -1
				c2, err := client.New(other)
				if err != nil {
					t.Fatal(err)
				}
				e.srv.Script("lwa", sptest.Fault{Status: 500})
				if _, err := c2.CreateRestrictedDataToken(e.ctx, faultRequest()); err == nil {
					t.Fatal("second client: want the LWA 500")
				}
				before := len(e.dials.list())
				rdt, err := faultCreate(t, e) // cached LWA token, one RDT call
				if n := len(e.dials.list()) - before; n != 0 {
					t.Errorf("the first client dialled %d new connections after another client's LWA failure", n)
				}
				return rdt, err
			},
			want: faultWant{ok: true, attempts: 2, lwaCalls: 2},
		},
		{
			// Since 0a37a1b, retryTransport's CheckRetry reads the body of
			// every retryable reply with readBody and drops its error: a
			// 5xx body over MaxResponseBytes becomes an empty body, and the
			// caller gets "HTTP 500 (body is not an SP-API error list:
			// application/json, 0 bytes)" instead of an error matching
			// ErrResponseTooLarge (which is what it got before 0a37a1b).
			name:    "500 with a 32 MiB body is ErrResponseTooLarge",
			config:  func(_ *testing.T, _ *faultEnv, cfg *client.Config) { cfg.MaxRetries = -1 },
			arrange: faultScript(faultOpRDT, sptest.Fault{Status: 500, BodySize: 32 << 20}),
			act:     faultMeasureAlloc,
			want:    faultWant{is: client.ErrResponseTooLarge, mayAPI: 500, attempts: 1, lwaCalls: 1},
		},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) { faultRun(t, row) })
	}
}

// TestFaultRegressionLWASingleFlight guards against this bug: lwaSource.Token loads the cached token,
// finds none and calls flight.do; a goroutine that loaded before the running
// refresh stored its token, and reaches flight.do after that flight has left
// the map, starts a second flight, and refresh() fetches again without
// looking at the cache (rdtCache.get re-checks, lwaSource.refresh does not).
// So concurrent first calls sometimes make 2 LWA calls. client's own
// TestLWASingleFlight fails the same way now and then under -race.
func TestFaultRegressionLWASingleFlight(t *testing.T) {
	const rounds, callers = 100, 100
	bad := 0
	for range rounds {
		srv := sptest.NewServer(sptest.Options{NoRateLimit: true})
		tr := &http.Transport{MaxIdleConnsPerHost: callers}
		c, err := client.New(client.Config{
			ClientID: sptest.ClientID, ClientSecret: sptest.ClientSecret, RefreshToken: sptest.RefreshToken,
			Endpoint: srv.URL(), LWAEndpoint: srv.LWAURL(), NoRateLimit: true,
			HTTPClient: &http.Client{Transport: tr},
		})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := c.CreateRestrictedDataToken(context.Background(), faultRequest()); err != nil {
					t.Error(err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if srv.LWACalls() != 1 {
			bad++
		}
		if n := srv.CallsByStatus(faultOpRDT, 403); n != 0 {
			t.Errorf("%d RDT calls were refused (a token refresh, not the race)", n)
		}
		tr.CloseIdleConnections()
		srv.Close()
	}
	if bad > 0 {
		t.Errorf("%d of %d rounds of %d concurrent first calls made more than one LWA call", bad, rounds, callers)
	}
}
