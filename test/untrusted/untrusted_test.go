// Package untrusted tests a fleet against a Redis that it does not trust
// (issue 16): garbage that any writer without the secret can leave in
// Redis, and a client-secret rotation. Real OS processes (this test binary,
// started again as workers), a real redis-server (internal/redistest) and
// one sptest that keeps one budget per seller and counts LWA calls and RDT
// mints across the fleet.
package untrusted

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/internal/testproc"
	"github.com/spapi-go/spapi/redisstore"
	"github.com/spapi-go/spapi/sptest"
)

// maxMemory bounds what one worker process allocates on its heap over its
// whole life, its start and its calls included: a worker that read a
// 64 MiB value would exceed it.
const maxMemory = 32 << 20

// storeTimeout is the workers' Config.StoreTimeout (see job).
const storeTimeout = 5 * time.Second

// runFleet starts one worker per job, all starting their calls at the same
// time (a barrier, not a fixed delay), waits for them and returns what
// they saw. A worker that fails (a panic included) fails the test.
func runFleet(t *testing.T, jobs []job) []result {
	t.Helper()
	for i := range jobs {
		jobs[i].Worker = i
	}
	return run(t, jobs)
}

// runWorkerNow runs one worker to its end, starting its calls at once.
func runWorkerNow(t *testing.T, j job) result {
	t.Helper()
	return run(t, []job{j})[0]
}

// run runs jobs as they are, one worker each.
func run(t *testing.T, jobs []job) []result {
	t.Helper()
	envs := make([][]string, len(jobs))
	for i, j := range jobs {
		spec, _ := json.Marshal(j)
		envs[i] = testproc.Env(workerEnv+"=1", "UNTRUSTED_JOB="+string(spec))
	}
	outs, err := testproc.Run(envs, nil)
	if err != nil {
		t.Fatal(err)
	}
	results := make([]result, len(jobs))
	warned := false
	for i, o := range outs {
		if o.Err == nil {
			o.Err = json.Unmarshal(o.Stdout, &results[i])
		}
		if o.Err != nil {
			t.Fatalf("worker %d: %v\n%s", i, o.Err, o.Stderr)
		}
		if results[i].Warnings > 0 && !warned {
			warned = true
			t.Logf("worker %d logged:\n%s", i, o.Stderr)
		}
	}
	return results
}

// totals sums the workers' results; mem is the largest worker's.
func totals(rs []result) (sum result, maxAlloc, maxSys uint64) {
	for _, r := range rs {
		sum.OK += r.OK
		sum.Failed += r.Failed
		sum.Retries429 += r.Retries429
		sum.Warnings += r.Warnings
		if sum.FirstErr == "" {
			sum.FirstErr = r.FirstErr
		}
		maxAlloc, maxSys = max(maxAlloc, r.TotalAlloc), max(maxSys, r.Sys)
	}
	return sum, maxAlloc, maxSys
}

