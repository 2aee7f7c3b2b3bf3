package redisstore_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/redisstore"
)

// Heartbeat counts the members alive under a key, and forgets one whose
// ttl has passed.
func TestHeartbeatCountsLiveMembers(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	s := redisstore.New(rdb)
	ctx := context.Background()
	for i, m := range []string{"a", "b", "c", "a"} {
		ttl := time.Hour
		if m == "c" {
			ttl = time.Millisecond
		}
		n, err := s.Heartbeat(ctx, "{x}:members", m, ttl)
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{1, 2, 3}[min(i, 2)]; i < 3 && n != want {
			t.Errorf("heartbeat %d (%s): %d live, want %d", i, m, n, want)
		}
		// The set lives as long as its longest member, not as c's
		// millisecond (issue 15: on a loaded machine the key expired
		// with c, and a and b with it).
		if pttl, err := rdb.PTTL(ctx, redisstore.DefaultPrefix+"{x}:members").Result(); err != nil || pttl < 59*time.Minute {
			t.Fatalf("after heartbeat %d (%s): members key PTTL = %v, %v; want about an hour (a's and b's)", i, m, pttl, err)
		}
	}
	// c's millisecond has passed by the time Redis runs the next script
	// only if a millisecond has passed: wait for Redis's clock, not ours.
	for {
		n, err := s.Heartbeat(ctx, "{x}:members", "a", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if n == 2 {
			break
		}
		if n != 3 {
			t.Fatalf("%d live, want 3 then 2", n)
		}
	}
	if _, err := s.Heartbeat(ctx, "{x}:members", "a", 0); err == nil {
		t.Error("a ttl of 0 was accepted")
	}
}

// ConfigWarnings warns of a policy that can evict the client's keys, and
// says nothing otherwise.
func TestConfigWarnings(t *testing.T) {
	for _, tc := range []struct {
		args []string
		warn bool
	}{
		{nil, false}, // no maxmemory: nothing is evicted
		{[]string{"--maxmemory", "64mb", "--maxmemory-policy", "noeviction"}, false},
		{[]string{"--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"}, true},
		{[]string{"--maxmemory", "64mb", "--maxmemory-policy", "volatile-ttl"}, true},
	} {
		srv := redistest.StartWith(t, tc.args...)
		s := redisstore.New(srv.Client(t))
		got := s.ConfigWarnings(context.Background())
		t.Logf("%v: %q", tc.args, got)
		if (len(got) > 0) != tc.warn {
			t.Errorf("%v: warnings %q, want a warning: %v", tc.args, got, tc.warn)
		}
	}
}

// Issue 22, defect 5: a members key of another type, or a member scored
// +inf (anyone with write access may leave either), made every heartbeat
// fail (WRONGTYPE; "value is not an integer"), so the fleet's size read 0
// and an outage ran each process at the full rate. A heartbeat now drops
// what it cannot vouch for and counts the live members.
func TestHeartbeatHostileMembers(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	s := redisstore.New(rdb)
	ctx := context.Background()
	key := redisstore.DefaultPrefix + "{h}:members"
	for _, tc := range []struct {
		name  string
		plant func() error
		want  int // live members after one heartbeat of "me"
	}{
		{"a string", func() error { return rdb.Set(ctx, key, "garbage", 0).Err() }, 1},
		{"a list", func() error { return rdb.RPush(ctx, key, "a", "b").Err() }, 1},
		{"a hash", func() error { return rdb.HSet(ctx, key, "a", "1").Err() }, 1},
		{"a member scored +inf", func() error {
			return rdb.ZAdd(ctx, key, redis.Z{Score: math.Inf(1), Member: "forever"}).Err()
		}, 1},
		{"a member scored in a thousand years", func() error {
			return rdb.ZAdd(ctx, key, redis.Z{Score: 3e16, Member: "late"}).Err()
		}, 1},
		{"a live member and a +inf one", func() error {
			if _, err := s.Heartbeat(ctx, "{h}:members", "other", time.Minute); err != nil {
				return err
			}
			return rdb.ZAdd(ctx, key, redis.Z{Score: math.Inf(1), Member: "forever"}).Err()
		}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := rdb.Del(ctx, key).Err(); err != nil {
				t.Fatal(err)
			}
			if err := tc.plant(); err != nil {
				t.Fatal(err)
			}
			n, err := s.Heartbeat(ctx, "{h}:members", "me", time.Minute)
			if err != nil {
				t.Fatalf("Heartbeat: %v; want the hostile value dropped", err)
			}
			if n != tc.want {
				t.Errorf("%d live members; want %d", n, tc.want)
			}
			pttl, err := rdb.PTTL(ctx, key).Result()
			if err != nil || pttl <= 0 || pttl > time.Hour+time.Minute {
				t.Errorf("members key PTTL = %v, %v; want at most about an hour", pttl, err)
			}
		})
	}
}
