package test

// Regression tests for issue 9, "Retries that never do harm". Each test
// reproduces one behaviour a careful review found on the client as it was,
// and fails there: a POST repeated after it may have taken effect, a panic in
// the backoff, negative waits, a deadline the caller never set, 5xx waits that
// did not grow, head-of-line blocking behind the probe, SP-API treatment of
// other hosts, redirects to other origins, and the smaller points.
//
// Most of them run inside testing/synctest bubbles with an in-memory
// transport (harmRT), so that waits of seconds or minutes take none, and
// nothing sleeps for real.

import (
	"bufio"
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
	"testing/synctest"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// harmRT is an in-memory SP-API and LWA: LWA always issues a token, and
// every other request gets what fn answers. It records each request.
type harmRT struct {
	mu   sync.Mutex
	reqs []*http.Request
	fn   func(r *http.Request, n int) (*http.Response, error) // n: 1 for the first SP-API request
}

func (h *harmRT) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	if r.URL.Path == "/auth/o2/token" {
		return harmReply(200, nil, `{"access_token":"Atza|harm","token_type":"bearer","expires_in":3600}`), nil
	}
	h.mu.Lock()
	h.reqs = append(h.reqs, r)
	n := len(h.reqs)
	h.mu.Unlock()
	return h.fn(r, n)
}

func (h *harmRT) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.reqs)
}

func harmReply(status int, h http.Header, body string) *http.Response {
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Requestid", fmt.Sprintf("harm-%d", status))
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body))}
}

const harmRDT = `{"restrictedDataToken":"Atz.sprdt|harm","expiresIn":3600}`

