package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/redisstore"
)

// Keys as the client makes them: a hash tag, then a name.
const (
	lwaKey  = "{0f1e2d3c}:lwa"
	rdtKey  = "{0f1e2d3c}:rdt:4b5a6978"
	rateKey = "{0f1e2d3c}:rate:createRestrictedDataToken"
)

// slack covers what the test's clock and Redis's clock may disagree on.
const slack = 2 * time.Millisecond

func TestMain(m *testing.M) {
	// go-redis logs each failed dial; the fault tests make many.
	redis.SetLogger(quiet{})
	os.Exit(m.Run())
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func newStore(t *testing.T, opts ...redisstore.Option) (*redisstore.Store, *redis.Client) {
	t.Helper()
	rdb := redistest.Start(t).Client(t)
	return redisstore.New(rdb, opts...), rdb
}

func secs(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

func TestGetSet(t *testing.T) {
	s, rdb := newStore(t)
	ctx := context.Background()

	if v, err := s.Get(ctx, lwaKey); v != nil || err != nil {
		t.Fatalf("Get of an absent key = %q, %v; want nil, nil", v, err)
	}
	tests := []struct {
		name  string
		value []byte
		ttl   time.Duration
		// the PTTL Redis must report, in ms
		wantPTTL time.Duration
		// wantPX, if set, is the PX the SET must carry; the key may be gone
		// before the test reads it back (a 2 ms TTL on a loaded machine,
		// issue 15), so the command, not PTTL, is checked.
		wantPX int64
	}{
		{"token", []byte("sealed-token"), time.Hour, time.Hour, 0},
		{"binary", []byte{0, 1, 2, '\r', '\n', 0xff}, 90 * time.Second, 90 * time.Second, 0},
		{"empty", []byte{}, time.Minute, time.Minute, 0},
		{"sub-millisecond ttl rounds up", []byte("x"), 1500 * time.Microsecond, 2 * time.Millisecond, 2},
		{"overwrite", []byte("newer"), 10 * time.Second, 10 * time.Second, 0},
	}
	sets := &setRecorder{}
	rdb.AddHook(sets)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := rdtKey
			if err := s.Set(ctx, key, tt.value, tt.ttl); err != nil {
				t.Fatalf("Set: %v", err)
			}
			if tt.wantPX != 0 {
				if args := sets.last(); len(args) != 5 || fmt.Sprint(args[3]) != "px" || fmt.Sprint(args[4]) != fmt.Sprint(tt.wantPX) {
					t.Errorf("SET sent %v, want PX %d", args, tt.wantPX)
				}
				return
			}
			got, err := s.Get(ctx, key)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if !bytes.Equal(got, tt.value) || got == nil {
				t.Errorf("Get = %q, want %q (not nil)", got, tt.value)
			}
			pttl, err := rdb.PTTL(ctx, redisstore.DefaultPrefix+key).Result()
			if err != nil {
				t.Fatal(err)
			}
			if pttl > tt.wantPTTL || pttl < tt.wantPTTL-time.Second {
				t.Errorf("PTTL = %v, want %v (a little less)", pttl, tt.wantPTTL)
			}
		})
	}

	t.Run("expiry", func(t *testing.T) {
		if err := s.Set(ctx, lwaKey, []byte("short"), time.Millisecond); err != nil {
			t.Fatal(err)
		}
		waitGone(t, rdb, redisstore.DefaultPrefix+lwaKey)
		if v, err := s.Get(ctx, lwaKey); v != nil || err != nil {
			t.Fatalf("Get after expiry = %q, %v; want nil, nil", v, err)
		}
	})

	t.Run("ttl not positive", func(t *testing.T) {
		for _, ttl := range []time.Duration{0, -time.Second} {
			if err := s.Set(ctx, "{x}:lwa", []byte("v"), ttl); err == nil {
				t.Errorf("Set with ttl %v: no error", ttl)
			}
		}
		if n, _ := rdb.Exists(ctx, redisstore.DefaultPrefix+"{x}:lwa").Result(); n != 0 {
			t.Error("a Set with a bad ttl stored a key")
		}
	})
}

// waitGone polls until key has expired; Redis, not the store, expires keys,
// so this only waits for time to pass.
func waitGone(t *testing.T, rdb redis.UniversalClient, key string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		n, err := rdb.Exists(context.Background(), key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still there after 5 s", key)
		}
		<-tick.C
	}
}

