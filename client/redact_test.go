package client_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/spapi-go/tokens/client"
	"github.com/spapi-go/tokens/sptest"
)

// TestSecretsNeverFormatted formats every value that holds a secret in
// every way a caller might log it, and looks for the secrets.
func TestSecretsNeverFormatted(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, srv := setup(t, sptest.Options{}, func(cfg *client.Config) { cfg.Logger = logger })
	srv.Script(client.OpCreateRestrictedDataToken, sptest.Fault{Status: 503})
	rdt, err := c.CreateRestrictedDataToken(context.Background(), addressRequest())
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(srv)
	secrets := []string{sptest.ClientSecret, sptest.RefreshToken, rdt.Token}
	for _, r := range srv.Requests() {
		if tok := r.Header.Get("x-amz-access-token"); tok != "" {
			secrets = append(secrets, tok)
		}
	}
	if len(secrets) < 4 {
		t.Fatalf("found no access token in the server's requests")
	}

	values := map[string]any{"Config": cfg, "*Config": &cfg, "*Client": c, "RestrictedDataToken": *rdt, "*RestrictedDataToken": rdt}
	var out bytes.Buffer
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
			fmt.Fprintf(&out, "%s %s: "+verb+"\n", name, verb, v)
		}
		logger.Info("value", "v", v)
		logger.Info("value "+name, slog.Any("v", v))
	}
	out.Write(logs.Bytes())
	if !strings.Contains(logs.String(), "retrying") {
		t.Fatalf("debug log has no retry line; the test would miss a leak in it:\n%s", logs.String())
	}
	for _, s := range secrets {
		for _, form := range []string{s, fmt.Sprintf("%x", s), fmt.Sprintf("%X", s)} {
			if strings.Contains(out.String(), form) {
				t.Errorf("secret %.8s… appears in formatted output:\n%s", s, out.String())
			}
		}
	}
	if !strings.Contains(out.String(), sptest.ClientID) || !strings.Contains(out.String(), "[REDACTED]") {
		t.Errorf("formatted output lost its useful, non-secret parts:\n%s", out.String())
	}
}
