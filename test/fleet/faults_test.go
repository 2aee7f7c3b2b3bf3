package fleet

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/sptest"
)

// Multi-process fault tests (issue 16): 4 processes × 5 goroutines make
// getOrderAddress calls through HTTPClient (an RDT and the LWA token shared
// through Redis) against one sptest seller whose plans run 40 times faster
// (getOrderAddress 20/s, burst 30), and Redis falters 2.5 s into the run.
// Every call must succeed, with at most 10 429s and at most one extra LWA
// call and mint per process, and each process must share its budget again
// soon after Redis answers (see resumed).
func TestFleetFaults(t *testing.T) {
	if testing.Short() || os.Getenv("FLEET_FAULTS") == "" {
		t.Skip("multi-process fault tests, about 70 s: set FLEET_FAULTS=1")
	}
	const procs, calls, inFlight = 4, 50, 5 // 200 calls: (200 - 30) / 20 = 8.5 s at the plan
	faults := []struct {
		name string
		args []string // redis-server arguments
		// fault makes the fault; what it returns, if not nil, ends it
		// when the run is over (a filler that keeps writing).
		fault func(t *testing.T, rds *redistest.Server) (stop func())
	}{
		{"stopped 0.3 s", nil, func(t *testing.T, rds *redistest.Server) func() {
			rds.Pause(t)
			time.Sleep(300 * time.Millisecond) // the fault's length, not a wait for something
			rds.Resume(t)
			return nil
		}},
		{"stopped 3 s", nil, func(t *testing.T, rds *redistest.Server) func() {
			rds.Pause(t)
			time.Sleep(3 * time.Second)
			rds.Resume(t)
			return nil
		}},
		{"killed, restarted empty after 3 s", nil, func(t *testing.T, rds *redistest.Server) func() {
			rds.Kill()
			time.Sleep(3 * time.Second)
			rds.Restart(t)
			return nil
		}},
		{"slow replies (DEBUG SLEEP 0.5 x 3)", []string{"--enable-debug-command", "local"}, func(t *testing.T, rds *redistest.Server) func() {
			for range 3 {
				if _, err := redistest.Do(rds.Addr(), "DEBUG", "SLEEP", "0.5"); err != nil {
					t.Errorf("DEBUG SLEEP: %v", err)
				}
				time.Sleep(200 * time.Millisecond)
			}
			return nil
		}},
		{"eviction pressure (allkeys-lru, maxmemory used + 512 KB, 2,000 x 1 KB keys a second)", nil, evictionPressure},
		{"failover to a stale copy (restart from an old RDB)", nil, func(t *testing.T, rds *redistest.Server) func() {
			if _, err := redistest.Do(rds.Addr(), "SAVE"); err != nil {
				t.Errorf("SAVE: %v", err)
				return nil
			}
			time.Sleep(time.Second) // the copy goes stale while the fleet works
			rds.Restart(t)
			return nil
		}},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			rds := redistest.StartWith(t, f.args...)
			srv := sptest.Start(t, sptest.Options{RateScale: 40})
			var answering time.Time // when the fault ended: Redis answers from then on
			var stop func()
			run := runFleet(t, procs, job{Endpoint: srv.URL(), LWA: srv.LWAURL(), Redis: rds.Addr(), Prefix: "spapi:",
				Mode: "address", Calls: calls, InFlight: inFlight}, func(start time.Time) {
				time.Sleep(time.Until(start.Add(2500 * time.Millisecond))) // after every process has counted the fleet
				stop = f.fault(t, rds)
				answering = time.Now()
			})
			if stop != nil {
				stop()
			}
			ok, failed, warnings := run.total()
			n429 := srv.CallsByStatus("getOrderAddress", 429)
			t.Logf("%s: %d processes x %d calls: wall %v, ok %d, failed %d, 429s %d, LWA calls %d, mints %d, warnings %d",
				f.name, procs, calls, run.wall, ok, failed, n429, srv.LWACalls(), srv.RDTCalls(), warnings)
			if failed != 0 || ok != procs*calls {
				t.Errorf("%d ok, %d failed; first error: %s\nworker 0's log:\n%s", ok, failed, run.firstErr(), tail(run.logs[0], 4000))
			}
			if n429 > 10 {
				t.Errorf("%d 429s, want at most 10", n429)
			}
			resumed(t, run, answering)
			if srv.LWACalls() > 1+procs || srv.RDTCalls() > 1+procs {
				t.Errorf("LWA calls %d, mints %d; want at most %d each (one extra per process)", srv.LWACalls(), srv.RDTCalls(), 1+procs)
			}
		})
	}
}

// Sharing resumes within resumeBar of Redis answering again (issue 22):
// a store put aside is probed after 1 s, then 2 s, and a process whose
// store was put aside shares again at its first call after the probe that
// answered. Before (issue 16: probes after 5 s doubling to 30 s) sharing
// came back 7.1 s after Redis answered, and the bar was 12 s.
const resumeBar = 5 * time.Second

