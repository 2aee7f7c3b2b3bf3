package sptest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/spapi-go/spapi/internal/testclock"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spapi-go/spapi/api"
	"github.com/spapi-go/spapi/sptest"
)

const (
	rdtPath      = "/tokens/2021-03-01/restrictedDataToken"
	mpPath       = "/sellers/v1/marketplaceParticipations"
	orderID      = "902-1845936-5435065"
	errDenied    = `{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":"The access token you provided is revoked, malformed or invalid."}]}`
	errExpired   = `{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":"The access token you provided has expired."}]}`
	errQuota     = `{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota for the requested resource.","details":""}]}`
	errNotFound  = `{"errors":[{"code":"NotFound","message":"Resource not found."}]}`
	janeAddrJSON = `{"Name":"Jane Doe","AddressLine1":"1 Main St","City":"Seattle","StateOrRegion":"WA","PostalCode":"98101","CountryCode":"US"}`
)

// newClock is a clock a test moves by hand, for Options.Now.
func newClock() *testclock.Clock { return testclock.New(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)) }

// response is a reply read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

// do sends one request with an optional access token.
func do(t *testing.T, srv *sptest.Server, method, path, token string, body []byte) response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("x-amz-access-token", token)
	}
	return send(t, srv, req)
}

func send(t *testing.T, srv *sptest.Server, req *http.Request) response {
	t.Helper()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", req.Method, req.URL.Path, err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

func postForm(t *testing.T, srv *sptest.Server, form url.Values) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.LWAURL(), strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(t, srv, req)
}

func refreshForm() url.Values {
	return url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {sptest.RefreshToken},
		"client_id":     {sptest.ClientID},
		"client_secret": {sptest.ClientSecret},
	}
}

// accessToken gets an LWA access token.
func accessToken(t *testing.T, srv *sptest.Server) string {
	t.Helper()
	r := postForm(t, srv, refreshForm())
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &tok) != nil || tok.AccessToken == "" {
		t.Fatalf("LWA: %v", r)
	}
	return tok.AccessToken
}