// harmClient is a client on the in-memory transport (endpoint
// https://sp.example, LWA https://lwa.example) with OnRetry recording waits.
func harmClient(t *testing.T, rt http.RoundTripper, mod func(*client.Config)) (*client.Client, *[]client.RetryInfo) {
	t.Helper()
	var mu sync.Mutex
	infos := &[]client.RetryInfo{}
	cfg := client.Config{
		ClientID: "id", ClientSecret: "secret", RefreshToken: "Atzr|refresh",
		Endpoint:    "https://sp.example",
		LWAEndpoint: "https://lwa.example/auth/o2/token",
		HTTPClient:  &http.Client{Transport: rt},
		NoRateLimit: true,
		OnRetry: func(ri client.RetryInfo) {
			mu.Lock()
			defer mu.Unlock()
			*infos = append(*infos, ri)
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, infos
}

func harmRDTRequest() client.CreateRestrictedDataTokenRequest {
	return client.CreateRestrictedDataTokenRequest{RestrictedResources: []client.RestrictedResource{{
		Method: client.MethodGET, Path: "/orders/v0/orders/{orderId}/address"}}}
}

// harmPost sends POST path with a small JSON body through c's HTTPClient.
func harmPost(ctx context.Context, c *client.Client, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint()+path, strings.NewReader(`{"shipmentRequestDetails":{}}`))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTPClient().Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

// 1. A non-idempotent POST (createShipment buys a label) got a 500, was
// retried, and the server received 2 POSTs. Likewise after a per-attempt
// timeout or a connection reset once the request was written. POST and PATCH
// are now retried only on a 429 or when nothing reached the server, unless
// the operation is known to be safe or the caller opts in.
func TestHarmPOSTNotRepeated(t *testing.T) {
	type server struct {
		posts atomic.Int32
		url   string
	}
	start := func(t *testing.T, h func(s *server, w http.ResponseWriter, r *http.Request)) *server {
		s := &server{}
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/auth/o2/token" {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"access_token":"Atza|harm","token_type":"bearer","expires_in":3600}`)
				return
			}
			_, _ = io.Copy(io.Discard, r.Body)
			if r.URL.Path == "/tokens/2021-03-01/restrictedDataToken" { // createShipment is restricted
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, harmRDT)
				return
			}
			s.posts.Add(1)
			h(s, w, r)
		}))
		t.Cleanup(ts.Close)
		s.url = ts.URL
		return s
	}
	reply500 := func(_ *server, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(500)
		_, _ = io.WriteString(w, `{"errors":[{"code":"InternalFailure","message":"We encountered an internal error."}]}`)
	}
	resetAfterRead := func(_ *server, w http.ResponseWriter, _ *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = conn.Close()
		}
	}
	stall := func(_ *server, _ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	then200 := func(first func(*server, http.ResponseWriter, *http.Request)) func(*server, http.ResponseWriter, *http.Request) {
		return func(s *server, w http.ResponseWriter, r *http.Request) {
			if s.posts.Load() == 1 {
				first(s, w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"payload":{}}`)
		}
	}
	tests := []struct {
		name      string
		method    string
		path      string
		handler   func(*server, http.ResponseWriter, *http.Request)
		mod       func(*client.Config)
		ctx       func(context.Context) context.Context
		wantPosts int32
		wantErr   string // "" means the call returns a response
		status    int
	}{
		{name: "createShipment 500 is not repeated", method: "POST", path: "/mfn/v0/shipments",
			handler: reply500, wantPosts: 1, status: 500},
		{name: "createShipment reset after write is not repeated", method: "POST", path: "/mfn/v0/shipments",
			handler: resetAfterRead, wantPosts: 1, wantErr: "not retried"},
		{name: "createShipment attempt timeout after write is not repeated", method: "POST", path: "/mfn/v0/shipments",
			handler: stall, mod: func(c *client.Config) { c.AttemptTimeout = 200 * time.Millisecond },
			wantPosts: 1, wantErr: "not retried"},
		{name: "PATCH patchListingsItem 500 is not repeated", method: "PATCH", path: "/listings/2021-08-01/items/SELLER/blue-shirt-a",
			handler: reply500, wantPosts: 1, status: 500},
		{name: "createShipment 429 is repeated", method: "POST", path: "/mfn/v0/shipments",
			handler: then200(func(_ *server, w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(429)
				_, _ = io.WriteString(w, `{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota."}]}`)
			}), wantPosts: 2, status: 200},
		{name: "GET 500 is repeated", method: "GET", path: "/mfn/v0/shipments/123",
			handler: then200(reply500), wantPosts: 2, status: 200},
		{name: "PUT reset is repeated", method: "PUT", path: "/listings/2021-08-01/items/SELLER/blue-shirt-a",
			handler: then200(resetAfterRead), wantPosts: 2, status: 200},
		{name: "read-only POST getItemOffersBatch 500 is repeated", method: "POST", path: "/batches/products/pricing/v0/itemOffers",
			handler: then200(reply500), wantPosts: 2, status: 200},
		{name: "opt-in by operation name", method: "POST", path: "/mfn/v0/shipments",
			handler: then200(reply500), mod: func(c *client.Config) { c.RetrySafeOperations = []string{"merchantFulfillmentV0.createShipment"} },
			wantPosts: 2, status: 200},
		{name: "opt-in by context", method: "POST", path: "/mfn/v0/shipments",
			handler: then200(reply500), ctx: client.WithRetrySafe, wantPosts: 2, status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, tt.handler)
			cfg := client.Config{
				ClientID: "id", ClientSecret: "secret", RefreshToken: "Atzr|refresh",
				Endpoint: s.url, LWAEndpoint: s.url + "/auth/o2/token",
				NoRateLimit: true, RetryWait: time.Millisecond,
			}
			if tt.mod != nil {
				tt.mod(&cfg)
			}
			c, err := client.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx(ctx)
			}
			req, _ := http.NewRequestWithContext(ctx, tt.method, s.url+tt.path, strings.NewReader(`{"x":1}`))
			resp, err := c.HTTPClient().Do(req)
			if resp != nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if got := s.posts.Load(); got != tt.wantPosts {
				t.Errorf("server received %d %s requests, want %d", got, tt.method, tt.wantPosts)
			}
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want one saying %q", err, tt.wantErr)
				}
			case err != nil:
				t.Errorf("err = %v, want HTTP %d", err, tt.status)
			case resp.StatusCode != tt.status:
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}

	// Connection refused: nothing reached any server, so even
	// createShipment is tried again (MaxRetries 2: 3 dials).
	t.Run("createShipment connection refused is repeated", func(t *testing.T) {
		lwa := start(t, reply500)
		var dials atomic.Int32
		dead := "127.0.0.1:1"
		tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr == dead {
				dials.Add(1)
			}
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}
		c, err := client.New(client.Config{
			ClientID: "id", ClientSecret: "secret", RefreshToken: "Atzr|refresh",
			Endpoint: "http://" + dead, LWAEndpoint: lwa.url + "/auth/o2/token",
			NoRateLimit: true, RetryWait: time.Millisecond, MaxRetries: 2,
			HTTPClient: &http.Client{Transport: tr},
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = harmPost(context.Background(), c, "/mfn/v0/shipments")
		if err == nil {
			t.Fatal("want an error from a dead port")
		}
		if got := dials.Load(); got != 3 {
			t.Errorf("dialled the dead port %d times, want 3 (1 + 2 retries)", got)
		}
	})
}

