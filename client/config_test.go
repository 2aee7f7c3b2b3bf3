package client_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

func TestRegionEndpoints(t *testing.T) {
	tests := []struct {
		region  client.Region
		sandbox bool
		want    string
	}{
		{client.RegionNA, false, "https://sellingpartnerapi-na.amazon.com"},
		{client.RegionEU, false, "https://sellingpartnerapi-eu.amazon.com"},
		{client.RegionFE, false, "https://sellingpartnerapi-fe.amazon.com"},
		{client.RegionNA, true, "https://sandbox.sellingpartnerapi-na.amazon.com"},
		{client.RegionEU, true, "https://sandbox.sellingpartnerapi-eu.amazon.com"},
		{client.RegionFE, true, "https://sandbox.sellingpartnerapi-fe.amazon.com"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got, err := tt.region.Endpoint(tt.sandbox)
			if err != nil || got != tt.want {
				t.Errorf("Endpoint = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := client.Region("us").Endpoint(false); err == nil {
		t.Error("unknown region accepted")
	}
}

func TestParseRegion(t *testing.T) {
	for in, want := range map[string]client.Region{
		"na": client.RegionNA, "EU": client.RegionEU, " fe ": client.RegionFE,
		"us-east-1": client.RegionNA, "eu-west-1": client.RegionEU, "us-west-2": client.RegionFE,
	} {
		if got, err := client.ParseRegion(in); err != nil || got != want {
			t.Errorf("ParseRegion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := client.ParseRegion("mars"); err == nil || !strings.Contains(err.Error(), "mars") {
		t.Errorf("ParseRegion(mars) err = %v", err)
	}
}

func TestRegionForMarketplace(t *testing.T) {
	want := map[client.Region][]string{
		client.RegionNA: {"A2EUQ1WTGCTBG2", "ATVPDKIKX0DER", "A1AM78C64UM0Y8", "A2Q3Y263D00KWC"},
		client.RegionEU: {"A28R8C7NBKEWEA", "A1RKKUPIHCS9HS", "A1F83G8C2ARO7P", "A13V1IB3VIYZZH",
			"AMEN7PMS3EDWL", "A1805IZSGTT6HS", "A1PA6795UKMFR9", "APJ6JRA9NG5V4", "A2NODRKZP88ZB9",
			"AE08WJ6YKNBMC", "A1C3SOZRARQ6R3", "ARBP9OOSHTCHU", "A33AVAJ2PDY3EV", "A17E79C6D8DWNP",
			"A2VIGQ35RCS4UG", "A21TJRUUN4KGV"},
		client.RegionFE: {"A19VAU5U5O7RUS", "A39IBJ37TRP1C6", "A1VC38T7YXB528"},
	}
	n := 0
	for region, ids := range want {
		for _, id := range ids {
			n++
			if got, ok := client.RegionForMarketplace(id); !ok || got != region {
				t.Errorf("RegionForMarketplace(%s) = %q, %v; want %q", id, got, ok, region)
			}
		}
	}
	if n != 23 {
		t.Fatalf("table has %d marketplaces, want 23", n)
	}
	if _, ok := client.RegionForMarketplace("AXXXXXXXXXXXX"); ok {
		t.Error("unknown marketplace found")
	}
}

func TestNewRejects(t *testing.T) {
	good := client.Config{ClientID: "id", ClientSecret: "secret", RefreshToken: "Atzr|r"}
	tests := []struct {
		name string
		mod  func(*client.Config)
		want string
	}{
		{"no client id", func(c *client.Config) { c.ClientID = "" }, "ClientID"},
		{"no refresh token", func(c *client.Config) { c.RefreshToken = "" }, "RefreshToken"},
		{"unknown region", func(c *client.Config) { c.Region = "mars" }, "mars"},
		{"plain http endpoint", func(c *client.Config) { c.Endpoint = "http://sellingpartnerapi-na.amazon.com" }, "plain http"},
		{"plain http LWA", func(c *client.Config) { c.LWAEndpoint = "http://api.amazon.com/auth/o2/token" }, "LWAEndpoint"},
		{"relative endpoint", func(c *client.Config) { c.Endpoint = "/tokens" }, "absolute URL"},
		{"ftp endpoint", func(c *client.Config) { c.Endpoint = "ftp://example.com" }, "https"},
		{"credentials in URL", func(c *client.Config) { c.Endpoint = "https://u:p@example.com" }, "credentials"},
		{"bad data element", func(c *client.Config) { c.DataElements = []string{"email"} }, "DataElements[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.mod(&cfg)
			_, err := client.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New err = %v, want one mentioning %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret") && tt.name != "no client id" {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
	for _, ep := range []string{"http://127.0.0.1:8080", "http://127.3.2.1:8080", "http://[::1]:2", "https://example.com", "https://example.com/base"} {
		cfg := good
		cfg.Endpoint = ep
		if _, err := client.New(cfg); err != nil {
			t.Errorf("New with Endpoint %s: %v", ep, err)
		}
	}
	grantless := client.Config{ClientID: "id", ClientSecret: "secret", Scope: "sellingpartnerapi::notifications"}
	if _, err := client.New(grantless); err != nil {
		t.Errorf("grantless config: %v", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Setenv("LWA_CLIENT_ID", "id")
	t.Setenv("LWA_CLIENT_SECRET", "s3cret")
	t.Setenv("LWA_REFRESH_TOKEN", "Atzr|r")
	t.Setenv("SP_API_REGION", "eu")
	t.Setenv("SP_API_SANDBOX", "true")
	t.Setenv("SP_API_ENDPOINT", "https://example.com")
	t.Setenv("LWA_ENDPOINT", "https://lwa.example.com/token")
	cfg, err := client.ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := client.Config{ClientID: "id", ClientSecret: "s3cret", RefreshToken: "Atzr|r", Region: client.RegionEU,
		Sandbox: true, Endpoint: "https://example.com", LWAEndpoint: "https://lwa.example.com/token"}
	if cfg.ClientID != want.ClientID || cfg.ClientSecret != want.ClientSecret || cfg.RefreshToken != want.RefreshToken ||
		cfg.Region != want.Region || cfg.Sandbox != want.Sandbox || cfg.Endpoint != want.Endpoint || cfg.LWAEndpoint != want.LWAEndpoint {
		t.Errorf("ConfigFromEnv = %+v, want %+v", cfg, want)
	}

	t.Setenv("LWA_CLIENT_SECRET", "")
	t.Setenv("LWA_REFRESH_TOKEN", "")
	t.Setenv("SP_API_REGION", "mars")
	t.Setenv("SP_API_SANDBOX", "maybe")
	_, err = client.ConfigFromEnv()
	for _, want := range []string{"LWA_CLIENT_SECRET", "LWA_REFRESH_TOKEN", "SP_API_REGION", "SP_API_SANDBOX"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to name %s", err, want)
		}
	}
	var envErr *client.EnvError
	if !errors.As(err, &envErr) || len(envErr.Problems) != 4 {
		t.Fatalf("err = %#v, want an *EnvError with 4 problems", err)
	}
	left := envErr.Without("SP_API_REGION", "SP_API_SANDBOX")
	if left == nil || strings.Contains(left.Error(), "SP_API_") || !strings.Contains(left.Error(), "LWA_REFRESH_TOKEN is not set") {
		t.Errorf("Without(region, sandbox) = %v, want only the credentials", left)
	}
	if err := envErr.Without("LWA_CLIENT_SECRET", "LWA_REFRESH_TOKEN", "SP_API_REGION", "SP_API_SANDBOX"); err != nil {
		t.Errorf("Without(all) = %v, want nil", err)
	}
}

// An endpoint with a base path still gets its tokens call named and its
// other paths served.
func TestEndpointWithBasePath(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	cfg := testConfig(srv)
	cfg.Endpoint = srv.URL() + "/prefix/"
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The fake has no /prefix, so the call fails with a 404, not a panic.
	_, err = c.CreateRestrictedDataToken(context.Background(), addressRequest())
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Operation != client.OpCreateRestrictedDataToken {
		t.Fatalf("err = %v, want a 404 *APIError for createRestrictedDataToken", err)
	}
	resp, err := c.HTTPClient().Get(srv.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// Issue 17, item 6: an endpoint with a query or a fragment was accepted
// ("https://attacker.example?@sellingpartnerapi-na.amazon.com" reads as the
// SP-API host and is attacker.example), and http://localhost was trusted by
// name. Both endpoints are refused, naming the field and the rule; loopback
// is decided by address.
func TestConfigEndpointShape(t *testing.T) {
	good := client.Config{ClientID: "id", ClientSecret: "secret", RefreshToken: "Atzr|r"}
	tests := []struct {
		name, field, url, want string
	}{
		{"query hiding the host", "Endpoint", "https://attacker.example?@sellingpartnerapi-na.amazon.com", "must not have a query"},
		{"empty query", "Endpoint", "https://sellingpartnerapi-na.amazon.com?", "must not have a query"},
		{"fragment", "Endpoint", "https://sellingpartnerapi-na.amazon.com#x", "must not have a fragment"},
		{"empty fragment", "Endpoint", "https://sellingpartnerapi-na.amazon.com#", "must not have a fragment"},
		{"user info", "Endpoint", "https://sellingpartnerapi-na.amazon.com@attacker.example", "user info"},
		{"localhost by name", "Endpoint", "http://localhost:8080", "loopback address"},
		{"a name ending in a loopback address", "Endpoint", "http://127.0.0.1.attacker.example", "loopback address"},
		{"LWA query", "LWAEndpoint", "https://attacker.example/?@api.amazon.com/auth/o2/token", "must not have a query"},
		{"LWA fragment", "LWAEndpoint", "https://api.amazon.com/auth/o2/token#x", "must not have a fragment"},
		{"LWA localhost", "LWAEndpoint", "http://localhost/auth/o2/token", "loopback address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			if tt.field == "Endpoint" {
				cfg.Endpoint = tt.url
			} else {
				cfg.LWAEndpoint = tt.url
			}
			_, err := client.New(cfg)
			if err == nil {
				t.Fatalf("New accepted %s %q", tt.field, tt.url)
			}
			if !strings.Contains(err.Error(), tt.field) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New err = %v, want one naming %s and %q", err, tt.field, tt.want)
			}
		})
	}
}

// pathRecorder records the path of each request it passes on.
type pathRecorder struct {
	mu    sync.Mutex
	paths []string
}

func (p *pathRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	p.mu.Lock()
	p.paths = append(p.paths, r.Host+" "+r.URL.EscapedPath())
	p.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// The Tokens call goes to the endpoint's base path, escaped as given, plus
// the Tokens path: the URL is put together from the parsed endpoint, not
// from its string.
func TestTokensCallURL(t *testing.T) {
	for _, tc := range []struct{ name, base, want string }{
		{"no base path", "", "/tokens/2021-03-01/restrictedDataToken"},
		{"a base path", "/prefix", "/prefix/tokens/2021-03-01/restrictedDataToken"},
		{"an escaped base path", "/a%2Fb", "/a%2Fb/tokens/2021-03-01/restrictedDataToken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := sptest.Start(t, sptest.Options{})
			rec := &pathRecorder{}
			cfg := testConfig(srv)
			cfg.Endpoint = srv.URL() + tc.base
			cfg.HTTPClient = &http.Client{Transport: rec}
			c, err := client.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = c.CreateRestrictedDataToken(context.Background(), addressRequest())
			host := strings.TrimPrefix(srv.URL(), "http://")
			rec.mu.Lock()
			defer rec.mu.Unlock()
			want := host + " " + tc.want
			if !slices.Contains(rec.paths, want) {
				t.Errorf("requests %q, want one to %q", rec.paths, want)
			}
		})
	}
}
