package test

// Issue 8, "right for every SP-API operation": what it must show, against
// sptest, which keeps one bucket per operation at its published plan as the
// real API does.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// opRun makes n GET calls through c's HTTPClient, inFlight at a time, and
// returns the wall time and the failures.
func opRun(t *testing.T, c *client.Client, urls []string, inFlight int) (time.Duration, int) {
	t.Helper()
	var failed atomic.Int32
	work := make(chan string, len(urls))
	for _, u := range urls {
		work <- u
	}
	close(work)
	var wg sync.WaitGroup
	start := time.Now()
	for range inFlight {
		wg.Go(func() {
			for u := range work {
				resp, err := c.HTTPClient().Get(u)
				if err != nil {
					t.Errorf("GET %s: %v", u, err)
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), int(failed.Load())
}

// opClient is a client with the default limiter (every operation at its
// published plan) on srv.
func opClient(t *testing.T, srv *sptest.Server, mod func(*client.Config)) *client.Client {
	t.Helper()
	cfg := loadConfig(srv)
	cfg.RetryWait = 10 * time.Millisecond
	if mod != nil {
		mod(&cfg)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// getListingsItem at its published plan (5/s, burst 10): 40 SKUs without a
// digit, 10 in flight. Before the table, each SKU got a bucket of its own,
// so nothing was limited: 76 429s and a failed call. The bound is
// (40 - 10) / 5 = 6 s.
func TestListingsItemPublishedPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: about 6 s")
	}
	t.Parallel()
	srv := sptest.Start(t, sptest.Options{})
	c := opClient(t, srv, nil)
	var urls []string
	for i := range 40 {
		sku := fmt.Sprintf("%s-shirt-%c", []string{"blue", "red", "green", "black"}[i%4], 'a'+rune(i/4))
		urls = append(urls, srv.URL()+"/listings/2021-08-01/items/SELLERA/"+sku+"?marketplaceIds=ATVPDKIKX0DER")
	}
	wall, failed := opRun(t, c, urls, 10)
	n429 := srv.CallsByStatus("getListingsItem", 429)
	t.Logf("getListingsItem, 40 SKUs, 10 in flight: wall %v (%.3f x 6 s), 429s %d, failed %d", wall, wall.Seconds()/6, n429, failed)
	if failed != 0 {
		t.Errorf("%d calls failed", failed)
	}
	if n429 > 1 {
		t.Errorf("%d 429s, want at most 1", n429)
	}
	if limit := time.Duration(1.15 * 6 * float64(time.Second)); wall > limit {
		t.Errorf("wall %v, want at most %v (1.15 x the 6 s bound)", wall, limit)
	}
	if got := srv.CallsByStatus("getListingsItem", 200); got != 40 {
		t.Errorf("server answered %d getListingsItem calls with 200, want 40", got)
	}
}

// An operation published at 0.5/s with burst 30 whose replies state 10/s:
// the client starts at the published plan (so its first 29 calls go at
// once) and follows the header. Without the plan the burst was guessed as
// ceil(rate) = 10 and 60 calls took 5.0 s; the bound is (60 - 30) / 10 = 3 s.
func TestPublishedBurstStatedRate(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: about 3 s")
	}
	t.Parallel()
	srv := sptest.Start(t, sptest.Options{Plans: map[string]sptest.Plan{"getOrderAddress": {Rate: 10, Burst: 30}}})
	c := opClient(t, srv, nil)
	var urls []string
	for i := range 60 {
		urls = append(urls, fmt.Sprintf("%s/orders/v0/orders/902-1845936-%07d/address", srv.URL(), i))
	}
	wall, failed := opRun(t, c, urls, 10)
	n429 := srv.CallsByStatus("getOrderAddress", 429)
	t.Logf("getOrderAddress at 10/s burst 30 (published 0.5/30), 60 calls: wall %v (%.3f x 3 s), 429s %d, RDT mints %d", wall, wall.Seconds()/3, n429, srv.RDTCalls())
	if failed != 0 || n429 > 1 {
		t.Errorf("%d failed, %d 429s; want 0 and at most 1", failed, n429)
	}
	if limit := time.Duration(1.2 * 3 * float64(time.Second)); wall > limit {
		t.Errorf("wall %v, want at most %v (1.2 x the 3 s bound)", wall, limit)
	}
	if srv.RDTCalls() != 1 {
		t.Errorf("RDT mints = %d, want 1", srv.RDTCalls())
	}
}

// 3,000 distinct paths that match no operation (some only by their ids,
// most by their shape) must neither grow memory without bound nor evict
// the Tokens call's bucket that a 429 just drained. Before, clear() at
// 1,024 keys threw every bucket away: 5 waits that should take ~5 s took 13 µs.
func TestDrainedBucketSurvivesUnmatchedPaths(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var tokens atomic.Int32
		rt := &harmRT{fn: func(r *http.Request, _ int) (*http.Response, error) {
			if r.URL.Path == "/tokens/2021-03-01/restrictedDataToken" {
				if tokens.Add(1) == 1 {
					return harmReply(429, nil, `{"errors":[{"code":"QuotaExceeded","message":"x"}]}`), nil
				}
				return harmReply(200, http.Header{"X-Amzn-Ratelimit-Limit": {"1"}}, harmRDT), nil
			}
			// Fast enough that the unknown paths never wait (no time passes).
			return harmReply(200, http.Header{"X-Amzn-Ratelimit-Limit": {"5000"}}, `{"payload":{}}`), nil
		}}
		c, infos := harmClient(t, rt, func(cfg *client.Config) { cfg.NoRateLimit = false })
		words := []string{"items", "orders", "shipments", "documents", "reports", "feeds", "labels", "packages",
			"offers", "inventories", "returns", "invoices", "destinations", "subscriptions", "queries", "accounts",
			"transactions", "schedules", "participations", "notifications"}
		get := func(i int) {
			var p string
			if i%4 == 0 { // an unknown template, ids varying: one shape
				p = fmt.Sprintf("/widgets/v9/gadgets/blue-shirt-%d", i)
			} else { // known literals in new combinations: a shape each
				p = fmt.Sprintf("/%s/v9/%s/%s/%s", words[i%20], words[(i/20)%20], words[(i/400)%20], words[(i/8000)%20])
			}
			resp, err := c.HTTPClient().Get(c.Endpoint() + p)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		for i := range 1000 {
			get(i)
		}
		// The Tokens call: one 429, which drains its bucket...
		if _, err := c.CreateRestrictedDataToken(context.Background(), harmRDTRequest()); err != nil {
			t.Fatal(err)
		}
		if len(*infos) != 1 || (*infos)[0].StatusCode != 429 {
			t.Fatalf("retries %+v, want the one after the 429", *infos)
		}
		// ... then more unknown paths, past any bound on buckets ...
		for i := 1000; i < 3000; i++ {
			get(i)
		}
		// ... and 5 calls at the plan's 1/s must still take about 5 s.
		start := time.Now()
		for range 5 {
			if _, err := c.CreateRestrictedDataToken(context.Background(), harmRDTRequest()); err != nil {
				t.Fatal(err)
			}
		}
		if d := time.Since(start); d < 4500*time.Millisecond || d > 6*time.Second {
			t.Errorf("5 Tokens calls after the drain took %v, want about 5 s", d)
		}
	})
}

// getOrder takes the LWA token unless Config.DataElements asks for PII: an
// application without the restricted role can call it, and no RDT is minted.
func TestGetOrderRDTOnlyWithDataElements(t *testing.T) {
	tests := []struct {
		name      string
		elements  []string
		wantMints int
		wantPII   bool
	}{
		{"no DataElements: the LWA token", nil, 0, false},
		{"buyerInfo and shippingAddress: an RDT with them", []string{"buyerInfo", "shippingAddress"}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := sptest.Start(t, sptest.Options{RateScale: 1000})
			c := opClient(t, srv, func(cfg *client.Config) { cfg.DataElements = tt.elements })
			for range 3 {
				resp, err := c.HTTPClient().Get(srv.URL() + "/orders/v0/orders/902-1845936-5435065")
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("HTTP %d: %s", resp.StatusCode, body)
				}
				if pii := bytes.Contains(body, []byte("BuyerInfo")); pii != tt.wantPII {
					t.Errorf("reply has PII %v, want %v: %s", pii, tt.wantPII, body)
				}
			}
			if got := srv.RDTCalls(); got != tt.wantMints {
				t.Errorf("Tokens calls = %d, want %d", got, tt.wantMints)
			}
			if tt.wantMints > 0 {
				res := srv.IssuedRDTs()[0].Resources[0]
				if res.Path != "/orders/v0/orders/{orderId}" || strings.Join(res.DataElements, ",") != "buyerInfo,shippingAddress" {
					t.Errorf("RDT minted for %+v", res)
				}
			}
		})
	}
}

