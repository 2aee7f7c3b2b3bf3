package test

// Load tests: many Tokens calls against sptest's token bucket, counting what
// the server saw. The issue's figures: 100 RDT calls, 10 in flight, sptest at
// 20 requests/s with a burst of 10, 20 ms latency, so no client can finish
// faster than the rate bound (100-10)/20 = 4.5 s. Other SDKs take 9.5-23 s and
// collect 80-90 429s; ours must wait in its limiter instead and finish near
// the bound with no 429 at all. These tests assert counts only; wall times
// are logged (BenchmarkLoad in bench_test.go reports them).
//
// Each scenario has its own server and client and spends its time sleeping
// (latency, limiter waits), so the scenarios of a test run at the same time:
// a test takes as long as its slowest scenario, about 4.6 s.
//
// On a busy machine (timers firing more than 10 ms late, as measured during
// each run by loadTimerProbe) sptest's own bucket jitters, and a few 429s
// are logged rather than failed; see loadCheckZero429s.
//
// Scenarios that once failed, with what fixed them, are in
// load_regress_test.go.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

const loadOp = client.OpCreateRestrictedDataToken

// The issue's scenario.
const (
	loadCalls    = 100
	loadInFlight = 10
	loadRate     = 20.0
	loadBurst    = 10
	loadLatency  = 20 * time.Millisecond
)

// loadBound is the least time calls calls can take under a server bucket
// holding burst tokens at the start: those are free, the rest come at rate.
func loadBound(calls int, rate float64, burst int) time.Duration {
	return time.Duration(float64(calls-burst) / rate * float64(time.Second))
}

// loadServerOptions is the issue's server: 20/s, burst 10, 20 ms latency.
func loadServerOptions() sptest.Options {
	return sptest.Options{Rate: loadRate, Burst: loadBurst, Latency: loadLatency}
}

// loadPlanLimiter returns the default limiter (TokenBucketLimiter) started
// at the given plan for the Tokens call instead of DefaultRates' 1 rps.
func loadPlanLimiter(rate float64, burst int) func() client.RateLimiter {
	return func() client.RateLimiter {
		return client.NewRateLimiter(map[string]client.Rate{loadOp: {PerSecond: rate, Burst: burst}})
	}
}

// loadRequest is the RDT request every load call makes.
func loadRequest() client.CreateRestrictedDataTokenRequest {
	return client.CreateRestrictedDataTokenRequest{
		RestrictedResources: []client.RestrictedResource{{
			Method: client.MethodGET,
			Path:   "/orders/v0/orders/{orderId}/address",
		}},
	}
}

// loadConfig is a client config for srv with every default a user gets
// (limiter, retries, backoff, transport).
func loadConfig(srv *sptest.Server) client.Config {
	return client.Config{
		ClientID:     sptest.ClientID,
		ClientSecret: sptest.ClientSecret,
		RefreshToken: sptest.RefreshToken,
		Endpoint:     srv.URL(),
		LWAEndpoint:  srv.LWAURL(),
	}
}

// loadScenario is one load run: a fresh server, optionally a spender that
// uses up its budget first, then our client making Calls calls, InFlight at
// a time.
type loadScenario struct {
	Name     string
	Server   sptest.Options
	Limiter  func() client.RateLimiter // nil: Config.RateLimiter nil, the client's default (1 rps, burst 10, learns)
	Config   func(*client.Config)      // optional changes to ours' config
	Spend    func(*sptest.Server) error
	Calls    int
	InFlight int
	Bound    time.Duration // for the logged ratio
}

// loadResult is what one load run saw, from both ends.
type loadResult struct {
	Scenario loadScenario
	Wall     time.Duration // ours' calls only (not the spender's)

	OK, Failed int
	FirstErr   error

	Server429  int           // 429s the server sent ours for the Tokens call
	ServerRDT  int           // Tokens requests the server received from ours
	LWACalls   int           // LWA calls ours made
	Retries    int           // OnRetry calls
	Retries429 int           // ... after a 429
	First429At time.Duration // since ours started, when OnRetry first heard of a 429; 0 if none
	NewConns   int           // connections dialled for ours' SP-API calls (httptrace)
	Reused     int           // connections reused

	// How late timers fired on this machine during the run (see
	// loadTimerProbe): the tell of a busy machine.
	TimerLateP99, TimerLateMax time.Duration
}

