package consent_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spapi-go/spapi/consent"
	"github.com/spapi-go/spapi/marketplace"
)

// flip changes one byte of a state's decoded bytes at i (from the end when
// negative), keeping it well formed base64url.
func flip(t *testing.T, state string, i int) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(state)
	if err != nil {
		t.Fatal(err)
	}
	if i < 0 {
		i += len(b)
	}
	b[i] ^= 0x01
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestForgedStatesRefused: a state not made by this application for this
// session is refused with ErrStateMismatch, before any code is exchanged.
func TestForgedStatesRefused(t *testing.T) {
	ap := newApp(t, nil, nil)
	// Another application (another key) on the same sptest server.
	other := newApp(t, ap.srv, func(c *consent.Config) { c.StateKey = bytes.Repeat([]byte("x"), 32) })
	// Same key, another application id.
	otherApp := newApp(t, ap.srv, func(c *consent.Config) { c.ApplicationID = "amzn1.sp.solution.other" })

	good, err := ap.a.SellerURL(ctx, "victim", marketplace.DE)
	if err != nil {
		t.Fatal(err)
	}
	callback := consentRedirect(t, good)
	state := query(t, callback, "state")
	foreign, _ := other.a.SellerURL(ctx, "victim", marketplace.DE)
	otherAppState, _ := otherApp.a.SellerURL(ctx, "victim", marketplace.DE)

	tests := []struct {
		name, state, session string
	}{
		{"made up", "c3RhdGU", "victim"},
		{"not base64", "!!!!", "victim"},
		{"too long", strings.Repeat("A", 4096), "victim"},
		{"empty-ish", "AA", "victim"},
		{"another session", state, "attacker"},
		{"altered nonce", flip(t, state, 1), "victim"},
		{"altered expiry", flip(t, state, 1+16+7), "victim"},
		{"altered marketplace", flip(t, state, 1+16+8+2), "victim"},
		{"altered MAC", flip(t, state, -1), "victim"},
		{"truncated", state[:len(state)-4], "victim"},
		{"another key", query(t, foreign, "state"), "victim"},
		{"another application id", query(t, otherAppState, "state"), "victim"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ap.srv.LWACalls()
			status, _ := visit(t, ap.browser(t, tt.session), withQuery(t, callback, "state", tt.state))
			err := ap.lastErr()
			if status != http.StatusBadRequest || !errors.Is(err, consent.ErrStateMismatch) {
				t.Fatalf("HTTP %d, error %v; want 400 and ErrStateMismatch", status, err)
			}
			if ap.srv.LWACalls() != before {
				t.Error("the code was sent to LWA for a refused state")
			}
		})
	}
	// The genuine state still works in its own session: the refusals
	// consumed nothing.
	if status, body := visit(t, ap.browser(t, "victim"), callback); status != http.StatusOK {
		t.Fatalf("genuine callback after the forgeries: HTTP %d %q", status, body)
	}
}

// TestReplayedStateRefused: a state works once; its second callback is
// refused with ErrStateReplayed, even with another (valid) code.
func TestReplayedStateRefused(t *testing.T) {
	ap := newApp(t, nil, nil)
	u, _ := ap.a.SellerURL(ctx, "s", marketplace.UK)
	callback := consentRedirect(t, u)
	b := ap.browser(t, "s")
	if status, body := visit(t, b, callback); status != http.StatusOK {
		t.Fatalf("first callback: HTTP %d %q", status, body)
	}
	// A fresh code from another consent, replayed with the used state.
	u2, _ := ap.a.SellerURL(ctx, "s", marketplace.UK)
	freshCode := query(t, consentRedirect(t, u2), "spapi_oauth_code")
	for name, cb := range map[string]string{
		"same callback":   callback,
		"with a new code": withQuery(t, callback, "spapi_oauth_code", freshCode),
	} {
		t.Run(name, func(t *testing.T) {
			status, _ := visit(t, b, cb)
			if err := ap.lastErr(); status != http.StatusBadRequest || !errors.Is(err, consent.ErrStateReplayed) {
				t.Fatalf("HTTP %d, error %v; want 400 and ErrStateReplayed", status, err)
			}
		})
	}
	if n := len(ap.authorizations()); n != 1 {
		t.Fatalf("%d authorizations, want 1", n)
	}
}