func TestDeleteIf(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	tests := []struct {
		name      string
		stored    []byte // nil: absent
		deleteIf  []byte
		wantAfter []byte
	}{
		{"same value", []byte("rejected"), []byte("rejected"), nil},
		{"newer value kept", []byte("newer"), []byte("rejected"), []byte("newer")},
		{"prefix of the value kept", []byte("token-1"), []byte("token"), []byte("token-1")},
		{"longer value kept", []byte("token"), []byte("token-1"), []byte("token")},
		{"binary", []byte{0, 0xff, '\n'}, []byte{0, 0xff, '\n'}, nil},
		{"absent", nil, []byte("x"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "{" + tt.name + "}:lwa"
			if tt.stored != nil {
				if err := s.Set(ctx, key, tt.stored, time.Minute); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.DeleteIf(ctx, key, tt.deleteIf); err != nil {
				t.Fatalf("DeleteIf: %v", err)
			}
			got, err := s.Get(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.wantAfter) || (got == nil) != (tt.wantAfter == nil) {
				t.Errorf("after DeleteIf: %q, want %q", got, tt.wantAfter)
			}
		})
	}
}

func TestLock(t *testing.T) {
	s, rdb := newStore(t)
	ctx := context.Background()
	const key = "{0f1e2d3c}:lock:lwa"
	full := redisstore.DefaultPrefix + key

	unlock, ok, err := s.Lock(ctx, key, time.Minute)
	if err != nil || !ok || unlock == nil {
		t.Fatalf("first Lock = %v, %v; want ok", ok, err)
	}
	if pttl := rdb.PTTL(ctx, full).Val(); pttl > time.Minute || pttl < time.Minute-time.Second {
		t.Errorf("lock PTTL = %v, want 1m", pttl)
	}
	// Held: a second holder (another process: another client) fails.
	other := redisstore.New(rdb)
	if u, ok, err := other.Lock(ctx, key, time.Minute); ok || err != nil || u != nil {
		t.Fatalf("second Lock while held = %v, %v; want not ok, no error, nil unlock", ok, err)
	}
	if err := unlock(ctx); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	if err := unlock(ctx); err != nil { // twice is fine
		t.Fatalf("second unlock: %v", err)
	}
	unlock2, ok, err := other.Lock(ctx, key, time.Minute)
	if err != nil || !ok {
		t.Fatalf("Lock after unlock = %v, %v; want ok", ok, err)
	}
	// The first holder's stale unlock leaves the second holder's lock.
	if err := unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if n := rdb.Exists(ctx, full).Val(); n != 1 {
		t.Fatal("a stale unlock deleted another holder's lock")
	}
	if err := unlock2(ctx); err != nil {
		t.Fatal(err)
	}

	t.Run("expiry", func(t *testing.T) {
		unlockA, ok, err := s.Lock(ctx, key, 20*time.Millisecond)
		if err != nil || !ok {
			t.Fatalf("Lock = %v, %v", ok, err)
		}
		waitGone(t, rdb, full)
		unlockB, ok, err := other.Lock(ctx, key, time.Minute)
		if err != nil || !ok {
			t.Fatalf("Lock after the first expired = %v, %v; want ok", ok, err)
		}
		// A's lock expired and B holds the key: A's unlock must not
		// delete it.
		if err := unlockA(ctx); err != nil {
			t.Fatal(err)
		}
		if n := rdb.Exists(ctx, full).Val(); n != 1 {
			t.Fatal("unlock after expiry deleted the new holder's lock")
		}
		if u, ok, _ := s.Lock(ctx, key, time.Minute); ok {
			_ = u(ctx)
			t.Fatal("Lock succeeded while B holds it")
		}
		if err := unlockB(ctx); err != nil {
			t.Fatal(err)
		}
		if n := rdb.Exists(ctx, full).Val(); n != 0 {
			t.Fatal("B's unlock left the key")
		}
	})

	t.Run("ttl not positive", func(t *testing.T) {
		if _, ok, err := s.Lock(ctx, key, 0); ok || err == nil {
			t.Fatalf("Lock with ttl 0 = %v, %v; want an error", ok, err)
		}
	})
}

func TestLockTokensDiffer(t *testing.T) {
	s, rdb := newStore(t)
	ctx := context.Background()
	seen := map[string]bool{}
	for i := range 20 {
		key := fmt.Sprintf("{k}:lock:%d", i)
		if _, ok, err := s.Lock(ctx, key, time.Minute); !ok || err != nil {
			t.Fatal(ok, err)
		}
		v := rdb.Get(ctx, redisstore.DefaultPrefix+key).Val()
		if len(v) < 32 || seen[v] {
			t.Fatalf("lock token %q is short or repeated", v)
		}
		seen[v] = true
	}
}

// take calls s.Take and fails t on an error.
func take(t testing.TB, s *redisstore.Store, key string, b client.Rate, maxWait time.Duration) (time.Duration, bool) {
	t.Helper()
	wait, ok, err := s.Take(context.Background(), key, b, maxWait)
	if err != nil {
		t.Fatalf("Take(%s): %v", key, err)
	}
	return wait, ok
}

func TestTakeBurstThenQueue(t *testing.T) {
	tests := []struct {
		name      string
		rate      client.Rate
		wantBurst int
	}{
		{"1/s burst 5", client.Rate{PerSecond: 1, Burst: 5}, 5},
		{"2/s burst 1", client.Rate{PerSecond: 2, Burst: 1}, 1},
		{"tokens API 1/s burst 10", client.Rate{PerSecond: 1, Burst: 10}, 10},
		{"0.5/s, burst from rate", client.Rate{PerSecond: 0.5}, 1},
		{"2.7/s, burst from rate", client.Rate{PerSecond: 2.7}, 2},
		{"5/s, burst from rate", client.Rate{PerSecond: 5}, 5},
	}
	s, _ := newStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "{t}:rate:" + tt.name
			start := time.Now()
			for i := range tt.wantBurst {
				if wait, ok := take(t, s, key, tt.rate, 0); wait != 0 || !ok {
					t.Fatalf("take %d of the burst: wait %v, ok %v; want 0, true", i+1, wait, ok)
				}
			}
			// Then each caller queues one interval behind the last.
			for k := 1; k <= 5; k++ {
				wait, ok := take(t, s, key, tt.rate, 0)
				want := secs(float64(k) / tt.rate.PerSecond)
				// Time passing refills: the wait is at most
				// the elapsed time shorter.
				lo := want - time.Since(start) - slack
				if !ok || wait <= 0 || wait > want+time.Microsecond || wait < lo {
					t.Fatalf("take %d after the burst: wait %v, ok %v; want %v (at least %v)", k, wait, ok, want, lo)
				}
			}
		})
	}
}

