package fleet

// In-process tests of a client with a Store: Redis absent, what a dump of
// Redis holds, two sellers on one Redis, a Redis Cluster.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/redisstore"
	"github.com/spapi-go/spapi/sptest"
)

func storeConfig(srv *sptest.Server, st client.Store) client.Config {
	return client.Config{
		ClientID: sptest.ClientID, ClientSecret: sptest.ClientSecret, RefreshToken: sptest.RefreshToken,
		Endpoint: srv.URL(), LWAEndpoint: srv.LWAURL(), RetryWait: 20 * time.Millisecond, Store: st,
	}
}

// tokensRun makes n Tokens calls, inFlight at a time, and returns the wall
// time and the failures.
func tokensRun(t *testing.T, c *client.Client, n, inFlight int) (time.Duration, int) {
	t.Helper()
	var failed atomic.Int32
	work := make(chan struct{}, n)
	for range n {
		work <- struct{}{}
	}
	close(work)
	var wg sync.WaitGroup
	start := time.Now()
	for range inFlight {
		wg.Go(func() {
			for range work {
				if _, err := c.CreateRestrictedDataToken(context.Background(), addressRDT()); err != nil {
					t.Error(err)
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), int(failed.Load())
}

func addressRDT() client.CreateRestrictedDataTokenRequest {
	return client.CreateRestrictedDataTokenRequest{RestrictedResources: []client.RestrictedResource{{
		Method: client.MethodGET, Path: "/orders/v0/orders/{orderId}/address"}}}
}

// deadRedis is the address of a port nothing listens on.
func deadRedis(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// Redis absent from the start: every call succeeds, about as fast as with
// no Store at all, and one warning is logged.
func TestStoreAbsentFromTheStart(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: about 6 s")
	}
	const calls, inFlight = 20, 4
	run := func(st client.Store, logw io.Writer, warnings *atomic.Int32) (time.Duration, *sptest.Server) {
		srv := sptest.Start(t, sptest.Options{Rate: 4, Burst: 10})
		cfg := storeConfig(srv, st)
		cfg.Logger = countingLogger(logw, warnings)
		c, err := client.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		wall, failed := tokensRun(t, c, calls, inFlight)
		if failed != 0 {
			t.Errorf("%d of %d calls failed", failed, calls)
		}
		return wall, srv
	}
	var noWarn atomic.Int32
	base, _ := run(nil, io.Discard, &noWarn)
	rdb := redis.NewClient(&redis.Options{Addr: deadRedis(t)})
	defer rdb.Close()
	var logs bytes.Buffer
	var warnings atomic.Int32
	wall, srv := run(redisstore.New(rdb), &logs, &warnings)
	t.Logf("20 Tokens calls at 4/s: no Store %v, Redis absent %v (%.3f x); warnings %d; LWA calls %d", base, wall,
		wall.Seconds()/base.Seconds(), warnings.Load(), srv.LWACalls())
	// A store that does not answer is judged down only after a second of
	// unanswered calls (a slow store is not a down one; issue 16), during
	// which calls go at the rate, not the burst. Two wall times measured
	// one after the other on a loaded machine compare the load, not the
	// client (issue 15): the speed claim runs with FLEET_TIMING=1.
	if limit := base + 3*time.Second; os.Getenv("FLEET_TIMING") != "" && wall > limit {
		t.Errorf("wall %v with Redis absent, %v without a Store: want at most %v", wall, base, limit)
	}
	if ok := srv.CallsByStatus("createRestrictedDataToken", 200); ok != calls {
		t.Errorf("the server answered %d calls 200, want %d", ok, calls)
	}
	if warnings.Load() != 1 {
		t.Errorf("%d warnings, want 1:\n%s", warnings.Load(), logs.String())
	}
	if srv.LWACalls() != 1 {
		t.Errorf("LWA calls = %d, want 1", srv.LWACalls())
	}
}

// A dump of every key and value after a run holds no client secret,
// refresh token, LWA access token or RDT, in any common encoding, and
// every key starts with the prefix.
func TestStoreDumpHoldsNoSecret(t *testing.T) {
	rds := redistest.Start(t)
	srv := sptest.Start(t, sptest.Options{RateScale: 1000})
	rdb := rds.Client(t)
	c, err := client.New(storeConfig(srv, redisstore.New(rdb, redisstore.WithPrefix("fleet-a:"))))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rdt, err := c.RestrictedDataToken(ctx, addressRDT())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		resp, err := c.HTTPClient().Get(fmt.Sprintf("%s/orders/v0/orders/902-1845936-%07d/address", srv.URL(), i))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	secrets := []string{sptest.ClientSecret, sptest.RefreshToken, rdt.Token}
	for _, r := range srv.Requests() {
		if tok := r.Header.Get("x-amz-access-token"); tok != "" {
			secrets = append(secrets, tok) // LWA access tokens and RDTs as sent
		}
	}
	for _, r := range srv.IssuedRDTs() {
		secrets = append(secrets, r.Token)
	}
	var dump bytes.Buffer
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 3 {
		t.Fatalf("keys %q: want the LWA token, an RDT and rate buckets", keys)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, "fleet-a:") {
			t.Errorf("key %q lacks the prefix", k)
		}
		dump.WriteString(k + "\n")
		switch typ := rdb.Type(ctx, k).Val(); typ {
		case "string":
			dump.WriteString(rdb.Get(ctx, k).Val() + "\n")
		case "hash":
			for f, v := range rdb.HGetAll(ctx, k).Val() {
				dump.WriteString(f + "=" + v + "\n")
			}
		case "zset": // the fleet's members: random process ids
			for _, m := range rdb.ZRange(ctx, k, 0, -1).Val() {
				dump.WriteString(m + "\n")
			}
		default:
			t.Errorf("key %q is a %s", k, typ)
		}
	}
	for _, s := range secrets {
		for _, enc := range []string{s, hex.EncodeToString([]byte(s)), base64.StdEncoding.EncodeToString([]byte(s)), s[strings.IndexByte(s, '|')+1:]} {
			if bytes.Contains(dump.Bytes(), []byte(enc)) {
				t.Errorf("the dump holds a secret (%.12s...)", enc)
			}
		}
	}
	t.Logf("%d keys, e.g. %q", len(keys), keys[0])
}

// Two sellers on one Redis: two LWA tokens, and each its own budget: the
// two clients' token buckets in Redis are distinct keys, each seller's
// calls reach the server with its own token, and none is answered 429.
// What the server and Redis saw, not the wall time (issue 15: "seller 1
// took 3.18s, want about 2s" on a loaded machine); the speed claim runs
// with FLEET_TIMING=1.
func TestTwoSellersOneRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: about 3 s")
	}
	const second = "Atzr|sptest-second-seller"
	rds := redistest.Start(t)
	// The server's burst is twice the published 10 the clients assume (it
	// sends no burst header), so a request that a starved process sends a
	// while after its bucket granted it still finds a token: a 429 here
	// means a client overran its seller's budget by 10 requests, not that
	// the machine was busy (the 50 ms margin covers an idle one).
	srv := sptest.Start(t, sptest.Options{Rate: 10, Burst: 20, Sellers: []string{second}})
	var clients []*client.Client
	var recs []*keyRecorder
	for _, refresh := range []string{sptest.RefreshToken, second} {
		rdb := rds.Client(t)
		rec := newKeyRecorder(":rate:")
		rdb.AddHook(rec)
		cfg := storeConfig(srv, redisstore.New(rdb))
		cfg.RefreshToken = refresh
		c, err := client.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		clients, recs = append(clients, c), append(recs, rec)
	}
	var wg sync.WaitGroup
	walls := make([]time.Duration, 2)
	for i, c := range clients {
		wg.Go(func() {
			w, failed := tokensRun(t, c, 30, 5)
			walls[i] = w
			if failed != 0 {
				t.Errorf("seller %d: %d calls failed", i+1, failed)
			}
		})
	}
	wg.Wait()
	n429 := srv.CallsByStatus("createRestrictedDataToken", 429)
	bound := time.Duration(float64(30-10) / 10 * float64(time.Second)) // one seller's budget: 2 s
	t.Logf("two sellers x 30 Tokens calls at 10/s burst 10: walls %v, one seller's bound %v; LWA calls %d, 429s %d; rate keys %v %v",
		walls, bound, srv.LWACalls(), n429, recs[0].taken(), recs[1].taken())
	if srv.LWACalls() != 2 {
		t.Errorf("LWA calls = %d, want 2 (one per seller)", srv.LWACalls())
	}
	// Each seller's bucket is its own key: none that both touched.
	keys := []map[string]int{recs[0].taken(), recs[1].taken()}
	for i, ks := range keys {
		if len(ks) == 0 {
			t.Errorf("seller %d touched no token bucket in Redis", i+1)
		}
		for k := range ks {
			if _, both := keys[1-i][k]; both && i == 0 {
				t.Errorf("both sellers took from %q: they shared a budget", k)
			}
		}
	}
	// The server saw each seller's 30 calls with that seller's token.
	perToken := map[string]int{}
	for _, r := range srv.Requests() {
		if r.Op == "createRestrictedDataToken" && r.Status == 200 {
			perToken[r.Header.Get("x-amz-access-token")]++
		}
	}
	if len(perToken) != 2 {
		t.Errorf("calls answered 200 under %d access tokens, want 2", len(perToken))
	}
	for _, n := range perToken {
		if n != 30 {
			t.Errorf("a seller had %d calls answered 200, want 30", n)
		}
	}
	if n429 != 0 {
		t.Errorf("%d 429s, want none: a client overran its seller's budget", n429)
	}
	if os.Getenv("FLEET_TIMING") != "" {
		for i, w := range walls {
			if w > time.Duration(1.25*float64(bound)) {
				t.Errorf("seller %d took %v, want about %v: the sellers shared a budget", i+1, w, bound)
			}
		}
	}
}

// The client's keys share a hash tag, so a Redis Cluster client works:
// LWA token, RDT and buckets through a one-node cluster.
func TestStoreOnRedisCluster(t *testing.T) {
	rds := redistest.StartCluster(t)
	srv := sptest.Start(t, sptest.Options{RateScale: 1000})
	rdb := rds.ClusterClient(t)
	cfg := storeConfig(srv, redisstore.New(rdb))
	var warnings atomic.Int32
	var logs bytes.Buffer
	cfg.Logger = countingLogger(&logs, &warnings)
	for range 2 { // two clients: the second finds the first's tokens
		c, err := client.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.HTTPClient().Get(srv.URL() + "/orders/v0/orders/902-1845936-5435065/address")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("HTTP %d", resp.StatusCode)
		}
	}
	if srv.LWACalls() != 1 || srv.RDTCalls() != 1 || warnings.Load() != 0 {
		t.Errorf("LWA calls %d, RDT mints %d, warnings %d; want 1, 1, 0:\n%s", srv.LWACalls(), srv.RDTCalls(), warnings.Load(), logs.String())
	}
}

