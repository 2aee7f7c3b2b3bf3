package client_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
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

// Issue 17, item 7: a Config held in an unexported struct field printed its
// client secret and refresh token with %+v, since fmt cannot call Format
// there. Config's field types are a contract, so the secrets leave them:
// HideSecrets moves them where no formatter reaches, and New still uses
// them. The *RestrictedDataToken the client returns prints as an address
// in such a field.
func TestSecretsHiddenInUnexportedFields(t *testing.T) {
	c0, srv := setup(t, sptest.Options{})
	rdt, err := c0.RestrictedDataToken(context.Background(), addressRequest())
	if err != nil {
		t.Fatal(err)
	}
	const previous = "previous-client-secret-value"
	withPrevious := testConfig(srv)
	withPrevious.PreviousClientSecret = previous
	cfg := withPrevious.HideSecrets()
	type worker struct {
		cfg  client.Config
		cfgp *client.Config
		rdt  *client.RestrictedDataToken
		all  []any
	}
	w := worker{cfg: cfg, cfgp: &cfg, rdt: rdt, all: []any{cfg, rdt}}
	out := fmt.Sprintf("%v %+v %#v", w, w, w) + fmtAll(cfg) + fmtAll(&cfg)
	for _, s := range []string{sptest.ClientSecret, sptest.RefreshToken, previous, rdt.Token} {
		if strings.Contains(out, s) {
			t.Errorf("secret %.8s… printed:\n%s", s, out)
		}
	}
	if cfg.ClientSecret != "" || cfg.RefreshToken != "" || cfg.PreviousClientSecret != "" {
		t.Errorf("HideSecrets left ClientSecret %q, RefreshToken %q", cfg.ClientSecret, cfg.RefreshToken)
	}
	if !strings.Contains(fmtAll(cfg), "[REDACTED]") {
		t.Errorf("Format no longer says a secret is set: %s", fmtAll(cfg))
	}

	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RestrictedDataToken(context.Background(), addressRequest()); err != nil {
		t.Fatalf("a client from a Config with hidden secrets: %v", err)
	}
	rotated := cfg
	rotated.ClientSecret = "rotated"
	if _, err := client.New(rotated); err != nil {
		t.Fatal(err)
	}
	if c2, _ := client.New(rotated); c2 != nil {
		if _, err := c2.RestrictedDataToken(context.Background(), addressRequest()); err == nil {
			t.Errorf("a client secret set after HideSecrets was not used (LWA accepted the hidden one)")
		}
	}
	if _, err := client.New(client.Config{ClientID: "id"}.HideSecrets()); err == nil {
		t.Errorf("New accepted a Config with no secrets, hidden or not")
	}
}
