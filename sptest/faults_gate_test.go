package sptest_test

import (
	"net/http"
	"testing"

	"github.com/spapi-go/spapi/sptest"
)

// TestFaultsPassAuthAndRateLimit: a scripted fault is what the real API
// answers once a request has passed its token and rate-limit checks, so a
// request without a valid token still gets 403, one over the limit 429, and
// a faulted request spends its operation's token.
func TestFaultsPassAuthAndRateLimit(t *testing.T) {
	const path = "/orders/v0/orders/902-3159896-1390916/orderItems"
	tests := []struct {
		name   string
		token  func(t *testing.T, srv *sptest.Server) string
		spend  bool // the bucket (burst 1) is empty before the request
		status int
	}{
		{"valid token: the fault", accessToken, false, 503},
		{"no token: 403, not the fault", func(*testing.T, *sptest.Server) string { return "" }, false, 403},
		{"unknown token: 403", func(*testing.T, *sptest.Server) string { return "Atza|nope" }, false, 403},
		{"over the limit: 429, not the fault", accessToken, true, 429},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := sptest.Start(t, sptest.Options{Plans: map[string]sptest.Plan{"getOrderItems": {Rate: 0.001, Burst: 1}}})
			tok := tc.token(t, srv)
			if tc.spend {
				srv.SpendBudgetOf("getOrderItems")
			}
			srv.Script("getOrderItems", sptest.Fault{Status: 503})
			if r := do(t, srv, http.MethodGet, path, tok, nil); r.status != tc.status {
				t.Fatalf("reply = %v, want %d", r, tc.status)
			}
		})
	}
	t.Run("a faulted request spends its token", func(t *testing.T) {
		srv := sptest.Start(t, sptest.Options{Plans: map[string]sptest.Plan{"getOrderItems": {Rate: 0.001, Burst: 1}}})
		tok := accessToken(t, srv)
		srv.Script("getOrderItems", sptest.Fault{Status: 500})
		if r := do(t, srv, http.MethodGet, path, tok, nil); r.status != 500 {
			t.Fatalf("first reply = %v, want the scripted 500", r)
		}
		if r := do(t, srv, http.MethodGet, path, tok, nil); r.status != 429 {
			t.Fatalf("second reply = %v, want 429 (the fault spent the burst of 1)", r)
		}
	})
}
