package redisstore

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/redistest"
)

// A bucket that goes back in time (an old copy restored: a restart from an
// old RDB, a lagging replica promoted) or vanishes (evicted, flushed) while
// the fleet has a queue of turns handed out keeps that queue for a caller
// that saw it: the next turn comes after the last one that caller was
// given. Before (issue 16), an old copy refilled from its old time and an
// evicted bucket started empty: either way the queue was forgotten and its
// turns given again, a burst (18 and 25 429s in TestFleetFaults). Refunds,
// which move a bucket back legitimately, are kept.
//
// The expected waits are computed from the store's own clock (the views'
// times), so the test holds however slow the machine: at 1/s a queue of 10
// turns is 10 s deep, and the old code's wait was at most one interval.
func TestBucketBehindKeepsTheQueue(t *testing.T) {
	plan := client.BucketPlan{Rate: client.Rate{PerSecond: 1, Burst: 2}, Margin: 50 * time.Millisecond}
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	s := New(rdb, WithPrefix(""))
	ctx := context.Background()

	// take is one TakeBucket with seen; it returns the result.
	take := func(t *testing.T, seen client.BucketView) client.BucketTake {
		t.Helper()
		r, err := s.TakeBucket(ctx, bucketKey, plan, 0, seen)
		if err != nil || !r.OK {
			t.Fatalf("TakeBucket: %+v, %v", r, err)
		}
		if r.View.Version <= seen.Version {
			t.Fatalf("TakeBucket left version %d, after the caller's %d", r.View.Version, seen.Version)
		}
		return r
	}
	// queue spends the burst, snapshots the bucket (DUMP), then takes 10
	// more turns as two callers in turn (a, b), and returns the snapshot
	// and each caller's last take.
	queue := func(t *testing.T) (snapshot string, a, b client.BucketTake) {
		t.Helper()
		srv.Flush(t)
		a = take(t, client.BucketView{})
		a = take(t, a.View)
		snapshot, err := rdb.Dump(ctx, bucketKey).Result()
		if err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			if i%2 == 0 {
				a = take(t, a.View)
			} else {
				b = take(t, b.View)
			}
		}
		return snapshot, a, b
	}
	// after is the wait a take at now must have to come one interval after
	// last, the latest turn handed out.
	after := func(last client.BucketTake, now time.Time) time.Duration {
		return last.Wait + time.Second - now.Sub(last.View.Time)
	}

	faults := []struct {
		name  string
		fault func(t *testing.T, snapshot string)
	}{
		{"restored from an old copy", func(t *testing.T, snapshot string) {
			if err := rdb.RestoreReplace(ctx, bucketKey, 0, snapshot).Err(); err != nil {
				t.Fatal(err)
			}
		}},
		{"an old copy, then a 429 on it", func(t *testing.T, snapshot string) {
			if err := rdb.RestoreReplace(ctx, bucketKey, 0, snapshot).Err(); err != nil {
				t.Fatal(err)
			}
			if err := s.Observe(ctx, bucketKey, plan.Rate, 0, true); err != nil {
				t.Fatal(err)
			}
		}},
		{"evicted", func(t *testing.T, _ string) {
			if err := rdb.Del(ctx, bucketKey).Err(); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			snapshot, a, b := queue(t)
			f.fault(t, snapshot)
			// a took before b: a's next turn comes after its own last one,
			// then b's after b's, the latest of the queue.
			ra := take(t, a.View)
			if want := after(a, ra.View.Time); ra.Wait < want-time.Millisecond {
				t.Errorf("the first caller after the fault waits %v, want at least %v: the queue was forgotten", ra.Wait, want)
			}
			rb := take(t, b.View)
			if want := after(b, rb.View.Time); rb.Wait < want-time.Millisecond {
				t.Errorf("the second caller waits %v, want at least %v: its later view was not kept", rb.Wait, want)
			}
			// Never more than one interval past what the latest view
			// needs: the bucket is not made worse than the fleet's queue.
			if most := after(b, rb.View.Time) + time.Second; rb.Wait > most+time.Millisecond {
				t.Errorf("the second caller waits %v, want at most %v", rb.Wait, most)
			}
		})
	}

	// Refunds move the bucket back: the last six turns given back by
	// their takers, in tail order, each keeping the refund's view, and the
	// next caller's turn comes one interval after the last turn kept.
	t.Run("refunds are kept", func(t *testing.T) {
		srv.Flush(t)
		var a, b client.BucketTake
		a = take(t, a.View)
		a = take(t, a.View)
		var takes []client.BucketTake
		for i := range 10 {
			if i%2 == 0 {
				a = take(t, a.View)
				takes = append(takes, a)
			} else {
				b = take(t, b.View)
				takes = append(takes, b)
			}
		}
		for i := 9; i >= 4; i-- {
			v, err := s.Refund(ctx, bucketKey, plan, takes[i])
			if err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				a.View = v
			} else {
				b.View = v
			}
		}
		r := take(t, a.View)
		if want := after(takes[3], r.View.Time); r.Wait > want+time.Millisecond {
			t.Errorf("after 6 refunds the next caller waits %v, want at most %v: the refunds were undone", r.Wait, want)
		}
	})
}

