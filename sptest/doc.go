// Package sptest is an in-process fake of Login with Amazon (LWA) and the
// Selling Partner API, for tests.
//
// The real services need credentials, a network and a registered application,
// enforce a 1 request/s limit on the Tokens API, and cannot be made to fail on
// demand. Tests of code that mints Restricted Data Tokens (RDTs) and calls
// restricted operations need all of the opposite: no secrets, no network,
// fast, deterministic, and able to script throttling, server errors, slow or
// broken replies, revoked and expired tokens. A Server gives that with one
// httptest.Server that answers both the LWA token endpoint and the SP-API
// paths the way the real API does:
//
//   - POST /auth/o2/token: LWA, grant types refresh_token and
//     client_credentials (grantless), credentials in the form or in HTTP
//     Basic auth. Only ClientID, ClientSecret and RefreshToken are accepted.
//   - POST /tokens/2021-03-01/restrictedDataToken: createRestrictedDataToken,
//     validated like the real API, rate limited by a token bucket (1 rps,
//     burst 10 by default), and answering the model's x-amzn-api-sandbox
//     static examples exactly as the model says.
//   - GET /orders/v0/orders/{orderId}/address (getOrderAddress),
//     GET /orders/v0/orders/{orderId} (getOrder, with PII only for the
//     dataElements an RDT names), GET /reports/2021-06-30/documents/{id}
//     (getReportDocument, which needs an RDT for the specific path) and
//     GET /sellers/v1/marketplaceParticipations (not restricted).
//
// Every request is counted and recorded, faults can be queued per operation
// (Script) or made persistent (Always), tokens can be revoked, and token expiry
// follows Options.Now so a fake clock can expire them.
//
// Usage:
//
//	srv := sptest.Start(t, sptest.Options{})
//	cfg := client.Config{
//		ClientID:     sptest.ClientID,
//		ClientSecret: sptest.ClientSecret,
//		RefreshToken: sptest.RefreshToken,
//		Endpoint:     srv.URL(),
//		LWAEndpoint:  srv.LWAURL(),
//	}
//	// ... exercise the code under test ...
//	if got := srv.LWACalls(); got != 1 {
//		t.Errorf("LWA calls = %d, want 1", got)
//	}
//
// To test error handling, queue faults before the calls:
//
//	srv.Script("createRestrictedDataToken",
//		sptest.Fault{Status: 429},
//		sptest.Fault{Status: 503, Header: http.Header{"Retry-After": {"1"}}})
//
// Note that net/http's Transport may transparently resend an idempotent
// request (a GET) whose reused connection was reset before any reply byte;
// such a resend reaches the server as a new request and consumes the next
// scripted fault.
package sptest
