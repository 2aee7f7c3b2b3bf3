package client_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/redisstore"
	"github.com/spapi-go/spapi/sptest"
)

// A shared bucket that goes back in time while callers queue (Redis
// restarted from an old RDB, a lagging replica promoted, the bucket
// evicted) does not hand out again the turns this process was given: the
// next caller's turn comes one interval after the last one. Before (issue
// 16) the client told the store only that it had used the bucket, and the
// old copy refilled from its old time: its turn came at once, on top of
// the queue (18 429s in TestFleetFaults' failover). The waits are read from
// what Take returned, with the store's clock, and never waited out.
func TestSharedBucketOldCopyKeepsTheQueue(t *testing.T) {
	rds := redistest.Start(t)
	rdb := rds.Client(t)
	rec := &takeRecorder{Store: redisstore.New(rdb), takes: make(chan client.BucketTake, 100)}
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	cfg := testConfig(srv)
	cfg.NoRateLimit, cfg.Store = false, rec
	cfg.StoreTimeout = 10 * time.Second // a loaded machine must not make the client fall back
	cfg.Rates = map[string]client.Rate{client.OpCreateRestrictedDataToken: {PerSecond: 1, Burst: 1}}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.CreateRestrictedDataToken(ctx, addressRequest()); err != nil {
		t.Fatal(err)
	}
	<-rec.takes
	keys, err := rdb.Keys(ctx, "*rate:"+client.OpCreateRestrictedDataToken).Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("bucket keys %q, %v; want one", keys, err)
	}
	old, err := rdb.Dump(ctx, keys[0]).Result() // the copy that goes stale
	if err != nil {
		t.Fatal(err)
	}

	// start makes a call that takes its turn and waits until cancelled,
	// and returns what its Take returned.
	calls, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	start := func() client.BucketTake {
		t.Helper()
		done := make(chan error, 1)
		wg.Go(func() {
			_, err := c.CreateRestrictedDataToken(calls, addressRequest())
			if !errors.Is(err, context.Canceled) {
				t.Errorf("waiting call: %v, want context.Canceled", err)
			}
			done <- err
		})
		select {
		case r := <-rec.takes:
			return r
		case err := <-done:
			t.Fatalf("a call ended (%v) before it took a turn from the shared bucket", err)
			return client.BucketTake{}
		}
	}
	var last client.BucketTake
	for range 5 {
		last = start()
	}
	if last.Wait < 3*time.Second {
		t.Fatalf("the 5th waiter waits %v: no queue", last.Wait)
	}
	if err := rdb.RestoreReplace(ctx, keys[0], 0, old).Err(); err != nil {
		t.Fatal(err)
	}
	r := start()
	if want := last.Wait + time.Second - r.View.Time.Sub(last.View.Time); r.Wait < want-time.Millisecond {
		t.Errorf("after the bucket went back in time the next caller waits %v, want at least %v: the queue was handed out again", r.Wait, want)
	}
}
