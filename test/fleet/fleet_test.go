// Package fleet tests a fleet of processes sharing one seller's state
// through Redis (issue 10): real OS processes (this test binary, started
// again as workers), a real redis-server (internal/redistest) and one sptest
// that keeps one budget per seller, as the SP-API does.
package fleet

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/internal/testproc"
	"github.com/spapi-go/spapi/sptest"
)

// countingLogger logs text to w and counts the records at Warn or above.
func countingLogger(w io.Writer, warnings *atomic.Int32) *slog.Logger {
	return slog.New(&countHandler{Handler: slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}), n: warnings})
}

type countHandler struct {
	slog.Handler
	n *atomic.Int32
}

func (h *countHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		h.n.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h *countHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &countHandler{Handler: h.Handler.WithAttrs(as), n: h.n}
}

func (h *countHandler) WithGroup(name string) slog.Handler {
	return &countHandler{Handler: h.Handler.WithGroup(name), n: h.n}
}

// fleetRun is one run of n worker processes.
type fleetRun struct {
	results []result
	logs    []string
	wall    time.Duration // from the first call's start to the last call's end, across processes
}

// runFleet starts n workers on j (each gets its Worker number), lets them
// start their calls together once all are ready (a barrier, not a fixed
// delay: internal/testproc), waits for them, and returns what they saw.
// during, if set, runs while they work, given the time they were let go.
func runFleet(t *testing.T, n int, j job, during func(start time.Time)) fleetRun {
	t.Helper()
	envs := make([][]string, n)
	for i := range n {
		jj := j
		jj.Worker = i
		spec, _ := json.Marshal(jj)
		envs[i] = testproc.Env(workerEnv+"=1", "FLEET_JOB="+string(spec))
	}
	var started func()
	if during != nil {
		started = func() { during(time.Now()) }
	}
	outs, err := testproc.Run(envs, started)
	if err != nil {
		t.Fatal(err)
	}
	var run fleetRun
	var first, last int64
	for i, o := range outs {
		var res result
		if o.Err == nil {
			o.Err = json.Unmarshal(o.Stdout, &res)
		}
		if o.Err != nil {
			t.Fatalf("worker %d: %v\n%s", i, o.Err, o.Stderr)
		}
		run.results = append(run.results, res)
		run.logs = append(run.logs, string(o.Stderr))
		if first == 0 || (res.First != 0 && res.First < first) {
			first = res.First
		}
		last = max(last, res.Last)
	}
	run.wall = time.Duration(last - first)
	return run
}

func (r fleetRun) total() (ok, failed, warnings int) {
	for _, x := range r.results {
		ok += x.OK
		failed += x.Failed
		warnings += x.Warnings
	}
	return
}

func (r fleetRun) firstErr() string {
	for _, x := range r.results {
		if x.FirstErr != "" {
			return x.FirstErr
		}
	}
	return ""
}

// The fleet: 4 processes × 25 Tokens calls, 5 in flight each,
// against a seller budget of 20/s, burst 10. Without a Store (measured): 98
// 429s, 1 failed call, 6.6 s, 4 LWA calls. The rate bound is
// (100 - 10) / 20 = 4.5 s.
func TestFleetSharesTheTokensBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process load test: about 7 s")
	}
	rds := redistest.Start(t)
	// The server's burst is 20, the clients assume the published 10 (no
	// header states a burst). The fleet's shared bucket grants a token, and
	// the request reaches the server when the process next runs: on a busy
	// machine more than the client's 50 ms margin later, so that requests
	// granted apart arrive together (issue 15: 2 429s in 1 run of 5 with
	// every core busy). No client can bound that delay; 10 more tokens at
	// the server absorb half a second of it, and a fleet that did not share
	// (4 buckets of 9 at 20/s each) still overruns it by dozens.
	srv := sptest.Start(t, sptest.Options{Rate: 20, Burst: 20})
	run := runFleet(t, 4, job{Endpoint: srv.URL(), LWA: srv.LWAURL(), Redis: rds.Addr(), Prefix: "spapi:",
		Mode: "tokens", Calls: 25, InFlight: 5}, nil)
	ok, failed, _ := run.total()
	n429 := srv.CallsByStatus("createRestrictedDataToken", 429)
	t.Logf("4 processes x 25 Tokens calls: wall %v (%.3f x 4.5 s), 429s %d, LWA calls %d, ok %d, failed %d",
		run.wall, run.wall.Seconds()/4.5, n429, srv.LWACalls(), ok, failed)
	if failed != 0 || ok != 100 {
		t.Errorf("%d ok, %d failed; first error: %s", ok, failed, run.firstErr())
	}
	if n429 > 1 {
		t.Errorf("%d 429s across the fleet, want at most 1; logs: %q", n429, run.logs)
	}
	if got := srv.LWACalls(); got != 1 {
		t.Errorf("LWA calls = %d across 4 processes, want 1", got)
	}
	// A speed claim, checked only when asked (FLEET_TIMING=1): on a loaded
	// machine the wall time says how busy it is, not how good the client
	// is (issue 15).
	if limit := time.Duration(1.15 * 4.5 * float64(time.Second)); os.Getenv("FLEET_TIMING") != "" && run.wall > limit {
		t.Errorf("wall %v, want at most %v (1.15 x the 4.5 s bound)", run.wall, limit)
	}
}