func (r loadResult) BoundRatio() float64 { return r.Wall.Seconds() / r.Scenario.Bound.Seconds() }

func (r loadResult) String() string {
	return fmt.Sprintf("%d calls, %d in flight: wall %v (%.3f x bound %v); ok %d, failed %d; server 429s %d, Tokens requests %d, LWA calls %d; retries %d (%d after a 429, first at %v); connections new %d, reused %d; timers late p99 %v, max %v",
		r.Scenario.Calls, r.Scenario.InFlight, r.Wall.Round(time.Millisecond), r.BoundRatio(), r.Scenario.Bound,
		r.OK, r.Failed, r.Server429, r.ServerRDT, r.LWACalls,
		r.Retries, r.Retries429, r.First429At.Round(time.Millisecond), r.NewConns, r.Reused,
		r.TimerLateP99.Round(100*time.Microsecond), r.TimerLateMax.Round(100*time.Microsecond))
}

// loadExecute runs sc: it starts the server (closed on return), lets the
// spender spend, then runs ours. It may run on any goroutine.
func loadExecute(sc loadScenario) (loadResult, error) {
	srv := sptest.NewServer(sc.Server)
	defer srv.Close()
	if sc.Spend != nil {
		if err := sc.Spend(srv); err != nil {
			return loadResult{}, fmt.Errorf("spender: %w", err)
		}
	}
	cfg := loadConfig(srv)
	if sc.Limiter != nil {
		cfg.RateLimiter = sc.Limiter()
	}
	if sc.Config != nil {
		sc.Config(&cfg)
	}
	if sc.Spend != nil {
		loadRespend(srv, &cfg)
	}
	return loadRun(srv, cfg, sc)
}

// loadRespend makes ours' first Tokens request spend the server's budget
// again on its way out, after ours' limiter and probe gate let it go. The
// spender emptied the bucket before ours was even made, and it refills
// while ours starts (client.New, the LWA fetch): 200 ms at 5/s is a token,
// which a busy machine gave it. Ours' first request then succeeded, opened
// the gate, and the next two in flight found the bucket empty: 2 429s where
// TestLoadRegressionSpentBudgetLiteral allows 1 (seen with the second-client
// spender, timers 150 ms late). The scenario is "the budget is spent when
// ours starts", now true however long starting took.
func loadRespend(srv *sptest.Server, cfg *client.Config) {
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		*hc = *cfg.HTTPClient
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	var once sync.Once
	hc.Transport = loadRoundTrip(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/tokens/2021-03-01/restrictedDataToken" {
			once.Do(srv.SpendBudget)
		}
		return base.RoundTrip(r)
	})
	cfg.HTTPClient = hc
}

// loadRoundTrip is a function as an http.RoundTripper.
type loadRoundTrip func(*http.Request) (*http.Response, error)

