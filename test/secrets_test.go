package test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
)

// secretRandom is a fresh random hex string.
func secretRandom(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// secretFake is a small LWA + SP-API fake that accepts random credentials
// (sptest only knows its fixed ones) and remembers every token it issues.
type secretFake struct {
	t                                  *testing.T
	clientID, clientSecret, refreshTok string

	mu       sync.Mutex
	access   map[string]string // access token -> "" (valid), "expired" or "revoked"
	rdts     map[string]bool   // RDT -> revoked
	issued   []string          // every access token and RDT issued
	script   []int             // statuses for the next createRestrictedDataToken calls
	always   int               // status for every createRestrictedDataToken call; 0 for none
	requests int
}

func secretNewFake(t *testing.T) *secretFake {
	return &secretFake{
		t:            t,
		clientID:     "amzn1.application-oa2-client." + secretRandom(t, 16),
		clientSecret: "amzn1.oa2-cs.v1." + secretRandom(t, 32),
		refreshTok:   "Atzr|" + secretRandom(t, 48),
		access:       map[string]string{},
		rdts:         map[string]bool{},
	}
}

func (f *secretFake) issue(prefix string) string {
	tok := prefix + secretRandom(f.t, 32)
	f.issued = append(f.issued, tok)
	return tok
}

func (f *secretFake) issuedTokens() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.issued...)
}

// expireAccessTokens makes every access token issued so far expired.
func (f *secretFake) expireAccessTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.access {
		f.access[k] = "expired"
	}
}

func (f *secretFake) revokeRDTs() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.rdts {
		f.rdts[k] = true
	}
}

func (f *secretFake) scriptRDT(statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script = append(f.script, statuses...)
}

func (f *secretFake) alwaysRDT(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.always = status
}

func secretJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func secretAPIError(w http.ResponseWriter, status int, code, msg, details string) {
	secretJSON(w, status, map[string]any{"errors": []map[string]string{{"code": code, "message": msg, "details": details}}})
}

// lwa answers the token endpoint.
func (f *secretFake) lwa(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		secretJSON(w, 400, map[string]string{"error": "invalid_request", "error_description": "bad request"})
		return
	}
	if r.PostForm.Get("client_id") != f.clientID || r.PostForm.Get("client_secret") != f.clientSecret {
		secretJSON(w, 401, map[string]string{"error": "invalid_client", "error_description": "Client authentication failed"})
		return
	}
	if r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("refresh_token") != f.refreshTok {
		secretJSON(w, 400, map[string]string{"error": "invalid_grant",
			"error_description": "The request has an invalid grant parameter : refresh_token"})
		return
	}
	f.mu.Lock()
	tok := f.issue("Atza|")
	f.access[tok] = ""
	f.mu.Unlock()
	secretJSON(w, 200, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": 3600})
}

// spapi answers createRestrictedDataToken and getOrderAddress.
func (f *secretFake) spapi(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	w.Header().Set("x-amzn-RequestId", fmt.Sprintf("secret-req-%d", f.requests))
	tok := r.Header.Get("x-amz-access-token")
	accessState, isAccess := f.access[tok]
	rdtRevoked, isRDT := f.rdts[tok]
	f.mu.Unlock()
	_, _ = io.Copy(io.Discard, r.Body)

	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/tokens/2021-03-01/restrictedDataToken":
		switch {
		case !isAccess || accessState == "revoked":
			secretAPIError(w, 403, "Unauthorized", "Access to requested resource is denied.",
				"The access token you provided is revoked, malformed or invalid.")
			return
		case accessState == "expired":
			secretAPIError(w, 403, "Unauthorized", "Access to requested resource is denied.",
				"The access token you provided has expired.")
			return
		}
		f.mu.Lock()
		status := f.always
		if len(f.script) > 0 {
			status, f.script = f.script[0], f.script[1:]
		}
		if status == 0 {
			rdt := f.issue("Atz.sprdt|")
			f.rdts[rdt] = false
			f.mu.Unlock()
			secretJSON(w, 200, map[string]any{"restrictedDataToken": rdt, "expiresIn": 3600})
			return
		}
		f.mu.Unlock()
		switch status {
		case 429:
			secretAPIError(w, 429, "QuotaExceeded", "You exceeded your quota for the requested resource.", "")
		case 403:
			secretAPIError(w, 403, "Unauthorized", "Access to requested resource is denied.", "")
		default:
			secretAPIError(w, status, "InternalFailure", "We encountered an internal error. Please try again.", "")
		}
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/orders/v0/orders/") && strings.HasSuffix(r.URL.Path, "/address"):
		if !isRDT || rdtRevoked {
			secretAPIError(w, 403, "Unauthorized", "Access to requested resource is denied.",
				"The access token you provided is revoked, malformed or invalid.")
			return
		}
		secretJSON(w, 200, map[string]any{"payload": map[string]any{"AmazonOrderId": "902-1845936-5435065"}})
	default:
		secretAPIError(w, 404, "NotFound", "Resource not found.", "")
	}
}

