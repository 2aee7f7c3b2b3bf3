package client_test

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
)

// The golden vectors of what a fleet shares through a Store: a fixed Config
// and endpoint name exactly these keys, and values sealed by an earlier
// build open. A process built before a change and one built after it must
// keep one LWA token, one RDT per path and one bucket per operation, so
// none of these may change without a plan for the fleets that mix builds
// (README's upgrade notes). They were captured on 2026-12-07, before the
// module moved from github.com/spapi-go/spapi to github.com/spapi-go/spapi.
const (
	goldenEndpoint = "https://sellingpartnerapi-na.amazon.com"
	goldenNS       = "{c318eed7178260b0b21207ae5d5b642b}"
	// An LWA token "Atza|golden-access-token" valid until 2100, sealed
	// under goldenNS + ":lwa".
	goldenSealedLWA = "029d465a1cc2b2c874291479a27c07ca5f7fe663b9ae8d0df418bb02ba9dfde2d2b866f7762d2db66eb10f1defa8adf33e95e7d813296f1e42098591187fa05e7b4de15ee09bfdadacca145958d38594ed0ea83ff301293b7405c496825e5dec793e45a2fb5dbfec55a6797f6bff41935c"
	// An RDT "Atz.sprdt|golden-rdt" for GET /orders/v0/orders/{orderId}/address
	// valid until 2100, sealed under goldenRDTKey.
	goldenRDTKey    = goldenNS + ":rdt:8de67301e10471ae9cea9dcf"
	goldenSealedRDT = "029d465a1c146e11cbe68d7af6c0917f0d322964242ba9d618b45cc4c47d64c15a95fd606929db961f7cd2d50ea483b95eff9e3b0f152c57be29bbe9c2f4e975c7f5a8e6294b734d2da8415b7e81187082cf350c6a53c29656ae6a75bf3b11776c0f6a9c78982e909e73cba15d4ffa038f1ed9"
)

func goldenConfig() client.Config {
	return client.Config{
		ClientID:     "amzn1.application-oa2-client.golden",
		ClientSecret: "golden-client-secret",
		RefreshToken: "Atzr|golden-refresh-token",
		Endpoint:     goldenEndpoint,
	}
}

// goldenStore is a Store in memory that records every key the client names.
type goldenStore struct {
	mu   sync.Mutex
	vals map[string][]byte
	keys map[string]bool // "method key"
}

func (s *goldenStore) note(method, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[method+" "+key] = true
}

func (s *goldenStore) Get(_ context.Context, key string) ([]byte, error) {
	s.note("get", key)
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.vals[key]), nil
}

func (s *goldenStore) Set(_ context.Context, key string, v []byte, _ time.Duration) error {
	s.note("set", key)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vals[key] = slices.Clone(v)
	return nil
}

func (s *goldenStore) DeleteIf(_ context.Context, key string, _ []byte) error {
	s.note("delete", key)
	return nil
}

func (s *goldenStore) Lock(_ context.Context, key string, _ time.Duration) (func(context.Context) error, bool, error) {
	s.note("lock", key)
	return func(context.Context) error { return nil }, true, nil
}

func (s *goldenStore) Take(_ context.Context, key string, _ client.Rate, _ time.Duration) (time.Duration, bool, error) {
	s.note("take", key)
	return 0, true, nil
}

func (s *goldenStore) Observe(_ context.Context, key string, _ client.Rate, _ float64, _ bool) error {
	s.note("observe", key)
	return nil
}

// goldenTransport answers the SP-API and refuses to mint anything: the
// golden values must be what the client uses.
type goldenTransport struct {
	t      *testing.T
	mu     sync.Mutex
	tokens []string // x-amz-access-token of each SP-API request
}

