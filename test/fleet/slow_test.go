package fleet

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/redisstore"
	"github.com/spapi-go/spapi/sptest"
)

// stallOnce is a Store whose first Get, Lock and Take each get no reply
// within the client's timeout (they wait until the call's context ends), as
// on a busy Redis or a process starved of CPU; every other call goes to the
// real store.
type stallOnce struct {
	client.Store
	get, lock, take atomic.Bool
}

func stall(ctx context.Context, first *atomic.Bool) error {
	if first.CompareAndSwap(false, true) {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

func (s *stallOnce) Get(ctx context.Context, key string) ([]byte, error) {
	if err := stall(ctx, &s.get); err != nil {
		return nil, err
	}
	return s.Store.Get(ctx, key)
}

func (s *stallOnce) Lock(ctx context.Context, key string, ttl time.Duration) (func(context.Context) error, bool, error) {
	if err := stall(ctx, &s.lock); err != nil {
		return nil, false, err
	}
	return s.Store.Lock(ctx, key, ttl)
}

func (s *stallOnce) Take(ctx context.Context, key string, b client.Rate, maxWait time.Duration) (time.Duration, bool, error) {
	if err := stall(ctx, &s.take); err != nil {
		return 0, false, err
	}
	return s.Store.Take(ctx, key, b, maxWait)
}

// Issue 15's fleet failures (2 LWA calls, 3 and 4 mints, 36 429s on a
// loaded machine): one store call that timed out sent the process to its own
// LWA fetch and mint and to its full in-process bucket, and put the store
// aside for 5 s. Two "processes" (a Store and a Client each) on one Redis,
// whose first store calls each time out: one LWA call and one mint for
// both, no warning, no failed call.
func TestSlowStoreIsNotDown(t *testing.T) {
	rds := redistest.Start(t)
	srv := sptest.Start(t, sptest.Options{RateScale: 1000})
	var warnings atomic.Int32
	var cs []*client.Client
	for range 2 {
		rdb := redis.NewClient(&redis.Options{Addr: rds.Addr()})
		t.Cleanup(func() { rdb.Close() })
		cfg := storeConfig(srv, &stallOnce{Store: redisstore.New(rdb)})
		cfg.Logger = countingLogger(io.Discard, &warnings)
		c, err := client.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	var wg sync.WaitGroup
	var failed atomic.Int32
	for p, c := range cs {
		for g := range 3 {
			wg.Go(func() {
				for i := range 5 {
					url := fmt.Sprintf("%s/orders/v0/orders/902-%07d-%07d/address", srv.URL(), p, g*10+i)
					req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
					resp, err := c.HTTPClient().Do(req)
					if err != nil {
						t.Error(err)
						failed.Add(1)
						continue
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						t.Errorf("getOrderAddress: HTTP %d", resp.StatusCode)
						failed.Add(1)
					}
				}
			})
		}
	}
	wg.Wait()
	t.Logf("2 clients x 15 getOrderAddress, first store calls timed out: LWA calls %d, RDT mints %d, warnings %d, failed %d",
		srv.LWACalls(), srv.RDTCalls(), warnings.Load(), failed.Load())
	if srv.LWACalls() != 1 || srv.RDTCalls() != 1 {
		t.Errorf("LWA calls %d, RDT mints %d; want 1 and 1: a slow reply is not an outage", srv.LWACalls(), srv.RDTCalls())
	}
	if warnings.Load() != 0 {
		t.Errorf("%d warnings for a store that answered every call but the first", warnings.Load())
	}
}
