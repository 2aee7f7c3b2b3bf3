package sptest_test

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spapi-go/spapi/sptest"
)

const (
	listingPath      = "/listings/2021-08-01/items/A1SELLER/SKU-1?marketplaceIds=ATVPDKIKX0DER" // a required parameter
	otherListingPath = "/listings/2021-08-01/items/A1SELLER/SKU-2?marketplaceIds=ATVPDKIKX0DER"
	addressPath      = "/orders/v0/orders/" + orderID + "/address"
	reportsPath      = "/reports/2021-06-30/reports"
	ordersV0Path     = "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER" // a required parameter
)

// drain sends requests until the first 429 and returns how many passed. It
// fails the test on any other status.
func drain(t *testing.T, srv *sptest.Server, method, path, token string, limit int) int {
	t.Helper()
	var body []byte
	if method != http.MethodGet && method != http.MethodDelete {
		body = listingBody // putListingsItem requires one
	}
	for i := range limit {
		r := do(t, srv, method, path, token, body)
		switch r.status {
		case 200:
		case 429:
			wantReply(t, r, 429, errQuota)
			if h := r.header.Values("x-amzn-RateLimit-Limit"); h != nil {
				t.Errorf("429 has rate header %q", h)
			}
			return i
		default:
			t.Fatalf("request %d: %v", i, r)
		}
	}
	return limit
}

// wantPassed checks that burst requests passed, plus no more than the bucket
// refilled at rate since start (before the first request): a slow machine
// must not fail the test.
func wantPassed(t *testing.T, name string, passed int, start time.Time, rate float64, burst int) {
	t.Helper()
	took := time.Since(start)
	if most := burst + int(math.Ceil(took.Seconds()*rate)); passed < burst || passed > most {
		t.Errorf("%s: %d requests passed in %v, want %d (at most %d)", name, passed, took, burst, most)
	}
}

// TestPerOperationBuckets: each operation has its own bucket at its published
// plan, shared by all its paths (ids and SKUs do not split it).
func TestPerOperationBuckets(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	tok := accessToken(t, srv)
	addrRDT := rdtFor(t, srv, tok, get("/orders/v0/orders/{orderId}/address"))
	start := time.Now()
	r := do(t, srv, http.MethodGet, listingPath, tok, nil)
	if got := r.header.Get("x-amzn-RateLimit-Limit"); r.status != 200 || got != "5" {
		t.Fatalf("getListingsItem: %v, rate header %q, want the published 5", r, got)
	}
	passed := drain(t, srv, http.MethodGet, otherListingPath, tok, 50)
	wantPassed(t, "getListingsItem", passed+1, start, 5, 10)

	for _, tt := range []struct{ name, method, path, token, rate string }{
		{"putListingsItem", http.MethodPut, listingPath, tok, "5"},
		{"getOrderAddress", http.MethodGet, addressPath, addrRDT, "0.5"},
		{"getMarketplaceParticipations", http.MethodGet, mpPath, tok, "0.016"},
	} {
		r := do(t, srv, tt.method, tt.path, tt.token, bodyFor(tt.method, tt.path))
		if got := r.header.Get("x-amzn-RateLimit-Limit"); r.status != 200 || got != tt.rate {
			t.Errorf("%s after getListingsItem's burst: %v, rate header %q, want %s", tt.name, r, got, tt.rate)
		}
	}
	if got := srv.CallsByStatus("getListingsItem", 429); got != 1 {
		t.Errorf("CallsByStatus(getListingsItem, 429) = %d, want 1", got)
	}
}