// After a restore from an old copy, a process that saw only the old copy
// writes to it until its version is past the one another process holds;
// that process's queue must still hold (issue 22, defect 3: the version
// said the bucket was ahead of it, and its turns were handed out again).
// Caller b takes once; the bucket is copied (DUMP); a spends the burst and
// queues 10 turns; the copy is restored; b takes and gives back its turn
// six times (12 writes, no token spent); a's next turn must come after its
// last.
func TestBucketOldCopyCountedUp(t *testing.T) {
	plan := client.BucketPlan{Rate: client.Rate{PerSecond: 1, Burst: 2}, Margin: 50 * time.Millisecond}
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	s := New(rdb, WithPrefix(""))
	ctx := context.Background()
	take := func(seen client.BucketView) client.BucketTake {
		t.Helper()
		r, err := s.TakeBucket(ctx, bucketKey, plan, 0, seen)
		if err != nil || !r.OK {
			t.Fatalf("TakeBucket: %+v, %v", r, err)
		}
		return r
	}
	b := take(client.BucketView{})
	snapshot, err := rdb.Dump(ctx, bucketKey).Result()
	if err != nil {
		t.Fatal(err)
	}
	a := take(client.BucketView{})
	for range 10 {
		a = take(a.View)
	}
	if err := rdb.RestoreReplace(ctx, bucketKey, 0, snapshot).Err(); err != nil {
		t.Fatal(err)
	}
	for range 6 {
		b = take(b.View)
		v, err := s.Refund(ctx, bucketKey, plan, b)
		if err != nil {
			t.Fatal(err)
		}
		b.View = v
	}
	if b.View.Version <= a.View.Version {
		t.Fatalf("b's writes left version %d, not past a's %d: the test does not count up", b.View.Version, a.View.Version)
	}
	r := take(a.View)
	// a's last turn was 10 intervals out; the next comes after it.
	if want := a.Wait + time.Second - r.View.Time.Sub(a.View.Time); r.Wait < want-time.Millisecond {
		t.Errorf("a's next turn is %v away, want at least %v: its queue was forgotten after the old copy was counted up", r.Wait, want)
	}
}

// A view that is no view is an error naming the field, before anything is
// sent.
func TestTakeBucketBadView(t *testing.T) {
	s := New(nil)
	plan := client.BucketPlan{Rate: client.Rate{PerSecond: 1, Burst: 1}}
	for _, v := range []client.BucketView{
		{Version: -1},
		{Version: 1 << 60},
		{Version: 1, Tokens: math.NaN()},
		{Version: 1, Time: time.Unix(-10, 0)},
	} {
		if _, err := s.TakeBucket(context.Background(), bucketKey, plan, 0, v); err == nil {
			t.Errorf("view %+v: no error", v)
		}
	}
}

// Issue 22, defect 1: a bucket whose key expired after an idle hour was
// taken for an evicted one by a process that had used it, and started
// empty: after the hour, a createReport (1 per 60 s) waited a whole
// interval and a call with a 30 s deadline failed. A bucket missing for
// longer than a bucket outlives its last use (rest_ms) comes back as full
// as the time since the caller's view allows; one missing sooner than that
// can only have been evicted or flushed, and still starts from the view.
func TestBucketExpiredAfterIdleComesBackFull(t *testing.T) {
	slow := client.BucketPlan{Rate: client.Rate{PerSecond: 1.0 / 60, Burst: 1}} // refills in a minute
	fast := client.BucketPlan{Rate: client.Rate{PerSecond: 5, Burst: 10}}       // in 2 s: kept 20 s
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	s := New(rdb, WithPrefix(""))
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		plan     client.BucketPlan
		idle     time.Duration // how long ago the caller's view was taken, by Redis's clock
		wantWait bool
	}{
		{"expired after an idle hour and a minute", slow, time.Hour + time.Minute, false},
		{"expired after a day", slow, 24 * time.Hour, false},
		{"evicted a second after the take", slow, time.Second, true},
		// At its plan the hash outlives a write by the plan's refill
		// time (a minute here), at least 20 s, not an hour: missing for
		// longer than that it may have expired; sooner, it was evicted.
		{"expired a minute and a second after the take", slow, time.Minute + time.Second, false},
		{"evicted half a minute after the take", slow, 30 * time.Second, true},
		{"fast plan: evicted 5 s after the take", fast, 5 * time.Second, true},
		{"fast plan: evicted 19 s after the take", fast, 19 * time.Second, true},
		{"fast plan: expired 21 s after the take", fast, 21 * time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := rdb.Del(ctx, bucketKey).Err(); err != nil {
				t.Fatal(err)
			}
			first, err := s.TakeBucket(ctx, bucketKey, tc.plan, 0, client.BucketView{})
			if err != nil || !first.OK || first.Wait != 0 {
				t.Fatalf("first TakeBucket: %+v, %v", first, err)
			}
			if err := rdb.Del(ctx, bucketKey).Err(); err != nil {
				t.Fatal(err)
			}
			seen := first.View
			seen.Time = seen.Time.Add(-tc.idle)
			r, err := s.TakeBucket(ctx, bucketKey, tc.plan, 0, seen)
			if err != nil || !r.OK {
				t.Fatalf("TakeBucket: %+v, %v", r, err)
			}
			if got := r.Wait > 0; got != tc.wantWait {
				t.Errorf("wait %v after the bucket vanished; want a wait: %v", r.Wait, tc.wantWait)
			}
		})
	}
}
