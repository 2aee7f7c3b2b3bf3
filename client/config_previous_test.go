package client_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/client"
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
