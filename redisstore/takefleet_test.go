package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/redisstore"
	"github.com/spapi-go/spapi/store"
)

// TakeFleetBucket is a take, a heartbeat and a take ID in one script: the
// heartbeat counts the members as Heartbeat does, a take sent again under
// its ID returns the first result and spends nothing, and garbage under an
// ID's key is ignored.
func TestTakeFleetBucket(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	s := redisstore.New(rdb)
	ctx := context.Background()
	plan := store.BucketPlan{Rate: store.Rate{PerSecond: 0.001, Burst: 10}}
	const key, members = "{seller}:rate:op", "{seller}:members"
	take := func(t *testing.T, o store.TakeOptions) store.BucketTake {
		t.Helper()
		r, err := s.TakeFleetBucket(ctx, key, plan, 0, store.BucketView{}, o)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tokens := func(t *testing.T) float64 {
		t.Helper()
		v, err := rdb.HGet(ctx, redisstore.DefaultPrefix+key, "tokens").Float64()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	t.Run("heartbeat", func(t *testing.T) {
		if _, err := s.Heartbeat(ctx, members, "other", time.Hour); err != nil {
			t.Fatal(err)
		}
		r := take(t, store.TakeOptions{Members: members, Member: "me", MemberTTL: time.Hour})
		if !r.OK || r.Live != 2 {
			t.Errorf("take with a heartbeat: ok %v, live %d; want true, 2", r.OK, r.Live)
		}
		if r := take(t, store.TakeOptions{}); r.Live != 0 {
			t.Errorf("take without a heartbeat: live %d, want 0", r.Live)
		}
		if n, err := s.Heartbeat(ctx, members, "other", time.Hour); err != nil || n != 2 {
			t.Errorf("Heartbeat after the take's: %d, %v; want 2 (the take's member is in the set)", n, err)
		}
	})

	t.Run("an ID is spent once", func(t *testing.T) {
		before := tokens(t)
		first := take(t, store.TakeOptions{ID: "abc1"})
		again := take(t, store.TakeOptions{ID: "abc1"})
		if spent := before - tokens(t); spent < 0.99 || spent > 1.01 {
			t.Errorf("one take sent twice under one ID spent %.3f tokens, want 1", spent)
		}
		if again != first {
			t.Errorf("the take sent again returned %+v, want the first's %+v", again, first)
		}
		take(t, store.TakeOptions{ID: "abc2"})
		if spent := before - tokens(t); spent < 1.99 || spent > 2.01 {
			t.Errorf("two takes with two IDs spent %.3f tokens, want 2", spent)
		}
		pttl, err := rdb.PTTL(ctx, redisstore.DefaultPrefix+"{seller}:t:abc1").Result()
		if err != nil || pttl <= 0 || pttl > store.TakeIDTTL {
			t.Errorf("ID key PTTL %v, %v; want in (0, %v]", pttl, err, store.TakeIDTTL)
		}
	})

	t.Run("garbage under an ID is ignored", func(t *testing.T) {
		for i, v := range []string{"nan 1 1 1 1", "-5 1 1 1 1", "1 1 1", "x", "1e300 1 1 1 1", strings.Repeat("9", 200)} {
			id := "junk" + string(rune('a'+i))
			if err := rdb.Set(ctx, redisstore.DefaultPrefix+"{seller}:t:"+id, v, time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
			before := tokens(t)
			r := take(t, store.TakeOptions{ID: id})
			if spent := before - tokens(t); !r.OK || spent < 0.99 || spent > 1.01 {
				t.Errorf("take under an ID key holding %.20q: ok %v, spent %.3f; want a fresh take of 1 token", v, r.OK, spent)
			}
		}
		if err := rdb.HSet(ctx, redisstore.DefaultPrefix+"{seller}:t:hash", "a", "b").Err(); err != nil {
			t.Fatal(err)
		}
		if r := take(t, store.TakeOptions{ID: "hash"}); !r.OK {
			t.Error("a take under an ID key holding a hash failed")
		}
	})

	t.Run("bad options", func(t *testing.T) {
		for _, o := range []store.TakeOptions{
			{ID: strings.Repeat("x", 65)},
			{Members: members, Member: "me"},
			{Members: members, Member: "me", MemberTTL: 2 * time.Hour},
		} {
			if _, err := s.TakeFleetBucket(ctx, key, plan, 0, store.BucketView{}, o); err == nil {
				t.Errorf("options %+v accepted", o)
			}
		}
	})
}