func (g *goldenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_ = r.Body.Close()
	}
	if r.URL.Host != "sellingpartnerapi-na.amazon.com" || strings.HasPrefix(r.URL.Path, "/tokens/") {
		g.t.Errorf("%s %s: the golden values should have been used", r.Method, r.URL)
		return &http.Response{StatusCode: 500, Body: io.NopCloser(strings.NewReader("{}")), Header: http.Header{}, Request: r}, nil
	}
	g.mu.Lock()
	g.tokens = append(g.tokens, r.Header.Get("x-amz-access-token"))
	g.mu.Unlock()
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{"payload":{}}`)),
		Header: http.Header{"Content-Type": {"application/json"}}, Request: r}, nil
}

// TestGoldenStoreNamesAndSeals pins the names a fixed Config gives its keys
// and opens values sealed by the build of 2026-12-07: a token in a running
// fleet's Redis is used, not fetched again, and every key is one the old
// build used too.
func TestGoldenStoreNamesAndSeals(t *testing.T) {
	t.Run("Store", func(t *testing.T) { testGolden(t, false) })
	t.Run("BucketStore and FleetMembers", func(t *testing.T) { testGolden(t, true) })
}

// fullGoldenStore adds what redisstore adds to a Store: shared buckets with
// views and refunds, and heartbeats.
type fullGoldenStore struct{ *goldenStore }

func (s fullGoldenStore) TakeBucket(_ context.Context, key string, _ client.BucketPlan, _ time.Duration, _ client.BucketView) (client.BucketTake, error) {
	s.note("takebucket", key)
	return client.BucketTake{OK: true, View: client.BucketView{Version: 1, Time: time.Now(), Tokens: 1}}, nil
}

func (s fullGoldenStore) Refund(_ context.Context, key string, _ client.BucketPlan, _ client.BucketTake) (client.BucketView, error) {
	s.note("refund", key)
	return client.BucketView{}, nil
}

func (s fullGoldenStore) Heartbeat(_ context.Context, key, _ string, _ time.Duration) (int, error) {
	s.note("heartbeat", key)
	return 1, nil
}

func testGolden(t *testing.T, full bool) {
	st := &goldenStore{vals: map[string][]byte{}, keys: map[string]bool{}}
	for k, v := range map[string]string{goldenNS + ":lwa": goldenSealedLWA, goldenRDTKey: goldenSealedRDT} {
		b, err := hex.DecodeString(v)
		if err != nil {
			t.Fatal(err)
		}
		st.vals[k] = b
	}
	tr := &goldenTransport{t: t}
	cfg := goldenConfig()
	cfg.Store = st
	if full {
		cfg.Store = fullGoldenStore{st}
	}
	cfg.HTTPClient = &http.Client{Transport: tr}
	cfg.MaxRetries = -1
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rdt, err := c.RestrictedDataToken(ctx, addressRequest())
	if err != nil {
		t.Fatal(err)
	}
	if rdt.Token != "Atz.sprdt|golden-rdt" || rdt.RequestID != "golden-request" {
		t.Errorf("RDT = %q (request %q); want the golden one", rdt.Token, rdt.RequestID)
	}
	hc := c.HTTPClient()
	for _, path := range []string{"/orders/v0/orders/123-1234567-1234567/address", "/orders/v0/orders/123-1234567-1234567"} {
		resp, err := hc.Get(goldenEndpoint + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	if want := []string{"Atz.sprdt|golden-rdt", "Atza|golden-access-token"}; !slices.Equal(tr.tokens, want) {
		t.Errorf("tokens sent = %q; want %q", tr.tokens, want)
	}

	var got []string
	st.mu.Lock()
	for k := range st.keys {
		got = append(got, k)
	}
	st.mu.Unlock()
	slices.Sort(got)
	// The heartbeat runs in the background, so it may not have run yet;
	// when it has, it names this key.
	got = slices.DeleteFunc(got, func(k string) bool { return k == "heartbeat "+goldenNS+":members" })
	want := []string{
		"get " + goldenNS + ":lwa",
		"get " + goldenRDTKey,
		"take " + goldenNS + ":rate:getOrderAddress",
		"take " + goldenNS + ":rate:ordersV0.getOrder",
	}
	if full {
		want = []string{
			"get " + goldenNS + ":lwa",
			"get " + goldenRDTKey,
			"takebucket " + goldenNS + ":rate:getOrderAddress",
			"takebucket " + goldenNS + ":rate:ordersV0.getOrder",
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("keys used:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, g := range got {
		if !strings.HasPrefix(strings.SplitN(g, " ", 2)[1], goldenNS+":") {
			t.Errorf("key %q is outside the golden namespace %s", g, goldenNS)
		}
	}
	t.Logf("keys used:\n%s", strings.Join(got, "\n"))
}
