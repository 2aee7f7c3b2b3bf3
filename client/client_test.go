package client_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

func TestCreateRestrictedDataToken(t *testing.T) {
	c, srv := setup(t, sptest.Options{})
	before := time.Now()
	rdt, err := c.CreateRestrictedDataToken(context.Background(), addressRequest())
	if err != nil {
		t.Fatalf("CreateRestrictedDataToken: %v", err)
	}
	if !strings.HasPrefix(rdt.Token, "Atz.sprdt|") {
		t.Errorf("Token = %q, want an Atz.sprdt| token", rdt.Token)
	}
	if rdt.ExpiresIn != 3600 {
		t.Errorf("ExpiresIn = %d, want 3600", rdt.ExpiresIn)
	}
	if d := rdt.ExpiresAt.Sub(before); d < time.Hour || d > time.Hour+time.Minute {
		t.Errorf("ExpiresAt is %v after the call, want about an hour", d)
	}
	if rdt.RequestID == "" {
		t.Error("RequestID is empty")
	}
	issued := srv.IssuedRDTs()
	if len(issued) != 1 || issued[0].Token != rdt.Token {
		t.Fatalf("server issued %v, client got %q", issued, rdt.Token)
	}
	if got := srv.LWACalls(); got != 1 {
		t.Errorf("LWA calls = %d, want 1", got)
	}
}

// The model's sandbox example is answered exactly as the model says.
func TestSandboxExample(t *testing.T) {
	c, _ := setup(t, sptest.Options{})
	ta := "amzn1.sellerapps.app.target-application"
	req := addressRequest()
	req.TargetApplication = &ta
	rdt, err := c.CreateRestrictedDataToken(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Atz.sprdt|IQEBLjAsAhRmHjNgHpi0U-Dme37rR6CuUpSR"; rdt.Token != want {
		t.Errorf("Token = %q, want the model's %q", rdt.Token, want)
	}
}

func TestLWASingleFlight(t *testing.T) {
	c, srv := setup(t, sptest.Options{NoRateLimit: true})
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := c.CreateRestrictedDataToken(context.Background(), addressRequest())
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.LWACalls(); got != 1 {
		t.Errorf("LWA calls = %d for %d concurrent calls, want 1", got, n)
	}
	if got := srv.RDTCalls(); got != n {
		t.Errorf("RDT calls = %d, want %d", got, n)
	}
}

