package consent_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spapi-go/spapi/consent"
	"github.com/spapi-go/spapi/marketplace"
)

func validConfig() consent.Config {
	return consent.Config{
		ApplicationID: "amzn1.sp.solution.app",
		ClientID:      "amzn1.application-oa2-client.app",
		ClientSecret:  "amzn1.oa2-cs.v1.secret",
		StateKey:      testKey,
		Session:       consent.CookieSession("sid"),
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		edit func(*consent.Config)
		want string
	}{
		{"no application id", func(c *consent.Config) { c.ApplicationID = " " }, "ApplicationID is empty"},
		{"no client id", func(c *consent.Config) { c.ClientID = "" }, "ClientID is empty"},
		{"no client secret", func(c *consent.Config) { c.ClientSecret = "" }, "ClientSecret is empty"},
		{"short key", func(c *consent.Config) { c.StateKey = []byte("short") }, "StateKey has 5 bytes: want at least 32"},
		{"negative TTL", func(c *consent.Config) { c.StateTTL = -1 }, "StateTTL"},
		{"no session", func(c *consent.Config) { c.Session = nil }, "Session is nil"},
		{"http redirect", func(c *consent.Config) { c.RedirectURI = "http://app.example/cb" }, "RedirectURI"},
		{"relative redirect", func(c *consent.Config) { c.RedirectURI = "/cb" }, "RedirectURI"},
		{"redirect with fragment", func(c *consent.Config) { c.RedirectURI = "https://app.example/cb#x" }, "fragment"},
		{"LWA with user info", func(c *consent.Config) { c.LWAEndpoint = "https://u:p@api.amazon.com/auth/o2/token" }, "LWAEndpoint"},
		{"consent base with query", func(c *consent.Config) { c.ConsentBaseURL = "https://sc.example?x=1" }, "ConsentBaseURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			tt.edit(&cfg)
			_, err := consent.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v; want an error containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "amzn1.oa2-cs.v1.secret") {
				t.Error("the error shows the client secret")
			}
		})
	}
	cfg := validConfig()
	cfg.RedirectURI = "http://127.0.0.1:8080/cb?tenant=1" // loopback http, a query: fine
	if _, err := consent.New(cfg); err != nil {
		t.Fatalf("valid config: %v", err)
	}
}

func TestConsentURLs(t *testing.T) {
	cfg := validConfig()
	cfg.RedirectURI = "https://app.example/callback"
	published, _ := consent.New(cfg)
	cfg.Draft = true
	draft, _ := consent.New(cfg)
	tests := []struct {
		name    string
		make    func() (string, error)
		host    string
		version string
	}{
		{"seller US", func() (string, error) { return published.SellerURL(ctx, "s", marketplace.US) }, "sellercentral.amazon.com", ""},
		{"seller DE draft", func() (string, error) { return draft.SellerURL(ctx, "s", marketplace.DE) }, "sellercentral-europe.amazon.com", "beta"},
		{"vendor JP", func() (string, error) { return published.VendorURL(ctx, "s", marketplace.JP) }, "vendorcentral.amazon.co.jp", ""},
		{"vendor AE draft", func() (string, error) { return draft.VendorURL(ctx, "s", marketplace.AE) }, "vendorcentral.amazon.me", "beta"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := tt.make()
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(raw)
			q := u.Query()
			if u.Scheme != "https" || u.Host != tt.host || u.Path != "/apps/authorize/consent" ||
				q.Get("application_id") != "amzn1.sp.solution.app" || q.Get("redirect_uri") != "https://app.example/callback" ||
				q.Get("version") != tt.version || len(q.Get("state")) < 40 || len(q) != 3+len(tt.version)/4 {
				t.Fatalf("consent URL %s", raw)
			}
		})
	}
	a, _ := published.SellerURL(ctx, "s", marketplace.US)
	b, _ := published.SellerURL(ctx, "s", marketplace.US)
	if a == b {
		t.Error("two consent URLs share a state")
	}
}

func TestConsentURLRefusals(t *testing.T) {
	a, _ := consent.New(validConfig())
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	tests := []struct {
		name string
		make func() (string, error)
		want string
	}{
		{"no session", func() (string, error) { return a.SellerURL(ctx, "", marketplace.US) }, "sessionID is empty"},
		{"unknown marketplace", func() (string, error) { return a.SellerURL(ctx, "s", "AXXXXXXXX") }, "not a marketplace"},
		{"no Vendor Central", func() (string, error) { return a.VendorURL(ctx, "s", marketplace.IE) }, "Ireland"},
		{"canceled", func() (string, error) { return a.SellerURL(canceled, "s", marketplace.US) }, "canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := tt.make()
			if err == nil || u != "" || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("= %q, %v; want an error containing %q", u, err, tt.want)
			}
		})
	}
}

// failingStore is a StateStore that is down.
type failingStore struct{}

func (failingStore) Save(context.Context, string, time.Time) error { return errors.New("store down") }
func (failingStore) Consume(context.Context, string) (bool, error) {
	return false, errors.New("store down")
}

func TestStoreFailureIsAnError(t *testing.T) {
	cfg := validConfig()
	cfg.States = failingStore{}
	a, _ := consent.New(cfg)
	if _, err := a.SellerURL(ctx, "s", marketplace.US); err == nil || !strings.Contains(err.Error(), "store down") {
		t.Fatalf("SellerURL with the store down: %v", err)
	}
}

func TestCookieSession(t *testing.T) {
	get := consent.CookieSession("sid")
	r, _ := http.NewRequest(http.MethodGet, "https://app.example/cb", nil)
	if _, err := get(r); err == nil {
		t.Fatal("no cookie: no error")
	}
	r.AddCookie(&http.Cookie{Name: "sid", Value: "abc"})
	if s, err := get(r); err != nil || s != "abc" {
		t.Fatalf("= %q, %v", s, err)
	}
}