// 2. With RetryWait 20 s and MaxRetries 40, baseWait<<n overflowed and
// rand.Int64N panicked inside RoundTrip, on the caller's goroutine.
func TestHarmBackoffNoPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &harmRT{fn: func(*http.Request, int) (*http.Response, error) {
			return harmReply(503, nil, `{"errors":[{"code":"ServiceUnavailable","message":"x"}]}`), nil
		}}
		c, infos := harmClient(t, rt, func(cfg *client.Config) {
			cfg.RetryWait = 20 * time.Second
			cfg.MaxRetries = 40
		})
		_, err := c.CreateRestrictedDataToken(context.Background(), harmRDTRequest())
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
			t.Fatalf("err = %v, want the last 503", err)
		}
		if got := rt.count(); got != 41 {
			t.Errorf("attempts = %d, want 41", got)
		}
		for _, ri := range *infos {
			if ri.Wait < 0 || ri.Wait > 30*time.Second {
				t.Errorf("retry %d waits %v, outside [0, MaxWait 30s]", ri.Attempt, ri.Wait)
			}
		}
	})
}

// 3. Retry-After: 10000000000 overflowed to a negative duration (a retry
// 1.5 ms later instead of after MaxWait), and a NaN or out-of-range rate was
// taken as a rate. Every wait is now in [0, MaxWait].
func TestHarmWaitsInRange(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header http.Header
		want   time.Duration // -1: any wait in [0, MaxWait]
	}{
		{"Retry-After 1e10 s", 503, http.Header{"Retry-After": {"10000000000"}}, 30 * time.Second},
		{"Retry-After 1e30 s", 503, http.Header{"Retry-After": {"1000000000000000000000000000000"}}, 30 * time.Second},
		{"Retry-After -5", 503, http.Header{"Retry-After": {"-5"}}, -1},
		{"Retry-After far date", 503, http.Header{"Retry-After": {"Fri, 31 Dec 9999 23:59:59 GMT"}}, 30 * time.Second},
		{"rate NaN on 429", 429, http.Header{"X-Amzn-Ratelimit-Limit": {"NaN"}}, -1},
		{"rate Inf on 429", 429, http.Header{"X-Amzn-Ratelimit-Limit": {"+Inf"}}, -1},
		{"rate 1e-300 on 429", 429, http.Header{"X-Amzn-Ratelimit-Limit": {"1e-300"}}, -1},
		{"rate -1 on 429", 429, http.Header{"X-Amzn-Ratelimit-Limit": {"-1"}}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := &harmRT{fn: func(_ *http.Request, n int) (*http.Response, error) {
					if n == 1 {
						return harmReply(tt.status, tt.header.Clone(), `{"errors":[{"code":"X","message":"x"}]}`), nil
					}
					return harmReply(200, nil, harmRDT), nil
				}}
				c, infos := harmClient(t, rt, func(cfg *client.Config) { cfg.NoRateLimit = false })
				if _, err := c.CreateRestrictedDataToken(context.Background(), harmRDTRequest()); err != nil {
					t.Fatal(err)
				}
				if len(*infos) != 1 {
					t.Fatalf("OnRetry heard %d retries, want 1", len(*infos))
				}
				w := (*infos)[0].Wait
				if w < 0 || w > 30*time.Second || (tt.want >= 0 && w != tt.want) {
					t.Errorf("wait %v, want %v within [0, 30s]", w, tt.want)
				}
				// The limiter took no nonsense rate either: the next call
				// goes at once (the Tokens plan's burst is not spent).
				start := time.Now()
				if _, err := c.CreateRestrictedDataToken(context.Background(), harmRDTRequest()); err != nil {
					t.Fatal(err)
				}
				if d := time.Since(start); d > 2*time.Second {
					t.Errorf("the next call waited %v in the limiter after rate %v", d, tt.header)
				}
			})
		})
	}
}

