package shared

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spapi-go/spapi/internal/ratelimit"
	"github.com/spapi-go/spapi/store"
)

// downStore answers nothing: every call fails as a refused connection.
type downStore struct{ calls atomic.Int64 }

var errRefused = &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}

func (s *downStore) Get(context.Context, string) ([]byte, error) {
	s.calls.Add(1)
	return nil, errRefused
}
func (s *downStore) Set(context.Context, string, []byte, time.Duration) error {
	s.calls.Add(1)
	return errRefused
}
func (s *downStore) DeleteIf(context.Context, string, []byte) error {
	s.calls.Add(1)
	return errRefused
}
func (s *downStore) Lock(context.Context, string, time.Duration) (func(context.Context) error, bool, error) {
	s.calls.Add(1)
	return nil, false, errRefused
}
func (s *downStore) Take(context.Context, string, store.Rate, time.Duration) (time.Duration, bool, error) {
	s.calls.Add(1)
	return 0, false, errRefused
}
func (s *downStore) Observe(context.Context, string, store.Rate, float64, bool) error {
	s.calls.Add(1)
	return errRefused
}

// The breaker judges a store by unanswered calls in a row over time, and
// backs off per outage (issue 16, cause 1: it doubled per failed call, so a
// 300 ms pause put the store aside for 30 s).
func TestStoreHealth(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	t.Run("slow is not down", func(t *testing.T) {
		var h storeHealth
		// Timeouts with answers in between, for minutes: never down.
		for i := range 600 {
			now := at(time.Duration(i) * 500 * time.Millisecond)
			h.unanswered(now, false)
			h.unanswered(now.Add(100*time.Millisecond), false)
			h.answered()
		}
		// Many timeouts in a burst, shorter than storeDownAfter: not down.
		h.answered()
		for i := range 50 {
			h.unanswered(at(time.Duration(i)*10*time.Millisecond), false)
		}
		if h.isDown() {
			t.Fatal("down after unanswered calls over less than storeDownAfter")
		}
	})
	t.Run("a slow answer to the last question is not down", func(t *testing.T) {
		var h storeHealth
		for i := range 200 {
			now := at(time.Duration(i) * 10 * time.Millisecond)
			h.unanswered(now, false)
			if h.suspect(now) {
				h.confirmed(now, true)
			}
		}
		if h.isDown() {
			t.Fatal("down although the store answered every last question")
		}
	})
	t.Run("down after unanswered calls for storeDownAfter and no answer to the last question; one warning", func(t *testing.T) {
		var h storeHealth
		warns, asked := 0, 0
		for i := range 200 {
			now := at(time.Duration(i) * 10 * time.Millisecond)
			h.unanswered(now, false)
			if h.suspect(now) {
				asked++
				if _, w := h.confirmed(now, false); w {
					warns++
				}
			}
		}
		if asked != 1 {
			t.Errorf("%d last questions, want 1", asked)
		}
		if !h.isDown() || warns != 1 {
			t.Fatalf("down %v, warnings %d; want down, 1 warning", h.isDown(), warns)
		}
		if h.backoff != storeRetryMin {
			t.Errorf("backoff %v after 200 failed calls in one outage, want %v (per outage, not per call)", h.backoff, storeRetryMin)
		}
	})
	t.Run("one probe at a time; doubling per failed probe; reset when answered", func(t *testing.T) {
		var h storeHealth
		for i := range 3 {
			h.unanswered(at(time.Duration(i)*storeDownAfter), false)
		}
		tripped := at(2 * storeDownAfter)
		if !h.suspect(tripped) {
			t.Fatal("not suspect after unanswered calls for 2 s")
		}
		h.confirmed(tripped, false)
		if ok, _ := h.admit(tripped.Add(storeRetryMin - time.Millisecond)); ok {
			t.Fatal("admitted during the pause")
		}
		now := tripped.Add(storeRetryMin)
		ok, probe := h.admit(now)
		if !ok || !probe {
			t.Fatalf("after the pause: admit %v, probe %v; want a probe", ok, probe)
		}
		if ok, _ := h.admit(now); ok {
			t.Fatal("a second call admitted while the probe is in flight")
		}
		pause, _ := h.unanswered(now, true)
		if pause != 2*storeRetryMin {
			t.Errorf("pause after a failed probe %v, want %v", pause, 2*storeRetryMin)
		}
		for range 10 {
			now = now.Add(storeRetryMax)
			_, probe = h.admit(now)
			pause, _ = h.unanswered(now, probe)
		}
		if pause != storeRetryMax {
			t.Errorf("pause %v after many failed probes, want the cap %v", pause, storeRetryMax)
		}
		now = now.Add(storeRetryMax)
		_, probe = h.admit(now)
		h.left(probe) // the probe's caller gave up: the next call probes
		if ok, probe := h.admit(now); !ok || !probe {
			t.Fatalf("after an abandoned probe: admit %v, probe %v; want a new probe", ok, probe)
		}
		if !h.answered() || h.isDown() || h.backoff != 0 {
			t.Errorf("after an answer: down %v, backoff %v; want up, 0", h.isDown(), h.backoff)
		}
	})
}