// secretCollector gathers every string the test renders.
type secretCollector struct {
	mu    sync.Mutex
	texts []string
	// values to render at the end
	errs    []error
	rdts    []*client.RestrictedDataToken
	retries []client.RetryInfo
}

func (s *secretCollector) add(label, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.texts = append(s.texts, label+": "+text)
}

func (s *secretCollector) retry(ri client.RetryInfo) {
	s.add("OnRetry %+v", fmt.Sprintf("%+v", ri))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retries = append(s.retries, ri)
}

// TestSecretsNeverLeak runs whole flows (success, 429 then success, an
// expired access token, a 500 forever, a plain 403, LWA invalid_grant and
// invalid_client, restricted calls through HTTPClient with a revoked RDT and
// a failing mint) with random credentials and a debug
// logger, then checks that no log line, error text, formatted value or slog
// rendering carries the client secret, a refresh token, an access token or
// an RDT.
func TestSecretsNeverLeak(t *testing.T) {
	fake := secretNewFake(t)
	lwaSrv := httptest.NewServer(http.HandlerFunc(fake.lwa))
	t.Cleanup(lwaSrv.Close)
	apiSrv := httptest.NewServer(http.HandlerFunc(fake.spapi))
	t.Cleanup(apiSrv.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)

	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(&secretSyncWriter{mu: &logMu, w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	col := &secretCollector{}
	otel := newOTelCapture(t) // every metric attribute, span, event and link is checked too
	wrongRefresh := "Atzr|" + secretRandom(t, 48)
	wrongSecret := "amzn1.oa2-cs.v1." + secretRandom(t, 32)

	newConfig := func() client.Config {
		return client.Config{
			ClientID:     fake.clientID,
			ClientSecret: fake.clientSecret,
			RefreshToken: fake.refreshTok,
			Endpoint:     apiSrv.URL,
			LWAEndpoint:  lwaSrv.URL + "/auth/o2/token",
			HTTPClient:   &http.Client{Transport: tr, Timeout: 10 * time.Second},
			NoRateLimit:  true,
			RetryWait:    time.Millisecond,
			MaxWait:      10 * time.Millisecond,
			DataElements: []string{"shippingAddress"},
			OnRetry:      col.retry,
			Logger:       logger,
			// Trace context goes out only with a propagator, and none is set.
			MeterProvider:  otel.mp,
			TracerProvider: otel.tp,
		}
	}
	cfg := newConfig()
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := faultRequest()

	call := func(name string, c *client.Client, wantErr bool) {
		t.Helper()
		rdt, err := c.CreateRestrictedDataToken(ctx, req)
		switch {
		case wantErr && err == nil:
			t.Fatalf("%s: want an error, got %v", name, rdt)
		case !wantErr && err != nil:
			t.Fatalf("%s: %v", name, err)
		}
		if err != nil {
			col.errs = append(col.errs, err)
		} else {
			col.rdts = append(col.rdts, rdt)
		}
	}

	// 1. Success.
	call("success", c, false)
	// 2. 429, then success.
	fake.scriptRDT(429)
	call("429 then success", c, false)
	// 3. The access token expired: 403, refresh, success.
	fake.expireAccessTokens()
	call("expired access token", c, false)
	// 4. 500 forever.
	fake.alwaysRDT(500)
	call("500 forever", c, true)
	fake.alwaysRDT(0)
	// 5. A plain 403 (no token problem) is returned as is.
	fake.scriptRDT(403)
	call("403", c, true)
	// 6. LWA invalid_grant, with a client of its own.
	badCfg := newConfig()
	badCfg.RefreshToken = wrongRefresh
	bad, err := client.New(badCfg)
	if err != nil {
		t.Fatal(err)
	}
	call("invalid_grant", bad, true)
	var le *client.LWAError
	if !errors.As(col.errs[len(col.errs)-1], &le) || le.Code != "invalid_grant" {
		t.Errorf("invalid_grant flow: error %v, want an *LWAError invalid_grant", col.errs[len(col.errs)-1])
	}
	// 7. LWA invalid_client: a wrong client secret.
	badSecretCfg := newConfig()
	badSecretCfg.ClientSecret = wrongSecret
	badSecret, err := client.New(badSecretCfg)
	if err != nil {
		t.Fatal(err)
	}
	call("invalid_client", badSecret, true)
	if !errors.As(col.errs[len(col.errs)-1], &le) || le.Code != "invalid_client" {
		t.Errorf("invalid_client flow: error %v, want an *LWAError invalid_client", col.errs[len(col.errs)-1])
	}
	// 8. Restricted calls through HTTPClient: an RDT minted and sent, then
	// revoked, dropped and minted again.
	for i := range 2 {
		if i == 1 {
			fake.revokeRDTs()
		}
		hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, apiSrv.URL+"/orders/v0/orders/902-1845936-5435065/address", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.HTTPClient().Do(hreq)
		if err != nil {
			t.Fatalf("HTTPClient call %d: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("HTTPClient call %d: HTTP %d", i, resp.StatusCode)
		}
	}
	// 9. The same through HTTPClient with a transport error: the URL is
	// in the error, the token is not.
	hreq, _ := http.NewRequestWithContext(ctx, http.MethodGet, apiSrv.URL+"/orders/v0/orders/902-1845936-5435065/address", nil)
	fake.alwaysRDT(500)
	fake.revokeRDTs()
	if resp, err := c.HTTPClient().Do(hreq); err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		t.Fatalf("HTTPClient with a revoked RDT and a failing Tokens API: HTTP %d, want an error", resp.StatusCode)
	} else {
		col.errs = append(col.errs, err)
	}
	fake.alwaysRDT(0)

	// Render everything.
	var slogBuf bytes.Buffer
	for _, h := range []slog.Handler{
		slog.NewJSONHandler(&slogBuf, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewTextHandler(&slogBuf, &slog.HandlerOptions{Level: slog.LevelDebug}),
	} {
		l := slog.New(h)
		l.Info("config", slog.Any("cfg", cfg), slog.Any("cfgp", &cfg), slog.Any("bad", badCfg), slog.Any("badSecret", badSecretCfg))
		l.Info("client", slog.Any("client", c), slog.Any("bad", bad), slog.Any("badSecret", badSecret))
		for _, r := range col.rdts {
			l.Info("rdt", slog.Any("rdt", r), slog.Any("rdtv", *r))
		}
		for _, ri := range col.retries {
			l.Info("retry", slog.Any("retry", ri))
		}
		for _, e := range col.errs {
			l.Error("error", slog.Any("err", e), slog.String("text", e.Error()))
		}
	}
	col.add("slog", slogBuf.String())

	verbs := []string{"%v", "%+v", "%#v", "%s"}
	render := func(label string, v any) {
		for _, verb := range verbs {
			col.add(label+" "+verb, fmt.Sprintf(verb, v))
		}
	}
	render("Config", cfg)
	render("*Config", &cfg)
	render("bad Config", badCfg)
	render("bad-secret Config", badSecretCfg)
	render("*Client", c)
	render("bad *Client", bad)
	for _, r := range col.rdts {
		render("*RestrictedDataToken", r)
		render("RestrictedDataToken", *r)
	}
	for _, ri := range col.retries {
		render("RetryInfo", ri)
	}
	for _, e := range col.errs {
		col.add("err.Error()", e.Error())
		render("error", e)
		for u := errors.Unwrap(e); u != nil; u = errors.Unwrap(u) {
			render("unwrapped error", u)
		}
	}
	logMu.Lock()
	logText := logs.String()
	logMu.Unlock()
	col.add("logs", logText)
	telemetry := otel.texts(t)
	for _, text := range telemetry {
		col.add("telemetry", text)
	}
	if len(otel.spans.GetSpans()) < 10 || len(telemetry) < 20 {
		t.Errorf("telemetry too thin to check: %d spans, %d texts", len(otel.spans.GetSpans()), len(telemetry))
	}

	// The test must not pass for want of material.
	lines := strings.Count(logText, "\n")
	if lines == 0 || !strings.Contains(logText, "retrying") {
		t.Errorf("the client logged %d lines and no retry at Debug level; logs:\n%s", lines, logText)
	}
	if len(col.retries) < 1+client.DefaultMaxRetries {
		t.Errorf("OnRetry heard %d retries, want at least %d", len(col.retries), 1+client.DefaultMaxRetries)
	}
	issued := fake.issuedTokens()
	var nAccess, nRDT int
	for _, tok := range issued {
		if strings.HasPrefix(tok, "Atza|") {
			nAccess++
		} else {
			nRDT++
		}
	}
	if nAccess < 2 || nRDT < 4 {
		t.Errorf("fake issued %d access tokens and %d RDTs, want at least 2 and 4", nAccess, nRDT)
	}
	if s := fmt.Sprintf("%+v", cfg); !strings.Contains(s, fake.clientID) {
		t.Errorf("%%+v of Config does not show the client id: %s", s)
	}

	secrets := map[string]string{
		"client secret":       fake.clientSecret,
		"refresh token":       fake.refreshTok,
		"wrong refresh token": wrongRefresh,
		"wrong client secret": wrongSecret,
	}
	for i, tok := range issued {
		secrets[fmt.Sprintf("issued token %d", i)] = tok
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	for name, secret := range secrets {
		needles := []string{secret, url.QueryEscape(secret)}
		if i := strings.IndexByte(secret, '|'); i >= 0 {
			needles = append(needles, secret[i+1:]) // the part a redaction must hide
		}
		for _, text := range col.texts {
			for _, n := range needles {
				if strings.Contains(text, n) {
					t.Errorf("%s leaked in %s", name, secretExcerpt(text, n))
				}
			}
		}
	}
}

// secretExcerpt shows where in text the secret is, with the secret masked.
func secretExcerpt(text, secret string) string {
	i := strings.Index(text, secret)
	label, _, _ := strings.Cut(text, ": ")
	from, to := max(0, i-80), min(len(text), i+len(secret)+40)
	return fmt.Sprintf("%s: ...%s...", label, strings.ReplaceAll(text[from:to], secret, "<SECRET>"))
}

// secretSyncWriter serializes writes to a buffer shared with the client's
// goroutines.
type secretSyncWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w *secretSyncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