// 4. The shared RDT and LWA fetch ran under WithTimeout(WithoutCancel(ctx),
// 2m): a caller with no deadline whose RDT was queued behind the limiter for
// longer got "would pass the context deadline", which matched
// context.DeadlineExceeded at once. Now only the callers' own contexts end it.
func TestHarmNoPhantomDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &harmRT{fn: func(*http.Request, int) (*http.Response, error) { return harmReply(200, nil, harmRDT), nil }}
		c, _ := harmClient(t, rt, func(cfg *client.Config) {
			cfg.NoRateLimit = false
			// One token now, the next one in 180 s and the margin.
			cfg.RateLimiter = client.NewRateLimiter(map[string]client.Rate{client.OpCreateRestrictedDataToken: {PerSecond: 1.0 / 180, Burst: 1}})
		})
		first := harmRDTRequest()
		if _, err := c.RestrictedDataToken(context.Background(), first); err != nil {
			t.Fatal(err)
		}
		second := harmRDTRequest()
		second.RestrictedResources[0].Path = "/orders/v0/orders/{orderId}/buyerInfo"
		start := time.Now()
		_, err := c.RestrictedDataToken(context.Background(), second) // no deadline: it waits
		if err != nil {
			t.Fatalf("a caller with no deadline failed after %v: %v", time.Since(start), err)
		}
		if d := time.Since(start); d < 170*time.Second {
			t.Errorf("the second mint came after %v, want the limiter's ~180 s", d)
		}
	})
}

// 5. With a rate header on the reply, every retry waited exactly 1/rate: a
// 503 was retried 4 times at 10 ms. 1/rate is for 429s; 5xx backs off
// exponentially with full jitter.
func TestHarm5xxBackoffGrows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rate := http.Header{"X-Amzn-Ratelimit-Limit": {"100"}}
		rt := &harmRT{fn: func(_ *http.Request, n int) (*http.Response, error) {
			switch {
			case n <= 8:
				return harmReply(503, rate.Clone(), `{"errors":[{"code":"ServiceUnavailable","message":"x"}]}`), nil
			case n == 9:
				return harmReply(429, rate.Clone(), `{"errors":[{"code":"QuotaExceeded","message":"x"}]}`), nil
			}
			return harmReply(200, nil, harmRDT), nil
		}}
		c, infos := harmClient(t, rt, func(cfg *client.Config) {
			cfg.RetryWait = time.Second
			cfg.MaxRetries = 10
		})
		if _, err := c.CreateRestrictedDataToken(context.Background(), harmRDTRequest()); err != nil {
			t.Fatal(err)
		}
		if len(*infos) != 9 {
			t.Fatalf("retries = %d, want 9", len(*infos))
		}
		at10ms := 0
		for i, ri := range (*infos)[:8] {
			ceiling := min(time.Second<<i, 30*time.Second)
			if ri.Wait < 0 || ri.Wait > ceiling {
				t.Errorf("503 retry %d waits %v, want full jitter in [0, %v]", i+1, ri.Wait, ceiling)
			}
			if ri.Wait == 10*time.Millisecond {
				at10ms++
			}
		}
		if at10ms > 1 {
			t.Errorf("%d of 8 503 retries waited exactly 1/rate (10 ms): 5xx must back off exponentially", at10ms)
		}
		if w := (*infos)[8].Wait; w != 10*time.Millisecond {
			t.Errorf("429 retry waits %v, want 1/rate = 10ms", w)
		}
	})
}

// harmHungProbe is an SP-API whose first request hangs until release is
// closed (or its context ends); every other request gets a 200 at once.
func harmHungProbe(release chan struct{}) *harmRT {
	return &harmRT{fn: func(r *http.Request, n int) (*http.Response, error) {
		if n == 1 {
			select {
			case <-release:
			case <-r.Context().Done():
				return nil, r.Context().Err()
			}
		}
		return harmReply(200, nil, `{"payload":{}}`), nil
	}}
}