// rdtFor mints an RDT for the resources, given as method, path, dataElements.
func rdtFor(t *testing.T, srv *sptest.Server, token string, resources ...sptest.RestrictedResource) string {
	t.Helper()
	type res struct {
		Method       string   `json:"method"`
		Path         string   `json:"path"`
		DataElements []string `json:"dataElements,omitempty"`
	}
	var rs []res
	for _, r := range resources {
		rs = append(rs, res{r.Method, r.Path, r.DataElements})
	}
	body, _ := json.Marshal(map[string]any{"restrictedResources": rs})
	r := do(t, srv, http.MethodPost, rdtPath, token, body)
	var rdt struct {
		RestrictedDataToken string `json:"restrictedDataToken"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &rdt) != nil || !strings.HasPrefix(rdt.RestrictedDataToken, "Atz.sprdt|") {
		t.Fatalf("createRestrictedDataToken: %v", r)
	}
	return rdt.RestrictedDataToken
}

func get(path string, elems ...string) sptest.RestrictedResource {
	return sptest.RestrictedResource{Method: http.MethodGet, Path: path, DataElements: elems}
}

func wantReply(t *testing.T, r response, status int, body string) {
	t.Helper()
	if r.status != status || string(r.body) != body {
		t.Errorf("reply = %v\nwant    %d %s", r, status, body)
	}
}

func TestLWA(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{TokenLifetime: 90 * time.Second})
	basic := func(form url.Values) *http.Request {
		form.Del("client_id")
		form.Del("client_secret")
		req, _ := http.NewRequest(http.MethodPost, srv.LWAURL(), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(sptest.ClientID), url.QueryEscape(sptest.ClientSecret))
		return req
	}
	form := func(edit func(url.Values)) *http.Request {
		f := refreshForm()
		edit(f)
		req, _ := http.NewRequest(http.MethodPost, srv.LWAURL(), strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	}
	jsonBody, _ := json.Marshal(map[string]string{
		"grant_type": "refresh_token", "refresh_token": sptest.RefreshToken,
		"client_id": sptest.ClientID, "client_secret": sptest.ClientSecret,
	})
	jsonReq, _ := http.NewRequest(http.MethodPost, srv.LWAURL(), bytes.NewReader(jsonBody))
	jsonReq.Header.Set("Content-Type", "application/json")

	tests := []struct {
		name      string
		req       *http.Request
		status    int
		errCode   string
		errDesc   string
		wantScope string
	}{
		{name: "form", req: form(func(url.Values) {}), status: 200},
		{name: "basic auth", req: basic(refreshForm()), status: 200},
		{name: "json body", req: jsonReq, status: 200},
		{name: "grantless", req: form(func(f url.Values) {
			f.Set("grant_type", "client_credentials")
			f.Del("refresh_token")
			f.Set("scope", "sellingpartnerapi::notifications")
		}), status: 200, wantScope: "sellingpartnerapi::notifications"},
		{name: "wrong secret", req: form(func(f url.Values) { f.Set("client_secret", "nope") }),
			status: 401, errCode: "invalid_client", errDesc: "Client authentication failed"},
		{name: "wrong client id", req: form(func(f url.Values) { f.Set("client_id", "amzn1.application-oa2-client.other") }),
			status: 401, errCode: "invalid_client", errDesc: "Client authentication failed"},
		{name: "no credentials", req: form(func(f url.Values) { f.Del("client_id"); f.Del("client_secret") }),
			status: 401, errCode: "invalid_client", errDesc: "Client authentication failed"},
		{name: "wrong refresh token", req: form(func(f url.Values) { f.Set("refresh_token", "Atzr|other") }),
			status: 400, errCode: "invalid_grant", errDesc: "The request has an invalid grant parameter : refresh_token"},
		{name: "unsupported grant", req: form(func(f url.Values) { f.Set("grant_type", "password") }),
			status: 400, errCode: "unsupported_grant_type"},
		{name: "grantless without scope", req: form(func(f url.Values) { f.Set("grant_type", "client_credentials") }),
			status: 400, errCode: "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, srv, tt.req)
			if r.status != tt.status {
				t.Fatalf("status = %v, want %d", r, tt.status)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if tt.status != 200 {
				var e struct {
					Error            string `json:"error"`
					ErrorDescription string `json:"error_description"`
				}
				if err := json.Unmarshal(r.body, &e); err != nil {
					t.Fatalf("error body %s: %v", r.body, err)
				}
				if e.Error != tt.errCode || (tt.errDesc != "" && e.ErrorDescription != tt.errDesc) || e.ErrorDescription == "" {
					t.Errorf("error = %+v, want %s %q", e, tt.errCode, tt.errDesc)
				}
				return
			}
			var tok struct {
				AccessToken  string `json:"access_token"`
				TokenType    string `json:"token_type"`
				ExpiresIn    int    `json:"expires_in"`
				RefreshToken string `json:"refresh_token"`
				Scope        string `json:"scope"`
			}
			if err := json.Unmarshal(r.body, &tok); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(tok.AccessToken, "Atza|sptest-") || tok.TokenType != "bearer" || tok.ExpiresIn != 90 {
				t.Errorf("token reply = %s", r.body)
			}
			if tt.wantScope != tok.Scope {
				t.Errorf("scope = %q, want %q", tok.Scope, tt.wantScope)
			}
			if tt.wantScope == "" && tok.RefreshToken != sptest.RefreshToken {
				t.Errorf("refresh_token = %q", tok.RefreshToken)
			}
			// The token works on the SP-API.
			wantReply(t, do(t, srv, http.MethodGet, mpPath, tok.AccessToken, nil), 200,
				`{"payload":[{"marketplace":{"id":"ATVPDKIKX0DER"}}]}`)
		})
	}
	if got, want := srv.LWACalls(), len(tests); got != want || srv.Calls("lwa") != got {
		t.Errorf("LWACalls = %d, want %d", got, want)
	}
	if got := srv.CallsByStatus("lwa", 200); got != 4 {
		t.Errorf("CallsByStatus(lwa, 200) = %d, want 4", got)
	}
	if got := srv.CallsByStatus("lwa", 401); got != 3 {
		t.Errorf("CallsByStatus(lwa, 401) = %d, want 3", got)
	}
}

func TestAccessTokensAreUnique(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	a, b := accessToken(t, srv), accessToken(t, srv)
	if a == b {
		t.Errorf("two LWA calls gave the same token %q", a)
	}
}

func TestForbidden(t *testing.T) {
	clk := newClock()
	srv := sptest.Start(t, sptest.Options{Now: clk.Now, TokenLifetime: time.Minute})
	good := accessToken(t, srv)
	revoked := accessToken(t, srv)
	srv.RevokeAccessTokens()
	fresh := accessToken(t, srv)

	body := []byte(`{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders"}]}`)
	for _, tt := range []struct {
		name, token, want string
	}{
		{"missing", "", errDenied},
		{"unknown", "Atza|made-up", errDenied},
		{"revoked", revoked, errDenied},
		{"revoked earlier", good, errDenied},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{rdtPath, mpPath, "/orders/v0/orders/" + orderID, "/no/such/path"} {
				r := do(t, srv, http.MethodPost, path, tt.token, body)
				if path != rdtPath {
					r = do(t, srv, http.MethodGet, path, tt.token, nil)
				}
				wantReply(t, r, 403, tt.want)
				if ct := r.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("%s: Content-Type = %q", path, ct)
				}
			}
		})
	}
	if r := do(t, srv, http.MethodPost, rdtPath, fresh, body); r.status != 200 {
		t.Errorf("token issued after RevokeAccessTokens: %v", r)
	}
	clk.Add(time.Minute)
	wantReply(t, do(t, srv, http.MethodPost, rdtPath, fresh, body), 403, errExpired)
	wantReply(t, do(t, srv, http.MethodGet, mpPath, fresh, nil), 403, errExpired)
}

func TestRequestIDs(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	seen := map[string]bool{}
	for range 5 {
		r := do(t, srv, http.MethodGet, mpPath, "", nil)
		id := r.header.Get("x-amzn-RequestId")
		if id == "" || seen[id] {
			t.Fatalf("x-amzn-RequestId %q empty or repeated", id)
		}
		seen[id] = true
	}
	reqs := srv.Requests()
	if len(reqs) != 5 || !seen[reqs[0].RequestID] {
		t.Errorf("Requests() = %d entries, first RequestID %q", len(reqs), reqs[0].RequestID)
	}
}

