package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// recorder is a second server that records the headers it receives.
type recorder struct {
	*httptest.Server
	mu      sync.Mutex
	headers []http.Header
}

func newRecorder(t *testing.T, h http.HandlerFunc) *recorder {
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.headers = append(r.headers, req.Header.Clone())
		r.mu.Unlock()
		h(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) seen() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.headers...)
}

// localhostURL names the same loopback server by another host name, so it
// is another origin than 127.0.0.1.
func localhostURL(u string) string { return strings.Replace(u, "127.0.0.1", "localhost", 1) }

// A redirect within the SP-API origin is followed, with the token on each
// hop and the body replayed. (One to another origin is refused:
// test/harm_test.go, TestHarmRedirectToOtherOriginRefused.)
func TestRedirectSameOriginFollowed(t *testing.T) {
	c, srv := setup(t, sptest.Options{})
	srv.Script(client.OpCreateRestrictedDataToken, sptest.Fault{Status: 307,
		Header: http.Header{"Location": {srv.URL() + "/tokens/2021-03-01/restrictedDataToken"}}})
	if _, err := c.CreateRestrictedDataToken(context.Background(), addressRequest()); err != nil {
		t.Fatalf("following a same-origin 307: %v", err)
	}
	reqs := srv.Requests()
	var hops int
	for _, r := range reqs {
		if r.Op != client.OpCreateRestrictedDataToken {
			continue
		}
		hops++
		if r.Header.Get("x-amz-access-token") == "" || !strings.Contains(string(r.Body), "restrictedResources") {
			t.Errorf("hop %d: token %q, body %q", hops, r.Header.Get("x-amz-access-token"), r.Body)
		}
	}
	if hops != 2 {
		t.Errorf("Tokens requests = %d, want 2 (the 307 and the hop after it)", hops)
	}
}

func TestRedirectToPlainHTTPRefused(t *testing.T) {
	c, srv := setup(t, sptest.Options{})
	srv.Script(client.OpCreateRestrictedDataToken, sptest.Fault{Status: 301, Header: http.Header{"Location": {"http://example.invalid/tokens"}}})
	_, err := c.CreateRestrictedDataToken(context.Background(), addressRequest())
	if err == nil || !strings.Contains(err.Error(), "redirect") || !strings.Contains(err.Error(), "http://example.invalid") {
		t.Fatalf("err = %v, want a refused redirect", err)
	}
	if got := srv.RDTCalls(); got != 1 {
		t.Errorf("attempts = %d, want 1 (a refused redirect is not retried)", got)
	}
}

func TestExpiredAccessTokenRefreshedOnce(t *testing.T) {
	c, srv := setup(t, sptest.Options{})
	ctx := context.Background()
	if _, err := c.CreateRestrictedDataToken(ctx, addressRequest()); err != nil {
		t.Fatal(err)
	}
	srv.RevokeAccessTokens()
	if _, err := c.CreateRestrictedDataToken(ctx, addressRequest()); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if got := srv.LWACalls(); got != 2 {
		t.Errorf("LWA calls = %d, want 2 (one refresh)", got)
	}
	if got := srv.CallsByStatus(client.OpCreateRestrictedDataToken, 403); got != 1 {
		t.Errorf("403s = %d, want 1", got)
	}
}

// A 403 that is about permissions, not the token, is not retried: a new
// token would not fix it.
func TestForbiddenNotAboutTokenNotRetried(t *testing.T) {
	c, srv := setup(t, sptest.Options{})
	srv.Script(client.OpCreateRestrictedDataToken, sptest.Fault{Status: 403,
		Body: []byte(`{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":"The application is not authorized for this role."}]}`)})
	_, err := c.CreateRestrictedDataToken(context.Background(), addressRequest())
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || apiErr.Code() != "Unauthorized" {
		t.Fatalf("err = %v, want *APIError 403 Unauthorized", err)
	}
	if srv.LWACalls() != 1 || srv.RDTCalls() != 1 {
		t.Errorf("LWA calls %d, RDT calls %d, want 1 and 1", srv.LWACalls(), srv.RDTCalls())
	}
}