// 6a. A slow first request to an operation (the probe) held every other
// request to it: 2.9 s measured. After about a second the others go ahead.
func TestHarmProbeGateBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		rt := harmHungProbe(release)
		c, _ := harmClient(t, rt, func(cfg *client.Config) {
			cfg.NoRateLimit = false
			cfg.AttemptTimeout = time.Hour
		})
		url := c.Endpoint() + "/sellers/v1/marketplaceParticipations"
		probeDone := make(chan error, 1)
		go func() {
			resp, err := c.HTTPClient().Get(url)
			if err == nil {
				resp.Body.Close()
			}
			probeDone <- err
		}()
		synctest.Wait() // the probe is in flight, holding the gate
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, 5)
		for range 5 {
			wg.Go(func() {
				resp, err := c.HTTPClient().Get(url)
				if err == nil {
					resp.Body.Close()
				}
				errs <- err
			})
		}
		wg.Wait()
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("the others waited %v behind a hung probe, want about 1 s", d)
		}
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		close(release)
		if err := <-probeDone; err != nil {
			t.Error(err)
		}
	})
}

// 6b. With Config.HTTPClient set to a client whose Timeout is 0 there was
// no per-attempt timeout at all: a hung attempt hung the call (and, as the
// probe, every caller of the operation). There is always one now.
func TestHarmAlwaysAnAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &harmRT{fn: func(r *http.Request, n int) (*http.Response, error) {
			if n == 1 {
				<-r.Context().Done()
				return nil, r.Context().Err()
			}
			return harmReply(200, nil, harmRDT), nil
		}}
		c, infos := harmClient(t, rt, nil) // HTTPClient{Transport: rt}: Timeout 0
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		start := time.Now()
		if _, err := c.CreateRestrictedDataToken(ctx, harmRDTRequest()); err != nil {
			t.Fatalf("err = %v after %v, want a retry after the attempt timeout", err, time.Since(start))
		}
		if len(*infos) != 1 || (*infos)[0].Err == nil {
			t.Fatalf("retries %+v, want one after a timed-out attempt", *infos)
		}
		if d := time.Since(start); d < 29*time.Second || d > 62*time.Second {
			t.Errorf("the hung attempt was given up after %v, want the 30 s default", d)
		}
	})
}

// 6c. A call that ends while waiting behind the probe says so.
func TestHarmGateWaitSaysSo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		rt := harmHungProbe(release)
		c, _ := harmClient(t, rt, func(cfg *client.Config) { cfg.NoRateLimit = false })
		url := c.Endpoint() + "/sellers/v1/marketplaceParticipations"
		go func() {
			if resp, err := c.HTTPClient().Get(url); err == nil {
				resp.Body.Close()
			}
		}()
		synctest.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		_, err := c.HTTPClient().Do(req)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "probe") {
			t.Errorf("err = %v, want DeadlineExceeded naming the wait behind the probe", err)
		}
		close(release)
	})
}