// getReportDocument keeps its specific-path RDT; when the Tokens call
// refuses because the application lacks the role, the document is fetched
// with the LWA token, and the client remembers that for its lifetime.
func TestReportDocumentWithoutRoleUsesLWAToken(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{RateScale: 1000, NoRestrictedRole: true})
	var logs bytes.Buffer
	c := opClient(t, srv, func(cfg *client.Config) {
		cfg.Logger = slog.New(slog.NewTextHandler(&secretSyncWriter{mu: &sync.Mutex{}, w: &logs}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	for _, id := range []string{"amzn1.spdoc.1.4.na.doc-one", "amzn1.spdoc.1.4.na.doc-two"} {
		resp, err := c.HTTPClient().Get(srv.URL() + "/reports/2021-06-30/documents/" + id)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Contains(body, []byte(id)) {
			t.Fatalf("%s: HTTP %d %s", id, resp.StatusCode, body)
		}
	}
	if got := srv.RDTCalls(); got != 1 {
		t.Errorf("Tokens calls = %d, want 1 (refused once, then remembered)", got)
	}
	if got := srv.CallsByStatus("createRestrictedDataToken", 400); got != 1 {
		t.Errorf("Tokens 400s = %d, want 1", got)
	}
	if !strings.Contains(logs.String(), "getReportDocument") {
		t.Errorf("nothing logged about the fallback: %q", logs.String())
	}

	// With the role, the document takes its specific-path RDT.
	srv.SetRestrictedRole(true)
	c = opClient(t, srv, nil)
	resp, err := c.HTTPClient().Get(srv.URL() + "/reports/2021-06-30/documents/amzn1.spdoc.1.4.na.doc-three")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	issued := srv.IssuedRDTs()
	if resp.StatusCode != 200 || len(issued) != 1 || issued[0].Resources[0].Path != "/reports/2021-06-30/documents/amzn1.spdoc.1.4.na.doc-three" {
		t.Errorf("with the role: HTTP %d, issued %+v; want an RDT for the document's own path", resp.StatusCode, issued)
	}
}

// Config.RDTOperations adds an operation the table does not have and
// overrides one it has.
func TestRDTOperationsConfig(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{RateScale: 1000})
	c := opClient(t, srv, func(cfg *client.Config) {
		cfg.RDTOperations = map[string]client.RDTPolicy{
			"orders_2026-01-01.getOrder":        client.RDTTemplate, // the models do not say; the user does
			"getOrderAddress":                   client.RDTNever,    // say a plan where it is not restricted
			"GET /things/v1/things/{thing}/pii": client.RDTSpecificPath,
		}
	})
	for _, p := range []string{"/orders/2026-01-01/orders/902-1845936-5435065", "/orders/v0/orders/902-1845936-5435065/address", "/things/v1/things/T-1/pii"} {
		resp, err := c.HTTPClient().Get(srv.URL() + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var paths []string
	for _, r := range srv.IssuedRDTs() {
		paths = append(paths, r.Resources[0].Path)
	}
	if want := "/orders/2026-01-01/orders/{orderId} /things/v1/things/T-1/pii"; strings.Join(paths, " ") != want {
		t.Errorf("RDTs minted for %q, want %q", paths, want)
	}

	for _, bad := range []map[string]client.RDTPolicy{
		{"getOrderAdress": client.RDTTemplate},
		{"GET things/{id}": client.RDTTemplate},
		{"get /things/{id}": client.RDTTemplate},
		{"getOrderAddress": client.RDTPolicy(9)},
	} {
		cfg := loadConfig(srv)
		cfg.RDTOperations = bad
		if _, err := client.New(cfg); err == nil || !strings.Contains(err.Error(), "RDTOperations") {
			t.Errorf("New with RDTOperations %v: err = %v, want one naming the field", bad, err)
		}
	}
	cfg := loadConfig(srv)
	cfg.RetrySafeOperations = []string{"createShipment"} // ambiguous: two APIs have one
	if _, err := client.New(cfg); err == nil || !strings.Contains(err.Error(), "RetrySafeOperations[0]") {
		t.Errorf("New with an unknown RetrySafeOperations name: err = %v", err)
	}
}

// The things a new user tripped over.
func TestNewUserTrips(t *testing.T) {
	t.Run("Endpoint and regions", func(t *testing.T) {
		for region, want := range map[client.Region]string{
			"":          "https://sellingpartnerapi-na.amazon.com",
			"EU":        "https://sellingpartnerapi-eu.amazon.com",
			"eu-west-1": "https://sellingpartnerapi-eu.amazon.com",
			" fe ":      "https://sellingpartnerapi-fe.amazon.com",
		} {
			c, err := client.New(client.Config{ClientID: "id", ClientSecret: "s", RefreshToken: "Atzr|r", Region: region})
			if err != nil {
				t.Fatalf("Region %q: %v", region, err)
			}
			if c.Endpoint() != want {
				t.Errorf("Region %q: Endpoint() = %q, want %q", region, c.Endpoint(), want)
			}
			if got, err := region.Endpoint(false); err != nil || got != want {
				t.Errorf("Region(%q).Endpoint = %q, %v", region, got, err)
			}
		}
		if r, err := client.ParseRegion(""); err != nil || r != client.RegionNA {
			t.Errorf(`ParseRegion("") = %q, %v; want na`, r, err)
		}
	})
	t.Run("an SP-API path to another host is warned about once per host", func(t *testing.T) {
		srv := sptest.Start(t, sptest.Options{RateScale: 1000})
		var logs bytes.Buffer
		c := opClient(t, srv, func(cfg *client.Config) {
			cfg.Logger = slog.New(slog.NewTextHandler(&secretSyncWriter{mu: &sync.Mutex{}, w: &logs}, nil))
		})
		other := strings.Replace(srv.URL(), "127.0.0.1", "localhost", 1)
		for range 3 {
			resp, err := c.HTTPClient().Get(other + "/orders/v0/orders/1/address")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		if n := strings.Count(logs.String(), "level=WARN"); n != 1 || !strings.Contains(logs.String(), "getOrderAddress") || !strings.Contains(logs.String(), "Endpoint()") {
			t.Errorf("%d warnings, want 1 naming the operation and the fix: %s", n, logs.String())
		}
	})
}