// A token that keeps being rejected is retried once, not forever.
func TestRejectedTokenRetriedOnlyOnce(t *testing.T) {
	c, srv := setup(t, sptest.Options{})
	srv.Always(client.OpCreateRestrictedDataToken, &sptest.Fault{Status: 403,
		Body: []byte(`{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":"The access token you provided has expired."}]}`)})
	_, err := c.CreateRestrictedDataToken(context.Background(), addressRequest())
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 {
		t.Fatalf("err = %v, want *APIError 403", err)
	}
	if srv.RDTCalls() != 2 || srv.LWACalls() != 2 {
		t.Errorf("RDT calls %d, LWA calls %d, want 2 and 2", srv.RDTCalls(), srv.LWACalls())
	}
}

func TestLWAErrors(t *testing.T) {
	tests := []struct {
		name     string
		mod      func(*client.Config)
		wantCode string
		secret   string
	}{
		{"invalid_grant", func(c *client.Config) { c.RefreshToken = "Atzr|wrong-refresh-token-123" }, "invalid_grant", "wrong-refresh-token-123"},
		{"invalid_client", func(c *client.Config) { c.ClientSecret = "wrong-secret-456" }, "invalid_client", "wrong-secret-456"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := setup(t, sptest.Options{}, tt.mod)
			_, err := c.CreateRestrictedDataToken(context.Background(), addressRequest())
			var lwa *client.LWAError
			if !errors.As(err, &lwa) || lwa.Code != tt.wantCode || lwa.StatusCode < 400 {
				t.Fatalf("err = %v (%T), want *LWAError %s", err, err, tt.wantCode)
			}
			if !strings.HasPrefix(err.Error(), "lwa: "+tt.wantCode) {
				t.Errorf("error %q should start with the cause", err)
			}
			for _, s := range []string{tt.secret, sptest.ClientSecret, sptest.RefreshToken} {
				if strings.Contains(err.Error(), s) || strings.Contains(fmtAll(err), s) {
					t.Errorf("error shows a secret: %q", err)
				}
			}
			if srv.RDTCalls() != 0 || srv.LWACalls() != 1 {
				t.Errorf("RDT calls %d, LWA calls %d, want 0 and 1 (a refusal is not retried)", srv.RDTCalls(), srv.LWACalls())
			}
		})
	}
}

func TestLWAUnreachable(t *testing.T) {
	c, _ := setup(t, sptest.Options{}, func(c *client.Config) {
		c.LWAEndpoint = "http://127.0.0.1:1/auth/o2/token"
		c.MaxRetries = -1
	})
	_, err := c.CreateRestrictedDataToken(context.Background(), addressRequest())
	if err == nil || !strings.HasPrefix(err.Error(), "lwa: ") || strings.Contains(err.Error(), `Post "`) {
		t.Fatalf("err = %v, want an error starting with lwa: and its cause", err)
	}
}

// A caller waiting on the LWA fetch gives up on its own context, and the
// fetch itself is cancelled once no caller waits for it.
func TestWaitingCallerGivesUpOnLWA(t *testing.T) {
	arrived, abandoned := make(chan struct{}), make(chan struct{})
	lwa := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // else the server never notices the client leave
		close(arrived)
		<-r.Context().Done()
		close(abandoned)
	})
	c, srv := setup(t, sptest.Options{}, func(c *client.Config) { c.LWAEndpoint = lwa.URL })
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	_, err := c.CreateRestrictedDataToken(ctx, addressRequest())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	select {
	case <-abandoned:
	case <-time.After(5 * time.Second):
		t.Fatal("the LWA request was not cancelled after its only caller gave up")
	}
	if srv.RDTCalls() != 0 {
		t.Errorf("RDT call made without a token")
	}
}