// 7. HTTPClient also fetches report documents from S3 and uploads feeds.
// Requests to another host went through the retry layer, which read the
// whole request body into memory, retried, and cut a slow body off at the
// per-attempt timeout. They now go to the base transport as they are.
func TestHarmOtherHostsUntouched(t *testing.T) {
	const size = 64 << 20
	var uploaded atomic.Int64
	var hits atomic.Int32
	s3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/upload":
			n, _ := io.Copy(io.Discard, r.Body)
			uploaded.Store(n)
		case "/download":
			w.Header().Set("Content-Length", fmt.Sprint(size))
			bw := bufio.NewWriterSize(w, 32<<10)
			buf := make([]byte, 32<<10)
			for sent := 0; sent < size; sent += len(buf) {
				if _, err := bw.Write(buf); err != nil {
					return
				}
			}
			_ = bw.Flush()
		case "/slow":
			w.Header().Set("Content-Length", "4")
			_, _ = io.WriteString(w, "sl")
			http.NewResponseController(w).Flush()
			time.Sleep(600 * time.Millisecond) // longer than the attempt timeout below
			_, _ = io.WriteString(w, "ow")
		case "/503":
			w.WriteHeader(503)
		}
	}))
	t.Cleanup(s3.Close)
	c, srv := setupSPTest(t, func(cfg *client.Config) { cfg.AttemptTimeout = 200 * time.Millisecond })
	hc := c.HTTPClient()

	measure := func(t *testing.T, f func() error) {
		t.Helper()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if err := f(); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
			t.Errorf("allocated %d MiB to move 64 MiB, want under 8 MiB: the body was buffered", grew>>20)
		}
	}
	t.Run("64 MiB download streams", func(t *testing.T) {
		measure(t, func() error {
			resp, err := hc.Get(s3.URL + "/download")
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			n, err := io.Copy(io.Discard, resp.Body)
			if n != size {
				return fmt.Errorf("read %d bytes, want %d (%v)", n, size, err)
			}
			return err
		})
	})
	t.Run("64 MiB upload streams", func(t *testing.T) {
		measure(t, func() error {
			req, _ := http.NewRequest("PUT", s3.URL+"/upload", io.LimitReader(zeros{}, size))
			req.ContentLength = size
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if uploaded.Load() != size {
				return fmt.Errorf("server got %d bytes, want %d", uploaded.Load(), size)
			}
			return nil
		})
	})
	t.Run("a body slower than the attempt timeout arrives whole", func(t *testing.T) {
		resp, err := hc.Get(s3.URL + "/slow")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || string(b) != "slow" {
			t.Errorf("body %q, err %v: want the whole body", b, err)
		}
	})
	t.Run("no retry, no token", func(t *testing.T) {
		hits.Store(0)
		resp, err := hc.Get(s3.URL + "/503")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 503 || hits.Load() != 1 {
			t.Errorf("status %d after %d requests, want the 503 after 1", resp.StatusCode, hits.Load())
		}
	})
	if srv.LWACalls() != 0 {
		t.Errorf("LWA calls = %d for requests to another host, want 0", srv.LWACalls())
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// setupSPTest is a client on a fresh sptest, limiter off.
func setupSPTest(t *testing.T, mod func(*client.Config)) (*client.Client, *sptest.Server) {
	t.Helper()
	srv := sptest.Start(t, sptest.Options{})
	cfg := loadConfig(srv)
	cfg.NoRateLimit = true
	cfg.RetryWait = time.Millisecond
	if mod != nil {
		mod(&cfg)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

// 8. The SP-API never redirects. A redirect from the endpoint to another
// origin was followed (without the token), and a Tokens reply from a host
// the client never authenticated to was accepted. It is now refused.
func TestHarmRedirectToOtherOriginRefused(t *testing.T) {
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"restrictedDataToken":"Atz.sprdt|elsewhere","expiresIn":3600}`)
	}))
	t.Cleanup(other.Close)
	c, srv := setupSPTest(t, nil)
	target := strings.Replace(other.URL, "127.0.0.1", "localhost", 1) + "/tokens/2021-03-01/restrictedDataToken"
	srv.Script(client.OpCreateRestrictedDataToken, sptest.Fault{Status: 307, Header: http.Header{"Location": {target}}})
	rdt, err := c.CreateRestrictedDataToken(context.Background(), harmRDTRequest())
	if err == nil {
		t.Fatalf("got token %v from a redirect to another origin, want an error", rdt)
	}
	if !strings.Contains(err.Error(), "redirect") || !strings.Contains(err.Error(), "localhost") {
		t.Errorf("err = %v, want a refused redirect naming the target", err)
	}
	if hits.Load() != 0 {
		t.Errorf("the other origin received %d requests, want 0", hits.Load())
	}
	if srv.RDTCalls() != 1 {
		t.Errorf("Tokens attempts = %d, want 1 (a refused redirect is not retried)", srv.RDTCalls())
	}
}

// 9a. https://host:443 and https://host are the same origin: the token goes
// to both spellings.
func TestHarmDefaultPortSameOrigin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &harmRT{fn: func(r *http.Request, _ int) (*http.Response, error) {
			if r.Header.Get("x-amz-access-token") == "" {
				return harmReply(403, nil, `{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":""}]}`), nil
			}
			return harmReply(200, nil, `{"payload":{}}`), nil
		}}
		c, _ := harmClient(t, rt, nil)
		resp, err := c.HTTPClient().Get("https://sp.example:443/sellers/v1/marketplaceParticipations")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("https://sp.example:443 got %d: no token was sent to the endpoint's own origin", resp.StatusCode)
		}
	})
}

// harmCountingLimiter counts Wait calls per operation and never waits.
type harmCountingLimiter struct {
	mu    sync.Mutex
	waits map[string]int
}

func (l *harmCountingLimiter) Wait(_ context.Context, op string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waits == nil {
		l.waits = map[string]int{}
	}
	l.waits[op]++
	return nil
}
func (l *harmCountingLimiter) Observe(string, float64, bool) {}

