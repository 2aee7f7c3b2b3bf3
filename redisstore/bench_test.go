package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/redisstore"
)

// benchClients are the ways a Store meets a context: none to watch, a
// deadline that go-redis ignores (the Store watches it in a goroutine), a
// deadline that go-redis honours (ContextTimeoutEnabled: no goroutine).
var benchClients = []struct {
	name       string
	ctxTimeout bool // ContextTimeoutEnabled
	deadline   bool // the call's context has a deadline
}{
	{"background", false, false},
	{"deadline", false, true},
	{"deadline+ContextTimeoutEnabled", true, true},
}

// benchStores runs f in a loop on one server for each of benchClients, after
// setup.
func benchStores(b *testing.B, setup, f func(b *testing.B, s *redisstore.Store, ctx context.Context)) {
	srv := redistest.Start(b)
	for _, bc := range benchClients {
		b.Run(bc.name, func(b *testing.B) {
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), ContextTimeoutEnabled: bc.ctxTimeout})
			defer rdb.Close()
			var hook countHook
			rdb.AddHook(&hook)
			s := redisstore.New(rdb)
			ctx := context.Background()
			if bc.deadline {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, time.Hour)
				defer cancel()
			}
			if setup != nil {
				setup(b, s, ctx)
			}
			f(b, s, ctx) // warm: loads scripts, dials
			hook.reset()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				f(b, s, ctx)
			}
			b.StopTimer()
			b.ReportMetric(float64(len(hook.get()))/float64(b.N), "cmds/op")
		})
	}
}

// BenchmarkTake is one Take on loopback: one EVALSHA round trip.
func BenchmarkTake(b *testing.B) {
	plan := client.Rate{PerSecond: 1e9, Burst: 1000}
	benchStores(b, nil, func(b *testing.B, s *redisstore.Store, ctx context.Context) {
		if _, ok, err := s.Take(ctx, "{0f1e2d3c}:rate:createRestrictedDataToken", plan, 0); err != nil || !ok {
			b.Fatal(ok, err)
		}
	})
}

// BenchmarkGet is one Get of a 200-byte sealed token on loopback.
func BenchmarkGet(b *testing.B) {
	value := make([]byte, 200)
	benchStores(b, func(b *testing.B, s *redisstore.Store, ctx context.Context) {
		if err := s.Set(ctx, "{0f1e2d3c}:lwa", value, time.Hour); err != nil {
			b.Fatal(err)
		}
	}, func(b *testing.B, s *redisstore.Store, ctx context.Context) {
		if v, err := s.Get(ctx, "{0f1e2d3c}:lwa"); err != nil || len(v) != len(value) {
			b.Fatal(len(v), err)
		}
	})
}