// TestExpiredStateRefused: a state older than StateTTL is refused with
// ErrStateExpired; one a second younger works.
func TestExpiredStateRefused(t *testing.T) {
	clock := newClock()
	ap := newApp(t, nil, func(c *consent.Config) { c.Now = clock.Now; c.StateTTL = 10 * time.Minute })
	b := ap.browser(t, "s")
	young, _ := ap.a.SellerURL(ctx, "s", marketplace.FR)
	clock.Add(time.Minute)
	old, _ := ap.a.SellerURL(ctx, "s", marketplace.FR)
	youngCB, oldCB := consentRedirect(t, young), consentRedirect(t, old)

	clock.Add(10*time.Minute - time.Second) // young: 10m59s, old: 9m59s
	status, _ := visit(t, b, youngCB)
	if err := ap.lastErr(); status != http.StatusBadRequest || !errors.Is(err, consent.ErrStateExpired) {
		t.Fatalf("state after its TTL: HTTP %d, %v; want 400 and ErrStateExpired", status, err)
	}
	if status, body := visit(t, b, oldCB); status != http.StatusOK {
		t.Fatalf("state a second before its TTL: HTTP %d %q", status, body)
	}
}

// TestCallbackParametersChecked: a callback without one of its parameters,
// or without a session, is refused naming what is missing.
func TestCallbackParametersChecked(t *testing.T) {
	ap := newApp(t, nil, nil)
	u, _ := ap.a.SellerURL(ctx, "s", marketplace.US)
	callback := consentRedirect(t, u)
	tests := []struct {
		name, url, session string
		want               error
		mention            string
	}{
		{"no state", withQuery(t, callback, "state", ""), "s", consent.ErrMissingParameter, "state"},
		{"no code", withQuery(t, callback, "spapi_oauth_code", ""), "s", consent.ErrMissingParameter, "spapi_oauth_code"},
		{"no selling partner", withQuery(t, callback, "selling_partner_id", ""), "s", consent.ErrMissingParameter, "selling_partner_id"},
		{"no session", callback, "", consent.ErrNoSession, "sid"},
		{"selling partner id with a newline", withQuery(t, callback, "selling_partner_id", "A1\nlevel=ERROR"), "s", consent.ErrInvalidParameter, "selling_partner_id"},
		{"code too long", withQuery(t, callback, "spapi_oauth_code", strings.Repeat("A", 3000)), "s", consent.ErrInvalidParameter, "spapi_oauth_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ap.browser(t, tt.session)
			if tt.session == "" {
				b = &http.Client{}
			}
			status, body := visit(t, b, tt.url)
			err := ap.lastErr()
			if status != http.StatusBadRequest || !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("HTTP %d, error %v; want 400, %v naming %s", status, err, tt.want, tt.mention)
			}
			if !strings.Contains(body, tt.mention) {
				t.Errorf("page %q does not say what is wrong", body)
			}
		})
	}
	// None of them used the state up.
	if status, body := visit(t, ap.browser(t, "s"), callback); status != http.StatusOK {
		t.Fatalf("complete callback afterwards: HTTP %d %q", status, body)
	}
}

func TestCallbackTakesGETOnly(t *testing.T) {
	ap := newApp(t, nil, nil)
	resp, err := http.Post(ap.web.URL+"/callback", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: HTTP %d, want 405", resp.StatusCode)
	}
}

// TestConcurrentCallbacksOneWins: one callback URL loaded many times at
// once (a double click, a replay racing the user) is completed exactly
// once; the others are refused as replays, and LWA sees one exchange.
func TestConcurrentCallbacksOneWins(t *testing.T) {
	ap := newApp(t, nil, nil)
	u, _ := ap.a.SellerURL(ctx, "s", marketplace.US)
	callback := consentRedirect(t, u)
	b := ap.browser(t, "s")
	const n = 8
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := b.Get(callback)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[http.StatusOK] != 1 || count[http.StatusBadRequest] != n-1 {
		t.Fatalf("statuses %v; want one 200 and %d 400s", count, n-1)
	}
	ap.mu.Lock()
	defer ap.mu.Unlock()
	for _, err := range ap.errs {
		if !errors.Is(err, consent.ErrStateReplayed) {
			t.Errorf("error %v; want ErrStateReplayed", err)
		}
	}
	if got := ap.srv.LWACalls(); got != 1 {
		t.Errorf("LWA calls = %d, want 1", got)
	}
}