// TestRateScale: the option multiplies the published rates, the header states
// the scaled rate, the bucket refills at it, and bursts stay as published.
func TestRateScale(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{RateScale: 100})
	tok := accessToken(t, srv)
	for _, tt := range []struct{ method, path, want string }{
		{http.MethodGet, listingPath, "500"},
		{http.MethodGet, ordersV0Path, "1.67"}, // 0.0167 * 100, without float noise
		{http.MethodGet, mpPath, "1.6"},
		{http.MethodPost, reportsPath, "1.67"},
	} {
		r := do(t, srv, tt.method, tt.path, tok, bodyFor(tt.method, tt.path))
		if got := r.header.Get("x-amzn-RateLimit-Limit"); r.status/100 != 2 || got != tt.want {
			t.Errorf("%s %s: %v, rate header %q, want %q", tt.method, tt.path, r, got, tt.want)
		}
	}
	r := do(t, srv, http.MethodPost, rdtPath, tok, []byte(`{"restrictedResources":[{"method":"GET","path":"/a"}]}`))
	if got := r.header.Get("x-amzn-RateLimit-Limit"); got != "100" {
		t.Errorf("createRestrictedDataToken rate header %q, want 100", got)
	}

	// The burst is the published one (putListingsItem: 10).
	start := time.Now()
	passed := drain(t, srv, http.MethodPut, listingPath, tok, 200)
	wantPassed(t, "putListingsItem", passed, start, 500, 10)

	// createReport refills at 1.67/s instead of one a minute.
	start = time.Now() // before the spend: the refill's lower bound holds however late the next line runs
	srv.SpendBudgetOf("createReport")
	if r := do(t, srv, http.MethodPost, reportsPath, tok, reportBody); r.status != 429 {
		t.Fatalf("after SpendBudgetOf: %v", r)
	}
	for {
		r := do(t, srv, http.MethodPost, reportsPath, tok, reportBody)
		if r.status == 202 { // createReport's documented status
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("createReport still throttled after %v: %v", time.Since(start), r)
		}
		time.Sleep(50 * time.Millisecond) // the bucket refills with time; nothing to wait on
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("createReport refilled after %v, want about 600ms", d)
	}
}

// TestPlans: a per-operation override wins over everything; Rate 0 means
// unlimited.
func TestPlans(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{
		RateScale:   1000,
		NoRateLimit: true,
		Plans: map[string]sptest.Plan{
			"getListingsItem":           {Rate: 0.001, Burst: 3},
			"getOrderAddress":           {Rate: 0},
			"createRestrictedDataToken": {Rate: 0.002, Burst: 2},
		},
	})
	tok := accessToken(t, srv)
	r := do(t, srv, http.MethodGet, listingPath, tok, nil)
	if got := r.header.Get("x-amzn-RateLimit-Limit"); got != "0.001" {
		t.Errorf("getListingsItem rate header %q, want 0.001", got)
	}
	passed := drain(t, srv, http.MethodGet, listingPath, tok, 10)
	if passed+1 != 3 {
		t.Errorf("getListingsItem: %d passed, want the override's burst 3", passed+1)
	}
	rdt := rdtFor(t, srv, tok, get("/orders/v0/orders/{orderId}/address"))
	rdtFor(t, srv, tok, get("/a"))
	if r := do(t, srv, http.MethodPost, rdtPath, tok, []byte(`{"restrictedResources":[{"method":"GET","path":"/a"}]}`)); r.status != 429 {
		t.Errorf("third createRestrictedDataToken with burst 2: %v", r)
	}
	for i := range 40 { // past the published burst of 30
		r := do(t, srv, http.MethodGet, addressPath, rdt, nil)
		if r.status != 200 || r.header.Values("x-amzn-RateLimit-Limit") != nil {
			t.Fatalf("getOrderAddress %d with Rate 0: %v %v", i, r, r.header)
		}
	}
	// Not in Plans: NoRateLimit applies.
	if r := do(t, srv, http.MethodPut, listingPath, tok, listingBody); r.header.Values("x-amzn-RateLimit-Limit") != nil {
		t.Errorf("putListingsItem under NoRateLimit: %v", r.header)
	}

	defer func() {
		if p := recover(); p == nil || !strings.Contains(p.(string), "getListingItem") {
			t.Errorf("a misspelt Plans name: panic %v, want one naming it", p)
		}
	}()
	sptest.NewServer(sptest.Options{Plans: map[string]sptest.Plan{"getListingItem": {Rate: 1}}}).Close()
}