// 4 processes × 50 getOrderAddress through HTTPClient: one RDT for the
// fleet (4 without a Store), one LWA token.
func TestFleetSharesOneRDT(t *testing.T) {
	rds := redistest.Start(t)
	srv := sptest.Start(t, sptest.Options{RateScale: 1000})
	run := runFleet(t, 4, job{Endpoint: srv.URL(), LWA: srv.LWAURL(), Redis: rds.Addr(), Prefix: "spapi:",
		Mode: "address", Calls: 50, InFlight: 10}, nil)
	if ok, failed, _ := run.total(); failed != 0 || ok != 200 {
		t.Errorf("%d ok, %d failed; first error: %s", ok, failed, run.firstErr())
	}
	if got := srv.RDTCalls(); got != 1 {
		t.Errorf("RDT mints = %d across 4 processes, want 1", got)
	}
	if got := srv.LWACalls(); got != 1 {
		t.Errorf("LWA calls = %d across 4 processes, want 1", got)
	}
	t.Logf("4 processes x 50 getOrderAddress: wall %v, RDT mints %d, LWA calls %d", run.wall, srv.RDTCalls(), srv.LWACalls())
}

// Redis killed in the middle of a 2-process run: every call still
// succeeds, on in-process state.
func TestFleetRedisKilledMidRun(t *testing.T) {
	rds := redistest.Start(t)
	srv := sptest.Start(t, sptest.Options{Rate: 20, Burst: 10})
	run := runFleet(t, 2, job{Endpoint: srv.URL(), LWA: srv.LWAURL(), Redis: rds.Addr(), Prefix: "spapi:",
		Mode: "tokens", Calls: 30, InFlight: 4}, func(start time.Time) {
		time.Sleep(time.Until(start.Add(700 * time.Millisecond))) // mid-run: the run takes about 2.5 s
		rds.Kill()
	})
	ok, failed, warnings := run.total()
	t.Logf("Redis killed at 0.7 s: wall %v, ok %d, failed %d, warnings %d, 429s %d", run.wall, ok, failed, warnings,
		srv.CallsByStatus("createRestrictedDataToken", 429))
	if failed != 0 || ok != 60 {
		t.Errorf("%d ok, %d failed; first error: %s", ok, failed, run.firstErr())
	}
	if warnings == 0 {
		t.Errorf("no warning logged when Redis died")
	}
	for i, l := range run.logs {
		if n := strings.Count(l, "level=WARN"); n > 1 {
			t.Errorf("worker %d logged %d warnings, want at most one a minute:\n%s", i, n, l)
		}
	}
}

// Redis flushed in the middle of a run: the processes keep their tokens in
// memory, so at most one more LWA fetch and one more mint, for the fleet.
func TestFleetRedisFlushedMidRun(t *testing.T) {
	rds := redistest.Start(t)
	srv := sptest.Start(t, sptest.Options{RateScale: 200})
	run := runFleet(t, 2, job{Endpoint: srv.URL(), LWA: srv.LWAURL(), Redis: rds.Addr(), Prefix: "spapi:",
		Mode: "address", Calls: 150, InFlight: 5}, func(start time.Time) {
		time.Sleep(time.Until(start.Add(500 * time.Millisecond)))
		rds.Flush(t)
	})
	if ok, failed, _ := run.total(); failed != 0 || ok != 300 {
		t.Errorf("%d ok, %d failed; first error: %s", ok, failed, run.firstErr())
	}
	t.Logf("Redis flushed at 0.5 s of %v: LWA calls %d, RDT mints %d", run.wall, srv.LWACalls(), srv.RDTCalls())
	if srv.LWACalls() > 2 || srv.RDTCalls() > 2 {
		t.Errorf("LWA calls %d, RDT mints %d; want at most 2 each (one more after the flush)", srv.LWACalls(), srv.RDTCalls())
	}
}
