package client

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

// Buckets for operations without a plan are bounded: idle full ones are
// forgotten past maxLearned, but never one in use or drained.
func TestLimiterBucketsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewRateLimiter(nil)
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
		if n := l.len(); n > maxLearned+1 {
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