func TestCreateRDTValidation(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{Rate: 2.5, NoRateLimit: false, Burst: 1000})
	tok := accessToken(t, srv)
	many := make([]string, 51)
	for i := range many {
		many[i] = `{"method":"GET","path":"/orders/v0/orders"}`
	}
	tests := []struct {
		name, body, want string
	}{
		{"not json", `{"restrictedResources":`, "JSON"},
		{"empty body", ``, "JSON"},
		{"trailing data", `{"restrictedResources":[{"method":"GET","path":"/a"}]} {}`, "JSON"},
		{"array", `[]`, "request body"},
		{"wrong type", `{"restrictedResources":[{"method":5,"path":"/a"}]}`, "request body"},
		{"missing resources", `{"targetApplication":"x"}`, "restrictedResources is required"},
		{"null resources", `{"restrictedResources":null}`, "restrictedResources is required"},
		{"empty resources", `{"restrictedResources":[]}`, "at least 1"},
		{"51 resources", `{"restrictedResources":[` + strings.Join(many, ",") + `]}`, "at most 50"},
		{"bad method", `{"restrictedResources":[{"method":"PATCH","path":"/a"}]}`, "restrictedResources[0].method"},
		{"lower-case method", `{"restrictedResources":[{"method":"get","path":"/a"}]}`, "restrictedResources[0].method"},
		{"empty method", `{"restrictedResources":[{"method":"","path":"/a"}]}`, "restrictedResources[0].method"},
		{"empty path", `{"restrictedResources":[{"method":"GET","path":"/a"},{"method":"GET","path":""}]}`, "restrictedResources[1].path is required"},
		{"relative path", `{"restrictedResources":[{"method":"GET","path":"orders/v0/orders"}]}`, "restrictedResources[0].path must start with '/'"},
		{"bad data element", `{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders","dataElements":["buyerInfo","email"]}]}`, "dataElements"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, srv, http.MethodPost, rdtPath, tok, []byte(tt.body))
			if r.status != 400 {
				t.Fatalf("reply = %v, want 400", r)
			}
			var el struct {
				Errors []struct{ Code, Message, Details string }
			}
			if err := json.Unmarshal(r.body, &el); err != nil || len(el.Errors) != 1 {
				t.Fatalf("body %s: %v", r.body, err)
			}
			e := el.Errors[0]
			if e.Code != "InvalidInput" || !strings.Contains(e.Message, tt.want) || e.Details == "" {
				t.Errorf("error = %+v, want InvalidInput naming %q", e, tt.want)
			}
			if got := r.header.Get("x-amzn-RateLimit-Limit"); got != "2.5" {
				t.Errorf("x-amzn-RateLimit-Limit = %q, want 2.5", got)
			}
		})
	}
	// 50 resources and every valid method and data element are accepted.
	var ok []sptest.RestrictedResource
	for i := range 50 {
		m := []string{"GET", "PUT", "POST", "DELETE"}[i%4]
		ok = append(ok, sptest.RestrictedResource{Method: m, Path: fmt.Sprintf("/x/%d", i)})
	}
	ok[0].DataElements = []string{"buyerInfo", "shippingAddress", "buyerTaxInformation"}
	rdtFor(t, srv, tok, ok...)
	if got := srv.CallsByStatus("createRestrictedDataToken", 400); got != len(tests) {
		t.Errorf("CallsByStatus(400) = %d, want %d", got, len(tests))
	}
}

// modelExample is one x-amzn-api-sandbox static example, read here
// independently of the package.
type modelExample struct {
	status   int
	request  json.RawMessage
	response json.RawMessage
}

func modelExamples(t *testing.T) []modelExample {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Sandbox struct {
					Static []struct {
						Request struct {
							Parameters struct {
								Body struct {
									Value json.RawMessage `json:"value"`
								} `json:"body"`
							} `json:"parameters"`
						} `json:"request"`
						Response json.RawMessage `json:"response"`
					} `json:"static"`
				} `json:"x-amzn-api-sandbox"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(api.TokensModel, &doc); err != nil {
		t.Fatal(err)
	}
	var out []modelExample
	for code, r := range doc.Paths[rdtPath]["post"].Responses {
		status, err := strconv.Atoi(code)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range r.Sandbox.Static {
			var resp bytes.Buffer
			if err := json.Compact(&resp, st.Response); err != nil {
				t.Fatal(err)
			}
			out = append(out, modelExample{status, st.Request.Parameters.Body.Value, resp.Bytes()})
		}
	}
	return out
}

func TestSandboxExamples(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	tok := accessToken(t, srv)
	examples := modelExamples(t)
	if len(examples) < 3 {
		t.Fatalf("found %d sandbox examples in the model, want at least 3", len(examples))
	}
	for _, ex := range examples {
		t.Run(fmt.Sprintf("%d %s", ex.status, ex.request), func(t *testing.T) {
			r := do(t, srv, http.MethodPost, rdtPath, tok, ex.request)
			if r.status != ex.status || !bytes.Equal(r.body, ex.response) {
				t.Errorf("reply = %v\nwant    %d %s", r, ex.status, ex.response)
			}
			// The same body, reformatted and with keys reordered, is the same
			// JSON value: the same answer.
			var v map[string]any
			if err := json.Unmarshal(ex.request, &v); err != nil {
				t.Fatal(err)
			}
			indented, _ := json.MarshalIndent(v, "", "    ")
			r = do(t, srv, http.MethodPost, rdtPath, tok, indented)
			if r.status != ex.status || !bytes.Equal(r.body, ex.response) {
				t.Errorf("reformatted: reply = %v", r)
			}
		})
	}
	// The sandbox token for the address template works on getOrderAddress.
	wantReply(t, do(t, srv, http.MethodGet, "/orders/v0/orders/"+orderID+"/address",
		"Atz.sprdt|IQEBLjAsAhRmHjNgHpi0U-Dme37rR6CuUpSR", nil), 200,
		`{"payload":{"AmazonOrderId":"`+orderID+`","ShippingAddress":`+janeAddrJSON+`}}`)

	// A body that differs from the 400 example in one value is validated
	// normally.
	r := do(t, srv, http.MethodPost, rdtPath, tok,
		[]byte(`{"restrictedResources":[{"method":"","path":"/orders/v1/orders/902-1845936-5435065/address"}]}`))
	if r.status != 400 || !bytes.Contains(r.body, []byte(`"InvalidInput"`)) {
		t.Errorf("non-example invalid body: %v", r)
	}
}

func TestRateLimit(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{Rate: 0.001, Burst: 3})
	tok := accessToken(t, srv)
	body := []byte(`{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders"}]}`)
	// Unauthenticated requests do not spend the budget.
	for range 5 {
		r := do(t, srv, http.MethodPost, rdtPath, "Atza|bogus", body)
		if r.status != 403 || r.header.Get("x-amzn-RateLimit-Limit") != "0.001" {
			t.Fatalf("bogus token: %v %v", r, r.header)
		}
	}
	for i := range 3 {
		r := do(t, srv, http.MethodPost, rdtPath, tok, body)
		if r.status != 200 || r.header.Get("x-amzn-RateLimit-Limit") != "0.001" {
			t.Fatalf("request %d: %v, rate header %q", i, r, r.header.Get("x-amzn-RateLimit-Limit"))
		}
	}
	r := do(t, srv, http.MethodPost, rdtPath, tok, body)
	wantReply(t, r, 429, errQuota)
	if h := r.header.Values("x-amzn-RateLimit-Limit"); h != nil {
		t.Errorf("429 has rate header %q", h)
	}
	if r.header.Get("x-amzn-RequestId") == "" {
		t.Error("429 has no x-amzn-RequestId")
	}
	if got := srv.CallsByStatus("createRestrictedDataToken", 429); got != 1 {
		t.Errorf("CallsByStatus(429) = %d", got)
	}
	if got := srv.RDTCalls(); got != 9 {
		t.Errorf("RDTCalls = %d, want 9", got)
	}
}

func TestSpendBudget(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{Rate: 0.001})
	tok := accessToken(t, srv)
	body := []byte(`{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders"}]}`)
	if r := do(t, srv, http.MethodPost, rdtPath, tok, body); r.status != 200 {
		t.Fatalf("first request: %v", r)
	}
	srv.SpendBudget()
	wantReply(t, do(t, srv, http.MethodPost, rdtPath, tok, body), 429, errQuota)

	// NoRateLimit: no bucket, no header, SpendBudget does nothing.
	free := sptest.Start(t, sptest.Options{NoRateLimit: true})
	tok = accessToken(t, free)
	free.SpendBudget()
	for range 30 {
		r := do(t, free, http.MethodPost, rdtPath, tok, body)
		if r.status != 200 || r.header.Values("x-amzn-RateLimit-Limit") != nil {
			t.Fatalf("NoRateLimit: %v %v", r, r.header)
		}
	}
}

