package redisstore_test

import (
	"bytes"
	"context"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/redisstore"
)

// hostile writes what anyone with write access to Redis could leave under
// key (the full key, prefix included).
type hostile struct {
	name  string
	write func(ctx context.Context, rdb *redis.Client, key string) error
}

var hostileValues = []hostile{
	{"hash", func(ctx context.Context, rdb *redis.Client, k string) error {
		return rdb.HSet(ctx, k, "tokens", "-1e12").Err()
	}},
	{"list", func(ctx context.Context, rdb *redis.Client, k string) error { return rdb.LPush(ctx, k, "x").Err() }},
	{"set", func(ctx context.Context, rdb *redis.Client, k string) error { return rdb.SAdd(ctx, k, "x").Err() }},
	{"string with no TTL", func(ctx context.Context, rdb *redis.Client, k string) error {
		return rdb.Set(ctx, k, "x", 0).Err()
	}},
	{"token-sized string with no TTL", func(ctx context.Context, rdb *redis.Client, k string) error {
		return rdb.Set(ctx, k, strings.Repeat("a", 32), 0).Err()
	}},
	{"token-sized string with a TTL of a year", func(ctx context.Context, rdb *redis.Client, k string) error {
		return rdb.Set(ctx, k, strings.Repeat("a", 32), 365*24*time.Hour).Err()
	}},
	{"one byte over the limit", func(ctx context.Context, rdb *redis.Client, k string) error {
		return rdb.Set(ctx, k, strings.Repeat("x", client.MaxStoreValueSize+1), time.Hour).Err()
	}},
	{"64 MiB", func(ctx context.Context, rdb *redis.Client, k string) error {
		// Made on the server: the test process never holds it.
		return rdb.SetRange(ctx, k, 64<<20-1, "x").Err()
	}},
}

// TestHostileValues: whatever another writer left under a key, Get reports
// it as absent without reading it, DeleteIf leaves it without an error,
// and Lock takes it over (a lock with no TTL, a TTL of a year or another
// type does not stall the fleet's fetches). No call is an error, so none
// trips the client's breaker, and none reads a large value into memory.
func TestHostileValues(t *testing.T) {
	s, rdb := newStore(t)
	ctx := context.Background()
	const lockTTL = 10 * time.Second
	for _, h := range hostileValues {
		t.Run(h.name, func(t *testing.T) {
			full := redisstore.DefaultPrefix + lwaKey
			rdb.Del(ctx, full)
			if err := h.write(ctx, rdb, full); err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			v, err := s.Get(ctx, lwaKey)
			runtime.ReadMemStats(&after)
			wantAbsent := h.name != "string with no TTL" && !strings.HasPrefix(h.name, "token-sized")
			switch {
			case err != nil:
				t.Errorf("Get = %v; want no error", err)
			case wantAbsent && v != nil:
				t.Errorf("Get = %d bytes; want absent", len(v))
			case !wantAbsent && v == nil:
				t.Errorf("Get of a short string = absent; want it")
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("Get allocated %d bytes: it read the value", alloc)
			}
			if err := s.DeleteIf(ctx, lwaKey, []byte(strings.Repeat("x", 40))); err != nil {
				t.Errorf("DeleteIf = %v; want no error", err)
			}
			if n := rdb.Exists(ctx, full).Val(); n != 1 {
				t.Errorf("DeleteIf deleted a value it does not hold")
			}

			// The same garbage under a lock's name is a broken lock.
			lock := lwaKey + ":lock"
			fullLock := redisstore.DefaultPrefix + lock
			rdb.Del(ctx, fullLock)
			if err := h.write(ctx, rdb, fullLock); err != nil {
				t.Fatal(err)
			}
			unlock, ok, err := s.Lock(ctx, lock, lockTTL)
			if err != nil || !ok {
				t.Fatalf("Lock over a %s = %v, %v; want it taken over", h.name, ok, err)
			}
			if pttl := rdb.PTTL(ctx, fullLock).Val(); pttl <= 0 || pttl > lockTTL {
				t.Errorf("PTTL after the take-over = %v, want within %v", pttl, lockTTL)
			}
			if _, ok, err := redisstore.New(rdb).Lock(ctx, lock, lockTTL); ok || err != nil {
				t.Errorf("a second Lock after the take-over = %v, %v; want held", ok, err)
			}
			if err := unlock(ctx); err != nil {
				t.Fatal(err)
			}
			if n := rdb.Exists(ctx, fullLock).Val(); n != 0 {
				t.Errorf("unlock left the lock")
			}
		})
	}
	t.Run("the largest value", func(t *testing.T) {
		v := bytes.Repeat([]byte{0xa5}, client.MaxStoreValueSize)
		if err := s.Set(ctx, rdtKey, v, time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(ctx, rdtKey); err != nil || !bytes.Equal(got, v) {
			t.Fatalf("Get of %d bytes = %d bytes, %v", len(v), len(got), err)
		}
		if err := s.DeleteIf(ctx, rdtKey, v); err != nil || rdb.Exists(ctx, redisstore.DefaultPrefix+rdtKey).Val() != 0 {
			t.Fatalf("DeleteIf = %v; want the value gone", err)
		}
		err := s.Set(ctx, rdtKey, append(v, 0), time.Minute)
		if err == nil || !strings.Contains(err.Error(), "at most 8192") {
			t.Fatalf("Set of one byte more = %v; want an error naming the limit", err)
		}
	})
}

// TestCheckedScriptsOneRoundTrip: Get, Lock and DeleteIf are scripts, yet
// a fresh process's first call of each is one round trip (EVAL, not a
// failing EVALSHA then EVAL), and a server that lost its scripts (SCRIPT
// FLUSH, a restart) is served all the same.
func TestCheckedScriptsOneRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	s := redisstore.New(rdb)
	ctx := context.Background()
	calls := func() string {
		t.Helper()
		stats, err := redistest.Do(srv.Addr(), "INFO", "commandstats")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range strings.Split(stats, "\n") {
			if strings.HasPrefix(l, "cmdstat_eval") {
				out = append(out, strings.TrimSpace(l[:strings.Index(l, ",usec=")]))
			}
		}
		slices.Sort(out)
		return strings.Join(out, " ")
	}
	run := func() {
		t.Helper()
		if _, err := s.Get(ctx, lwaKey); err != nil {
			t.Fatal(err)
		}
		unlock, ok, err := s.Lock(ctx, lwaKey+":lock", time.Second)
		if err != nil || !ok {
			t.Fatalf("Lock = %v, %v", ok, err)
		}
		if err := unlock(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteIf(ctx, lwaKey, []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if got, want := calls(), "cmdstat_eval:calls=3 cmdstat_evalsha:calls=1"; got != want {
		t.Errorf("first calls: %s; want %s (one EVAL each for get, lock and unlock, then EVALSHA for DeleteIf)", got, want)
	}
	run()
	if got, want := calls(), "cmdstat_eval:calls=3 cmdstat_evalsha:calls=5"; got != want {
		t.Errorf("second calls: %s; want %s", got, want)
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	run()
}
