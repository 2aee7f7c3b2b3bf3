package fleet

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/redisstore"
	"github.com/spapi-go/spapi/sptest"
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

// A busy but healthy Redis (issue 16, cause 3: 1,000 sellers in 4
// processes, 250 Clients each, all fell back with 1,000 warnings): with
// default options, no warning and one LWA call and one mint per seller
// (a fallback would fetch again). Opt-in: FLEET_LOAD=1.
func TestManySellersBusyRedis(t *testing.T) {
	if testing.Short() || os.Getenv("FLEET_LOAD") == "" {
		t.Skip("1,000 sellers in 4 processes: set FLEET_LOAD=1")
	}
	const procs, perProc = 4, 250
	rds := redistest.Start(t)
	srv := sptest.Start(t, sptest.Options{RateScale: 1000, Sellers: sellers(procs * perProc)})
	run := runFleet(t, procs, job{Endpoint: srv.URL(), LWA: srv.LWAURL(), Redis: rds.Addr(), Prefix: "spapi:",
		Mode: "address", Calls: 2 * perProc, InFlight: 50, Sellers: perProc, Workers: procs}, nil)
	ok, failed, warnings := run.total()
	t.Logf("1,000 sellers in 4 processes, 2 getOrderAddress each: wall %v, ok %d, failed %d, warnings %d, LWA calls %d, mints %d, 429s %d",
		run.wall, ok, failed, warnings, srv.LWACalls(), srv.RDTCalls(), srv.CallsByStatus("getOrderAddress", 429))
	if failed != 0 || warnings != 0 {
		t.Errorf("%d failed, %d warnings; want 0 and 0; first error: %s\nworker 0's log:\n%s", failed, warnings, run.firstErr(), tail(run.logs[0], 3000))
	}
	if srv.LWACalls() != procs*perProc || srv.RDTCalls() != procs*perProc {
		t.Errorf("LWA calls %d, mints %d; want %d each (one per seller: no fallback)", srv.LWACalls(), srv.RDTCalls(), procs*perProc)
	}
}
