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

// TestPreviousClientSecretNeverFormatted: the previous client secret, kept
// during a rotation, is redacted in every format, like the current one.
func TestPreviousClientSecretNeverFormatted(t *testing.T) {
	const previous = "amzn1.oa2-cs.v1.previous-secret-value"
	cfg := client.Config{ClientID: "id", ClientSecret: "current-secret-value", RefreshToken: "Atzr|refresh", PreviousClientSecret: previous}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "cfg", cfg)
	for _, out := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), cfg.String(), logs.String()} {
		if strings.Contains(out, "previous-secret") || strings.Contains(out, "current-secret") {
			t.Errorf("a secret is shown: %s", out)
		}
	}
	if s := fmt.Sprintf("%+v", cfg); !strings.Contains(s, "PreviousSecret:[REDACTED]") {
		t.Errorf("%%+v = %s; want the previous secret shown as set and redacted", s)
	}
}

// The previous client secret can be removed from a Config whose secrets
// HideSecrets hid, as README's rotation says to once no process runs with
// the old secret: on a hidden Config an empty field means "the hidden
// one", so only WithoutPreviousClientSecret clears it. The other secrets
// stay, and New still uses them.
func TestWithoutPreviousClientSecret(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	base := testConfig(srv)
	base.PreviousClientSecret = "previous-secret-value"
	for _, tt := range []struct {
		name string
		cfg  client.Config
	}{
		{"in the field", base},
		{"hidden", base.HideSecrets()},
		{"hidden, the field set again", func() client.Config { c := base.HideSecrets(); c.PreviousClientSecret = "other"; return c }()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if s := fmt.Sprintf("%+v", tt.cfg); !strings.Contains(s, "PreviousSecret:[REDACTED]") {
				t.Fatalf("before: %s; want a previous secret set", s)
			}
			cfg := tt.cfg.WithoutPreviousClientSecret()
			s := fmt.Sprintf("%+v", cfg)
			if strings.Contains(s, "PreviousSecret:[REDACTED]") {
				t.Errorf("after WithoutPreviousClientSecret: %s; want no previous secret", s)
			}
			if !strings.Contains(s, "ClientSecret:[REDACTED]") || !strings.Contains(s, "[REDACTED] Scope:") {
				t.Errorf("after WithoutPreviousClientSecret: %s; want the client secret and refresh token kept", s)
			}
			if fmt.Sprintf("%+v", tt.cfg) == s {
				t.Errorf("WithoutPreviousClientSecret changed the Config it was called on")
			}
			c, err := client.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.RestrictedDataToken(context.Background(), addressRequest()); err != nil {
				t.Errorf("a client from the Config without the previous secret: %v", err)
			}
		})
	}
}
