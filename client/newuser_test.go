package client_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// A credential read from a file keeps its newline: ConfigFromEnv trims it,
// and the client then works against LWA.
func TestConfigFromEnvTrimsCredentials(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{RateScale: 100})
	t.Setenv("LWA_CLIENT_ID", " "+sptest.ClientID+"\n")
	t.Setenv("LWA_CLIENT_SECRET", sptest.ClientSecret+"\n")
	t.Setenv("LWA_REFRESH_TOKEN", sptest.RefreshToken+"\r\n")
	t.Setenv("SP_API_ENDPOINT", srv.URL()+"\n")
	t.Setenv("LWA_ENDPOINT", srv.LWAURL()+" ")
	t.Setenv("SP_API_REGION", "na\n")
	t.Setenv("SP_API_SANDBOX", "false\n")
	cfg, err := client.ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClientID != sptest.ClientID || cfg.ClientSecret != sptest.ClientSecret || cfg.RefreshToken != sptest.RefreshToken {
		t.Fatal("ConfigFromEnv kept whitespace around a credential")
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRestrictedDataToken(context.Background(), client.CreateRestrictedDataTokenRequest{
		RestrictedResources: []client.RestrictedResource{{Method: client.MethodGET, Path: "/orders/v0/orders/{orderId}/address"}},
	}); err != nil {
		t.Fatal(err)
	}
}

