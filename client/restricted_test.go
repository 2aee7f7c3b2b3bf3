package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// get calls path through c.HTTPClient and decodes a JSON reply.
func get(t *testing.T, c *client.Client, url string, out any) int {
	t.Helper()
	resp, err := c.HTTPClient().Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("GET %s: decoding: %v", url, err)
		}
	}
	return resp.StatusCode
}

func withLimiter(cfg *client.Config) { cfg.NoRateLimit = false }

func TestThousandOrdersOneRDT(t *testing.T) {
	// getOrderAddress at 500/s (its plan, 0.5/s burst 30, scaled): the
	// client starts at the published plan and follows the rate header.
	c, srv := setup(t, sptest.Options{RateScale: 1000}, withLimiter)
	const orders, inFlight = 1000, 100
	sem := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failures := 0
	for i := range orders {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			id := fmt.Sprintf("902-1845936-%07d", i)
			resp, err := c.HTTPClient().Get(srv.URL() + "/orders/v0/orders/" + id + "/address")
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if err != nil || resp.StatusCode != 200 {
				mu.Lock()
				failures++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failures != 0 {
		t.Errorf("%d of %d getOrderAddress calls failed", failures, orders)
	}
	if got := srv.CallsByStatus("getOrderAddress", 200); got != orders {
		t.Errorf("server answered %d getOrderAddress calls with 200, want %d", got, orders)
	}
	if got := srv.RDTCalls(); got != 1 {
		t.Errorf("createRestrictedDataToken calls = %d, want 1", got)
	}
	if got := srv.LWACalls(); got != 1 {
		t.Errorf("LWA calls = %d, want 1", got)
	}
	issued := srv.IssuedRDTs()
	if len(issued) != 1 || issued[0].Resources[0].Path != "/orders/v0/orders/{orderId}/address" {
		t.Errorf("issued %+v, want one RDT for the path template", issued)
	}
}

func TestHTTPClientNoTokenToOtherHost(t *testing.T) {
	other := newRecorder(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "{}") })
	c, srv := setup(t, sptest.Options{})
	// A restricted path, a plain path, and a header set by the caller.
	for _, path := range []string{"/orders/v0/orders/1/address", "/sellers/v1/marketplaceParticipations"} {
		req, _ := http.NewRequest("GET", other.URL+path, nil)
		req.Header.Set("x-amz-access-token", "Atza|caller-set")
		resp, err := c.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		// The same server by another name is another host too.
		if code := get(t, c, localhostURL(srv.URL())+path, nil); code != 403 {
			t.Errorf("%s via localhost: status %d, want 403 (no token sent)", path, code)
		}
	}
	for _, h := range other.seen() {
		if v := h.Get("x-amz-access-token"); v != "" {
			t.Errorf("other host received x-amz-access-token %q", v)
		}
	}
	if srv.LWACalls() != 0 || srv.RDTCalls() != 0 {
		t.Errorf("tokens fetched for other hosts: LWA %d, RDT %d", srv.LWACalls(), srv.RDTCalls())
	}
}

func TestHTTPClientNonRestrictedUsesLWAToken(t *testing.T) {
	c, srv := setup(t, sptest.Options{})
	if code := get(t, c, srv.URL()+"/sellers/v1/marketplaceParticipations", nil); code != 200 {
		t.Fatalf("status %d, want 200", code)
	}
	if srv.RDTCalls() != 0 || srv.LWACalls() != 1 {
		t.Errorf("RDT calls %d, LWA calls %d; want 0 and 1", srv.RDTCalls(), srv.LWACalls())
	}
}

func TestRevokedRDTEvictedAndReminted(t *testing.T) {
	c, srv := setup(t, sptest.Options{})
	url := srv.URL() + "/orders/v0/orders/902-1/address"
	if code := get(t, c, url, nil); code != 200 {
		t.Fatalf("first call: %d", code)
	}
	srv.RevokeRDTs()
	if code := get(t, c, url, nil); code != 200 {
		t.Fatalf("after revocation: %d, want 200 after one re-mint", code)
	}
	if code := get(t, c, url, nil); code != 200 {
		t.Fatalf("third call: %d", code)
	}
	if got := srv.RDTCalls(); got != 2 {
		t.Errorf("RDT mints = %d, want 2", got)
	}
	if got := srv.CallsByStatus("getOrderAddress", 403); got != 1 {
		t.Errorf("403s = %d, want 1", got)
	}
}