func TestOperationRate(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{OperationRate: 0.001, OperationBurst: 2})
	tok := accessToken(t, srv)
	for range 2 {
		r := do(t, srv, http.MethodGet, mpPath, tok, nil)
		if r.status != 200 || r.header.Get("x-amzn-RateLimit-Limit") != "0.001" {
			t.Fatalf("%v %v", r, r.header)
		}
	}
	wantReply(t, do(t, srv, http.MethodGet, mpPath, tok, nil), 429, errQuota)
	// Each operation has its own bucket.
	r := do(t, srv, http.MethodGet, "/orders/v0/orders/"+orderID, tok, nil)
	if r.status != 200 || r.header.Get("x-amzn-RateLimit-Limit") != "0.001" {
		t.Errorf("getOrder: %v %v", r, r.header)
	}
	// OperationRate does not apply to the Tokens call.
	r = do(t, srv, http.MethodPost, rdtPath, tok, []byte(`{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders"}]}`))
	if r.status != 200 || r.header.Get("x-amzn-RateLimit-Limit") != "1" {
		t.Errorf("createRestrictedDataToken: %v %v", r, r.header)
	}
	// Without OperationRate the header states the published plan.
	plain := sptest.Start(t, sptest.Options{})
	r = do(t, plain, http.MethodGet, mpPath, accessToken(t, plain), nil)
	if got := r.header.Get("x-amzn-RateLimit-Limit"); got != "0.016" {
		t.Errorf("rate header without OperationRate = %q, want the published 0.016", got)
	}
}