// TestNoRateLimit: no operation has a bucket or a rate header.
func TestNoRateLimit(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	tok := accessToken(t, srv)
	rdt := rdtFor(t, srv, tok, get("/orders/v0/orders/{orderId}/address"))
	srv.SpendBudgetOf("getMarketplaceParticipations")
	for _, tt := range []struct{ method, path, token string }{
		{http.MethodGet, mpPath, tok},
		{http.MethodGet, addressPath, rdt},
		{http.MethodPost, reportsPath, tok},
		{http.MethodGet, "/mfn/v0/shipments/S/cancel", tok}, // not an operation: 404
	} {
		for i := range 35 { // past every published burst involved
			r := do(t, srv, tt.method, tt.path, tt.token, bodyFor(tt.method, tt.path))
			if r.status == 429 || r.header.Values("x-amzn-RateLimit-Limit") != nil {
				t.Fatalf("%s %s #%d: %v %v", tt.method, tt.path, i, r, r.header)
			}
		}
	}
}

func TestSpendBudgetOf(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	tok := accessToken(t, srv)
	srv.SpendBudgetOf("getListingsItem")
	wantReply(t, do(t, srv, http.MethodGet, listingPath, tok, nil), 429, errQuota)
	if r := do(t, srv, http.MethodPut, listingPath, tok, listingBody); r.status != 200 {
		t.Errorf("putListingsItem after getListingsItem's budget was spent: %v", r)
	}
	// The alias names Orders v0's getOrder.
	srv.SpendBudgetOf("getOrder")
	wantReply(t, do(t, srv, http.MethodGet, "/orders/v0/orders/"+orderID, tok, nil), 429, errQuota)
	// An unlimited operation: nothing happens. An unknown name panics
	// (TestNamesOneRule).
	srv.SpendBudgetOf("cancelShipmentOld")
}

// Each of Options.Sellers spends budgets of its own: the default seller
// exhausting the Tokens call's burst leaves another seller's untouched.
func TestSellersHaveTheirOwnBudgets(t *testing.T) {
	const other = "Atzr|sptest-second-seller"
	srv := sptest.Start(t, sptest.Options{Rate: 0.001, Burst: 2, Sellers: []string{other}})
	body := `{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders/{orderId}/address"}]}`
	mint := func(refresh string) int {
		t.Helper()
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {sptest.ClientID}, "client_secret": {sptest.ClientSecret}}
		resp, err := http.PostForm(srv.LWAURL(), form)
		if err != nil {
			t.Fatal(err)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if tok.AccessToken == "" {
			t.Fatalf("LWA refused %q: HTTP %d", refresh, resp.StatusCode)
		}
		req, _ := http.NewRequest("POST", srv.URL()+"/tokens/2021-03-01/restrictedDataToken", strings.NewReader(body))
		req.Header.Set("x-amz-access-token", tok.AccessToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i, want := range []int{200, 200, 429} {
		if got := mint(sptest.RefreshToken); got != want {
			t.Errorf("default seller, call %d: HTTP %d, want %d", i+1, got, want)
		}
	}
	for i, want := range []int{200, 200, 429} {
		if got := mint(other); got != want {
			t.Errorf("second seller, call %d: HTTP %d, want %d", i+1, got, want)
		}
	}
}

// Bodies the models accept (the fake answers 400 to one its model refuses).
var (
	listingBody = []byte(`{"productType":"LUGGAGE","attributes":{"item_name":[{"value":"Mug"}]}}`)
	reportBody  = []byte(`{"reportType":"GET_FLAT_FILE_OPEN_LISTINGS_DATA","marketplaceIds":["ATVPDKIKX0DER"]}`)
)

// bodyFor is the body to send with method to path: a valid one for the
// listings and reports calls, {} otherwise.
func bodyFor(method, path string) []byte {
	switch {
	case method == http.MethodGet || method == http.MethodDelete:
		return nil
	case strings.HasPrefix(path, "/listings/"):
		return listingBody
	case strings.HasPrefix(path, reportsPath):
		return reportBody
	}
	return []byte(`{}`)
}