// resumed logs, for each process of run, when its first Take from a shared
// bucket was answered after answering (when Redis answered again), and
// fails if that came later than resumeBar, or never while the process kept
// starting calls past that. A process whose calls all started before then
// says nothing: it may have had no call to share.
func resumed(t *testing.T, run fleetRun, answering time.Time) {
	t.Helper()
	resumedWithin(t, run, answering, resumeBar)
}

// evictionPressure (issue 22) makes Redis evict the fleet's keys thousands
// of times a minute: maxmemory set to what Redis uses plus 512 KB,
// allkeys-lru, and a filler writing about 2,000 keys of 1 KB a second
// until the run ends (before: maxmemory 4 MB and 12.8 MB of filler once,
// which evicted the fleet's buckets 4 to 8 times a run). The returned stop
// ends the filler and logs the evictions by kind.
func evictionPressure(t *testing.T, rds *redistest.Server) (stop func()) {
	ctx := context.Background()
	rdb := rds.Client(t)
	info, err := rdb.Info(ctx, "memory").Result()
	if err != nil {
		t.Errorf("INFO memory: %v", err)
		return nil
	}
	used := usedMemoryOf(info)
	for _, kv := range [][2]string{{"maxmemory", strconv.FormatInt(used+512<<10, 10)}, {"maxmemory-policy", "allkeys-lru"}} {
		if err := rdb.ConfigSet(ctx, kv[0], kv[1]).Err(); err != nil {
			t.Errorf("CONFIG SET %s: %v", kv[0], err)
			return nil
		}
	}
	watched := watchEvictions(t, rds)
	done := make(chan struct{})
	filled := make(chan int)
	go func() {
		v := strings.Repeat("x", 1<<10)
		tick := time.NewTicker(50 * time.Millisecond) // 100 keys each: 2,000 a second
		defer tick.Stop()
		n := 0
		for {
			select {
			case <-done:
				filled <- n
				return
			case <-tick.C:
			}
			pipe := rdb.Pipeline()
			for range 100 {
				pipe.Set(ctx, fmt.Sprintf("filler:%d", n), v, 0)
				n++
			}
			_, _ = pipe.Exec(ctx) // an OOM refusal is part of the pressure
		}
	}()
	return func() {
		close(done)
		t.Logf("filler wrote %d keys of 1 KB; maxmemory %d bytes", <-filled, used+512<<10)
		watched()
	}
}

// usedMemoryOf reads used_memory from an INFO memory reply (0 if absent).
func usedMemoryOf(info string) int64 {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// resumedWithin is resumed with a bar of its own: it fails if a process
// shared again later than bar after answering.
func resumedWithin(t *testing.T, run fleetRun, answering time.Time, bar time.Duration) {
	t.Helper()
	at := answering.UnixNano()
	limit := int64(bar)
	var report []string
	for i, r := range run.results {
		first := int64(-1)
		for _, x := range r.Takes {
			if x >= at {
				first = x
				break
			}
		}
		switch {
		case first >= 0:
			d := time.Duration(first - at)
			report = append(report, fmt.Sprintf("process %d after %v", i, d.Round(time.Millisecond)))
			if d > bar {
				t.Errorf("process %d shared again %v after Redis answered, want within %v", i, d, bar)
			}
		case r.LastStart-at > limit:
			t.Errorf("process %d never shared again after Redis answered, and started calls for %v after it", i, time.Duration(r.LastStart-at))
		default:
			report = append(report, fmt.Sprintf("process %d not before its last call (%v after)", i, time.Duration(r.LastStart-at).Round(time.Millisecond)))
		}
	}
	t.Logf("sharing resumed (bar %v): %s", bar, strings.Join(report, "; "))
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// watchEvictions logs which of the fleet's keys Redis evicts until the
// returned func is called (keyspace notifications of evicted keys), by
// kind: rate buckets, the members' heartbeat set, LWA token, RDTs.
func watchEvictions(t *testing.T, rds *redistest.Server) (stop func()) {
	t.Helper()
	ctx := context.Background()
	rdb := rds.Client(t)
	if err := rdb.ConfigSet(ctx, "notify-keyspace-events", "Ee").Err(); err != nil {
		t.Errorf("notify-keyspace-events: %v", err)
		return func() {}
	}
	sub := rdb.PSubscribe(ctx, "__keyevent@*__:evicted")
	if _, err := sub.Receive(ctx); err != nil { // the subscription is in place
		t.Errorf("subscribe: %v", err)
		return func() {}
	}
	counts := map[string]int{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m := range sub.Channel() {
			switch k := m.Payload; {
			case strings.HasPrefix(k, "filler:"):
				counts["filler"]++
			case strings.Contains(k, ":rate:"):
				counts["bucket "+k[strings.LastIndex(k, ":")+1:]]++
			case strings.HasSuffix(k, ":members"):
				counts["members"]++
			case strings.HasSuffix(k, ":lwa"):
				counts["lwa"]++
			case strings.Contains(k, ":rdt:"):
				counts["rdt"]++
			default:
				counts["other"]++
			}
		}
	}()
	return func() {
		_ = sub.Close()
		<-done
		t.Logf("evicted keys by kind: %v", counts)
	}
}
