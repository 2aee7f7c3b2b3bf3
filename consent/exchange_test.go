package consent_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/consent"
	"github.com/spapi-go/spapi/marketplace"
)

// TestReusedCodeRefused: a code already exchanged, brought back with a
// fresh, genuine state, is refused by LWA: ErrInvalidCode, a 502 page.
func TestReusedCodeRefused(t *testing.T) {
	ap := newApp(t, nil, nil)
	b := ap.browser(t, "s")
	u, _ := ap.a.SellerURL(ctx, "s", marketplace.US)
	callback := consentRedirect(t, u)
	if status, body := visit(t, b, callback); status != http.StatusOK {
		t.Fatalf("first callback: HTTP %d %q", status, body)
	}
	u2, _ := ap.a.SellerURL(ctx, "s", marketplace.US)
	freshState := query(t, u2, "state")
	status, body := visit(t, b, withQuery(t, callback, "state", freshState))
	err := ap.lastErr()
	var x *consent.ExchangeError
	if status != http.StatusBadGateway || !errors.Is(err, consent.ErrInvalidCode) || !errors.As(err, &x) || x.Code != "invalid_grant" {
		t.Fatalf("reused code: HTTP %d, %v; want 502, ErrInvalidCode, an *ExchangeError invalid_grant", status, err)
	}
	if errors.Is(err, consent.ErrRedirectURIMismatch) {
		t.Error("a reused code reads as a redirect URI mismatch")
	}
	if !strings.Contains(body, "already used") {
		t.Errorf("page %q does not say the code is used or expired", body)
	}
}

// TestRedirectURIMismatch: LWA refuses an exchange whose redirect_uri is
// not the consent page's, and the error says so.
func TestRedirectURIMismatch(t *testing.T) {
	ap := newApp(t, nil, nil)
	// The same application (key, store, session), deployed with another
	// RedirectURI for its exchange.
	wrong := newApp(t, ap.srv, func(c *consent.Config) {
		c.RedirectURI = "https://app.example/elsewhere"
	})
	u, _ := wrong.a.SellerURL(ctx, "s", marketplace.US)
	// The consent page is given ap's callback, which the browser reaches.
	u = withQuery(t, u, "redirect_uri", wrong.web.URL+"/callback")
	status, _ := visit(t, wrong.browser(t, "s"), u)
	err := wrong.lastErr()
	if status != http.StatusBadGateway || !errors.Is(err, consent.ErrRedirectURIMismatch) || errors.Is(err, consent.ErrInvalidCode) {
		t.Fatalf("HTTP %d, %v; want 502 and ErrRedirectURIMismatch", status, err)
	}
	if !strings.Contains(err.Error(), "redirect_uri") {
		t.Errorf("error %q does not name redirect_uri", err)
	}
}

// fakeLWA is an LWA token endpoint that answers what a test says.
func fakeLWA(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL + "/auth/o2/token"
}

// TestExchangeReplies: LWA's replies, good and bad, as the callback sees
// them; the request is the documented form.
func TestExchangeReplies(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   string // in the error; "" for success
		is     error
	}{
		{"success", 200, nil, `{"access_token":"Atza|a","refresh_token":"Atzr|r","token_type":"bearer","expires_in":3600}`, "", nil},
		{"invalid_client", 401, http.Header{"X-Amzn-Requestid": {"req-1"}}, `{"error":"invalid_client","error_description":"Client authentication failed"}`, "invalid_client: Client authentication failed (HTTP 401, request id req-1)", nil},
		{"invalid_grant", 400, nil, `{"error":"invalid_grant","error_description":"The request has an invalid grant parameter : code"}`, "already used", consent.ErrInvalidCode},
		{"not JSON", 500, nil, `<html>oops</html>`, "error (HTTP 500)", nil},
		{"no refresh token", 200, nil, `{"access_token":"Atza|a"}`, "no refresh_token", nil},
		{"bad JSON", 200, nil, `{"refresh_token":`, "not a token reply", nil},
		{"too large", 200, nil, `{"refresh_token":"` + strings.Repeat("x", 1<<20) + `"}`, "larger than 1048576 bytes", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var form map[string][]string
			lwa := fakeLWA(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost && r.Header.Get("Content-Type") == "application/x-www-form-urlencoded;charset=UTF-8" {
					r.ParseForm()
					form = r.PostForm
				}
				for k, v := range tt.header {
					w.Header()[k] = v
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			ap := newApp(t, nil, func(c *consent.Config) { c.LWAEndpoint = lwa })
			u, _ := ap.a.SellerURL(ctx, "s", marketplace.US)
			callback := consentRedirect(t, u)
			visit(t, ap.browser(t, "s"), callback)
			err := ap.lastErr()
			if want := []string{"authorization_code", query(t, callback, "spapi_oauth_code"), ap.cfg.RedirectURI, ap.cfg.ClientID, ap.cfg.ClientSecret}; form == nil ||
				form["grant_type"][0] != want[0] || form["code"][0] != want[1] || form["redirect_uri"][0] != want[2] ||
				form["client_id"][0] != want[3] || form["client_secret"][0] != want[4] {
				t.Fatalf("LWA got form %v", form)
			}
			if tt.want == "" {
				if err != nil || len(ap.authorizations()) != 1 || ap.authorizations()[0].RefreshToken != "Atzr|r" {
					t.Fatalf("error %v, authorizations %v", err, ap.authorizations())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v; want it to contain %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
			}
		})
	}
}

// TestExchangeFollowsNoRedirect: a token URL that redirects does not get
// the form (the client secret and the code) sent on.
func TestExchangeFollowsNoRedirect(t *testing.T) {
	var followed bool
	elsewhere := fakeLWA(t, func(w http.ResponseWriter, r *http.Request) { followed = true })
	lwa := fakeLWA(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere, http.StatusTemporaryRedirect)
	})
	ap := newApp(t, nil, func(c *consent.Config) { c.LWAEndpoint = lwa })
	u, _ := ap.a.SellerURL(ctx, "s", marketplace.US)
	visit(t, ap.browser(t, "s"), consentRedirect(t, u))
	if followed {
		t.Fatal("the exchange followed LWA's redirect")
	}
	var x *consent.ExchangeError
	if !errors.As(ap.lastErr(), &x) || x.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("error %v; want an ExchangeError with HTTP 307", ap.lastErr())
	}
}

// TestExchangeUnreachable: LWA down is an error naming the endpoint and
// the cause.
func TestExchangeUnreachable(t *testing.T) {
	s := httptest.NewServer(http.NotFoundHandler())
	dead := s.URL + "/auth/o2/token"
	s.Close()
	ap := newApp(t, nil, func(c *consent.Config) { c.LWAEndpoint = dead })
	u, _ := ap.a.SellerURL(ctx, "s", marketplace.US)
	status, _ := visit(t, ap.browser(t, "s"), consentRedirect(t, u))
	err := ap.lastErr()
	if status != http.StatusBadGateway || err == nil || !strings.Contains(err.Error(), dead) || strings.HasPrefix(err.Error(), "consent: Post") {
		t.Fatalf("HTTP %d, %v; want 502 naming %s with the cause first", status, err, dead)
	}
}
