package client_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/redisstore"
	"github.com/spapi-go/spapi/sptest"
	"github.com/spapi-go/spapi/store"
)

// lostReplies is a redisstore Store whose first takes from the Tokens
// bucket are applied by Redis but answered, to the client, with a timeout:
// what a reply that came too late (a busy Redis, a starved process) looks
// like.
type lostReplies struct {
	*redisstore.Store
	lose atomic.Int32 // takes still to lose
}

func (s *lostReplies) lost(key string, err error) error {
	if err == nil && strings.HasSuffix(key, "rate:"+client.OpCreateRestrictedDataToken) && s.lose.Add(-1) >= 0 {
		return context.DeadlineExceeded
	}
	return err
}

func (s *lostReplies) TakeBucket(ctx context.Context, key string, p client.BucketPlan, maxWait time.Duration, seen client.BucketView) (client.BucketTake, error) {
	r, err := s.Store.TakeBucket(ctx, key, p, maxWait, seen)
	return r, s.lost(key, err)
}

func (s *lostReplies) TakeFleetBucket(ctx context.Context, key string, p client.BucketPlan, maxWait time.Duration, seen client.BucketView, o store.TakeOptions) (client.BucketTake, error) {
	r, err := s.Store.TakeFleetBucket(ctx, key, p, maxWait, seen, o)
	return r, s.lost(key, err)
}

// A take that Redis applied but whose reply the client never got is sent
// again, and spends one token in all, not one per sending (issue 22,
// defect 6: up to 34 429s under -race at 8-16 processes). The bucket runs
// at 0.001/s, so the test's own time refills nothing worth counting.
func TestLostTakeReplySpendsOnce(t *testing.T) {
	for _, lose := range []int32{1, 2} {
		t.Run(strconv.Itoa(int(lose))+" lost", func(t *testing.T) {
			rds := redistest.Start(t)
			rdb := rds.Client(t)
			st := &lostReplies{Store: redisstore.New(rdb)}
			st.lose.Store(lose)
			srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
			cfg := testConfig(srv)
			cfg.NoRateLimit, cfg.Store = false, st
			cfg.StoreTimeout = 10 * time.Second
			cfg.Rates = map[string]client.Rate{client.OpCreateRestrictedDataToken: {PerSecond: 0.001, Burst: 10}}
			c, err := client.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.CreateRestrictedDataToken(context.Background(), addressRequest()); err != nil {
				t.Fatal(err)
			}
			keys, err := rdb.Keys(context.Background(), "*rate:"+client.OpCreateRestrictedDataToken).Result()
			if err != nil || len(keys) != 1 {
				t.Fatalf("bucket keys %v, %v; want one", keys, err)
			}
			tokens, err := rdb.HGet(context.Background(), keys[0], "tokens").Float64()
			if err != nil {
				t.Fatal(err)
			}
			spent := 10 - tokens
			t.Logf("%d replies lost: %.3f tokens spent", lose, spent)
			if spent > 1.5 {
				t.Errorf("one call whose take was sent %d times spent %.3f tokens, want 1", lose+1, spent)
			}
		})
	}
}