func TestTakeMaxWait(t *testing.T) {
	s, rdb := newStore(t)
	ctx := context.Background()
	// A token per 10 s: every maxWait below is far under a wait, however
	// long a loaded machine takes between these calls (issue 15); each
	// wait is bounded below by the time since the first take, what the
	// bucket may have refilled.
	plan := client.Rate{PerSecond: 0.1, Burst: 2}
	const interval = 10 * time.Second
	key := rateKey
	full := redisstore.DefaultPrefix + key
	start := time.Now()
	for range 2 {
		take(t, s, key, plan, time.Millisecond)
	}
	before := rdb.HGetAll(ctx, full).Val()

	tests := []struct {
		maxWait time.Duration
		wantOK  bool
	}{
		{100 * time.Millisecond, false},
		{500 * time.Millisecond, false},
		{time.Nanosecond, false},
	}
	for _, tt := range tests {
		wait, ok := take(t, s, key, plan, tt.maxWait)
		if ok != tt.wantOK || wait <= tt.maxWait || wait > interval || wait < interval-time.Since(start)-slack {
			t.Errorf("Take(maxWait %v) = %v, %v; want %v less the %v since the first take, ok %v", tt.maxWait, wait, ok, interval, time.Since(start), tt.wantOK)
		}
	}
	// Nothing spent, nothing written.
	if after := rdb.HGetAll(ctx, full).Val(); !maps(before, after) {
		t.Errorf("a refused Take wrote: %v -> %v", before, after)
	}
	// A cap the wait fits in: ok, and the wait is within it.
	wait, ok := take(t, s, key, plan, interval+interval/2)
	if !ok || wait > interval || wait < interval-time.Since(start)-slack {
		t.Fatalf("Take(maxWait %v) = %v, %v; want %v less the %v since the first take, ok", interval+interval/2, wait, ok, interval, time.Since(start))
	}
	// The refused ones spent nothing: this caller is second in the queue.
	wait, ok = take(t, s, key, plan, 0)
	if !ok || wait > 2*interval || wait < 2*interval-time.Since(start)-slack {
		t.Fatalf("next Take = %v, %v; want %v less the %v since the first take", wait, ok, 2*interval, time.Since(start))
	}
	// ok implies wait <= maxWait, to the microsecond.
	wait, ok = take(t, s, key, plan, 3*interval)
	if !ok || wait > 3*interval {
		t.Fatalf("Take(maxWait %v) = %v, %v", 3*interval, wait, ok)
	}
	if w, ok := take(t, s, key, plan, wait+interval); !ok || w > wait+interval {
		t.Fatalf("Take(maxWait %v) = %v, %v", wait+interval, w, ok)
	}
}

func maps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestTakeNoLimit(t *testing.T) {
	tests := []struct {
		name string
		rate client.Rate
	}{
		{"no plan", client.Rate{}},
		{"burst but no rate", client.Rate{Burst: 10}},
	}
	s, rdb := newStore(t)
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range 100 {
				if wait, ok := take(t, s, rateKey, tt.rate, time.Nanosecond); wait != 0 || !ok {
					t.Fatalf("take %d: %v, %v; want 0, true", i, wait, ok)
				}
			}
			// A 429 on an operation with no known rate has nothing
			// to drain.
			if err := s.Observe(ctx, rateKey, tt.rate, 0, true); err != nil {
				t.Fatal(err)
			}
			if n := rdb.DBSize(ctx).Val(); n != 0 {
				t.Fatalf("%d keys written; want none", n)
			}
		})
	}
	// Once a rate is learned, the same calls are limited.
	if err := s.Observe(ctx, rateKey, client.Rate{}, 1, false); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if wait, ok := take(t, s, rateKey, client.Rate{}, 0); wait != 0 || !ok {
		t.Fatalf("first take at a learned 1/s: %v, %v", wait, ok)
	}
	if wait, ok := take(t, s, rateKey, client.Rate{}, 0); wait > time.Second || wait < time.Second-time.Since(start)-slack || !ok {
		t.Fatalf("second take at a learned 1/s: %v, %v; want 1s less the %v since the first take", wait, ok, time.Since(start))
	}
}

