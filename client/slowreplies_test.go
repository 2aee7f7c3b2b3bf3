package client_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/redisstore"
	"github.com/spapi-go/spapi/sptest"
)

// lateReplies is a go-redis hook that makes every reply of a healthy
// Redis come delay late, as on a busy Redis or a process short of CPU, and
// counts the calls that ran out of their deadline.
type lateReplies struct {
	delay   time.Duration
	calls   atomic.Int32
	timeout atomic.Int32
}

func (h *lateReplies) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *lateReplies) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.calls.Add(1)
		t := time.NewTimer(h.delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			h.timeout.Add(1)
			return ctx.Err()
		}
		return next(ctx, cmd)
	}
}

func (h *lateReplies) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// A healthy Redis whose replies all take longer than StoreTimeout is not
// judged slow: the deadline follows what its replies take (issue 22: a
// fixed deadline made 287,705 store calls on a starved machine fallbacks).
// With StoreTimeout 20 ms and every reply 80 ms late, 30 calls run out of
// at most a few deadlines, while the client learns, and the store is
// never put aside. A fixed deadline ran out on every call. Counts, not
// times: the deadline it learns is 4 × the replies' p99, far above them.
func TestLateRepliesStretchTheDeadline(t *testing.T) {
	rds := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: rds.Addr(), ContextTimeoutEnabled: true})
	t.Cleanup(func() { rdb.Close() })
	late := &lateReplies{delay: 80 * time.Millisecond}
	rdb.AddHook(late)
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	cfg := testConfig(srv)
	cfg.NoRateLimit, cfg.Store = false, redisstore.New(rdb)
	cfg.StoreTimeout = 20 * time.Millisecond
	cfg.Rates = map[string]client.Rate{client.OpCreateRestrictedDataToken: {PerSecond: 1000, Burst: 1000}}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const calls = 30
	for range calls {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := c.CreateRestrictedDataToken(ctx, addressRequest())
		cancel()
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatal(err)
		}
	}
	t.Logf("%d calls, every reply 80 ms late, StoreTimeout 20 ms: %d store calls, %d ran out of their deadline, %d LWA calls",
		calls, late.calls.Load(), late.timeout.Load(), srv.LWACalls())
	if n := late.timeout.Load(); n > 5 {
		t.Errorf("%d store calls ran out of their deadline on a healthy Redis, want at most 5 (while the deadline is learnt)", n)
	}
	if srv.LWACalls() > 1 {
		t.Errorf("%d LWA calls, want 1: the store was put aside", srv.LWACalls())
	}
}
