package shared

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spapi-go/spapi/internal/ratelimit"
	"github.com/spapi-go/spapi/store"
)

// queueStore is a BucketStore whose every take is given a turn wait away,
// until it goes down (then every call is refused, as downStore's).
type queueStore struct {
	downStore
	down atomic.Bool
	wait time.Duration
}

func (s *queueStore) TakeBucket(context.Context, string, store.BucketPlan, time.Duration, store.BucketView) (store.BucketTake, error) {
	if s.down.Load() {
		return store.BucketTake{}, errRefused
	}
	return store.BucketTake{Wait: s.wait, OK: true, View: store.BucketView{Version: 1, Time: time.Now(), Tokens: -3}}, nil
}

func (s *queueStore) Refund(context.Context, string, store.BucketPlan, store.BucketTake) (store.BucketView, error) {
	return store.BucketView{}, errRefused
}

// A process whose Takes are refused falls back to its share of the rate
// only after the last turn the shared bucket gave it: the fleet's queue of
// turns handed out before the store failed is still being sent, and a
// share that started at once sent beside it, twice the rate (issue 22: 1
// to 10 429s in the second before a killed Cluster master was put aside).
// The shared bucket gives a turn 3 s away; the store fails; the next call,
// at 4/s shared by 4 members, goes one share interval (1 s) after that
// turn. Then, with no turn given since, the queue is taken to keep its
// depth (3 s) from when Takes began to fail: a new share made 10 s later
// sends its first request 3 s and one interval after.
func TestDegradedStartsAfterTheSharedQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &queueStore{wait: 3 * time.Second}
		cfg := Credentials{ClientID: "id", ClientSecret: "secret", RefreshToken: "r"}
		seal, _ := NewSealer(cfg, "https://sellingpartnerapi-na.amazon.com")
		sh := &Shared{st: st, health: &storeHealth{}, seal: seal, timeout: DefaultTimeout}
		l := &Limiter{sh: sh, local: ratelimit.New(map[string]ratelimit.Rate{"op": {PerSecond: 4, Burst: 5}})}
		l.deg.members.Store(4)
		start := time.Now()
		queued := make(chan error, 1)
		go func() { queued <- l.Wait(context.Background(), "op") }()
		synctest.Wait() // its turn is 3 s away
		st.down.Store(true)
		if err := l.Wait(context.Background(), "op"); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got < 4*time.Second {
			t.Errorf("the first call after the store failed went at %v, want at 4 s: one share interval after the shared turn at 3 s", got)
		}
		if err := <-queued; err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second)
		l.degradedForget("op")
		start = time.Now()
		if err := l.Wait(context.Background(), "op"); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got < 4*time.Second {
			t.Errorf("a new share's first call went %v after its Take failed, want 4 s: the queue's depth (3 s) and one interval", got)
		}
	})
}

// upStore answers every call: takes are given at once.
type upStore struct{ downStore }

func (s *upStore) Observe(context.Context, string, store.Rate, float64, bool) error { return nil }

func (s *upStore) TakeBucket(context.Context, string, store.BucketPlan, time.Duration, store.BucketView) (store.BucketTake, error) {
	return store.BucketTake{OK: true, View: store.BucketView{Version: 1, Time: time.Now()}}, nil
}

func (s *upStore) Refund(context.Context, string, store.BucketPlan, store.BucketTake) (store.BucketView, error) {
	return store.BucketView{}, nil
}

// A process that rejoins the shared bucket after an outage keeps to its
// share for catchUpFor, while the others may still be degraded (issue 22:
// the first process back took from the shared bucket at the whole rate
// while the others still spent their shares, up to 5 429s after a Cluster
// failover). 4 members at 4/s: after the rejoin, calls go at 1/s; after
// catchUpFor, at the shared bucket's pace (here: at once).
func TestRejoinedKeepsToItsShare(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := Credentials{ClientID: "id", ClientSecret: "secret", RefreshToken: "r"}
		seal, _ := NewSealer(cfg, "https://sellingpartnerapi-na.amazon.com")
		h := &storeHealth{}
		h.worked.Store(true)
		sh := &Shared{st: &upStore{}, health: h, seal: seal, timeout: DefaultTimeout}
		l := &Limiter{sh: sh, local: ratelimit.New(map[string]ratelimit.Rate{"op": {PerSecond: 4, Burst: 5}})}
		l.deg.members.Store(4)
		l.fallBack("op") // the outage
		start := time.Now()
		for range 3 {
			if err := l.Wait(context.Background(), "op"); err != nil {
				t.Fatal(err)
			}
		}
		if got := time.Since(start); got < 3*time.Second {
			t.Errorf("3 calls after rejoining took %v; want at least 3 s (1/s, the share of 4 members)", got)
		}
		time.Sleep(catchUpFor)
		start = time.Now()
		for range 4 {
			if err := l.Wait(context.Background(), "op"); err != nil {
				t.Fatal(err)
			}
		}
		if got := time.Since(start); got != 0 {
			t.Errorf("4 calls %v after the rejoin took %v, want no wait (the shared bucket's)", catchUpFor, got)
		}
	})
}

// switchStore is upStore that can be down (every call refused), and counts
// the takes it answers.
type switchStore struct {
	upStore
	down  atomic.Bool
	takes atomic.Int32
}

func (s *switchStore) Observe(ctx context.Context, key string, b store.Rate, learned float64, throttled bool) error {
	if s.down.Load() {
		return errRefused
	}
	return nil
}

func (s *switchStore) TakeBucket(ctx context.Context, key string, p store.BucketPlan, maxWait time.Duration, seen store.BucketView) (store.BucketTake, error) {
	if s.down.Load() {
		return store.BucketTake{}, errRefused
	}
	s.takes.Add(1)
	return s.upStore.TakeBucket(ctx, key, p, maxWait, seen)
}

// Calls still waiting on the degraded share when the process rejoins the
// shared bucket take a turn there instead (issue 22: they sent beside the
// shared bucket's turns after a Cluster failover, uncounted). Three calls
// wait on a share of 1/s (turns at 1, 2 and 3 s) while the store is put
// aside; at 1.5 s a call rejoins; the two calls still waiting must each
// take from the shared bucket, as the rejoining one does.
func TestRejoinMovesTheWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &switchStore{}
		st.down.Store(true)
		cfg := Credentials{ClientID: "id", ClientSecret: "secret", RefreshToken: "r"}
		seal, _ := NewSealer(cfg, "https://sellingpartnerapi-na.amazon.com")
		h := &storeHealth{down: true, downUntil: time.Now().Add(time.Second), backoff: storeRetryMin}
		h.worked.Store(true)
		sh := &Shared{st: st, health: h, seal: seal, timeout: DefaultTimeout}
		l := &Limiter{sh: sh, local: ratelimit.New(map[string]ratelimit.Rate{"op": {PerSecond: 4, Burst: 5}})}
		l.deg.members.Store(4)
		errc := make(chan error, 3)
		for range 3 {
			go func() { errc <- l.Wait(context.Background(), "op") }()
			synctest.Wait()
		}
		time.Sleep(1500 * time.Millisecond) // the first has sent on its share
		st.down.Store(false)
		if err := l.Wait(context.Background(), "op"); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
		if got := st.takes.Load(); got != 3 {
			t.Errorf("%d takes from the shared bucket after the rejoin, want 3: the rejoining call and the two still waiting on the share", got)
		}
	})
}
