package client_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/redisstore"
	"github.com/spapi-go/spapi/sptest"
	"github.com/spapi-go/spapi/store"
)

// takeRecorder is a redisstore.Store that reports the wait of every Take
// from the Tokens call's bucket, and the whole result if takes is set.
//
// A take is reported once the client is done with it, when the client ends
// the Store call's context (internal/shared's call ends it after the
// function that made the call, and kept the view the take returned, has
// returned), not from inside the call: a call the test starts after a
// report then takes with this take's view. Reported from inside the call,
// the next call could read the client's view before this one had kept it
// and take with the one before (TestSharedBucketOldCopyKeepsTheQueue:
// 1 failure in 40 runs with -race and both cores busy, its sixth take
// passing the fourth's view and getting the fifth's turn again).
type takeRecorder struct {
	*redisstore.Store
	waits chan time.Duration
	takes chan client.BucketTake
}

func (s *takeRecorder) TakeBucket(ctx context.Context, key string, p client.BucketPlan, maxWait time.Duration, seen client.BucketView) (client.BucketTake, error) {
	r, err := s.Store.TakeBucket(ctx, key, p, maxWait, seen)
	s.note(ctx, key, r, err)
	return r, err
}

// TakeFleetBucket is the take the client makes of a redisstore Store.
func (s *takeRecorder) TakeFleetBucket(ctx context.Context, key string, p client.BucketPlan, maxWait time.Duration, seen client.BucketView, o store.TakeOptions) (client.BucketTake, error) {
	r, err := s.Store.TakeFleetBucket(ctx, key, p, maxWait, seen, o)
	s.note(ctx, key, r, err)
	return r, err
}

// note reports r, a take on key, once ctx, the Store call's, has ended.
func (s *takeRecorder) note(ctx context.Context, key string, r client.BucketTake, err error) {
	if err != nil || !strings.HasSuffix(key, "rate:"+client.OpCreateRestrictedDataToken) {
		return
	}
	context.AfterFunc(ctx, func() {
		if s.takes != nil {
			s.takes <- r
		} else {
			s.waits <- r.Wait
		}
	})
}

// With a Store, callers that leave before their turn give their tokens
// back to the shared bucket: after 10 cancelled waiters at 1/s, the wait
// the bucket gives the next caller is about one interval (measured before:
// 9.2 s shared). The test reads the wait Take returned, not the wall time,
// and never waits it out.
func TestSharedLimiterCancelledWaitersGiveBack(t *testing.T) {
	rds := redistest.Start(t)
	rec := &takeRecorder{Store: redisstore.New(rds.Client(t)), waits: make(chan time.Duration, 100)}
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	cfg := testConfig(srv)
	cfg.NoRateLimit, cfg.Store = false, rec
	cfg.StoreTimeout = 10 * time.Second // a loaded machine must not make the client fall back
	cfg.Rates = map[string]client.Rate{client.OpCreateRestrictedDataToken: {PerSecond: 1, Burst: 1}}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRestrictedDataToken(context.Background(), addressRequest()); err != nil {
		t.Fatal(err)
	}
	if w := <-rec.waits; w != 0 {
		t.Fatalf("the first call waited %v", w)
	}
	// start makes a call that takes its turn and waits, and returns its
	// wait and the cancel that ends it.
	var wg sync.WaitGroup
	start := func() (time.Duration, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		wg.Go(func() {
			_, err := c.CreateRestrictedDataToken(ctx, addressRequest())
			if !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled call: %v, want context.Canceled", err)
			}
			done <- err
		})
		select {
		case w := <-rec.waits:
			return w, cancel
		case err := <-done:
			cancel()
			t.Fatalf("a call ended (%v) before it took a turn from the shared bucket", err)
			return 0, nil
		}
	}
	var cancels []context.CancelFunc
	for i := range 10 {
		w, cancel := start()
		if i == 9 && w < 5*time.Second {
			t.Fatalf("waiter %d waits %v: the queue is not shared", i+1, w)
		}
		cancels = append(cancels, cancel)
	}
	for _, cancel := range cancels {
		cancel()
	}
	wg.Wait()
	w, cancel := start()
	cancel()
	wg.Wait()
	// (Less than 1 s by the time the test took: the bucket refills.)
	if w > 1100*time.Millisecond {
		t.Errorf("after 10 cancelled waiters the next caller's turn is %v away, want about 1 s", w)
	}
}