func (f loadRoundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// loadRun makes sc.Calls Tokens calls, sc.InFlight at a time, through a
// client made from cfg (an OnRetry that counts is added), and reports what
// happened. The server's counters are read as deltas, so a spender's calls
// do not count.
func loadRun(srv *sptest.Server, cfg client.Config, sc loadScenario) (loadResult, error) {
	var (
		retries, retries429, first429 atomic.Int64
		newConns, reused              atomic.Int64
		start                         time.Time
	)
	userOnRetry := cfg.OnRetry
	cfg.OnRetry = func(ri client.RetryInfo) {
		retries.Add(1)
		if ri.StatusCode == http.StatusTooManyRequests {
			retries429.Add(1)
			first429.CompareAndSwap(0, max(1, int64(time.Since(start))))
		}
		if userOnRetry != nil {
			userOnRetry(ri)
		}
	}
	c, err := client.New(cfg)
	if err != nil {
		return loadResult{}, fmt.Errorf("client.New: %w", err)
	}
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn: func(gc httptrace.GotConnInfo) {
			if gc.Reused {
				reused.Add(1)
			} else {
				newConns.Add(1)
			}
		},
	})

	before429 := srv.CallsByStatus(loadOp, http.StatusTooManyRequests)
	beforeRDT, beforeLWA := srv.RDTCalls(), srv.LWACalls()

	var (
		ok, failed atomic.Int64
		errOnce    sync.Once
		firstErr   error
		wg         sync.WaitGroup
	)
	work := make(chan struct{}, sc.Calls)
	for range sc.Calls {
		work <- struct{}{}
	}
	close(work)
	start = time.Now()
	for range sc.InFlight {
		wg.Go(func() {
			for range work {
				if _, err := c.CreateRestrictedDataToken(ctx, loadRequest()); err != nil {
					failed.Add(1)
					errOnce.Do(func() { firstErr = err })
					continue
				}
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)

	return loadResult{
		Scenario:   sc,
		Wall:       wall,
		OK:         int(ok.Load()),
		Failed:     int(failed.Load()),
		FirstErr:   firstErr,
		Server429:  srv.CallsByStatus(loadOp, http.StatusTooManyRequests) - before429,
		ServerRDT:  srv.RDTCalls() - beforeRDT,
		LWACalls:   srv.LWACalls() - beforeLWA,
		Retries:    int(retries.Load()),
		Retries429: int(retries429.Load()),
		First429At: time.Duration(first429.Load()),
		NewConns:   int(newConns.Load()),
		Reused:     int(reused.Load()),
	}, nil
}

// loadRunAll runs the scenarios at the same time and returns their results
// in order; a scenario that could not run fails t.
func loadRunAll(t *testing.T, scs []loadScenario) []loadResult {
	t.Helper()
	results := make([]loadResult, len(scs))
	errs := make([]error, len(scs))
	probe := loadStartTimerProbe()
	var wg sync.WaitGroup
	for i, sc := range scs {
		wg.Go(func() { results[i], errs[i] = loadExecute(sc) })
	}
	wg.Wait()
	p99, maxLate := probe.Stop()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for i := range results {
		results[i].TimerLateP99, results[i].TimerLateMax = p99, maxLate
	}
	return results
}

// loadTimerProbe measures how late timers fire while it runs: a goroutine
// sleeps 5 ms again and again and records by how much each sleep overshot.
// On a quiet machine the overshoot stays well under a millisecond or two; on
// one whose cores are taken by other work (go test ./... runs packages in
// parallel; other engineers share the machine) it reaches tens of
// milliseconds. Then sptest's own bucket is jittered too (it takes its token
// after its Latency timer), and requests the client spaced 50 ms apart can
// reach it closer together: a 429 no client-side limiter without a margin
// could avoid.
type loadTimerProbe struct {
	stop chan struct{}
	done chan []time.Duration
}

const loadProbeTick = 5 * time.Millisecond

func loadStartTimerProbe() *loadTimerProbe {
	p := &loadTimerProbe{stop: make(chan struct{}), done: make(chan []time.Duration, 1)}
	go func() {
		var late []time.Duration
		for {
			select {
			case <-p.stop:
				p.done <- late
				return
			default:
			}
			t0 := time.Now()
			time.Sleep(loadProbeTick)
			late = append(late, time.Since(t0)-loadProbeTick)
		}
	}()
	return p
}

// Stop ends the probe and returns the 99th percentile and the maximum
// overshoot.
func (p *loadTimerProbe) Stop() (p99, maxLate time.Duration) {
	close(p.stop)
	late := <-p.done
	if len(late) == 0 {
		return 0, 0
	}
	slices.Sort(late)
	return late[len(late)*99/100], late[len(late)-1]
}

// loadQuietLateness is the most a timer may overshoot during a run for the
// machine to count as quiet, so that any 429 is the client's doing. Above
// it, the zero-429 assertion is relaxed to loadBusy429s (a regression such
// as a missing limiter still fails it: that gives 80-90 429s).
const loadQuietLateness = 10 * time.Millisecond

// loadBusy429s is how many 429s a run on a busy machine may get.
func loadBusy429s(calls int) int { return calls / 5 }

// loadCheckZero429s asserts what every run of the issue's scenario must
// show: every call succeeded, one LWA call, no 429 (so one Tokens request
// per call). On a busy machine (timers late by more than
// loadQuietLateness) a few 429s are logged rather than failed; see
// loadTimerProbe.
func loadCheckZero429s(t *testing.T, r loadResult) {
	t.Helper()
	if r.Failed != 0 || r.OK != r.Scenario.Calls {
		t.Errorf("%d of %d calls failed; first error: %v", r.Failed, r.Scenario.Calls, r.FirstErr)
	}
	if r.LWACalls != 1 {
		t.Errorf("LWA calls = %d, want 1 (see TestLoadRegressionLWASingleFlightStress)", r.LWACalls)
	}
	if want := r.Scenario.Calls + r.Server429; r.ServerRDT != want {
		t.Errorf("server received %d Tokens requests, want %d (one per call, plus one per 429)", r.ServerRDT, want)
	}
	if r.Server429 == 0 {
		return
	}
	busy := r.TimerLateMax > loadQuietLateness
	switch {
	case !busy:
		t.Errorf("server sent %d 429s (the first heard at %v), want 0: the client's limiter should have waited instead (machine quiet: timers at most %v late)",
			r.Server429, r.First429At.Round(time.Millisecond), r.TimerLateMax.Round(100*time.Microsecond))
	case r.Server429 > loadBusy429s(r.Scenario.Calls):
		t.Errorf("server sent %d 429s (the first heard at %v), want 0, and even on a busy machine (timers up to %v late) at most %d",
			r.Server429, r.First429At.Round(time.Millisecond), r.TimerLateMax.Round(time.Millisecond), loadBusy429s(r.Scenario.Calls))
	default:
		t.Logf("NOTE: %d 429s not counted as a failure: the machine was busy (timers up to %v late, p99 %v; quiet is <= %v), which jitters sptest's own bucket; rerun on a quiet machine for the strict count",
			r.Server429, r.TimerLateMax.Round(time.Millisecond), r.TimerLateP99.Round(100*time.Microsecond), loadQuietLateness)
	}
}

// loadIssueScenario is the issue's run with the given limiter and calls in
// flight.
func loadIssueScenario(name string, lim func() client.RateLimiter, inFlight int) loadScenario {
	return loadScenario{
		Name:     name,
		Server:   loadServerOptions(),
		Limiter:  lim,
		Calls:    loadCalls,
		InFlight: inFlight,
		Bound:    loadBound(loadCalls, loadRate, loadBurst),
	}
}

// loadZero429Scenarios are the issue's runs. The runs with the limiter started at the server's exact plan
// ({20/s, burst 10}) got one 429 each before the limiter kept a margin: see load_regress_test.go.
func loadZero429Scenarios() []loadScenario {
	return []loadScenario{
		// The real defaults: the client starts at the published 1 rps,
		// burst 10, and learns 20/s from x-amzn-RateLimit-Limit on the
		// first reply (about 22 ms in). Those 22 ms at 1 rps leave its
		// bucket about 0.4 token behind the server's, which is why these
		// rows get no 429 where the exact plan gets one.
		loadIssueScenario("learned/10-in-flight", nil, loadInFlight),
		loadIssueScenario("learned/sequential", nil, 1),
		// The plan with one token of headroom (burst 9 against the
		// server's 10): what the proposed limiter fix amounts to.
		loadIssueScenario("plan-burst9/10-in-flight", loadPlanLimiter(loadRate, loadBurst-1), loadInFlight),
		loadIssueScenario("plan-burst9/sequential", loadPlanLimiter(loadRate, loadBurst-1), 1),
	}
}

func TestLoadZero429s(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: about 4.6 s")
	}
	scs := loadZero429Scenarios()
	results := loadRunAll(t, scs)
	for i, sc := range scs {
		t.Run(sc.Name, func(t *testing.T) {
			t.Logf("%v", results[i])
			loadCheckZero429s(t, results[i])
		})
	}
}

// The spent-budget runs: the server at 5/s, burst 5 (to keep it fast), its
// budget spent just before ours starts; ours makes 10 calls. Its backoff is
// about 1 ms, so any waiting is the limiter's.
const (
	loadSpentRate  = 5.0
	loadSpentBurst = 5
	loadSpentCalls = 10
)

// loadSpenders spend the server's budget before ours starts.
var loadSpenders = []struct {
	name  string
	spend func(*sptest.Server) error
}{
	{"SpendBudget", func(srv *sptest.Server) error { srv.SpendBudget(); return nil }},
	{"second-client", func(srv *sptest.Server) error {
		// Another process with no limiter spends the burst.
		cfg := loadConfig(srv)
		cfg.NoRateLimit = true
		other, err := client.New(cfg)
		if err != nil {
			return err
		}
		for i := range loadSpentBurst {
			if _, err := other.CreateRestrictedDataToken(context.Background(), loadRequest()); err != nil {
				return fmt.Errorf("call %d: %w", i+1, err)
			}
		}
		if n := srv.CallsByStatus(loadOp, http.StatusTooManyRequests); n != 0 {
			return fmt.Errorf("the spender got %d 429s", n)
		}
		return nil
	}},
}

// loadSpentScenario is ours after a spender, with the given limiter.
func loadSpentScenario(name string, spend func(*sptest.Server) error, lim func() client.RateLimiter, inFlight int) loadScenario {
	return loadScenario{
		Name:     name,
		Server:   sptest.Options{Rate: loadSpentRate, Burst: loadSpentBurst},
		Limiter:  lim,
		Config:   func(c *client.Config) { c.RetryWait = time.Millisecond },
		Spend:    spend,
		Calls:    loadSpentCalls,
		InFlight: inFlight,
		// The budget is empty at the start: every call waits for a
		// token at 5/s.
		Bound: loadBound(loadSpentCalls, loadSpentRate, 0),
	}
}

// loadSpentScenarios: each spender, with ours at the plan ({5/s, burst 5})
// or at the defaults (1 rps, burst 10, learning 5/s from the first 200),
// 1 or 2 in flight.
func loadSpentScenarios() []loadScenario {
	var scs []loadScenario
	for _, sp := range loadSpenders {
		for _, lim := range []struct {
			name string
			lim  func() client.RateLimiter
		}{{"plan", loadPlanLimiter(loadSpentRate, loadSpentBurst)}, {"defaults", nil}} {
			for _, n := range []int{1, 2} {
				name := fmt.Sprintf("%s/%s/%d-in-flight", sp.name, lim.name, n)
				scs = append(scs, loadSpentScenario(name, sp.spend, lim.lim, n))
			}
		}
	}
	return scs
}

// TestSpentBudgetAtMostOne429: another process has spent the budget just
// before ours starts. Ours cannot know, so the requests it sends first get a
// 429; that 429 must drain its bucket so that later requests wait instead of
// collecting more. So every 429 answers a request already on its way when
// the first 429 came back: at most one per request in flight, which is "at
// most one" when calls are sequential. (With 2 in flight both first requests
// would leave before any reply; the client's probe makes one wait, and the
// literal "at most one 429 with 2 in flight" is in load_regress_test.go.)
func TestSpentBudgetAtMostOne429(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: about 3 s")
	}
	scs := loadSpentScenarios()
	results := loadRunAll(t, scs)
	for i, sc := range scs {
		t.Run(sc.Name, func(t *testing.T) {
			r := results[i]
			t.Logf("%v", r)
			if r.Failed != 0 || r.OK != sc.Calls {
				t.Errorf("%d of %d calls failed; first error: %v", r.Failed, sc.Calls, r.FirstErr)
			}
			if r.Server429 < 1 {
				t.Errorf("ours got no 429 on a spent budget; the test is broken")
			}
			if r.Server429 > sc.InFlight {
				t.Errorf("ours got %d 429s with %d in flight, want at most %d: after the first 429 it should wait, not retry into more",
					r.Server429, sc.InFlight, sc.InFlight)
			}
			if r.Retries429 != r.Server429 || r.Retries != r.Retries429 {
				t.Errorf("OnRetry saw %d retries, %d after a 429; the server sent %d 429s", r.Retries, r.Retries429, r.Server429)
			}
			if want := sc.Calls + r.Server429; r.ServerRDT != want {
				t.Errorf("server received %d Tokens requests from ours, want %d calls + %d retries", r.ServerRDT, sc.Calls, r.Server429)
			}
			if r.LWACalls != 1 {
				t.Errorf("LWA calls = %d, want 1", r.LWACalls)
			}
		})
	}
}