func TestRestrictedOperations(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{Burst: 20})
	tok := accessToken(t, srv)
	orderPath := "/orders/v0/orders/" + orderID
	addrPath := orderPath + "/address"
	docPath := "/reports/2021-06-30/documents/amzn1.spdoc.1.4.na.abc"

	addrTemplate := rdtFor(t, srv, tok, get("/orders/v0/orders/{orderId}/address"))
	addrSpecific := rdtFor(t, srv, tok, get(addrPath))
	addrOther := rdtFor(t, srv, tok, get("/orders/v0/orders/111-1111111-1111111/address"))
	addrPost := rdtFor(t, srv, tok, sptest.RestrictedResource{Method: "POST", Path: addrPath})
	docTemplate := rdtFor(t, srv, tok, get("/reports/2021-06-30/documents/{reportDocumentId}"))
	docSpecific := rdtFor(t, srv, tok, get(docPath))
	orderBuyer := rdtFor(t, srv, tok, get("/orders/v0/orders/{orderId}", "buyerInfo"))
	orderShipTax := rdtFor(t, srv, tok, get(orderPath, "shippingAddress", "buyerTaxInformation"))
	orderAll := rdtFor(t, srv, tok, get(orderPath, "buyerInfo"), get("/orders/v0/orders/{orderId}", "shippingAddress", "buyerTaxInformation"))
	orderNone := rdtFor(t, srv, tok, get(orderPath))

	addrReply := `{"payload":{"AmazonOrderId":"` + orderID + `","ShippingAddress":` + janeAddrJSON + `}}`
	order := func(pii string) string { return `{"payload":` + orderJSON(orderID, pii) + `}` }
	buyer := `,"BuyerInfo":{"BuyerEmail":"jane@example.com","BuyerName":"Jane Doe"}`
	ship := `,"ShippingAddress":` + janeAddrJSON
	tax := `,"BuyerTaxInformation":{"BuyerTaxRegistrationId":"DE123"}`
	docReply := `{"reportDocumentId":"amzn1.spdoc.1.4.na.abc","url":"https://example.invalid/doc/amzn1.spdoc.1.4.na.abc"}`

	tests := []struct {
		name, path, token string
		status            int
		body              string
	}{
		{"address/template", addrPath, addrTemplate, 200, addrReply},
		{"address/specific", addrPath, addrSpecific, 200, addrReply},
		{"address/other order", addrPath, addrOther, 403, errUnauthorized},
		{"address/other method", addrPath, addrPost, 403, errUnauthorized},
		{"address/LWA token", addrPath, tok, 403, errUnauthorized},
		{"address/RDT for getOrder", addrPath, orderAll, 403, errUnauthorized},
		{"order/LWA token", orderPath, tok, 200, order("")},
		{"order/buyerInfo template", orderPath, orderBuyer, 200, order(buyer)},
		{"order/shipping and tax", orderPath, orderShipTax, 200, order(tax + ship)},
		{"order/all", orderPath, orderAll, 200, order(tax + ship + buyer)},
		{"order/no dataElements", orderPath, orderNone, 200, order("")},
		{"order/RDT for address", orderPath, addrTemplate, 403, errUnauthorized},
		{"order/specific RDT other order", "/orders/v0/orders/111-1111111-1111111", orderShipTax, 403, errUnauthorized},
		{"report/specific", docPath, docSpecific, 200, docReply},
		{"report/template rejected", docPath, docTemplate, 403, errUnauthorized},
		{"report/LWA token", docPath, tok, 403, errUnauthorized},
		{"participations/LWA", mpPath, tok, 200, `{"payload":[{"marketplace":{"id":"ATVPDKIKX0DER"}}]}`},
		{"participations/RDT", mpPath, addrTemplate, 403, errUnauthorized},
		{"catalog/RDT", "/catalog/2022-04-01/items", orderAll, 403, errUnauthorized},
		{"other/LWA", "/orders/v0/orders/" + orderID + "/nothing", tok, 404, errNotFound},
		{"other/RDT", "/catalog/2022-04-01/nothing", orderAll, 404, errNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, srv, http.MethodGet, tt.path, tt.token, nil)
			wantReply(t, r, tt.status, tt.body)
			if r.header.Get("Content-Type") != "application/json" || r.header.Get("x-amzn-RequestId") == "" {
				t.Errorf("headers = %v", r.header)
			}
		})
	}
	// An RDT is not accepted by createRestrictedDataToken.
	wantReply(t, do(t, srv, http.MethodPost, rdtPath, orderAll,
		[]byte(`{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders"}]}`)), 403, errUnauthorized)

	for op, want := range map[string]int{
		"getOrderAddress": 6, "getOrder": 7, "ordersV0.getOrder": 7, "getReportDocument": 3,
		"getMarketplaceParticipations": 2, "other": 2, "createRestrictedDataToken": 11,
		"catalogItems_2022-04-01.searchCatalogItems": 1,
	} {
		if got := srv.Calls(op); got != want {
			t.Errorf("Calls(%q) = %d, want %d", op, got, want)
		}
	}
	if got := srv.CallsByStatus("getOrderAddress", 403); got != 4 {
		t.Errorf("CallsByStatus(getOrderAddress, 403) = %d, want 4", got)
	}
}

func TestRevocationAndExpiry(t *testing.T) {
	clk := newClock()
	srv := sptest.Start(t, sptest.Options{Now: clk.Now, RDTLifetime: 10 * time.Minute, TokenLifetime: time.Hour})
	tok := accessToken(t, srv)
	addrPath := "/orders/v0/orders/" + orderID + "/address"
	a := rdtFor(t, srv, tok, get(addrPath))
	b := rdtFor(t, srv, tok, get(addrPath))
	c := rdtFor(t, srv, tok, get(addrPath))

	srv.RevokeRDT(a)
	wantReply(t, do(t, srv, http.MethodGet, addrPath, a, nil), 403, errDenied)
	if r := do(t, srv, http.MethodGet, addrPath, b, nil); r.status != 200 {
		t.Errorf("unrevoked RDT: %v", r)
	}
	srv.RevokeRDTs()
	wantReply(t, do(t, srv, http.MethodGet, addrPath, b, nil), 403, errDenied)
	wantReply(t, do(t, srv, http.MethodGet, addrPath, c, nil), 403, errDenied)

	d := rdtFor(t, srv, tok, get(addrPath))
	clk.Add(10*time.Minute - time.Second)
	if r := do(t, srv, http.MethodGet, addrPath, d, nil); r.status != 200 {
		t.Errorf("RDT before expiry: %v", r)
	}
	clk.Add(time.Second)
	wantReply(t, do(t, srv, http.MethodGet, addrPath, d, nil), 403, errExpired)

	issued := srv.IssuedRDTs()
	if len(issued) != 4 {
		t.Fatalf("IssuedRDTs = %d, want 4", len(issued))
	}
	for i, want := range []bool{true, true, true, false} {
		if issued[i].Revoked != want {
			t.Errorf("IssuedRDTs[%d].Revoked = %v", i, issued[i].Revoked)
		}
	}
	if issued[3].Token != d || !issued[3].ExpiresAt.Equal(newClock().Now().Add(10*time.Minute)) {
		t.Errorf("IssuedRDTs[3] = %+v", issued[3])
	}
}

