package sptest_test

import (
	"net/http"
	"testing"

	"github.com/spapi-go/spapi/sptest"
)

// errNoRole is Amazon's reply to an application without the restricted role,
// grammar included.
const errNoRole = `{"errors":[{"code":"InvalidInput","message":"Application do not have access to some or all requested resource","details":""}]}`

func TestNoRestrictedRole(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRestrictedRole: true, Burst: 20})
	tok := accessToken(t, srv)
	const docPath = "/reports/2021-06-30/documents/amzn1.spdoc.1.4.na.abc"
	body := []byte(`{"restrictedResources":[{"method":"GET","path":"` + docPath + `"}]}`)

	// Authentication comes first, then the rate limit, then the role.
	wantReply(t, do(t, srv, http.MethodPost, rdtPath, "Atza|made-up", body), 403, errDenied)
	r := do(t, srv, http.MethodPost, rdtPath, tok, body)
	wantReply(t, r, 400, errNoRole)
	if r.header.Get("x-amzn-RateLimit-Limit") != "1" {
		t.Errorf("400 rate header = %q, want 1", r.header.Get("x-amzn-RateLimit-Limit"))
	}
	// Whatever the body: invalid, or a sandbox example.
	wantReply(t, do(t, srv, http.MethodPost, rdtPath, tok, []byte(`{}`)), 400, errNoRole)
	for _, ex := range modelExamples(t) {
		wantReply(t, do(t, srv, http.MethodPost, rdtPath, tok, ex.request), 400, errNoRole)
	}
	srv.SpendBudget()
	wantReply(t, do(t, srv, http.MethodPost, rdtPath, tok, body), 429, errQuota)
	if n := len(srv.IssuedRDTs()); n != 0 {
		t.Errorf("IssuedRDTs = %d without the role", n)
	}

	// Report documents take the LWA token; other restricted operations do not.
	docReply := `{"reportDocumentId":"amzn1.spdoc.1.4.na.abc","url":"https://example.invalid/doc/amzn1.spdoc.1.4.na.abc"}`
	wantReply(t, do(t, srv, http.MethodGet, docPath, tok, nil), 200, docReply)
	wantReply(t, do(t, srv, http.MethodGet, addressPath, tok, nil), 403, errUnauthorized)

	// Granted again: the Tokens call works, and report documents need an RDT.
	ok := sptest.Start(t, sptest.Options{NoRateLimit: true})
	tok = accessToken(t, ok)
	ok.SetRestrictedRole(false)
	wantReply(t, do(t, ok, http.MethodPost, rdtPath, tok, body), 400, errNoRole)
	ok.SetRestrictedRole(true)
	rdt := rdtFor(t, ok, tok, get(docPath))
	wantReply(t, do(t, ok, http.MethodGet, docPath, tok, nil), 403, errUnauthorized)
	wantReply(t, do(t, ok, http.MethodGet, docPath, rdt, nil), 200, docReply)
	// An RDT minted before the role was withdrawn still works, and so does
	// the LWA token then.
	ok.SetRestrictedRole(false)
	wantReply(t, do(t, ok, http.MethodGet, docPath, rdt, nil), 200, docReply)
	wantReply(t, do(t, ok, http.MethodGet, docPath, tok, nil), 200, docReply)
}