func TestHTTPClientDataElements(t *testing.T) {
	c, srv := setup(t, sptest.Options{}, func(cfg *client.Config) {
		cfg.DataElements = []string{"buyerInfo", "shippingAddress"}
	})
	var order struct {
		Payload struct {
			AmazonOrderID       string `json:"AmazonOrderId"`
			BuyerInfo           *struct{ BuyerEmail string }
			ShippingAddress     *struct{ Name string }
			BuyerTaxInformation *struct{}
		}
	}
	if code := get(t, c, srv.URL()+"/orders/v0/orders/903-1", &order); code != 200 {
		t.Fatalf("getOrder: %d", code)
	}
	p := order.Payload
	if p.BuyerInfo == nil || p.BuyerInfo.BuyerEmail == "" || p.ShippingAddress == nil || p.BuyerTaxInformation != nil {
		t.Errorf("getOrder payload %+v, want buyerInfo and shippingAddress only", p)
	}
	issued := srv.IssuedRDTs()
	if len(issued) != 1 {
		t.Fatalf("issued %d RDTs, want 1", len(issued))
	}
	r := issued[0].Resources[0]
	if r.Method != "GET" || r.Path != "/orders/v0/orders/{orderId}" || !slices.Equal(r.DataElements, []string{"buyerInfo", "shippingAddress"}) {
		t.Errorf("RDT minted for %+v", r)
	}
}

func TestHTTPClientReportDocumentSpecificPath(t *testing.T) {
	c, srv := setup(t, sptest.Options{})
	for _, id := range []string{"amzn1.tortuga.doc1", "amzn1.tortuga.doc2", "amzn1.tortuga.doc1"} {
		if code := get(t, c, srv.URL()+"/reports/2021-06-30/documents/"+id, nil); code != 200 {
			t.Fatalf("getReportDocument %s: %d", id, code)
		}
	}
	var paths []string
	for _, rdt := range srv.IssuedRDTs() {
		paths = append(paths, rdt.Resources[0].Path)
	}
	want := []string{"/reports/2021-06-30/documents/amzn1.tortuga.doc1", "/reports/2021-06-30/documents/amzn1.tortuga.doc2"}
	if !slices.Equal(paths, want) {
		t.Errorf("RDTs minted for %v, want %v (specific paths, the repeat cached)", paths, want)
	}
}

func TestHTTPClientRetries(t *testing.T) {
	c, srv := setup(t, sptest.Options{})
	srv.Script("getOrderAddress", sptest.Fault{Status: 503}, sptest.Fault{Status: 429})
	if code := get(t, c, srv.URL()+"/orders/v0/orders/904-1/address", nil); code != 200 {
		t.Fatalf("status %d, want 200 after retries", code)
	}
	if got := srv.Calls("getOrderAddress"); got != 3 {
		t.Errorf("attempts = %d, want 3", got)
	}
}

func TestHTTPClientDelegated(t *testing.T) {
	const app = "amzn1.sellerapps.app.delegatee"
	c, srv := setup(t, sptest.Options{}, func(cfg *client.Config) { cfg.TargetApplication = app })
	if code := get(t, c, srv.URL()+"/orders/v0/orders/905-1/address", nil); code != 200 {
		t.Fatalf("status %d", code)
	}
	if issued := srv.IssuedRDTs(); len(issued) != 1 || issued[0].TargetApplication != app {
		t.Errorf("issued %+v, want one RDT delegated to %s", issued, app)
	}
}

