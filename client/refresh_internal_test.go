package client

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestRefreshMargin(t *testing.T) {
	for life, want := range map[time.Duration]time.Duration{
		time.Hour:        time.Minute,
		2 * time.Second:  200 * time.Millisecond,
		10 * time.Minute: time.Minute,
		5 * time.Minute:  30 * time.Second,
	} {
		if got := refreshMargin(life); got != want {
			t.Errorf("refreshMargin(%v) = %v, want %v", life, got, want)
		}
	}
}

func TestLWATokenRefreshedEarly(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	fetches := 0
	s := &lwaSource{now: clk.now, fetch: func(context.Context) (*oauth2.Token, error) {
		fetches++
		return &oauth2.Token{AccessToken: "Atza|" + string(rune('a'+fetches)), ExpiresIn: 3600}, nil
	}}
	ctx := context.Background()
	tok := func() string {
		v, err := s.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	first := tok()
	clk.add(58 * time.Minute)
	if tok() != first || fetches != 1 {
		t.Fatalf("token refetched %d times before its refresh time", fetches)
	}
	clk.add(time.Minute + time.Second) // 59m01s: inside the last minute
	if second := tok(); second == first || fetches != 2 {
		t.Fatalf("token not refreshed a minute before expiry (fetches %d)", fetches)
	}
	// A 2 s token is refreshed at 1.8 s, not on every call.
	fetches = 0
	s.cur.Store(nil)
	s.fetch = func(context.Context) (*oauth2.Token, error) {
		fetches++
		return &oauth2.Token{AccessToken: "Atza|short", ExpiresIn: 2}, nil
	}
	tok()
	clk.add(1700 * time.Millisecond)
	tok()
	if fetches != 1 {
		t.Fatalf("short-lived token fetched %d times in its first 1.7 s, want 1", fetches)
	}
	clk.add(200 * time.Millisecond)
	tok()
	if fetches != 2 {
		t.Fatalf("short-lived token fetched %d times by 1.9 s, want 2", fetches)
	}
}

func TestLWARefreshFailureKeepsValidToken(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	fail := false
	s := &lwaSource{now: clk.now, fetch: func(context.Context) (*oauth2.Token, error) {
		if fail {
			return nil, &oauth2.RetrieveError{ErrorCode: "server_error"}
		}
		return &oauth2.Token{AccessToken: "Atza|good", ExpiresIn: 3600}, nil
	}}
	ctx := context.Background()
	if _, err := s.Token(ctx); err != nil {
		t.Fatal(err)
	}
	fail = true
	clk.add(59*time.Minute + 30*time.Second) // due for refresh, not yet expired
	if v, err := s.Token(ctx); err != nil || v != "Atza|good" {
		t.Fatalf("Token = %q, %v; want the still-valid token", v, err)
	}
	clk.add(time.Minute) // expired
	if _, err := s.Token(ctx); err == nil {
		t.Fatal("expired token handed out after a failed refresh")
	}
}

func TestRDTCacheExpiry(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1e9, 0)}
	c := newRDTCache(10, nil)
	mints := 0
	mint := func(context.Context) (*RestrictedDataToken, error) {
		mints++
		return &RestrictedDataToken{Token: "Atz.sprdt|x", ExpiresIn: 3600, ExpiresAt: clk.now().Add(time.Hour)}, nil
	}
	get := func() {
		if _, err := c.get(context.Background(), "k", clk.now, mint); err != nil {
			t.Fatal(err)
		}
	}
	get()
	clk.add(58 * time.Minute)
	get()
	if mints != 1 {
		t.Fatalf("mints = %d before the refresh margin, want 1", mints)
	}
	clk.add(90 * time.Second) // 59m30s: within the last minute
	get()
	if mints != 2 {
		t.Fatalf("mints = %d inside the refresh margin, want 2", mints)
	}
	c.evict("k", "Atz.sprdt|other") // another token: kept
	if c.len() != 1 {
		t.Fatal("evict dropped an entry holding another token")
	}
	c.evict("k", "Atz.sprdt|x")
	if c.len() != 0 {
		t.Fatal("evict kept the rejected token")
	}
}

func TestRDTKeyOrderInsensitive(t *testing.T) {
	d1, d2 := []string{"b", "a", "a"}, []string{"a", "b"}
	ta := "app"
	r := func(m, p string, de *[]string) RestrictedResource {
		return RestrictedResource{Method: RestrictedResourceMethod(m), Path: p, DataElements: de}
	}
	k1 := rdtKey(CreateRestrictedDataTokenRequest{RestrictedResources: []RestrictedResource{r("GET", "/a", &d1), r("GET", "/b", nil)}})
	k2 := rdtKey(CreateRestrictedDataTokenRequest{RestrictedResources: []RestrictedResource{r("GET", "/b", nil), r("GET", "/a", &d2)}})
	k3 := rdtKey(CreateRestrictedDataTokenRequest{TargetApplication: &ta, RestrictedResources: []RestrictedResource{r("GET", "/b", nil), r("GET", "/a", &d2)}})
	k4 := rdtKey(CreateRestrictedDataTokenRequest{RestrictedResources: []RestrictedResource{r("GET", "/a", nil), r("GET", "/b", &d2)}})
	if k1 != k2 {
		t.Errorf("order changed the key: %q vs %q", k1, k2)
	}
	if k1 == k3 || k1 == k4 {
		t.Errorf("different grants share a key")
	}
}