func TestIssuedRDTs(t *testing.T) {
	clk := newClock()
	srv := sptest.Start(t, sptest.Options{Now: clk.Now, RDTLifetime: 30 * time.Minute})
	tok := accessToken(t, srv)
	r := do(t, srv, http.MethodPost, rdtPath, tok, []byte(`{"targetApplication":"amzn1.sellerapps.app.x",
		"restrictedResources":[{"method":"GET","path":"/orders/v0/orders","dataElements":["buyerInfo"]},
		{"method":"DELETE","path":"/mfn/v0/shipments/{shipmentId}"}]}`))
	var rep struct {
		RestrictedDataToken string
		ExpiresIn           int
	}
	if err := json.Unmarshal(r.body, &rep); err != nil || r.status != 200 || rep.ExpiresIn != 1800 {
		t.Fatalf("reply %v: %v", r, err)
	}
	got := srv.IssuedRDTs()
	want := []sptest.IssuedRDT{{
		Token:             rep.RestrictedDataToken,
		TargetApplication: "amzn1.sellerapps.app.x",
		Resources: []sptest.RestrictedResource{
			{Method: "GET", Path: "/orders/v0/orders", DataElements: []string{"buyerInfo"}},
			{Method: "DELETE", Path: "/mfn/v0/shipments/{shipmentId}"},
		},
		ExpiresAt: clk.Now().Add(30 * time.Minute),
	}}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("IssuedRDTs() =\n%+v\nwant\n%+v", got, want)
	}
	// The result is a copy.
	got[0].Resources[0].DataElements[0] = "changed"
	if srv.IssuedRDTs()[0].Resources[0].DataElements[0] != "buyerInfo" {
		t.Error("IssuedRDTs shares memory with the server")
	}
}

func TestScript(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	tok := accessToken(t, srv)
	body := []byte(`{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders"}]}`)
	srv.Script("createRestrictedDataToken",
		sptest.Fault{Status: 429},
		sptest.Fault{Status: 503, Header: http.Header{"Retry-After": {"7"}}},
		sptest.Fault{Status: 500},
		sptest.Fault{Status: 502, Body: []byte("<html>bad gateway</html>"), Header: http.Header{"Content-Type": {"text/html"}}},
		sptest.Fault{Header: http.Header{"X-Extra": {"yes"}}},
	)
	r := do(t, srv, http.MethodPost, rdtPath, tok, body)
	wantReply(t, r, 429, errQuota)
	if r.header.Values("x-amzn-RateLimit-Limit") != nil || r.header.Get("x-amzn-RequestId") == "" {
		t.Errorf("429 headers = %v", r.header)
	}
	r = do(t, srv, http.MethodPost, rdtPath, tok, body)
	wantReply(t, r, 503, `{"errors":[{"code":"ServiceUnavailable","message":"Temporary overloading or maintenance of the server.","details":""}]}`)
	if r.header.Get("Retry-After") != "7" {
		t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	wantReply(t, do(t, srv, http.MethodPost, rdtPath, tok, body), 500,
		`{"errors":[{"code":"InternalFailure","message":"We encountered an internal error. Please try again.","details":""}]}`)
	r = do(t, srv, http.MethodPost, rdtPath, tok, body)
	wantReply(t, r, 502, "<html>bad gateway</html>")
	if r.header.Get("Content-Type") != "text/html" {
		t.Errorf("Content-Type = %q", r.header.Get("Content-Type"))
	}
	// Status 0: handled normally, plus the header.
	r = do(t, srv, http.MethodPost, rdtPath, tok, body)
	if r.status != 200 || r.header.Get("X-Extra") != "yes" || r.header.Get("x-amzn-RateLimit-Limit") != "1" {
		t.Errorf("status-0 fault: %v %v", r, r.header)
	}
	// The script is used up.
	if r := do(t, srv, http.MethodPost, rdtPath, tok, body); r.status != 200 || r.header.Get("X-Extra") != "" {
		t.Errorf("after the script: %v", r)
	}
	if got := srv.RDTCalls(); got != 6 {
		t.Errorf("RDTCalls = %d, want 6", got)
	}
	for status, want := range map[int]int{429: 1, 503: 1, 500: 1, 502: 1, 200: 2} {
		if got := srv.CallsByStatus("createRestrictedDataToken", status); got != want {
			t.Errorf("CallsByStatus(%d) = %d, want %d", status, got, want)
		}
	}
	if n := len(srv.IssuedRDTs()); n != 2 {
		t.Errorf("IssuedRDTs = %d, faults must not mint", n)
	}

	// LWA faults have LWA-shaped default bodies.
	srv.Script("lwa", sptest.Fault{Status: 500})
	wantReply(t, postForm(t, srv, refreshForm()), 500, `{"error":"server_error","error_description":"Internal server error"}`)
	if r := postForm(t, srv, refreshForm()); r.status != 200 {
		t.Errorf("LWA after the fault: %v", r)
	}

	// Faults of one op do not affect another; ClearFaults drops them all.
	srv.Script("getOrder", sptest.Fault{Status: 500})
	srv.Always("other", &sptest.Fault{Status: 418})
	if r := do(t, srv, http.MethodGet, mpPath, tok, nil); r.status != 200 {
		t.Errorf("unscripted op: %v", r)
	}
	srv.ClearFaults()
	if r := do(t, srv, http.MethodGet, "/orders/v0/orders/1", tok, nil); r.status != 200 {
		t.Errorf("after ClearFaults: %v", r)
	}
	if r := do(t, srv, http.MethodGet, "/nothing", tok, nil); r.status != 404 {
		t.Errorf("after ClearFaults: %v", r)
	}
}

func TestAlways(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	tok := accessToken(t, srv)
	f := &sptest.Fault{Status: 503, Header: http.Header{"Retry-After": {"1"}}}
	srv.Always("getMarketplaceParticipations", f)
	f.Status = 200 // the server keeps its own copy
	srv.Script("getMarketplaceParticipations", sptest.Fault{Status: 429})
	wantReply(t, do(t, srv, http.MethodGet, mpPath, tok, nil), 429, errQuota) // scripted first
	for range 3 {
		r := do(t, srv, http.MethodGet, mpPath, tok, nil)
		if r.status != 503 || r.header.Get("Retry-After") != "1" {
			t.Fatalf("Always: %v", r)
		}
	}
	srv.Always("getMarketplaceParticipations", nil)
	if r := do(t, srv, http.MethodGet, mpPath, tok, nil); r.status != 200 {
		t.Errorf("after Always(nil): %v", r)
	}
	if got := srv.CallsByStatus("getMarketplaceParticipations", 503); got != 3 {
		t.Errorf("CallsByStatus(503) = %d", got)
	}
}

func TestRequestsAndReset(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	tok := accessToken(t, srv)
	body := []byte(`{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders"}]}`)
	do(t, srv, http.MethodPost, rdtPath+"?x=1", tok, body)
	do(t, srv, http.MethodGet, "/nope", "", nil)

	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("Requests() = %d entries, want 3", len(reqs))
	}
	lwa, rdt, other := reqs[0], reqs[1], reqs[2]
	if lwa.Op != "lwa" || lwa.Method != "POST" || lwa.Path != "/auth/o2/token" || lwa.Status != 200 ||
		!strings.Contains(string(lwa.Body), "grant_type=refresh_token") {
		t.Errorf("LWA request = %+v", lwa)
	}
	if rdt.Op != "createRestrictedDataToken" || rdt.Path != rdtPath || rdt.RawQuery != "x=1" || rdt.Status != 200 ||
		!bytes.Equal(rdt.Body, body) || rdt.Header.Get("x-amz-access-token") != tok {
		t.Errorf("RDT request = %+v", rdt)
	}
	if other.Op != "other" || other.Method != "GET" || other.Status != 403 {
		t.Errorf("other request = %+v", other)
	}
	// Requests returns copies.
	reqs[1].Header.Set("x-amz-access-token", "changed")
	if srv.Requests()[1].Header.Get("x-amz-access-token") != tok {
		t.Error("Requests shares headers with the server")
	}

	srv.Reset()
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("Requests after Reset = %d", n)
	}
	for _, op := range []string{"lwa", "createRestrictedDataToken", "other"} {
		if srv.Calls(op) != 0 || srv.CallsByStatus(op, 200) != 0 || srv.CallsByStatus(op, 403) != 0 {
			t.Errorf("%s counters not reset", op)
		}
	}
	// Tokens survive Reset.
	if r := do(t, srv, http.MethodPost, rdtPath, tok, body); r.status != 200 {
		t.Errorf("after Reset: %v", r)
	}
	if srv.RDTCalls() != 1 || len(srv.Requests()) != 1 {
		t.Errorf("after Reset: RDTCalls %d, Requests %d", srv.RDTCalls(), len(srv.Requests()))
	}
}