// The store's telemetry: the duration of each call, and the calls answered
// from in-process state once Redis is gone.
func TestStoreTelemetry(t *testing.T) {
	rds := redistest.Start(t)
	srv := sptest.Start(t, sptest.Options{RateScale: 1000})
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	cfg := storeConfig(srv, redisstore.New(rds.Client(t)))
	cfg.MeterProvider = mp
	// This test counts calls, not their speed: with the default 100 ms a
	// loaded machine's Redis replies late, and a late reply is a fallback
	// (issue 15: 3 take errors and fallbacks with Redis up). A second is
	// what the client itself waits before it calls a silent store down;
	// longer only slows the part with Redis gone (go-redis dials again
	// until the timeout).
	cfg.StoreTimeout = time.Second
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	get := func() {
		resp, err := c.HTTPClient().Get(srv.URL() + "/orders/v0/orders/902-1845936-5435065/address")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	sums := func() map[string]int64 {
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				switch d := m.Data.(type) {
				case metricdata.Histogram[float64]:
					for _, p := range d.DataPoints {
						call, _ := p.Attributes.Value("spapi.store.call")
						o := "success"
						if p.Attributes.HasValue("error.type") {
							o = "error"
						}
						out[m.Name+" "+call.AsString()+" "+o] += int64(p.Count)
					}
				case metricdata.Sum[int64]:
					for _, p := range d.DataPoints {
						call, _ := p.Attributes.Value("spapi.store.call")
						out[m.Name+" "+call.AsString()] += p.Value
					}
				}
			}
		}
		return out
	}
	for range 5 {
		get()
	}
	live := sums()
	if live["spapi.client.store.duration take success"] != 6 || live["spapi.client.store.duration get success"] < 2 || live["spapi.client.store.fallbacks take"] != 0 {
		t.Errorf("with Redis up: %v; want 6 takes (5 calls and the mint), the LWA and RDT reads, no fallback", live)
	}
	rds.Kill()
	for range 5 {
		get()
	}
	down := sums()
	// A Take that gets no reply is tried up to 3 times before the call
	// goes on in-process (a slow store is not a down one), and the store
	// is put aside only after a second of silence. A fallback is a call
	// that went on in-process: one per call, however many takes it tried
	// (issue 22: a take tried again and answered was counted as a
	// fallback, so a busy healthy Redis looked like a failing one), and
	// one per take not tried while the store is put aside.
	fb := down["spapi.client.store.fallbacks take"] - live["spapi.client.store.fallbacks take"]
	te := down["spapi.client.store.duration take error"] - live["spapi.client.store.duration take error"]
	if te < 1 || fb != 5 {
		t.Errorf("with Redis gone: %v; want failed takes (%d) and one fallback per call (%d for 5 calls)", down, te, fb)
	}
}