func TestRetriesThen200(t *testing.T) {
	var mu sync.Mutex
	var seen []client.RetryInfo
	c, srv := setup(t, sptest.Options{}, func(cfg *client.Config) {
		cfg.OnRetry = func(ri client.RetryInfo) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, ri)
		}
	})
	srv.Script(client.OpCreateRestrictedDataToken,
		sptest.Fault{Status: 429}, sptest.Fault{Status: 429}, sptest.Fault{Status: 503})
	if _, err := c.CreateRestrictedDataToken(context.Background(), addressRequest()); err != nil {
		t.Fatalf("want success after retries, got %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	wantStatus := []int{429, 429, 503}
	if len(seen) != len(wantStatus) {
		t.Fatalf("OnRetry called %d times (%+v), want 3", len(seen), seen)
	}
	for i, ri := range seen {
		if ri.StatusCode != wantStatus[i] || ri.Attempt != i+2 {
			t.Errorf("retry %d: status %d attempt %d, want status %d attempt %d", i, ri.StatusCode, ri.Attempt, wantStatus[i], i+2)
		}
		if ri.Wait < 0 || ri.Wait > time.Duration(1<<i)*time.Millisecond {
			t.Errorf("retry %d: wait %v outside the jittered backoff [0, %v]", i, ri.Wait, time.Duration(1<<i)*time.Millisecond)
		}
		if ri.RequestID == "" || ri.Operation != client.OpCreateRestrictedDataToken {
			t.Errorf("retry %d: RetryInfo %+v lacks the request id or operation", i, ri)
		}
	}
	if got := srv.CallsByStatus(client.OpCreateRestrictedDataToken, 200); got != 1 {
		t.Errorf("200s = %d, want 1", got)
	}
	if got := srv.RDTCalls(); got != 4 {
		t.Errorf("attempts = %d, want 4", got)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	waits := make(chan time.Duration, 1)
	c, srv := setup(t, sptest.Options{}, func(cfg *client.Config) {
		cfg.OnRetry = func(ri client.RetryInfo) { waits <- ri.Wait }
	})
	srv.Script(client.OpCreateRestrictedDataToken,
		sptest.Fault{Status: 503, Header: http.Header{"Retry-After": {"0"}}},
	)
	if _, err := c.CreateRestrictedDataToken(context.Background(), addressRequest()); err != nil {
		t.Fatal(err)
	}
	if w := <-waits; w != 0 {
		t.Errorf("wait = %v, want the server's Retry-After 0s", w)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waiting := make(chan struct{})
	c, srv := setup(t, sptest.Options{}, func(cfg *client.Config) {
		cfg.OnRetry = func(client.RetryInfo) { close(waiting) }
	})
	srv.Script(client.OpCreateRestrictedDataToken,
		sptest.Fault{Status: 503, Header: http.Header{"Retry-After": {"30"}}})
	done := make(chan error, 1)
	go func() {
		_, err := c.CreateRestrictedDataToken(ctx, addressRequest())
		done <- err
	}()
	<-waiting
	cancel()
	start := time.Now()
	err := <-done
	// Promptly, not after the 30 s Retry-After; 2 s leaves room for a
	// busy machine, where 100 ms did not.
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned %v after cancel, want within 2s", d)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want one matching context.Canceled", err)
	}
	if got := srv.RDTCalls(); got != 1 {
		t.Errorf("attempts = %d, want 1", got)
	}
}

func TestNoRetryOn4xx(t *testing.T) {
	retried := false
	c, srv := setup(t, sptest.Options{}, func(cfg *client.Config) {
		cfg.OnRetry = func(client.RetryInfo) { retried = true }
	})
	srv.Script(client.OpCreateRestrictedDataToken, sptest.Fault{Status: 404})
	_, err := c.CreateRestrictedDataToken(context.Background(), addressRequest())
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Fatalf("err = %v, want *APIError 404", err)
	}
	if retried || srv.RDTCalls() != 1 {
		t.Errorf("a 404 was retried (%d attempts)", srv.RDTCalls())
	}
}

func TestRetriesExhausted(t *testing.T) {
	c, srv := setup(t, sptest.Options{}, func(cfg *client.Config) { cfg.MaxRetries = 2 })
	srv.Always(client.OpCreateRestrictedDataToken, &sptest.Fault{Status: 429})
	_, err := c.CreateRestrictedDataToken(context.Background(), addressRequest())
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || !apiErr.Throttled() || apiErr.Code() != "QuotaExceeded" {
		t.Fatalf("err = %v, want the last 429 as *APIError QuotaExceeded", err)
	}
	if got := srv.RDTCalls(); got != 3 {
		t.Errorf("attempts = %d, want 1 + 2 retries", got)
	}
}

func TestAPIError(t *testing.T) {
	c, srv := setup(t, sptest.Options{})
	srv.Script(client.OpCreateRestrictedDataToken, sptest.Fault{
		Status: 400,
		Header: http.Header{"X-Amzn-Ratelimit-Limit": {"1.0"}},
		Body:   []byte(`{"errors":[{"code":"InvalidInput","message":"Bad path","details":"path /x"}]}`),
	})
	_, err := c.CreateRestrictedDataToken(context.Background(), addressRequest())
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want *APIError", err, err)
	}
	if apiErr.StatusCode != 400 || apiErr.Code() != "InvalidInput" || apiErr.RateLimit != "1.0" || apiErr.RequestID == "" {
		t.Errorf("APIError = %+v", apiErr)
	}
	for _, want := range []string{"400", "InvalidInput", "Bad path", "path /x", apiErr.RequestID} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestAPIErrorUndecodableBody(t *testing.T) {
	c, srv := setup(t, sptest.Options{}, func(cfg *client.Config) { cfg.MaxRetries = -1 })
	srv.Script(client.OpCreateRestrictedDataToken, sptest.Fault{
		Status: 502, Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte("<html>Bad Gateway</html>"),
	})
	_, err := c.CreateRestrictedDataToken(context.Background(), addressRequest())
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 502 || len(apiErr.Errors) != 0 {
		t.Fatalf("err = %v, want *APIError 502 with no decoded errors", err)
	}
	if string(apiErr.Body) != "<html>Bad Gateway</html>" || !strings.Contains(err.Error(), "text/html") {
		t.Errorf("APIError %q keeps body %q", err, apiErr.Body)
	}
}

