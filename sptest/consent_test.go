package sptest_test

import (
	"context"
	"encoding/json"
	"github.com/spapi-go/spapi/internal/testclock"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// noFollow is an HTTP client that shows redirects instead of following them.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// consentCode visits srv's consent page and returns the redirect's query.
func consentCode(t *testing.T, srv *sptest.Server, redirectURI, state string) url.Values {
	t.Helper()
	q := url.Values{"application_id": {sptest.ApplicationID}, "state": {state}, "redirect_uri": {redirectURI}, "version": {"beta"}}
	resp, err := noFollow.Get(srv.ConsentURL() + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("consent page: HTTP %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; !strings.HasPrefix(redirectURI, got) {
		t.Fatalf("redirected to %s, want %s", got, redirectURI)
	}
	return loc.Query()
}

// lwaReply is what the test reads of an LWA reply.
type lwaReply struct {
	status                                       int
	AccessToken, RefreshToken, Error, ErrorDescr string
}

func postLWA(t *testing.T, srv *sptest.Server, form url.Values) lwaReply {
	t.Helper()
	resp, err := http.PostForm(srv.LWAURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var r struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		Error        string `json:"error"`
		Description  string `json:"error_description"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("LWA reply %q: %v", body, err)
	}
	return lwaReply{resp.StatusCode, r.AccessToken, r.RefreshToken, r.Error, r.Description}
}

func codeForm(code, redirectURI string) url.Values {
	return url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI},
		"client_id": {sptest.ClientID}, "client_secret": {sptest.ClientSecret},
	}
}

func TestConsentPageRedirectsWithCode(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	const redirect = "https://app.example/callback?tenant=7"
	q := consentCode(t, srv, redirect, "the-state")
	if q.Get("state") != "the-state" || q.Get("selling_partner_id") != sptest.SellingPartnerID ||
		q.Get("spapi_oauth_code") == "" || q.Get("tenant") != "7" {
		t.Fatalf("redirect query %v: want state, selling_partner_id, spapi_oauth_code and the URI's own tenant=7", q)
	}
	if q2 := consentCode(t, srv, redirect, "s2"); q2.Get("spapi_oauth_code") == q.Get("spapi_oauth_code") {
		t.Error("two consents gave the same code")
	}
}

func TestConsentPageRefusesBadRequests(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	good := url.Values{"application_id": {sptest.ApplicationID}, "state": {"s"}, "redirect_uri": {"https://app.example/cb"}}
	without := func(k string) url.Values {
		v := url.Values{}
		for kk, vv := range good {
			if kk != k {
				v[kk] = vv
			}
		}
		return v
	}
	with := func(k, val string) url.Values {
		v := without(k)
		v.Set(k, val)
		return v
	}
	tests := []struct {
		name   string
		method string
		q      url.Values
		status int
		want   string
	}{
		{"no application_id", http.MethodGet, without("application_id"), 400, "application_id"},
		{"another application", http.MethodGet, with("application_id", "amzn1.sp.solution.other"), 400, "unknown application_id"},
		{"no state", http.MethodGet, without("state"), 400, "state"},
		{"no redirect_uri", http.MethodGet, without("redirect_uri"), 400, "redirect_uri"},
		{"relative redirect_uri", http.MethodGet, with("redirect_uri", "/cb"), 400, "redirect_uri"},
		{"POST", http.MethodPost, good, 405, "method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.ConsentURL()+"?"+tt.q.Encode(), nil)
			resp, err := noFollow.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
				t.Fatalf("HTTP %d %q; want %d mentioning %q", resp.StatusCode, body, tt.status, tt.want)
			}
		})
	}
}

// TestAuthorizationCodeGrant: a code works once, only with its redirect
// URI, and its refresh token then works for SP-API calls.
func TestAuthorizationCodeGrant(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{RateScale: 100})
	const redirect = "https://app.example/callback"
	code := consentCode(t, srv, redirect, "s").Get("spapi_oauth_code")

	if r := postLWA(t, srv, codeForm(code, "https://app.example/other")); r.status != 400 || r.Error != "invalid_grant" || !strings.Contains(r.ErrorDescr, "redirect_uri") {
		t.Fatalf("wrong redirect_uri: %+v; want 400 invalid_grant about redirect_uri", r)
	}
	bad := codeForm(code, redirect)
	bad.Set("client_secret", "wrong")
	if r := postLWA(t, srv, bad); r.status != 401 || r.Error != "invalid_client" {
		t.Fatalf("wrong client secret: %+v; want 401 invalid_client", r)
	}
	if r := postLWA(t, srv, codeForm("", redirect)); r.status != 400 || r.Error != "invalid_request" {
		t.Fatalf("no code: %+v; want 400 invalid_request", r)
	}
	first := postLWA(t, srv, codeForm(code, redirect))
	if first.status != 200 || !strings.HasPrefix(first.RefreshToken, "Atzr|") || first.AccessToken == "" {
		t.Fatalf("first exchange: %+v; want 200 with a refresh and an access token", first)
	}
	if r := postLWA(t, srv, codeForm(code, redirect)); r.status != 400 || r.Error != "invalid_grant" || !strings.Contains(r.ErrorDescr, "code") {
		t.Fatalf("second exchange of one code: %+v; want 400 invalid_grant", r)
	}
	if r := postLWA(t, srv, codeForm("ANsptestnosuchcode", redirect)); r.Error != "invalid_grant" {
		t.Fatalf("unknown code: %+v; want invalid_grant", r)
	}

	// The refresh token works with the refresh_token grant, and for a call.
	cfg := srv.ClientConfig()
	cfg.RefreshToken = first.RefreshToken
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL()+"/sellers/v1/marketplaceParticipations", nil)
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("getMarketplaceParticipations with the consented refresh token: HTTP %d", resp.StatusCode)
	}
}

func TestAuthorizationCodeExpires(t *testing.T) {
	clock := testclock.New(time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
	srv := sptest.Start(t, sptest.Options{Now: clock.Now, AuthCodeLifetime: time.Minute})
	const redirect = "https://app.example/callback"
	fresh := consentCode(t, srv, redirect, "a").Get("spapi_oauth_code")
	stale := consentCode(t, srv, redirect, "b").Get("spapi_oauth_code")
	clock.Add(59 * time.Second)
	if r := postLWA(t, srv, codeForm(fresh, redirect)); r.status != 200 {
		t.Fatalf("code at 59 s of a 1 min life: %+v; want 200", r)
	}
	clock.Add(time.Second)
	if r := postLWA(t, srv, codeForm(stale, redirect)); r.status != 400 || r.Error != "invalid_grant" {
		t.Fatalf("code at the end of its life: %+v; want 400 invalid_grant", r)
	}
}

func TestDefaultAuthCodeLifetimeIsFiveMinutes(t *testing.T) {
	clock := testclock.New(time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
	srv := sptest.Start(t, sptest.Options{Now: clock.Now})
	const redirect = "https://app.example/callback"
	a := consentCode(t, srv, redirect, "a").Get("spapi_oauth_code")
	b := consentCode(t, srv, redirect, "b").Get("spapi_oauth_code")
	clock.Add(5*time.Minute - time.Second)
	if r := postLWA(t, srv, codeForm(a, redirect)); r.status != 200 {
		t.Fatalf("at 4m59s: %+v; want 200", r)
	}
	clock.Add(time.Second)
	if r := postLWA(t, srv, codeForm(b, redirect)); r.Error != "invalid_grant" {
		t.Fatalf("at 5m: %+v; want invalid_grant", r)
	}
}