// Whatever another writer leaves in the shared bucket's key, calls succeed
// and limiting stays on: 60 Tokens calls, 10 in flight, against a server at
// 40/s, burst 10, with the bucket overwritten after the first call (once
// the client has stored the rate it learned). At most 10 429s each.
// Measured before the checks: rate 0, -1 or nan turned limiting off (272
// 429s, 49 of 60 calls failed in the run); tokens -1e12 gave a wait
// of 31 years; a wrong type or rate 1e-300 failed every Take.
func TestSharedBucketHostileValues(t *testing.T) {
	rds := redistest.Start(t)
	rdb := rds.Client(t)
	for _, tt := range []struct {
		name    string
		corrupt func(ctx context.Context, key string) error
	}{
		{"tokens -1e12", func(ctx context.Context, key string) error { return rdb.HSet(ctx, key, "tokens", "-1e12").Err() }},
		{"rate 0", func(ctx context.Context, key string) error { return rdb.HSet(ctx, key, "rate", "0").Err() }},
		{"rate -1", func(ctx context.Context, key string) error { return rdb.HSet(ctx, key, "rate", "-1").Err() }},
		{"rate nan", func(ctx context.Context, key string) error { return rdb.HSet(ctx, key, "rate", "nan").Err() }},
		{"rate 1e-300", func(ctx context.Context, key string) error { return rdb.HSet(ctx, key, "rate", "1e-300").Err() }},
		{"a string", func(ctx context.Context, key string) error { return rdb.Set(ctx, key, "x", 0).Err() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			rds.Flush(t)
			srv := sptest.Start(t, sptest.Options{Rate: 40, Burst: 10})
			cfg := testConfig(srv)
			cfg.NoRateLimit, cfg.Store = false, redisstore.New(rdb)
			cfg.StoreTimeout = 10 * time.Second // a loaded machine must not make the client fall back
			c, err := client.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.CreateRestrictedDataToken(ctx, addressRequest()); err != nil {
				t.Fatal(err)
			}
			keys, err := rdb.Keys(ctx, "*rate:"+client.OpCreateRestrictedDataToken).Result()
			if err != nil || len(keys) != 1 {
				t.Fatalf("bucket keys %q, %v; want one", keys, err)
			}
			if err := tt.corrupt(ctx, keys[0]); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			var wg sync.WaitGroup
			var failed sync.Map
			next := make(chan int, 60)
			for i := range 60 {
				next <- i
			}
			close(next)
			for range 10 {
				wg.Go(func() {
					for i := range next {
						if _, err := c.CreateRestrictedDataToken(ctx, addressRequest()); err != nil {
							failed.Store(i, err)
						}
					}
				})
			}
			wg.Wait()
			failed.Range(func(k, v any) bool {
				t.Errorf("call %v failed: %v", k, v)
				return false
			})
			if n := srv.CallsByStatus(client.OpCreateRestrictedDataToken, 429); n > 10 {
				t.Errorf("%d 429s in 60 calls, want at most 10: limiting is off", n)
			}
		})
	}
}

// A shared bucket that vanishes (a flush, an eviction, a replica that never
// had it) starts empty for a process that had used it, not full: the fleet
// has just spent the server's burst, and a full bucket would send a burst
// of 429s. 20 Tokens calls, 10 in flight, against 10/s, burst 10, drain the
// server's bucket; Redis is flushed; 20 more calls get no 429. (Before: the
// bucket came back full and the next 10 requests went at once.)
func TestSharedBucketVanishedStartsEmpty(t *testing.T) {
	rds := redistest.Start(t)
	srv := sptest.Start(t, sptest.Options{Rate: 10, Burst: 10})
	cfg := testConfig(srv)
	cfg.NoRateLimit, cfg.Store = false, redisstore.New(rds.Client(t))
	cfg.StoreTimeout = 10 * time.Second // a loaded machine must not make the client fall back
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run := func() {
		var wg sync.WaitGroup
		next := make(chan int, 20)
		for i := range 20 {
			next <- i
		}
		close(next)
		for range 10 {
			wg.Go(func() {
				for range next {
					if _, err := c.CreateRestrictedDataToken(context.Background(), addressRequest()); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
	}
	run()
	before := srv.CallsByStatus(client.OpCreateRestrictedDataToken, 429)
	rds.Flush(t)
	run()
	if n := srv.CallsByStatus(client.OpCreateRestrictedDataToken, 429) - before; n > 1 {
		t.Errorf("%d 429s after the bucket vanished, want at most 1", n)
	}
}