func TestRecordedBodyLimit(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	big := bytes.Repeat([]byte("a"), 100<<10)
	do(t, srv, http.MethodPost, "/upload", "", big)
	if got := len(srv.Requests()[0].Body); got != 64<<10 {
		t.Errorf("recorded body = %d bytes, want 64 KiB", got)
	}
}

func TestTruncate(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	tok := accessToken(t, srv)
	srv.Script("createRestrictedDataToken", sptest.Fault{Truncate: true})
	srv.Script("lwa", sptest.Fault{Status: 500, Truncate: true})
	body := `{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders"}]}`
	for _, req := range []*http.Request{
		mustRequest(t, http.MethodPost, srv.URL()+rdtPath, tok, body),
		mustRequest(t, http.MethodPost, srv.LWAURL(), "", refreshForm().Encode()),
	} {
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: read %q, err %v; want io.ErrUnexpectedEOF", req.URL.Path, b, err)
		}
		if resp.ContentLength <= int64(len(b)) {
			t.Errorf("%s: Content-Length %d, body %d bytes", req.URL.Path, resp.ContentLength, len(b))
		}
	}
	if srv.CallsByStatus("createRestrictedDataToken", 200) != 1 || srv.CallsByStatus("lwa", 500) != 1 {
		t.Error("truncated replies not counted by status")
	}
	// The server still works afterwards.
	if r := do(t, srv, http.MethodPost, rdtPath, tok, []byte(body)); r.status != 200 {
		t.Errorf("after Truncate: %v", r)
	}
}

func mustRequest(t *testing.T, method, u, token, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("x-amz-access-token", token)
	}
	if strings.HasSuffix(u, "/auth/o2/token") {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req
}

func TestBodySize(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	tok := accessToken(t, srv)

	srv.Script("getMarketplaceParticipations", sptest.Fault{Status: 200, BodySize: 100})
	r := do(t, srv, http.MethodGet, mpPath, tok, nil)
	if r.status != 200 || len(r.body) != 100 || !json.Valid(r.body) {
		t.Errorf("BodySize 100: %v (%d bytes)", r, len(r.body))
	}

	const huge = 32 << 20
	srv.Script("createRestrictedDataToken", sptest.Fault{BodySize: huge})
	req := mustRequest(t, http.MethodPost, srv.URL()+rdtPath, tok, `{"restrictedResources":[{"method":"GET","path":"/a"}]}`)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20+1))
	resp.Body.Close() // the client gives up; the server stops streaming
	if err != nil || len(b) != 1<<20+1 || resp.ContentLength != huge || !bytes.HasPrefix(b, []byte(`{"payload":"xxx`)) {
		t.Errorf("huge reply: %d bytes, Content-Length %d, err %v, starts %q", len(b), resp.ContentLength, err, b[:min(len(b), 20)])
	}
	if resp.StatusCode != 200 {
		t.Errorf("status-0 BodySize fault: status %d", resp.StatusCode)
	}
}

