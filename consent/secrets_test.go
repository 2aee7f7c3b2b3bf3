package consent_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/consent"
	"github.com/spapi-go/spapi/marketplace"
)

// TestNoSecretInErrorsLogsOrFormatting runs a success and every kind of
// failure, and looks for the codes, the refresh token, the client secret
// and the state key in every error string, every log line (slog, text and
// JSON) and every formatting of the package's types.
func TestNoSecretInErrorsLogsOrFormatting(t *testing.T) {
	var secrets []string
	var texts []string
	var logs []*syncBuffer

	// A success, then a reused code and a replayed state.
	ap := newApp(t, nil, nil)
	logs = append(logs, ap.logs)
	secrets = append(secrets, ap.cfg.ClientSecret, string(testKey))
	b := ap.browser(t, "s")
	u, _ := ap.a.SellerURL(ctx, "s", marketplace.US)
	callback := consentRedirect(t, u)
	secrets = append(secrets, query(t, callback, "spapi_oauth_code"))
	visit(t, b, callback)
	visit(t, b, callback) // replayed state
	u2, _ := ap.a.SellerURL(ctx, "s", marketplace.US)
	visit(t, b, withQuery(t, callback, "state", query(t, u2, "state"))) // reused code
	auths := ap.authorizations()
	if len(auths) != 1 {
		t.Fatalf("%d authorizations", len(auths))
	}
	auth := auths[0]
	auth.MWSAuthToken = "amzn.mws.secret-mws-token"
	secrets = append(secrets, auth.RefreshToken, auth.MWSAuthToken)

	// LWA echoing the code and the secret back in its error, and an LWA
	// whose success reply is not JSON.
	for _, reply := range []func(code, secret string) (int, string){
		func(code, secret string) (int, string) {
			return 400, fmt.Sprintf(`{"error":"invalid_grant","error_description":"bad code %s for secret %s"}`, code, secret)
		},
		func(code, secret string) (int, string) { return 200, "Atzr|" + code + " not json" },
	} {
		var echo *app
		lwa := fakeLWA(t, func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			status, body := reply(r.PostForm.Get("code"), r.PostForm.Get("client_secret"))
			w.WriteHeader(status)
			io.WriteString(w, body)
		})
		echo = newApp(t, ap.srv, func(c *consent.Config) { c.LWAEndpoint = lwa })
		logs = append(logs, echo.logs)
		eu, _ := echo.a.SellerURL(ctx, "s", marketplace.DE)
		cb := consentRedirect(t, eu)
		secrets = append(secrets, query(t, cb, "spapi_oauth_code"))
		_, body := visit(t, echo.browser(t, "s"), cb)
		texts = append(texts, body)
		if echo.lastErr() == nil {
			t.Fatal("the echoing LWA's reply was accepted")
		}
		texts = append(texts, echo.lastErr().Error())
		for _, verb := range []string{"%v", "%+v", "%#v"} {
			texts = append(texts, fmt.Sprintf(verb, echo.lastErr()))
		}
	}
	ap.mu.Lock()
	for _, err := range ap.errs {
		texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	}
	ap.mu.Unlock()

	// The types, in every verb and through slog.
	var slogOut bytes.Buffer
	jl := slog.New(slog.NewJSONHandler(&slogOut, nil))
	tl := slog.New(slog.NewTextHandler(&slogOut, nil))
	for _, v := range []any{auth, &auth, ap.cfg, &ap.cfg, ap.a} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			texts = append(texts, fmt.Sprintf(verb, v))
		}
		jl.Info("value", "v", v)
		tl.Info("value", "v", v)
	}
	texts = append(texts, slogOut.String())
	for _, l := range logs {
		texts = append(texts, l.String())
	}
	if !strings.Contains(ap.logs.String(), "consent: authorized") || !strings.Contains(ap.logs.String(), "authorization refused") {
		t.Fatalf("the logs lack the records this test means to check:\n%s", ap.logs.String())
	}

	for _, s := range secrets {
		if len(s) < 8 {
			t.Fatalf("secret %d bytes: too short to search for", len(s))
		}
		for _, text := range texts {
			if strings.Contains(text, s) || strings.Contains(text, fmt.Sprintf("%x", s)) {
				t.Errorf("a secret (%.6s...) appears in %q", s, text)
			}
		}
	}
	// What is not secret is still there to debug with.
	if got := fmt.Sprintf("%+v", auth); !strings.Contains(got, auth.SellingPartnerID) || !strings.Contains(got, "Atzr|[REDACTED]") {
		t.Errorf("%%+v of the authorization: %s", got)
	}
}
