package consent_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/spapi-go/spapi/consent"
	"github.com/spapi-go/spapi/marketplace"
)

// FuzzCallback: whatever a callback carries, Complete neither panics nor
// succeeds without a genuine state for the request's session, and no LWA
// call is made for one it refuses.
func FuzzCallback(f *testing.F) {
	var lwaCalls atomic.Int32
	lwa := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lwaCalls.Add(1)
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
	}))
	f.Cleanup(lwa.Close)
	cfg := validConfig()
	cfg.LWAEndpoint = lwa.URL
	a, err := consent.New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	genuine, _ := a.SellerURL(ctx, "s", marketplace.US)
	u, _ := url.Parse(genuine)
	f.Add(u.Query().Get("state"), "ANcode", "ASELLER", "other-session")
	f.Add("", "", "", "")
	f.Add("AQ", "c", "s", "s")
	f.Add("%%%", "\x00", "\xff", "s")
	f.Fuzz(func(t *testing.T, state, code, spid, session string) {
		q := url.Values{"state": {state}, "spapi_oauth_code": {code}, "selling_partner_id": {spid}}
		r := httptest.NewRequest(http.MethodGet, "https://app.example/cb?"+q.Encode(), nil)
		r.AddCookie(&http.Cookie{Name: "sid", Value: url.QueryEscape(session)})
		before := lwaCalls.Load()
		auth, err := a.Complete(r)
		if err == nil {
			t.Fatalf("accepted a made-up callback: %v", auth)
		}
		var x *consent.ExchangeError
		if errors.As(err, &x) || lwaCalls.Load() != before {
			t.Fatalf("a refused state reached LWA: %v", err)
		}
	})
}