// fleetKeys runs one client (with the fleet's credentials) for one
// getOrderAddress, so that every key the fleet uses exists, and returns
// the names of the LWA token's key and the RDT's key, prefix included. The
// names are keyed hashes: the test finds them in Redis, as nobody without
// the credentials could compute them.
func fleetKeys(t *testing.T, srv *sptest.Server, rdb *redis.Client, prefix string) (lwa, rdt string) {
	t.Helper()
	c, err := client.New(client.Config{
		ClientID: sptest.ClientID, ClientSecret: sptest.ClientSecret, RefreshToken: sptest.RefreshToken,
		Endpoint: srv.URL(), LWAEndpoint: srv.LWAURL(), Store: redisstore.New(rdb, redisstore.WithPrefix(prefix)),
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.HTTPClient().Get(srv.URL() + "/orders/v0/orders/902-0000000-0000000/address")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	keys, err := rdb.Keys(context.Background(), prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		switch {
		case strings.HasSuffix(k, "}:lwa"):
			lwa = k
		case strings.Contains(k, "}:rdt:"):
			rdt = k
		}
	}
	if lwa == "" || rdt == "" {
		t.Fatalf("keys %q: want an LWA token's and an RDT's", keys)
	}
	return lwa, rdt
}

// TestFleetHostileValues: 4 processes × 15 getOrderAddress, with garbage
// that a writer without the secret left where the fleet keeps its LWA token
// and its RDT, or their locks. Every call succeeds, nothing panics, no
// warning is logged (garbage does not trip the store), the fleet still
// shares (at most one LWA call and one mint for the whole run, after the
// garbage), and no worker allocates 32 MiB.
func TestFleetHostileValues(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test: 5 fleets of 4 processes")
	}
	ctx := context.Background()
	cases := []struct {
		name  string
		plant func(rdb *redis.Client, lwa, rdt string) error
	}{
		{"locks without a TTL", func(rdb *redis.Client, lwa, rdt string) error {
			return firstErr(rdb.Set(ctx, lwa+":lock", "x", 0).Err(), rdb.Set(ctx, rdt+":lock", strings.Repeat("f", 32), 0).Err())
		}},
		{"locks of the wrong type", func(rdb *redis.Client, lwa, rdt string) error {
			return firstErr(rdb.HSet(ctx, lwa+":lock", "x", "y").Err(), rdb.LPush(ctx, rdt+":lock", "x").Err())
		}},
		{"token keys of the wrong type", func(rdb *redis.Client, lwa, rdt string) error {
			return firstErr(rdb.HSet(ctx, lwa, "x", "y").Err(), rdb.SAdd(ctx, rdt, "x").Err())
		}},
		{"garbage sealed values", func(rdb *redis.Client, lwa, rdt string) error {
			// A version byte and a key id that look right, then noise.
			garbage := append([]byte{2, 0xde, 0xad, 0xbe, 0xef}, bytes.Repeat([]byte{0x5a}, 200)...)
			return firstErr(rdb.Set(ctx, lwa, garbage, time.Hour).Err(), rdb.Set(ctx, rdt, "not sealed", time.Hour).Err())
		}},
		{"64 MiB values", func(rdb *redis.Client, lwa, rdt string) error {
			return firstErr(rdb.SetRange(ctx, lwa, 64<<20-1, "x").Err(), rdb.SetRange(ctx, rdt, 64<<20-1, "x").Err())
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rds := redistest.Start(t)
			rdb := rds.Client(t)
			srv := sptest.Start(t, sptest.Options{RateScale: 100})
			lwa, rdt := fleetKeys(t, srv, rdb, "spapi:")
			if err := rdb.Del(ctx, lwa, rdt).Err(); err != nil {
				t.Fatal(err)
			}
			if err := tc.plant(rdb, lwa, rdt); err != nil {
				t.Fatal(err)
			}
			lwaBefore, mintsBefore := srv.LWACalls(), srv.RDTCalls()
			jobs := make([]job, 4)
			for i := range jobs {
				jobs[i] = job{Endpoint: srv.URL(), LWA: srv.LWAURL(), Redis: rds.Addr(), Prefix: "spapi:", Calls: 15, InFlight: 3, StoreTimeout: storeTimeout}
			}
			sum, maxAlloc, maxSys := totals(runFleet(t, jobs))
			lwaCalls, mints := srv.LWACalls()-lwaBefore, srv.RDTCalls()-mintsBefore
			t.Logf("%s: ok %d, failed %d, warnings %d, 429s %d, LWA calls %d, mints %d; largest worker: %.1f MiB allocated in all, Sys %.1f MiB",
				tc.name, sum.OK, sum.Failed, sum.Warnings, sum.Retries429, lwaCalls, mints, float64(maxAlloc)/(1<<20), float64(maxSys)/(1<<20))
			if sum.Failed != 0 || sum.OK != 60 {
				t.Errorf("%d ok, %d failed; first error: %s", sum.OK, sum.Failed, sum.FirstErr)
			}
			if sum.Warnings != 0 {
				t.Errorf("%d warnings: garbage tripped the store", sum.Warnings)
			}
			if lwaCalls > 1 || mints > 1 {
				t.Errorf("LWA calls %d, mints %d across the fleet; want at most 1 each (the fleet still shares)", lwaCalls, mints)
			}
			if maxAlloc > maxMemory {
				t.Errorf("a worker allocated %d bytes, want under %d", maxAlloc, maxMemory)
			}
		})
	}
}

// TestFleetRotation: a client-secret rotation. 60 processes alternate the
// old secret (alone) and the new one (with the old as
// PreviousClientSecret), one after another (a rolling restart: each finds
// what the one before it stored) and all at once; each way, together they
// make at most 2 LWA calls and 2 mints. The names do not depend on the
// client secret, and the new processes open what the old ones sealed; an
// old process cannot open a new one's value, so it may fetch once more,
// after which its value is one that all of them open. Without
// PreviousClientSecret, processes one after another each fetch again.
func TestFleetRotation(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test: 120 processes")
	}
	const newSecret = "sptest-client-secret-rotated"
	for _, mode := range []string{"one after another", "all at once"} {
		t.Run(mode, func(t *testing.T) {
			rds := redistest.Start(t)
			// No rate limits (but the Tokens API's, 100/s): calls that
			// start at once would queue at getOrderAddress's published
			// 0.5/s before the first reply states the rate; this test is
			// about the tokens.
			srv := sptest.Start(t, sptest.Options{RateScale: 100, NoRateLimit: true, ClientSecrets: []string{newSecret}})
			jobs := make([]job, 60)
			for i := range jobs {
				jobs[i] = job{Endpoint: srv.URL(), LWA: srv.LWAURL(), Redis: rds.Addr(), Prefix: "spapi:",
					Calls: 2, InFlight: 2, StoreTimeout: storeTimeout, NoRateLimit: true}
				if i%2 == 1 {
					jobs[i].ClientSecret, jobs[i].PreviousClientSecret = newSecret, sptest.ClientSecret
				}
			}
			var rs []result
			if mode == "all at once" {
				rs = runFleet(t, jobs)
			} else {
				for i, j := range jobs {
					j.Worker = i
					rs = append(rs, runWorkerNow(t, j))
				}
			}
			sum, _, _ := totals(rs)
			t.Logf("60 processes %s, old and new secret alternating: ok %d, failed %d, LWA calls %d, mints %d, warnings %d",
				mode, sum.OK, sum.Failed, srv.LWACalls(), srv.RDTCalls(), sum.Warnings)
			if sum.Failed != 0 || sum.OK != 120 {
				t.Errorf("%d ok, %d failed; first error: %s", sum.OK, sum.Failed, sum.FirstErr)
			}
			if srv.LWACalls() > 2 || srv.RDTCalls() > 2 {
				t.Errorf("LWA calls %d, mints %d across 60 processes; want at most 2 each", srv.LWACalls(), srv.RDTCalls())
			}
		})
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