func TestResetConnection(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	tok := accessToken(t, srv)
	srv.Script("createRestrictedDataToken", sptest.Fault{Reset: true})
	req := mustRequest(t, http.MethodPost, srv.URL()+rdtPath, tok, `{"restrictedResources":[{"method":"GET","path":"/a"}]}`)
	if resp, err := srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("Reset fault: got status %d, want a connection error", resp.StatusCode)
	}
	if srv.RDTCalls() != 1 || srv.CallsByStatus("createRestrictedDataToken", 0) != 1 {
		t.Errorf("RDTCalls %d, no-reply count %d", srv.RDTCalls(), srv.CallsByStatus("createRestrictedDataToken", 0))
	}
	if n := len(srv.IssuedRDTs()); n != 0 {
		t.Errorf("a reset request minted %d RDTs", n)
	}
}

func TestDelayAndLatencyHonourContext(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{Latency: time.Hour})
	// LWA replies are not delayed by Latency.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := mustRequest(t, http.MethodPost, srv.LWAURL(), "", refreshForm().Encode())
	resp, err := srv.Client().Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("LWA with Latency: %v", err)
	}
	resp.Body.Close()

	// An SP-API reply waits; the caller's context ends the wait.
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req = mustRequest(t, http.MethodGet, srv.URL()+mpPath, "", "")
	if _, err := srv.Client().Do(req.WithContext(ctx)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Latency: err = %v, want context.DeadlineExceeded", err)
	}

	srv2 := sptest.Start(t, sptest.Options{})
	srv2.Script("lwa", sptest.Fault{Delay: time.Hour, Status: 200})
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req = mustRequest(t, http.MethodPost, srv2.LWAURL(), "", refreshForm().Encode())
	if _, err := srv2.Client().Do(req.WithContext(ctx)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Delay: err = %v, want context.DeadlineExceeded", err)
	}
}

// TestCloseStopsEverything checks that Close returns at once with a reply
// pending for an hour and leaves none of the server's goroutines behind.
func TestCloseStopsEverything(t *testing.T) {
	srv := sptest.NewServer(sptest.Options{})
	srv.Always("getOrder", &sptest.Fault{Delay: time.Hour})
	srv.Script("getOrderAddress", sptest.Fault{Status: 200, BodySize: 64 << 20})

	sent := make(chan struct{}, 2)
	done := make(chan error, 2)
	closed := make(chan struct{})
	for _, path := range []string{"/orders/v0/orders/1", "/orders/v0/orders/1/address"} {
		req := mustRequest(t, http.MethodGet, srv.URL()+path, "", "")
		trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { sent <- struct{}{} }}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		go func() {
			resp, err := srv.Client().Do(req)
			if err == nil {
				// Hold the body unread until Close: the server's writes
				// block on a full connection.
				<-closed
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			done <- err
		}()
	}
	<-sent
	<-sent
	srv.Close()
	srv.Close() // idempotent
	close(closed)
	for range 2 {
		if err := <-done; err == nil {
			t.Error("a request pending at Close completed normally")
		}
	}
	// A handler aborted by Close may still be unwinding (its connection's
	// deferred clean-up) when Close returns: look again, as goleak does,
	// until a generous deadline. A goroutine that never ends fails.
	buf := make([]byte, 1<<20)
	var stacks string
	for deadline := time.Now().Add(10 * time.Second); ; {
		stacks = string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "sptest.(*Server)") {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("server goroutines left 10 s after Close:\n%s", stacks)
}

func TestStartClosesOnCleanup(t *testing.T) {
	var u string
	t.Run("inner", func(t *testing.T) {
		u = sptest.Start(t, sptest.Options{}).URL()
	})
	resp, err := http.Get(u + mpPath)
	if err == nil {
		resp.Body.Close()
		t.Error("server still answering after the test that started it ended")
	}
}

func TestURLs(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") || srv.LWAURL() != srv.URL()+"/auth/o2/token" {
		t.Errorf("URL %q, LWAURL %q", srv.URL(), srv.LWAURL())
	}
}

func TestConcurrentUse(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	const workers, each = 8, 10
	var wg sync.WaitGroup
	tokens := make(chan string, workers*each)
	for range workers {
		wg.Go(func() {
			tok := accessToken(t, srv)
			for range each {
				rdt := rdtFor(t, srv, tok, get("/orders/v0/orders/{orderId}", "buyerInfo"))
				if r := do(t, srv, http.MethodGet, "/orders/v0/orders/"+orderID, rdt, nil); r.status != 200 {
					t.Errorf("getOrder: %v", r)
				}
				tokens <- rdt
				srv.Calls("getOrder")
				srv.Requests()
				srv.IssuedRDTs()
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			srv.Script("other", sptest.Fault{Status: 500})
			srv.Always("other", nil)
		}
	})
	wg.Wait()
	close(tokens)
	seen := map[string]bool{}
	for tok := range tokens {
		if seen[tok] {
			t.Errorf("RDT %q minted twice", tok)
		}
		seen[tok] = true
	}
	if srv.LWACalls() != workers || srv.RDTCalls() != workers*each ||
		srv.CallsByStatus("getOrder", 200) != workers*each || len(srv.IssuedRDTs()) != workers*each {
		t.Errorf("counters: lwa %d, rdt %d, getOrder %d, issued %d",
			srv.LWACalls(), srv.RDTCalls(), srv.CallsByStatus("getOrder", 200), len(srv.IssuedRDTs()))
	}
	if n := len(srv.Requests()); n != workers+2*workers*each {
		t.Errorf("Requests = %d", n)
	}
}
