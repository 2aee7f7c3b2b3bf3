package ratelimit

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"
)

// Buckets for operations without a plan are bounded: idle full ones are
// forgotten past maxLearned, but never one in use or drained.
func TestLimiterBucketsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := New(map[string]Rate{})
		// A drained bucket and one with a Wait in progress, both without a plan.
		l.Observe("drained", 1, false)
		l.Observe("drained", 0, true)
		l.Observe("busy", 1, false)
		_ = l.Wait(context.Background(), "busy") // its one token
		waiting := make(chan error)
		go func() { waiting <- l.Wait(context.Background(), "busy") }()
		synctest.Wait()
		for i := range 5000 {
			l.Observe(fmt.Sprintf("GET /{}/v%d", i), 100, false)
		}
		if n := l.Len(); n > maxLearned+1 {
			t.Errorf("%d buckets after 5,000 operations without a plan, want at most %d", n, maxLearned+1)
		}
		l.mu.Lock()
		_, drained := l.buckets["drained"]
		_, busy := l.buckets["busy"]
		l.mu.Unlock()
		if !drained || !busy {
			t.Errorf("kept drained %v, busy %v: a bucket in use or drained was dropped", drained, busy)
		}
		// The drained bucket still makes its caller wait a full interval.
		start := time.Now()
		if err := l.Wait(context.Background(), "drained"); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 900*time.Millisecond {
			t.Errorf("drained bucket waited %v, want about 1 s", d)
		}
		if err := <-waiting; err != nil {
			t.Fatal(err)
		}
	})
}

// A process stopped with callers queued (SIGSTOP, a debugger) wakes them
// all at once when it resumes. Those whose turns passed long ago must not
// all send: the server's bucket holds at most its burst however long the
// stop. Simulated: 100 callers at 20/s, burst 10; every timer that would
// fire in the first 3 s fires at 3 s. The send times must pass the
// server's own bucket (20/s, burst 10) with no refusal. Measured before
// the fix: 50 refused (every turn of the first 3 s sent at 3 s).
func TestLimiterStalledTurnsExpire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const op, n = "stalled", 100
		l := New(map[string]Rate{op: {PerSecond: 20, Burst: 10}})
		start := time.Now()
		stallEnd := start.Add(3 * time.Second)
		l.newTimer = func(d time.Duration) *time.Timer {
			return time.NewTimer(max(d, time.Until(stallEnd)))
		}
		var mu sync.Mutex
		var sent []time.Time
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if err := l.Wait(context.Background(), op); err != nil {
					t.Error(err)
				}
				mu.Lock()
				sent = append(sent, time.Now())
				mu.Unlock()
			})
		}
		wg.Wait()
		server := rate.NewLimiter(20, 10)
		server.SetLimitAt(start, 20) // full at the start
		refused := 0
		slices.SortFunc(sent, time.Time.Compare)
		for _, at := range sent {
			if !server.AllowN(at, 1) {
				refused++
			}
		}
		if refused != 0 {
			t.Errorf("%d of %d requests refused by the server's bucket after a 3 s stop", refused, n)
		}
		if last := sent[len(sent)-1].Sub(start); last > 10*time.Second {
			t.Errorf("the last request went at %v: the stop cost more than its own length and the queue", last)
		}
	})
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in     string
		wantOK bool
	}{
		{"0.0167", true}, {"1", true}, {"20.0", true}, {"100000", true},
		{"", false}, {"0", false}, {"-1", false}, {"NaN", false}, {"nan", false},
		{"Inf", false}, {"+Inf", false}, {"-Inf", false}, {"1e-300", false}, {"1e300", false},
		{"0.00001", false}, {"100001", false}, {"abc", false},
	}
	for _, tt := range tests {
		if _, ok := ParseRate(tt.in); ok != tt.wantOK {
			t.Errorf("ParseRate(%q) ok = %v, want %v", tt.in, ok, tt.wantOK)
		}
	}
}