// New refuses a credential with whitespace around it, naming the field and
// never the value: LWA would answer invalid_grant or invalid_client, the
// same as for a wrong one.
func TestNewRefusesCredentialWhitespace(t *testing.T) {
	const secretish = "Atzr|s3cr3t-value"
	tests := []struct {
		field string
		set   func(*client.Config)
	}{
		{"ClientID", func(c *client.Config) { c.ClientID = "amzn1.id\n" }},
		{"ClientSecret", func(c *client.Config) { c.ClientSecret = secretish + "\n" }},
		{"PreviousClientSecret", func(c *client.Config) { c.PreviousClientSecret = secretish + "\n" }},
		{"RefreshToken", func(c *client.Config) { c.RefreshToken = secretish + "\n" }},
		{"RefreshToken", func(c *client.Config) { c.RefreshToken = " " + secretish }},
		{"Scope", func(c *client.Config) { c.RefreshToken = ""; c.Scope = "sellingpartnerapi::notifications\t" }},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			cfg := client.Config{ClientID: "id", ClientSecret: "secret", RefreshToken: "Atzr|r"}
			tt.set(&cfg)
			_, err := client.New(cfg)
			if err == nil {
				t.Fatal("New accepted a credential with whitespace around it")
			}
			if msg := err.Error(); !strings.Contains(msg, tt.field+":") || !strings.Contains(msg, "whitespace") || strings.Contains(msg, "s3cr3t") {
				t.Errorf("error %q: want the field %s and the rule, and no value", msg, tt.field)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// With no Config.Logger, warnings reach slog.Default() (Warn and above
// only); a discard logger silences them. Not parallel: it sets the default.
func TestWarningsReachDefaultLogger(t *testing.T) {
	var buf syncBuffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })

	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	base := client.Config{
		ClientID: sptest.ClientID, ClientSecret: sptest.ClientSecret, RefreshToken: sptest.RefreshToken,
		Endpoint: srv.URL(), LWAEndpoint: srv.LWAURL(),
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
	}
	c, err := client.New(base)
	if err != nil {
		t.Fatal(err)
	}
	// A generated client pointed at another name of the same server.
	other := strings.Replace(srv.URL(), "127.0.0.1", "localhost", 1) + "/orders/v0/orders/1/address"
	if resp, err := c.HTTPClient().Get(other); err == nil {
		resp.Body.Close()
	}
	got := buf.String()
	for _, want := range []string{"level=WARN", "HTTPClient.Timeout is not used", "goes to another host"} {
		if !strings.Contains(got, want) {
			t.Errorf("default logger output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "level=DEBUG") || strings.Contains(got, "level=INFO") {
		t.Errorf("default logger passed records below Warn:\n%s", got)
	}

	quiet := base
	quiet.Logger = slog.New(slog.DiscardHandler)
	before := buf.String()
	c, err = client.New(quiet)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := c.HTTPClient().Get(other); err == nil {
		resp.Body.Close()
	}
	// Only this client's warnings count: another test's leftover goroutine
	// may log through the default too.
	if added := strings.TrimPrefix(buf.String(), before); strings.Contains(added, "HTTPClient.Timeout") || strings.Contains(added, "another host") {
		t.Errorf("a discard Logger still logged:\n%s", added)
	}
}

// An endpoint with user information never shows it in New's error, even
// when it does not parse.
func TestNewRedactsEndpointUserInfo(t *testing.T) {
	for _, ep := range []string{
		"https://user:hunter2pw@sellingpartnerapi-na.amazon.com:badport",
		"ftp://user:hunter2pw@example.com",
		"http://user:hunter2pw@example.com",
	} {
		for _, field := range []string{"Endpoint", "LWAEndpoint"} {
			t.Run(field+" "+ep, func(t *testing.T) {
				cfg := client.Config{ClientID: "id", ClientSecret: "secret", RefreshToken: "Atzr|r"}
				if field == "Endpoint" {
					cfg.Endpoint = ep
				} else {
					cfg.LWAEndpoint = ep
				}
				_, err := client.New(cfg)
				if err == nil {
					t.Fatal("New accepted the endpoint")
				}
				if strings.Contains(err.Error(), "hunter2pw") {
					t.Errorf("error shows the password: %q", err)
				}
			})
		}
	}
}

// Without the restricted role, the error says what to do, and the refusal
// is remembered per resource: five calls make one Tokens call, not five.
func TestNoRoleSaysWhatToDoAndIsRemembered(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{RateScale: 100, NoRestrictedRole: true})
	cfg := srv.ClientConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hc := c.HTTPClient()
	for i := range 5 {
		resp, err := hc.Get(srv.URL() + "/orders/v0/orders/123-1234567-1234567/address")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("call %d: HTTP %d, want the Tokens call's refusal", i, resp.StatusCode)
		}
		if !strings.Contains(err.Error(), "developer profile") || !strings.Contains(err.Error(), "authorise the application again") {
			t.Errorf("call %d: %v\nwant what to do: the role in the developer profile, and a new authorisation", i, err)
		}
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
			t.Errorf("call %d: %v is not the *APIError 400", i, err)
		}
	}
	if _, err := c.RestrictedDataToken(context.Background(), client.CreateRestrictedDataTokenRequest{
		RestrictedResources: []client.RestrictedResource{{Method: client.MethodGET, Path: "/orders/v0/orders/{orderId}/address"}},
	}); err == nil {
		t.Error("RestrictedDataToken: no error")
	}
	if n := srv.RDTCalls(); n != 1 {
		t.Errorf("%d Tokens calls for 6 requests of one resource, want 1 (the refusal remembered)", n)
	}
}

// An LWA refusal says what to do.
func TestLWARefusalSaysWhatToDo(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{RateScale: 100})
	for _, tt := range []struct {
		code string
		set  func(*client.Config)
		want string
	}{
		{"invalid_grant", func(c *client.Config) { c.RefreshToken = "Atzr|wrong" }, "authorise the application again"},
		{"invalid_client", func(c *client.Config) { c.ClientSecret = "wrong" }, "Config.ClientSecret"},
	} {
		t.Run(tt.code, func(t *testing.T) {
			cfg := srv.ClientConfig()
			cfg.Logger = slog.New(slog.DiscardHandler)
			tt.set(&cfg)
			c, err := client.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.CreateRestrictedDataToken(context.Background(), client.CreateRestrictedDataTokenRequest{
				RestrictedResources: []client.RestrictedResource{{Method: client.MethodGET, Path: "/orders/v0/orders/{orderId}/address"}},
			})
			var lwaErr *client.LWAError
			if !errors.As(err, &lwaErr) || lwaErr.Code != tt.code || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v: want *LWAError %s saying %q", err, tt.code, tt.want)
			}
		})
	}
}
