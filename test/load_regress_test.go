package test

// Assertions that once failed, each guarding the fix of a limiter or LWA
// shortfall. Each test's comment says what was measured before the fix and
// what fixed it.

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// The issue's assertion as written: the default limiter started at the
// server's exact plan ({20/s, burst 10}, DefaultRates overridden) gets no 429.
//
// Measured: exactly one 429 in every run, 10 in flight and sequential, with
// and without -race: 10 in flight, heard at ~72 ms (the 11th request, the
// first one sent after the burst, when the client's bucket first runs dry);
// sequential, at ~0.37 s (the first time the bucket runs dry), sometimes
// later. Wall 4.57 s (1.016 x bound): the retried request spends one more
// token.
//
// Cause: the client's bucket and the server's are the same size and rate
// with no margin. The client spends a token when Wait returns; the server
// when the request arrives. The first request of the burst reaches the
// server later after its Wait than later ones do (it fetches the LWA token
// after the limiter, and dials a connection), so the server's bucket starts
// refilling a millisecond or two after the client's, and when the client
// has waited for exactly one token the server has 0.96 of one. With the LWA
// token fetched beforehand the 429 still comes, a little later: any request
// that arrives faster than the burst's first one hits it.
//
// Fixed (client/ratelimit.go, newBucket): one token of headroom,
// rate.NewLimiter(rate.Limit(def.PerSecond), max(1, def.Burst-1)) for a plan
// with Burst > 1. Measured with Rate{20, 9} passed in (TestLoadZero429s,
// plan-burst9 rows): 0 429s, wall 4.57 s, the bound of (100-9)/20 plus one
// latency. One token absorbs up to one interval (50 ms here) of jitter; on a
// machine whose timers fire 100+ ms late even burst 9 saw 429s. For plans
// with a burst of 1, a time margin per request instead.
func TestLoadRegressionPlanZero429s(t *testing.T) {
	scs := []loadScenario{
		loadIssueScenario("plan/10-in-flight", loadPlanLimiter(loadRate, loadBurst), loadInFlight),
		loadIssueScenario("plan/sequential", loadPlanLimiter(loadRate, loadBurst), 1),
	}
	results := loadRunAll(t, scs)
	for i, sc := range scs {
		t.Run(sc.Name, func(t *testing.T) {
			t.Logf("%v", results[i])
			loadCheckZero429s(t, results[i])
		})
	}
}

// A user who does nothing (Config.RateLimiter nil: DefaultRates, 1 rps,
// burst 10) against a server with the Tokens API's real plan (sptest's
// defaults: 1 rps, burst 10) stays under the limit, as DESIGN.md promises.
//
// Measured: one 429, at ~1.02 s (the 11th call, the first after the burst),
// 1 and 10 in flight; 13 calls take 4.02 s against a bound of 3 s. Same
// cause and fix as TestLoadRegressionPlanZero429s: here the header's rate (1)
// equals the default, so nothing shifts the client's clock behind the
// server's. (In the issue's scenario the client learns 20/s only after
// ~22 ms at 1 rps, which by luck leaves it ~0.4 token behind the server.)
func TestLoadRegressionDefaultsAgainstRealPlan(t *testing.T) {
	const calls = 13
	var scs []loadScenario
	for _, n := range []int{1, loadInFlight} {
		scs = append(scs, loadScenario{
			Name:     map[int]string{1: "sequential", loadInFlight: "10-in-flight"}[n],
			Server:   sptest.Options{Latency: loadLatency}, // 1 rps, burst 10
			Calls:    calls,
			InFlight: n,
			Bound:    loadBound(calls, 1, 10),
		})
	}
	results := loadRunAll(t, scs)
	for i, sc := range scs {
		t.Run(sc.Name, func(t *testing.T) {
			t.Logf("%v", results[i])
			loadCheckZero429s(t, results[i])
		})
	}
}