// A context that ends during the backoff keeps what the last reply said.
func TestDeadlineDuringBackoffKeepsLastReply(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, srv := setup(t, sptest.Options{}, func(cfg *client.Config) {
		cfg.OnRetry = func(client.RetryInfo) { cancel() }
	})
	srv.Always(client.OpCreateRestrictedDataToken, &sptest.Fault{Status: 500})
	_, err := c.CreateRestrictedDataToken(ctx, addressRequest())
	var apiErr *client.APIError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want context.Canceled and the last *APIError", err)
	}
	if apiErr.StatusCode != 500 || apiErr.Code() != "InternalFailure" || apiErr.RequestID == "" {
		t.Errorf("last reply = %+v", apiErr)
	}
}

// A limiter wait that cannot end before the deadline fails at once and is
// not retried: retrying could only wait for the same bucket again.
func TestLimiterDeadlineNotRetried(t *testing.T) {
	retried := false
	c, srv := setup(t, sptest.Options{NoRateLimit: true}, func(cfg *client.Config) {
		cfg.NoRateLimit = false
		cfg.RateLimiter = client.NewRateLimiter(map[string]client.Rate{client.OpCreateRestrictedDataToken: {PerSecond: 0.1, Burst: 1}})
		cfg.OnRetry = func(client.RetryInfo) { retried = true }
	})
	ctx := context.Background()
	if _, err := c.CreateRestrictedDataToken(ctx, addressRequest()); err != nil { // the one token
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second) // the next token is 10 s away
	defer cancel()
	_, err := c.CreateRestrictedDataToken(ctx, addressRequest())
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "rate limit") {
		t.Fatalf("err = %v, want a rate-limit wait that matches DeadlineExceeded", err)
	}
	if retried || ctx.Err() != nil {
		t.Errorf("the refused wait was retried (%v) or took until the deadline (%v)", retried, ctx.Err())
	}
	if srv.RDTCalls() != 1 {
		t.Errorf("RDT calls = %d, want 1", srv.RDTCalls())
	}
}

// RetryInfo.Reason is one of the exported constants, with the values they
// always had: a 429 and a 503 are ReasonStatus, a reset ReasonNetwork, a
// rejected access token ReasonTokenRejected.
func TestRetryReasons(t *testing.T) {
	if client.ReasonStatus != "status" || client.ReasonNetwork != "network" || client.ReasonTokenRejected != "token_rejected" {
		t.Fatalf("reason values changed: %q %q %q", client.ReasonStatus, client.ReasonNetwork, client.ReasonTokenRejected)
	}
	var mu sync.Mutex
	var seen []string
	c, srv := setup(t, sptest.Options{}, func(cfg *client.Config) {
		cfg.OnRetry = func(ri client.RetryInfo) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, ri.Reason)
		}
	})
	ctx := client.WithRetrySafe(context.Background())
	if _, err := c.CreateRestrictedDataToken(ctx, addressRequest()); err != nil {
		t.Fatal(err)
	}
	srv.Script(client.OpCreateRestrictedDataToken,
		sptest.Fault{Status: 429}, sptest.Fault{Status: 503}, sptest.Fault{Reset: true})
	if _, err := c.CreateRestrictedDataToken(ctx, addressRequest()); err != nil {
		t.Fatalf("want success after retries, got %v", err)
	}
	srv.RevokeAccessTokens()
	if _, err := c.CreateRestrictedDataToken(ctx, addressRequest()); err != nil {
		t.Fatalf("want success after a fresh token, got %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{client.ReasonStatus, client.ReasonStatus, client.ReasonNetwork, client.ReasonTokenRejected}
	if !slices.Equal(seen, want) {
		t.Errorf("reasons %q, want %q", seen, want)
	}
}