// Issue 17, item 8: the key joined its parts with spaces and newlines, so a
// target application that held them passed for resources: "\nGET /p1 " with
// [GET /p2] had the key of no target application with [GET /p1, GET /p2],
// and got its RDT from the cache.
func TestRDTKeyInjective(t *testing.T) {
	r := func(m, p string, de ...string) RestrictedResource {
		res := RestrictedResource{Method: RestrictedResourceMethod(m), Path: p}
		if de != nil {
			res.DataElements = &de
		}
		return res
	}
	str := func(s string) *string { return &s }
	tests := []struct {
		name string
		a, b CreateRestrictedDataTokenRequest
	}{
		{"target application posing as a resource",
			CreateRestrictedDataTokenRequest{TargetApplication: str("\nGET /p1 "), RestrictedResources: []RestrictedResource{r("GET", "/p2")}},
			CreateRestrictedDataTokenRequest{RestrictedResources: []RestrictedResource{r("GET", "/p1"), r("GET", "/p2")}}},
		{"path posing as data elements",
			CreateRestrictedDataTokenRequest{RestrictedResources: []RestrictedResource{r("GET", "/p buyerInfo")}},
			CreateRestrictedDataTokenRequest{RestrictedResources: []RestrictedResource{r("GET", "/p", "buyerInfo")}}},
		{"data element posing as two",
			CreateRestrictedDataTokenRequest{RestrictedResources: []RestrictedResource{r("GET", "/p", "a,b")}},
			CreateRestrictedDataTokenRequest{RestrictedResources: []RestrictedResource{r("GET", "/p", "a", "b")}}},
		{"path posing as a second resource",
			CreateRestrictedDataTokenRequest{RestrictedResources: []RestrictedResource{r("GET", "/p1 \nGET /p2")}},
			CreateRestrictedDataTokenRequest{RestrictedResources: []RestrictedResource{r("GET", "/p1"), r("GET", "/p2")}}},
		{"empty target application and none",
			CreateRestrictedDataTokenRequest{TargetApplication: str(""), RestrictedResources: []RestrictedResource{r("GET", "/p")}},
			CreateRestrictedDataTokenRequest{RestrictedResources: []RestrictedResource{r("GET", "/p")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ka, kb := rdtKey(tt.a), rdtKey(tt.b); ka == kb {
				t.Errorf("two different grants share the key %q", ka)
			}
		})
	}
}

// Every request gets its operation's name from the table; a path that is
// no operation gets its method and shape, in which no id appears.
func TestOperationName(t *testing.T) {
	c, err := New(Config{ClientID: "id", ClientSecret: "secret", RefreshToken: "Atzr|r", Endpoint: "https://sp.example"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ method, url, want string }{
		{"GET", "https://sp.example/orders/v0/orders/123-1234567-1234567/address", "getOrderAddress"},
		{"GET", "https://sp.example/orders/v0/orders/123-1234567-1234567", "ordersV0.getOrder"},
		{"GET", "https://sp.example/orders/2026-01-01/orders/123-1234567-1234567", "orders_2026-01-01.getOrder"},
		{"GET", "https://sp.example:443/listings/2021-08-01/items/SELLER/blue-shirt-a", "getListingsItem"},
		{"GET", "https://sp.example/listings/2021-08-01/items/SELLER/red%2Fshirt?marketplaceIds=X", "getListingsItem"},
		{"POST", "https://sp.example/tokens/2021-03-01/restrictedDataToken", OpCreateRestrictedDataToken},
		{"GET", "https://sp.example/sellers/v1/marketplaceParticipations", "getMarketplaceParticipations"},
		{"GET", "https://sp.example/reports/2021-06-30/reports/55", "getReport"},
		{"GET", "https://sp.example/vendor/directFulfillment/orders/v1/purchaseOrders/A1", "vendorDirectFulfillmentOrdersV1.getOrder"},
		{"PUT", "https://sp.example/shipping/v2/carrierAccounts/UPS", "shippingV2.linkCarrierAccount.PUT"},
		{"GET", "https://sp.example/orders/v0/orders/123-1234567-1234567/shipment", "GET /orders/v0/orders/{}/shipment"},
		{"GET", "https://sp.example/widgets/v9/gadgets/blue-shirt-a", "GET /{}/v9/{}/{}"},
		{"GET", "https://sp.example/widgets/v9/gadgets/green-shirt-b", "GET /{}/v9/{}/{}"},
		{"GET", "https://other.example/orders/v0/orders/1/address", ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, tt.url, nil)
		if got := c.operationName(req); got != tt.want {
			t.Errorf("operationName(%s %s) = %q, want %q", tt.method, tt.url, got, tt.want)
		}
	}
}