// One Store, 1,000 sellers: one health, one warning (issue 16, cause 3:
// the breaker and the warning were per Client, 1,000 warnings).
func TestOneHealthAndOneWarningPerStore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &downStore{}
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, nil))
		var shs []*Shared
		for i := range 1000 {
			cfg := Credentials{ClientID: "id", ClientSecret: "secret", RefreshToken: "seller-" + string(rune('a'+i%26)) + strings.Repeat("x", i)}
			seal, err := NewSealer(cfg, "https://sellingpartnerapi-na.amazon.com")
			if err != nil {
				t.Fatal(err)
			}
			shs = append(shs, New(st, seal, DefaultTimeout, logger, nil))
		}
		if shs[0].health != shs[999].health {
			t.Fatal("two Clients on one Store have two healths")
		}
		if other, _ := healthOf(&downStore{}); other == shs[0].health {
			t.Fatal("two Stores share one health")
		}
		for round := range 3 {
			for _, sh := range shs {
				err := sh.use(context.Background(), "get", func(ctx context.Context) error { _, err := sh.st.Get(ctx, "k"); return err })
				if err == nil {
					t.Fatal("a call to a down store succeeded")
				}
			}
			synctest.Wait() // the last question, in the background
			if round == 0 {
				time.Sleep(storeDownAfter)
			}
		}
		if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
			t.Errorf("%d warnings for 1,000 sellers on one down Store, want 1:\n%s", n, logs.String())
		}
		if st.calls.Load() > 2000+2 {
			t.Errorf("%d calls reached the down store, want the breaker to stop them", st.calls.Load())
		}
		if err := shs[5].use(context.Background(), "get", func(context.Context) error { return nil }); !errors.Is(err, errStoreDown) {
			t.Errorf("a Client's call while its Store is down: %v, want errStoreDown", err)
		}
	})
}

// A process that cannot reach the store runs at its share of the budget,
// rate / members, from an empty bucket (issue 16, cause 2: it ran at the
// whole rate with a full bucket, so N processes sent N budgets).
func TestDegradedRunsAtItsShare(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &downStore{}
		h := &storeHealth{}
		h.worked.Store(true) // the fleet had been sharing
		for i := range 3 {
			h.unanswered(time.Now().Add(time.Duration(i)*storeDownAfter), false)
		}
		h.suspect(time.Now().Add(2 * storeDownAfter))
		h.confirmed(time.Now(), false)
		cfg := Credentials{ClientID: "id", ClientSecret: "secret", RefreshToken: "r"}
		seal, _ := NewSealer(cfg, "https://sellingpartnerapi-na.amazon.com")
		sh := &Shared{st: st, health: h, seal: seal, timeout: DefaultTimeout}
		l := &Limiter{sh: sh, local: ratelimit.New(map[string]ratelimit.Rate{"op": {PerSecond: 4, Burst: 5}})}
		l.deg.members.Store(4)
		start := time.Now()
		for range 8 {
			if err := l.Wait(context.Background(), "op"); err != nil {
				t.Fatal(err)
			}
		}
		// 4/s shared by 4 members: 1/s each, the first after 1 s.
		if got := time.Since(start); got < 8*time.Second {
			t.Errorf("8 calls took %v while degraded with 4 members at 4/s, want at least 8 s (1/s each)", got)
		}
		// A 429 while degraded halves the share.
		l.Observe("op", 0, true)
		start = time.Now()
		for range 4 {
			_ = l.Wait(context.Background(), "op")
		}
		if got := time.Since(start); got < 8*time.Second {
			t.Errorf("4 calls after a 429 took %v, want at least 8 s (0.5/s)", got)
		}
	})
}

// bigStore is a Store that holds a lot of memory of its own, as a
// redisstore Store with its connection pool does.
type bigStore struct {
	downStore
	ballast []byte
}

// A Store no Client uses any more is not kept (issue 22, defect 4: every
// Store ever given to New was kept for the life of the process; 20,000
// Stores took 510 MB): 20,000 Stores with a Client each, dropped, leave the
// heap near where it was and no health behind. Counts of bytes and
// entries, not times.
func TestDroppedStoresAreNotKept(t *testing.T) {
	if testing.Short() {
		t.Skip("20,000 Stores")
	}
	const n, ballast = 20000, 16 << 10 // 320 MB if kept
	seal, err := NewSealer(Credentials{ClientID: "id", ClientSecret: "secret", RefreshToken: "seller"}, "https://sellingpartnerapi-na.amazon.com")
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	keptBefore := healthsKept()
	before := heap()
	for range n {
		sh := New(&bigStore{ballast: make([]byte, ballast)}, seal, DefaultTimeout, nil, nil)
		runtime.KeepAlive(sh)
	}
	// Cleanups run on their own goroutine after a GC: wait for them
	// by count, not by time.
	for i := 0; healthsKept() > keptBefore && i < 1000; i++ {
		runtime.GC()
		runtime.Gosched()
	}
	after := heap()
	grew := int64(after) - int64(before)
	t.Logf("%d Stores with a Shared each, dropped: heap grew %d bytes; %d healths kept", n, grew, healthsKept()-keptBefore)
	if k := healthsKept() - keptBefore; k > 0 {
		t.Errorf("%d Stores' healths kept after their Clients were dropped, want 0", k)
	}
	if grew > n*ballast/10 {
		t.Errorf("heap grew %d bytes after %d Stores were dropped, want at most %d", grew, n, n*ballast/10)
	}
}
