package client_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
)

// nopStore is a Store that holds nothing: the Clients made on it are idle,
// so what they cost is what New keeps.
type nopStore struct{ _ byte }

func (*nopStore) Get(context.Context, string) ([]byte, error)                       { return nil, nil }
func (*nopStore) Set(context.Context, string, []byte, time.Duration) error          { return nil }
func (*nopStore) DeleteIf(context.Context, string, []byte) error                    { return nil }
func (*nopStore) Observe(context.Context, string, client.Rate, float64, bool) error { return nil }
func (*nopStore) Lock(context.Context, string, time.Duration) (func(context.Context) error, bool, error) {
	return func(context.Context) error { return nil }, true, nil
}
func (*nopStore) Take(context.Context, string, client.Rate, time.Duration) (time.Duration, bool, error) {
	return 0, true, nil
}

// heapAfterGC is the live heap once garbage is collected.
func heapAfterGC() uint64 {
	var ms runtime.MemStats
	for range 2 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// An idle Client on a shared Store costs at most 5 KB of heap (issue 22:
// 22.6 KB, 18.6 KB of it each Client's own copy of the 300-entry plan
// table), so 10,000 sellers in one process take 50 MB, not 260 MB. A count
// of bytes, not a time: it holds on a loaded machine.
func TestIdleClientHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 Clients")
	}
	const n, budget = 10000, 5 << 10
	st := &nopStore{}
	cfg := client.Config{ClientID: "amzn1.application-oa2-client.test", ClientSecret: "secret-secret-secret", Store: st}
	before := heapAfterGC()
	cs := make([]*client.Client, n)
	for i := range cs {
		cfg.RefreshToken = fmt.Sprintf("Atzr|seller-%05d", i)
		c, err := client.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		cs[i] = c
	}
	after := heapAfterGC()
	per := (int64(after) - int64(before)) / n
	runtime.KeepAlive(cs)
	t.Logf("%d idle Clients on one Store: %d bytes of heap each", n, per)
	if per > budget {
		t.Errorf("an idle Client costs %d bytes of heap, want at most %d", per, budget)
	}
}