func TestRestrictedDataTokenCache(t *testing.T) {
	ctx := context.Background()
	de1, de2 := []string{"buyerInfo", "shippingAddress"}, []string{"shippingAddress", "buyerInfo"}
	a := client.RestrictedResource{Method: client.MethodGET, Path: "/orders/v0/orders/{orderId}", DataElements: &de1}
	aReordered := client.RestrictedResource{Method: client.MethodGET, Path: "/orders/v0/orders/{orderId}", DataElements: &de2}
	b := client.RestrictedResource{Method: client.MethodGET, Path: "/orders/v0/orders/{orderId}/address"}
	appX, appY := "amzn1.sellerapps.app.x", "amzn1.sellerapps.app.y"

	c, srv := setup(t, sptest.Options{})
	mint := func(ta *string, rs ...client.RestrictedResource) string {
		t.Helper()
		rdt, err := c.RestrictedDataToken(ctx, client.CreateRestrictedDataTokenRequest{TargetApplication: ta, RestrictedResources: rs})
		if err != nil {
			t.Fatal(err)
		}
		return rdt.Token
	}
	t1 := mint(nil, a, b)
	if t2 := mint(nil, b, aReordered); t2 != t1 {
		t.Errorf("same resources in another order minted a new RDT")
	}
	tx := mint(&appX, a, b)
	ty := mint(&appY, a, b)
	if tx == t1 || ty == tx {
		t.Errorf("delegated RDTs share an entry with each other or with the seller's")
	}
	if mint(&appX, b, a) != tx {
		t.Errorf("delegated RDT not cached")
	}
	if got := srv.RDTCalls(); got != 3 {
		t.Errorf("mints = %d, want 3", got)
	}
	// The uncached call always mints.
	if _, err := c.CreateRestrictedDataToken(ctx, client.CreateRestrictedDataTokenRequest{RestrictedResources: []client.RestrictedResource{a, b}}); err != nil {
		t.Fatal(err)
	}
	if got := srv.RDTCalls(); got != 4 {
		t.Errorf("mints = %d after CreateRestrictedDataToken, want 4", got)
	}
}

func TestRestrictedDataTokenSingleFlight(t *testing.T) {
	c, srv := setup(t, sptest.Options{Latency: 20e6})
	var wg sync.WaitGroup
	tokens := make(chan string, 100)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdt, err := c.RestrictedDataToken(context.Background(), addressRequest())
			if err != nil {
				t.Error(err)
				return
			}
			tokens <- rdt.Token
		}()
	}
	wg.Wait()
	close(tokens)
	seen := map[string]bool{}
	for tok := range tokens {
		seen[tok] = true
	}
	if len(seen) != 1 || srv.RDTCalls() != 1 {
		t.Errorf("100 concurrent callers got %d tokens from %d mints, want 1 and 1", len(seen), srv.RDTCalls())
	}
}

func TestRestrictedDataTokenCacheBounded(t *testing.T) {
	c, srv := setup(t, sptest.Options{}, func(cfg *client.Config) { cfg.RDTCacheSize = 2 })
	doc := func(id string) client.CreateRestrictedDataTokenRequest {
		return client.CreateRestrictedDataTokenRequest{RestrictedResources: []client.RestrictedResource{
			{Method: client.MethodGET, Path: "/reports/2021-06-30/documents/" + id}}}
	}
	for _, id := range []string{"d1", "d2", "d3", "d3", "d2", "d1"} {
		if _, err := c.RestrictedDataToken(context.Background(), doc(id)); err != nil {
			t.Fatal(err)
		}
	}
	// d1 d2 d3 mint; d3 d2 hit; d1 was evicted (least recently used) and mints again.
	if got := srv.RDTCalls(); got != 4 {
		t.Errorf("mints = %d, want 4", got)
	}
}

// TestTokensCallTakesLWAToken: the Tokens API's call takes the LWA token
// whatever Config.RDTOperations says of it. The mint goes through the same
// stack as HTTPClient (one per Client), so an RDT policy on it would have
// the mint wait on itself; and an RDT cannot mint one.
func TestTokensCallTakesLWAToken(t *testing.T) {
	c, srv := setup(t, sptest.Options{}, func(cfg *client.Config) {
		cfg.RDTOperations = map[string]client.RDTPolicy{"createRestrictedDataToken": client.RDTTemplate}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"/orders/v0/orders/902-1/address", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("getOrderAddress: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("getOrderAddress: %d, want 200", resp.StatusCode)
	}
	body := `{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders/902-1/buyerInfo"}]}`
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/tokens/2021-03-01/restrictedDataToken", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err = c.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("createRestrictedDataToken through HTTPClient: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("createRestrictedDataToken through HTTPClient: %d, want 200", resp.StatusCode)
	}
	if got := srv.RDTCalls(); got != 2 {
		t.Errorf("Tokens calls %d, want 2 (the mint for getOrderAddress, the caller's own; none to authorize a Tokens call)", got)
	}
}