// 9b. The resend after a rejected token bypassed the limiter, so a mass
// expiry doubled traffic outside the bucket.
func TestHarmTokenResendPassesLimiter(t *testing.T) {
	lim := &harmCountingLimiter{}
	c, srv := setupSPTest(t, func(cfg *client.Config) {
		cfg.NoRateLimit = false
		cfg.RateLimiter = lim
	})
	ctx := context.Background()
	if _, err := c.CreateRestrictedDataToken(ctx, harmRDTRequest()); err != nil {
		t.Fatal(err)
	}
	srv.RevokeAccessTokens()
	if _, err := c.CreateRestrictedDataToken(ctx, harmRDTRequest()); err != nil {
		t.Fatal(err)
	}
	if got, sent := lim.waits[client.OpCreateRestrictedDataToken], srv.RDTCalls(); got != sent || sent != 3 {
		t.Errorf("limiter passed %d requests, server received %d (want 3 = 1 + 1 rejected + its resend)", got, sent)
	}
}

// 9c. tokenRejected read only details; a rejection stated in message was
// not refreshed. And "The LWA secret token you provided has expired" (a
// client secret to rotate) was taken for an access token to refresh.
func TestHarmTokenRejectedWording(t *testing.T) {
	tests := []struct {
		name          string
		body          string
		wantLWA       int
		wantOK        bool
		wantInMessage string
	}{
		{"expired in message", `{"errors":[{"code":"Unauthorized","message":"The access token you provided has expired.","details":""}]}`, 2, true, ""},
		{"LWA client secret expired", `{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":"The LWA secret token you provided has expired."}]}`, 1, false, "client secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := setupSPTest(t, nil)
			srv.Script(client.OpCreateRestrictedDataToken, sptest.Fault{Status: 403, Body: []byte(tt.body)})
			_, err := c.CreateRestrictedDataToken(context.Background(), harmRDTRequest())
			if (err == nil) != tt.wantOK {
				t.Fatalf("err = %v, want success %v", err, tt.wantOK)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantInMessage) {
				t.Errorf("err = %v, want it to name the %s", err, tt.wantInMessage)
			}
			if got := srv.LWACalls(); got != tt.wantLWA {
				t.Errorf("LWA calls = %d, want %d", got, tt.wantLWA)
			}
		})
	}
}

// 9d. When the context ended during the LWA fetch's backoff, the error said
// only "context deadline exceeded"; and a DNS "no such host" was retried for
// seconds. The error now names the LWA stage and keeps the last cause, and a
// name that does not exist fails at once.
func TestHarmLWAErrorKeepsCause(t *testing.T) {
	t.Run("no such host fails at once", func(t *testing.T) {
		dns := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "api.amazon.com", IsNotFound: true}}
		}}
		c, err := client.New(client.Config{
			ClientID: "id", ClientSecret: "secret", RefreshToken: "Atzr|refresh",
			HTTPClient: &http.Client{Transport: dns},
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		_, err = c.CreateRestrictedDataToken(ctx, harmRDTRequest())
		if err == nil || !strings.HasPrefix(err.Error(), "lwa: ") || !strings.Contains(err.Error(), "no such host") {
			t.Errorf("err = %v, want lwa: ... no such host", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("a missing host was retried for %v", d)
		}
	})
	t.Run("deadline in backoff keeps the last cause", func(t *testing.T) {
		srv := sptest.Start(t, sptest.Options{})
		srv.Always("lwa", &sptest.Fault{Status: 503})
		cfg := loadConfig(srv)
		cfg.RetryWait = 10 * time.Second
		c, err := client.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err = c.CreateRestrictedDataToken(ctx, harmRDTRequest())
		if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "lwa: ") || !strings.Contains(err.Error(), "503") {
			t.Errorf("err = %v, want lwa: ... DeadlineExceeded ... keeping the HTTP 503", err)
		}
	})
}

// 9e. HTTPClient returned the client's own *http.Client: one caller setting
// Timeout or Jar changed it for every other.
func TestHarmHTTPClientCopies(t *testing.T) {
	c, _ := setupSPTest(t, nil)
	a := c.HTTPClient()
	a.Timeout = time.Nanosecond
	a.CheckRedirect = func(*http.Request, []*http.Request) error { return errors.New("mine") }
	if b := c.HTTPClient(); b == a || b.Timeout != 0 || b.CheckRedirect != nil {
		t.Errorf("a caller's change to HTTPClient() reached the next caller")
	}
}
