package fleet

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/tokens/client"
	"github.com/spapi-go/tokens/redisstore"
	"github.com/spapi-go/tokens/sptest"
)

// sellers returns n refresh tokens that sptest accepts as distinct sellers.
func sellers(n int) []string {
	rts := make([]string, n)
	for i := range rts {
		rts[i] = fmt.Sprintf("Atzr|seller-%04d", i)
	}
	return rts
}

// One process, 1,000 sellers, one Store on a Redis that is not there: one
// warning for the process, not one per seller (issue 16, cause 3), and
// every call succeeds.
func TestManySellersOneStoreOneWarning(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 clients")
	}
	rts := sellers(1000)
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true, Sellers: rts})
	rdb := redis.NewClient(&redis.Options{Addr: deadRedis(t)})
	t.Cleanup(func() { rdb.Close() })
	store := redisstore.New(rdb) // one Store for every seller
	var logs bytes.Buffer
	var mu sync.Mutex
	var warnings atomic.Int32
	logger := countingLogger(&lockedWriter{w: &logs, mu: &mu}, &warnings)
	work := make(chan string, len(rts))
	for _, rt := range rts {
		work <- rt
	}
	close(work)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 50 {
		wg.Go(func() {
			for rt := range work {
				cfg := storeConfig(srv, store)
				cfg.RefreshToken, cfg.Logger = rt, logger
				c, err := client.New(cfg)
				if err == nil {
					_, err = c.CreateRestrictedDataToken(context.Background(), addressRDT())
				}
				if err != nil {
					failed.Add(1)
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("1,000 sellers, one Store on a dead Redis: %d warnings, %d failed", warnings.Load(), failed.Load())
	if n := strings.Count(logs.String(), "level=WARN"); n > 1 {
		t.Errorf("%d warnings for one dead Redis, want at most 1 (one per Store, not per seller)", n)
	}
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