func TestObserveLearnedRate(t *testing.T) {
	tests := []struct {
		name     string
		plan     client.Rate
		learned  float64
		queued   int // takes past the burst before the rate is learned
		wantStep time.Duration
	}{
		{"1/s learns 20/s", client.Rate{PerSecond: 1, Burst: 2}, 20, 3, 50 * time.Millisecond},
		{"20/s learns 2/s", client.Rate{PerSecond: 20, Burst: 2}, 2, 3, 500 * time.Millisecond},
		{"no plan learns 4/s", client.Rate{Burst: 2}, 4, 0, 250 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newStore(t)
			ctx := context.Background()
			start := time.Now()
			for range tt.plan.Burst + tt.queued {
				take(t, s, rateKey, tt.plan, 0)
			}
			if tt.plan.PerSecond == 0 {
				tt.queued = 0 // nothing was spent
			}
			if err := s.Observe(ctx, rateKey, tt.plan, tt.learned, false); err != nil {
				t.Fatal(err)
			}
			// The queue is re-priced at the new rate: the next
			// caller is queued+1 tokens short (or, with no plan, the
			// bucket starts full at the learned rate).
			if tt.plan.PerSecond == 0 {
				for range tt.plan.Burst {
					if w, _ := take(t, s, rateKey, tt.plan, 0); w != 0 {
						t.Fatalf("burst after learning: wait %v", w)
					}
				}
			}
			for k := tt.queued + 1; k <= tt.queued+4; k++ {
				wait, ok := take(t, s, rateKey, tt.plan, 0)
				want := time.Duration(k) * tt.wantStep
				// Time refilled at most this many tokens.
				refill := time.Since(start).Seconds() * max(tt.plan.PerSecond, tt.learned)
				lo := want - secs(refill/tt.learned) - slack
				if !ok || wait > want+time.Microsecond || wait < lo {
					t.Fatalf("take %d short: wait %v; want %v at %v/s", k, wait, want, tt.learned)
				}
			}
		})
	}
}