// The issue's spent-budget assertion as written: N=10 calls, 2 in flight,
// at most one 429.
//
// Measured: 2 429s in every run (both spenders, plan and default limiter):
// the two first requests leave together before any reply, and both find the
// budget empty. No limiter that only learns from replies can avoid it; the
// drain works (no 429 after the first two, wall 2.00 s for the plan = the
// bound). Fixed (client/ratelimit.go, limitTransport): one request in
// flight per operation (a probe) until a good reply has been observed, and
// again after a 429; it costs one round trip per operation per client.
func TestLoadRegressionSpentBudgetLiteral(t *testing.T) {
	var scs []loadScenario
	for _, sp := range loadSpenders {
		scs = append(scs,
			loadSpentScenario(sp.name+"/plan/2-in-flight", sp.spend, loadPlanLimiter(loadSpentRate, loadSpentBurst), 2),
			loadSpentScenario(sp.name+"/defaults/2-in-flight", sp.spend, nil, 2))
	}
	results := loadRunAll(t, scs)
	for i, sc := range scs {
		t.Run(sc.Name, func(t *testing.T) {
			r := results[i]
			t.Logf("%v", r)
			if r.Failed != 0 {
				t.Errorf("%d calls failed: %v", r.Failed, r.FirstErr)
			}
			if r.Server429 > 1 {
				t.Errorf("ours got %d 429s, want at most 1", r.Server429)
			}
		})
	}
}

// The limiter's doc says a 429 empties the bucket "so the next request
// waits a full interval". It reserves int(tokens), so a bucket holding a
// fraction of a token keeps it.
//
// Measured (fake clock): {20/s, burst 10}, burst spent, 25 ms later
// Observe(throttled): the next Wait takes 25 ms, not 50 ms.
//
// Fixed (client/ratelimit.go, Observe): reserve
// int(math.Ceil(tokens)) (errs towards waiting up to one interval more), or
// keep a per-operation "not before now+1/rate" that Wait honours before the
// bucket.
func TestLoadRegressionDrainWaitsFullInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := client.NewRateLimiter(map[string]client.Rate{loadOp: {PerSecond: 20, Burst: 10}})
		for range 10 {
			if err := l.Wait(context.Background(), loadOp); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(25 * time.Millisecond) // half a token back (fake clock)
		l.Observe(loadOp, 0, true)
		start := time.Now()
		if err := l.Wait(context.Background(), loadOp); err != nil {
			t.Fatal(err)
		}
		if got, want := time.Since(start), 50*time.Millisecond; got < want-time.Millisecond {
			t.Errorf("after a 429 the next Wait took %v, want a full interval, %v", got, want)
		}
	})
}

// One LWA call per token lifetime whatever the concurrency (DESIGN.md), for
// a fresh client asked by many goroutines at once. Run it with -race (which
// widens the window):
//
//	go test -race -run LWASingleFlightStress ./test/
//
// Measured with -race, rounds of 100 goroutines making 2 LWA calls: 25 of
// 300 with each client on http.DefaultTransport, 2 to 8 of 300 with this
// test's shared transport; 0 of 300 without -race. client/client_test.go's
// TestLWASingleFlight failed the same way once during a -race run of
// ./client/ on a busy machine ("LWA calls = 2 for 100 concurrent calls").
//
// Cause (client/lwa.go, Token and refresh): a goroutine that found no cached
// token reaches flight.do only after the first flight has finished and left
// the group, so it starts a second flight; refresh fetches without looking
// at the cache again.
//
// Fixed: in refresh, before fetching, return s.cur.Load() if it is
// there and not due for refresh (double-checked; invalidate CASes cur to
// nil, so a forced refresh still fetches).
func TestLoadRegressionLWASingleFlightStress(t *testing.T) {
	const rounds, goroutines = 100, 100
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = goroutines // reuse connections across rounds
	t.Cleanup(tr.CloseIdleConnections)
	bad, worst := 0, 0
	for range rounds {
		srv.Reset()
		cfg := loadConfig(srv)
		cfg.NoRateLimit = true
		cfg.HTTPClient = &http.Client{Transport: tr, Timeout: 30 * time.Second}
		cfg.Logger = slog.New(slog.DiscardHandler) // the Timeout's warning, 100 times
		c, err := client.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				<-start
				resp, err := c.HTTPClient().Get(srv.URL() + "/sellers/v1/marketplaceParticipations")
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			})
		}
		close(start)
		wg.Wait()
		if n := srv.LWACalls(); n != 1 {
			bad, worst = bad+1, max(worst, n)
		}
	}
	if bad != 0 {
		t.Errorf("%d of %d rounds of %d goroutines made more than one LWA call (up to %d), want 1 each", bad, rounds, goroutines, worst)
	}
}
