package redisstore_test

import (
	"context"
	"testing"
	"time"

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