// TestLearnedRateAcrossProcesses is the GCRA pitfall: four processes start
// at the published 1/s (burst 10), queue up, then all learn 20/s. The queue
// must be re-priced at 20/s, so no wait exceeds what 20/s implies for the
// requests reserved so far (GCRA, which stores a time in units of the old
// rate, left the bucket seconds ahead).
func TestLearnedRateAcrossProcesses(t *testing.T) {
	srv := redistest.Start(t)
	const procs, perPhase = 4, 10
	plan := client.Rate{PerSecond: 1, Burst: 10}
	const learned = 20.0
	stores := make([]*redisstore.Store, procs)
	for i := range stores {
		stores[i] = redisstore.New(srv.Client(t))
	}
	ctx := context.Background()
	phase := func(f func(s *redisstore.Store) time.Duration) []time.Duration {
		var mu sync.Mutex
		var waits []time.Duration
		var wg sync.WaitGroup
		for _, s := range stores {
			wg.Go(func() {
				for range perPhase {
					w := f(s)
					mu.Lock()
					waits = append(waits, w)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		slices.Sort(waits)
		return waits
	}
	takeAt := func(s *redisstore.Store) time.Duration {
		w, _ := take(t, s, rateKey, plan, 0)
		return w
	}

	// The bucket refills from the first take on: at 1/s until the Observe
	// calls, at the learned rate from the first of them. start and changed
	// are read before each, so that the time they measure covers every
	// refill, however long the machine keeps a goroutine waiting (issue 15).
	start := time.Now()
	before := phase(takeAt)
	// 40 takes at 1/s: 10 free, then a queue 30 s deep, less the refill.
	if last := before[len(before)-1]; last > 30*time.Second+time.Microsecond || last < 30*time.Second-time.Since(start)-slack {
		t.Fatalf("the queue at 1/s ends at %v, want 30s less the %v since the first take", last, time.Since(start))
	}
	changed := time.Now()
	// What refilled at 1/s before the change, in time at the learned rate.
	early := time.Duration(float64(changed.Sub(start)) * plan.PerSecond / learned)
	var wg sync.WaitGroup
	for _, s := range stores {
		wg.Go(func() {
			if err := s.Observe(ctx, rateKey, plan, learned, false); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	after := phase(takeAt)
	elapsed := time.Since(changed)

	// 40 reserved before, 40 now, burst 10: the last is 70 tokens short.
	taken := procs * perPhase * 2
	bound := secs(float64(taken-plan.Burst) / learned)
	step := secs(1 / learned)
	for i, w := range after {
		// The i-th wait of this phase: (30 + i + 1) tokens short at
		// 20/s, less what the time since the change refilled.
		want := secs(float64(procs*perPhase-plan.Burst+i+1) / learned)
		if w > bound+time.Microsecond || w > want+time.Microsecond || w < want-elapsed-early-slack {
			t.Errorf("wait %d after learning %v/s: %v; want %v (bound %v)", i, learned, w, want, bound)
		}
		if i > 0 && (w-after[i-1] > step+time.Microsecond || w == after[i-1]) {
			t.Errorf("waits %d and %d: %v then %v; want distinct, %v apart", i-1, i, after[i-1], w, step)
		}
	}
	t.Logf("after learning %v/s: waits %v .. %v (bound %v)", learned, after[0], after[len(after)-1], bound)
}

func TestConcurrentTake(t *testing.T) {
	srv := redistest.Start(t)
	stores := make([]*redisstore.Store, 4)
	for i := range stores {
		stores[i] = redisstore.New(srv.Client(t))
	}
	// 0.1/s: a token per 10 s, so time passing during the test refills
	// next to nothing.
	plan := client.Rate{PerSecond: 0.1, Burst: 10}
	const n = 200
	waits := make([]time.Duration, n)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			w, ok, err := stores[i%len(stores)].Take(context.Background(), rateKey, plan, 0)
			if err != nil || !ok {
				t.Errorf("Take: %v, %v", ok, err)
			}
			waits[i] = w
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(waits)
	zeros := 0
	for _, w := range waits {
		if w == 0 {
			zeros++
		}
	}
	if zeros != plan.Burst {
		t.Fatalf("%d takes without a wait, want %d", zeros, plan.Burst)
	}
	step := secs(1 / plan.PerSecond)
	for i := plan.Burst + 1; i < n; i++ {
		d := waits[i] - waits[i-1]
		if d <= 0 || d > step+time.Microsecond || d < step-elapsed-slack {
			t.Fatalf("waits %d and %d: %v then %v; want %v apart", i-1, i, waits[i-1], waits[i], step)
		}
	}
	if last, want := waits[n-1], secs(float64(n-plan.Burst)/plan.PerSecond); last > want || last < want-elapsed-slack {
		t.Fatalf("last wait %v, want %v", last, want)
	}
}

func TestOneRoundTripPerTake(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	var hook countHook
	rdb.AddHook(&hook)
	s := redisstore.New(rdb)
	ctx := context.Background()
	plan := client.Rate{PerSecond: 1000, Burst: 10}
	// The first call of each script loads it (EVALSHA, NOSCRIPT, EVAL).
	take(t, s, rateKey, plan, 0)
	if err := s.Observe(ctx, rateKey, plan, 1000, false); err != nil {
		t.Fatal(err)
	}
	hook.reset()
	for range 10 {
		take(t, s, rateKey, plan, 0)
	}
	if err := s.Observe(ctx, rateKey, plan, 100, true); err != nil {
		t.Fatal(err)
	}
	if got := hook.get(); len(got) != 11 || slices.ContainsFunc(got, func(c string) bool { return c != "evalsha" }) {
		t.Fatalf("10 Takes and an Observe sent %q; want 11 evalsha", got)
	}
	// No reply to record: nothing sent.
	hook.reset()
	if err := s.Observe(ctx, rateKey, plan, 0, false); err != nil {
		t.Fatal(err)
	}
	if got := hook.get(); len(got) != 0 {
		t.Fatalf("an empty Observe sent %q", got)
	}
}

// countHook records the commands a client sends.
type countHook struct {
	mu   sync.Mutex
	cmds []string
}

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.mu.Lock()
		h.cmds = append(h.cmds, cmd.Name())
		h.mu.Unlock()
		return next(ctx, cmd)
	}
}
func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h *countHook) reset() { h.mu.Lock(); h.cmds = nil; h.mu.Unlock() }
func (h *countHook) get() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.cmds)
}

func TestScriptCacheFlushed(t *testing.T) {
	srv := redistest.Start(t)
	s := redisstore.New(srv.Client(t))
	ctx := context.Background()
	plan := client.Rate{PerSecond: 1, Burst: 1}
	take(t, s, rateKey, plan, 0)
	srv.Flush(t) // keys and scripts: EVALSHA gets NOSCRIPT, Run falls back to EVAL
	if w, ok := take(t, s, rateKey, plan, 0); w != 0 || !ok {
		t.Fatalf("Take after a flush: %v, %v; want a new, full bucket", w, ok)
	}
	if err := s.Set(ctx, lwaKey, []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	srv.Flush(t)
	if err := s.DeleteIf(ctx, lwaKey, []byte("v")); err != nil {
		t.Fatalf("DeleteIf after a script flush: %v", err)
	}
	if err := s.Observe(ctx, rateKey, plan, 2, true); err != nil {
		t.Fatalf("Observe after a script flush: %v", err)
	}
}

func TestInvalidRate(t *testing.T) {
	s, rdb := newStore(t)
	ctx := context.Background()
	var zero float64
	nan, inf := zero/zero, 1/zero
	tests := []struct {
		name    string
		plan    client.Rate
		learned float64
	}{
		{"NaN rate", client.Rate{PerSecond: nan, Burst: 1}, 0},
		{"infinite rate", client.Rate{PerSecond: inf, Burst: 1}, 0},
		{"negative rate", client.Rate{PerSecond: -1, Burst: 1}, 0},
		{"negative burst", client.Rate{PerSecond: 1, Burst: -1}, 0},
		{"NaN learned", client.Rate{PerSecond: 1, Burst: 1}, nan},
		{"infinite learned", client.Rate{PerSecond: 1, Burst: 1}, inf},
		{"negative learned", client.Rate{PerSecond: 1, Burst: 1}, -3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.learned == 0 {
				if _, ok, err := s.Take(ctx, rateKey, tt.plan, 0); err == nil || ok {
					t.Errorf("Take: ok %v, error %v; want an error", ok, err)
				}
			}
			if err := s.Observe(ctx, rateKey, tt.plan, tt.learned, true); err == nil {
				t.Error("Observe: no error")
			}
			if n := rdb.DBSize(ctx).Val(); n != 0 {
				t.Errorf("%d keys written", n)
			}
		})
	}
}

func TestPrefix(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	plan := client.Rate{PerSecond: 0.01, Burst: 2}
	prefixes := []string{redisstore.DefaultPrefix, "tenant-a:", "tenant-b:"}
	stores := map[string]*redisstore.Store{redisstore.DefaultPrefix: redisstore.New(rdb)}
	for _, p := range prefixes[1:] {
		stores[p] = redisstore.New(rdb, redisstore.WithPrefix(p))
	}
	for _, p := range prefixes {
		s := stores[p]
		if err := s.Set(ctx, lwaKey, []byte("token of "+p), time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.Set(ctx, rdtKey, []byte("rdt"), time.Minute); err != nil {
			t.Fatal(err)
		}
		// Each prefix has its own lock and its own bucket.
		if _, ok, err := s.Lock(ctx, "{0f1e2d3c}:lock:lwa", time.Minute); !ok || err != nil {
			t.Fatalf("Lock under %q: %v, %v", p, ok, err)
		}
		for i := range plan.Burst {
			if w, _ := take(t, s, rateKey, plan, 0); w != 0 {
				t.Fatalf("take %d under %q waits %v: the bucket is shared", i, p, w)
			}
		}
		if err := s.Observe(ctx, "{0f1e2d3c}:rate:getOrders", plan, 5, true); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteIf(ctx, rdtKey, []byte("rdt")); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range prefixes {
		v, err := stores[p].Get(ctx, lwaKey)
		if err != nil || string(v) != "token of "+p {
			t.Errorf("Get under %q = %q, %v", p, v, err)
		}
	}
	// Every key written starts with a prefix: per prefix, the token, the
	// lock, two buckets (the RDT was deleted).
	count := map[string]int{}
	iter := rdb.Scan(ctx, 0, "*", 100).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		p := k[:strings.IndexByte(k, ':')+1]
		if _, ok := stores[p]; !ok {
			t.Errorf("key %q has none of the prefixes", k)
		}
		count[p]++
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	for _, p := range prefixes {
		if count[p] != 4 {
			t.Errorf("%d keys under %q, want 4", count[p], p)
		}
	}

	// No prefix at all.
	bare := redisstore.New(rdb, redisstore.WithPrefix(""))
	if err := bare.Set(ctx, "{bare}:lwa", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if rdb.Exists(ctx, "{bare}:lwa").Val() != 1 {
		t.Error(`WithPrefix(""): key not stored as given`)
	}
}

func TestCluster(t *testing.T) {
	srv := redistest.StartCluster(t)
	ctx := context.Background()
	rdb := srv.ClusterClient(t)
	s := redisstore.New(rdb)

	// Get/Set/DeleteIf.
	if v, err := s.Get(ctx, lwaKey); v != nil || err != nil {
		t.Fatalf("Get absent = %q, %v", v, err)
	}
	if err := s.Set(ctx, lwaKey, []byte("sealed"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get(ctx, lwaKey); string(v) != "sealed" || err != nil {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if err := s.DeleteIf(ctx, lwaKey, []byte("other")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteIf(ctx, lwaKey, []byte("sealed")); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get(ctx, lwaKey); v != nil {
		t.Fatalf("DeleteIf left %q", v)
	}

	// Lock.
	unlock, ok, err := s.Lock(ctx, "{0f1e2d3c}:lock:lwa", time.Minute)
	if !ok || err != nil {
		t.Fatalf("Lock = %v, %v", ok, err)
	}
	if _, ok, err := s.Lock(ctx, "{0f1e2d3c}:lock:lwa", time.Minute); ok || err != nil {
		t.Fatalf("second Lock = %v, %v; want not ok", ok, err)
	}
	if err := unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Lock(ctx, "{0f1e2d3c}:lock:lwa", time.Minute); !ok || err != nil {
		t.Fatalf("Lock after unlock = %v, %v", ok, err)
	}

	// Take and Observe, on keys of several slots.
	plan := client.Rate{PerSecond: 1, Burst: 3}
	for _, tag := range []string{"a", "b", "c", "0f1e2d3c"} {
		key := "{" + tag + "}:rate:getOrders"
		// The bucket refills from its first take on; the waits below are
		// short by at most the time since then (issue 15: a loaded machine
		// may take longer than a tenth of a second for these calls).
		start := time.Now()
		for range plan.Burst {
			if w, ok := take(t, s, key, plan, 0); w != 0 || !ok {
				t.Fatalf("%s: burst take waits %v", key, w)
			}
		}
		if w, _ := take(t, s, key, plan, 0); w < time.Second-time.Since(start)-slack || w > time.Second {
			t.Fatalf("%s: take after the burst waits %v, want 1s less the %v since the first take", key, w, time.Since(start))
		}
		if err := s.Observe(ctx, key, plan, 10, true); err != nil {
			t.Fatal(err)
		}
		// Tokens were about -1 (no fraction drained below 0): 2 short at 10/s.
		if w, _ := take(t, s, key, plan, 0); w < 200*time.Millisecond-time.Since(start)-slack || w > 200*time.Millisecond {
			t.Fatalf("%s: take after learning 10/s waits %v, want 200ms less the %v since the first take", key, w, time.Since(start))
		}
	}
}

func TestExample(t *testing.T) {
	// The package example's calls, against a real server.
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	store := redisstore.New(rdb, redisstore.WithPrefix("myapp:spapi:"))
	var _ client.Store = store
	if err := store.Set(context.Background(), "{x}:lwa", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if rdb.Exists(context.Background(), "myapp:spapi:{x}:lwa").Val() != 1 {
		t.Fatal("prefix not applied")
	}
}

func TestErrorsNameKeyNotValue(t *testing.T) {
	s, rdb := newStore(t)
	ctx := context.Background()
	const secret = "Atza|SECRET-TOKEN-VALUE"
	// Keys of the wrong type are no longer errors (Get, DeleteIf and Lock
	// treat them as absent or broken, TestHostileValues; the bucket scripts
	// reset them, TestBucketUntrusted), so the server refuses writes instead:
	// a full Redis under noeviction.
	for _, kv := range [][2]string{{"maxmemory-policy", "noeviction"}, {"maxmemory", "1"}} {
		if err := rdb.ConfigSet(ctx, kv[0], kv[1]).Err(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { rdb.ConfigSet(context.Background(), "maxmemory", "0") })
	errSet := s.Set(ctx, lwaKey, []byte(secret), time.Minute)
	_, _, errTake := s.Take(ctx, rateKey, client.Rate{PerSecond: 1, Burst: 1}, 0)
	for name, err := range map[string]error{"set": errSet, "take": errTake} {
		if err == nil {
			t.Errorf("%s on a full Redis: no error", name)
			continue
		}
		msg := err.Error()
		var rerr redis.Error
		if !strings.HasPrefix(msg, "redisstore: "+name+" spapi:{0f1e2d3c}:") || strings.Contains(msg, "SECRET") || !errors.As(err, &rerr) {
			t.Errorf("%s: error %q: want the op and key, a redis.Error, and no value", name, msg)
		}
	}
}

// deadServer returns a store on a server that has been killed, through a
// client with go-redis's default options.
func deadServer(t *testing.T) (*redisstore.Store, *redis.Client) {
	t.Helper()
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	if err := rdb.Ping(context.Background()).Err(); err != nil { // a pooled connection that will break
		t.Fatal(err)
	}
	srv.Kill()
	return redisstore.New(rdb), rdb
}

// calls runs every Store method once with ctx and returns their errors.
func calls(ctx context.Context, s *redisstore.Store) map[string]error {
	plan := client.Rate{PerSecond: 1, Burst: 1}
	_, errGet := s.Get(ctx, lwaKey)
	_, _, errLock := s.Lock(ctx, "{k}:lock", time.Second)
	_, _, errTake := s.Take(ctx, rateKey, plan, 0)
	return map[string]error{
		"get":     errGet,
		"set":     s.Set(ctx, lwaKey, []byte("v"), time.Minute),
		"delete":  s.DeleteIf(ctx, lwaKey, []byte("v")),
		"lock":    errLock,
		"take":    errTake,
		"observe": s.Observe(ctx, rateKey, plan, 2, true),
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		// setup returns a store that fails; limit is the longest its
		// six calls may take with one 100 ms context (generous: the
		// machine is shared; unbounded, a hung server costs 5 s a
		// call).
		setup   func(t *testing.T) *redisstore.Store
		limit   time.Duration
		wantErr func(error) bool
	}{
		{
			name: "closed client",
			setup: func(t *testing.T) *redisstore.Store {
				rdb := redistest.Start(t).Client(t)
				_ = rdb.Close()
				return redisstore.New(rdb)
			},
			limit:   200 * time.Millisecond,
			wantErr: func(err error) bool { return errors.Is(err, redis.ErrClosed) },
		},
		{
			name:    "killed server",
			setup:   func(t *testing.T) *redisstore.Store { s, _ := deadServer(t); return s },
			limit:   time.Second,
			wantErr: func(err error) bool { return err != nil },
		},
		{
			name: "hung server, default options",
			setup: func(t *testing.T) *redisstore.Store {
				srv := redistest.Start(t)
				rdb := srv.Client(t)
				srv.Pause(t)
				return redisstore.New(rdb)
			},
			limit:   time.Second,
			wantErr: func(err error) bool { return errors.Is(err, context.DeadlineExceeded) },
		},
		{
			name: "hung server, ContextTimeoutEnabled",
			setup: func(t *testing.T) *redisstore.Store {
				srv := redistest.Start(t)
				rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: true})
				t.Cleanup(func() { _ = rdb.Close() })
				srv.Pause(t)
				return redisstore.New(rdb)
			},
			limit:   time.Second,
			wantErr: func(err error) bool { return err != nil },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.setup(t)
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			errs := calls(ctx, s)
			// All six calls share one 100 ms context.
			if d := time.Since(start); d > tt.limit {
				t.Errorf("six calls took %v, want at most %v", d, tt.limit)
			}
			for op, err := range errs {
				if !tt.wantErr(err) {
					t.Errorf("%s: error %v", op, err)
					continue
				}
				if !strings.HasPrefix(err.Error(), "redisstore: "+op+" spapi:{") {
					t.Errorf("%s: error %q does not name the op and key", op, err)
				}
			}
		})
	}

	t.Run("cancelled context", func(t *testing.T) {
		s, rdb := newStore(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		for op, err := range calls(ctx, s) {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s: %v, want context.Canceled", op, err)
			}
		}
		if n := rdb.DBSize(context.Background()).Val(); n != 0 {
			t.Errorf("calls with a cancelled context wrote %d keys", n)
		}
	})
}

// TestDeadServerDefaultOptions measures how long go-redis, with its default
// options, takes to fail against a dead port when the caller's context has
// no deadline: the client must bound store calls itself.
func TestDeadServerDefaultOptions(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 2 s")
	}
	s, _ := deadServer(t)
	start := time.Now()
	_, err := s.Get(context.Background(), lwaKey)
	d := time.Since(start)
	if err == nil {
		t.Fatal("Get from a dead server: no error")
	}
	if d > 10*time.Second {
		t.Fatalf("Get from a dead server took %v", d)
	}
	t.Logf("dead server, default go-redis options, no deadline: %v: %v", d.Round(time.Millisecond), err)
}

// TestAbandonedLockIsReleased: a Lock whose caller gave up (a hung server,
// default go-redis options) but which the server then granted is released,
// not left to block the fleet until its ttl.
func TestAbandonedLockIsReleased(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	s := redisstore.New(rdb)
	const key = "{0f1e2d3c}:lock:lwa"
	// A lock on another key loads the script, so the one sent to the hung
	// server below is an EVALSHA that runs on resume, not a NOSCRIPT whose
	// EVAL the abandoned call would never send.
	unlock, ok, err := s.Lock(context.Background(), "{0f1e2d3c}:lock:other", time.Minute)
	if !ok || err != nil {
		t.Fatalf("Lock = %v, %v", ok, err)
	}
	if err := unlock(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.Pause(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, ok, err := s.Lock(ctx, key, time.Hour); ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock on a hung server = %v, %v; want a deadline error", ok, err)
	}
	srv.Resume(t) // the server now runs the lock script it was sent, and replies
	// Poll until the SET has run and the key is gone again (its ttl is an
	// hour, so only a release deletes it).
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		stats, err := redistest.Do(srv.Addr(), "INFO", "commandstats")
		if err != nil {
			t.Fatal(err)
		}
		n, err := redistest.Do(srv.Addr(), "EXISTS", redisstore.DefaultPrefix+key)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stats, "cmdstat_set:calls=2,") && n == "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the abandoned lock was not released: EXISTS %s, stats:\n%s", n, stats)
		}
		<-tick.C
	}
	if _, ok, err := s.Lock(context.Background(), key, time.Minute); !ok || err != nil {
		t.Fatalf("Lock after the abandoned one = %v, %v", ok, err)
	}
}
