package redistest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/internal/redistest"
)

func TestStart(t *testing.T) {
	s := redistest.Start(t)
	ctx := context.Background()
	c := s.Client(t)
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
	// Persistence is off and there is no config file.
	for param, want := range map[string]string{"save": "", "appendonly": "no", "bind": "127.0.0.1", "cluster-enabled": "no"} {
		got, err := c.ConfigGet(ctx, param).Result()
		if err != nil {
			t.Fatalf("CONFIG GET %s: %v", param, err)
		}
		if got[param] != want {
			t.Errorf("CONFIG GET %s = %q, want %q", param, got[param], want)
		}
	}
	info, err := c.Info(ctx, "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(info, "config_file:\r\n") {
		t.Errorf("server runs with a config file:\n%s", info)
	}
	opt, err := redis.ParseURL(s.URL())
	if err != nil {
		t.Fatalf("ParseURL(%q): %v", s.URL(), err)
	}
	if opt.Addr != s.Addr() {
		t.Errorf("URL %q has addr %q, want %q", s.URL(), opt.Addr, s.Addr())
	}
}

func TestTwoServersAreSeparate(t *testing.T) {
	a, b := redistest.Start(t), redistest.Start(t)
	if a.Addr() == b.Addr() {
		t.Fatalf("both servers on %s", a.Addr())
	}
	ctx := context.Background()
	if err := a.Client(t).Set(ctx, "k", "a", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := b.Client(t).Get(ctx, "k").Err(); !errors.Is(err, redis.Nil) {
		t.Errorf("GET on the other server: %v, want redis.Nil", err)
	}
}

func TestKillRestartFlush(t *testing.T) {
	s := redistest.Start(t)
	addr := s.Addr()
	if _, err := redistest.Do(addr, "SET", "k", "v"); err != nil {
		t.Fatal(err)
	}

	s.Flush(t)
	if v, err := redistest.Do(addr, "DBSIZE"); err != nil || v != "0" {
		t.Fatalf("DBSIZE after Flush = %q, %v; want 0", v, err)
	}

	if _, err := redistest.Do(addr, "SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	s.Kill()
	if _, err := redistest.Do(addr, "PING"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("PING after Kill: %v, want connection refused", err)
	}
	s.Kill() // a second Kill does nothing

	s.Restart(t)
	if s.Addr() != addr {
		t.Fatalf("restarted on %s, want %s", s.Addr(), addr)
	}
	if v, err := redistest.Do(addr, "DBSIZE"); err != nil || v != "0" {
		t.Fatalf("DBSIZE after Restart = %q, %v; want 0 (empty)", v, err)
	}
	s.Restart(t) // restart a running server
	if v, err := redistest.Do(addr, "PING"); err != nil || v != "PONG" {
		t.Fatalf("PING after a second Restart = %q, %v", v, err)
	}
}

func TestPauseResume(t *testing.T) {
	s := redistest.Start(t)
	c := s.Client(t)
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	s.Pause(t)
	// A paused server answers nothing; ContextTimeoutEnabled makes go-redis
	// give up at the context's deadline.
	pc := redis.NewClient(&redis.Options{Addr: s.Addr(), ContextTimeoutEnabled: true, MaxRetries: -1})
	defer pc.Close()
	tctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	err := pc.Ping(tctx).Err()
	cancel()
	if err == nil {
		t.Fatal("PING to a paused server succeeded")
	}
	s.Resume(t)
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after Resume: %v", err)
	}
}

func TestStartCluster(t *testing.T) {
	s := redistest.StartCluster(t)
	ctx := context.Background()
	c := s.ClusterClient(t)
	// Keys in every slot range land on the one node.
	for i := range 50 {
		k := fmt.Sprintf("key-%d", i)
		if err := c.Set(ctx, k, i, time.Minute).Err(); err != nil {
			t.Fatalf("SET %s: %v", k, err)
		}
	}
	if n, err := c.DBSize(ctx).Result(); err != nil || n != 50 {
		t.Fatalf("DBSIZE = %d, %v; want 50", n, err)
	}
	info, err := c.ClusterInfo(ctx).Result()
	if err != nil || !strings.Contains(info, "cluster_state:ok") {
		t.Fatalf("CLUSTER INFO: %v\n%s", err, info)
	}

	// A restarted cluster node is empty and serves every slot again.
	s.Restart(t)
	if info, err := redistest.Do(s.Addr(), "CLUSTER", "INFO"); err != nil || !strings.Contains(info, "cluster_slots_assigned:16384") {
		t.Fatalf("CLUSTER INFO after Restart: %v\n%s", err, info)
	}
	c2 := s.ClusterClient(t)
	if err := c2.Get(ctx, "key-1").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET after Restart: %v, want redis.Nil", err)
	}
}

func TestDo(t *testing.T) {
	s := redistest.Start(t)
	tests := []struct {
		args    []string
		want    string
		wantErr bool
	}{
		{args: []string{"PING"}, want: "PONG"},
		{args: []string{"SET", "k", "a b\r\nc"}, want: "OK"},
		{args: []string{"GET", "k"}, want: "a b\r\nc"},
		{args: []string{"GET", "absent"}, want: ""},
		{args: []string{"INCR", "n"}, want: "1"},
		{args: []string{"NOSUCHCOMMAND"}, wantErr: true},
	}
	for _, tt := range tests {
		got, err := redistest.Do(s.Addr(), tt.args...)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Do(%q) = %q, %v; want %q, error %v", tt.args, got, err, tt.want, tt.wantErr)
		}
	}
}

// tb records what Require would do to a test.
type tb struct {
	testing.TB
	skipped, failed bool
}

func (t *tb) Helper()               {}
func (t *tb) Skipf(string, ...any)  { t.skipped = true }
func (t *tb) Fatalf(string, ...any) { t.failed = true }

func TestRequire(t *testing.T) {
	tests := []struct {
		name, path, ci      string
		wantSkip, wantFatal bool
	}{
		{name: "missing, not CI", path: t.TempDir(), ci: "", wantSkip: true},
		{name: "missing, CI", path: t.TempDir(), ci: "true", wantFatal: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", tt.path)
			t.Setenv("CI", tt.ci)
			var r tb
			redistest.Require(&r)
			if r.skipped != tt.wantSkip || r.failed != tt.wantFatal {
				t.Errorf("skipped %v, failed %v; want %v, %v", r.skipped, r.failed, tt.wantSkip, tt.wantFatal)
			}
		})
	}
	// On this machine: found, neither.
	redistest.Require(t)
}

// A six-node cluster serves every slot, and a replica takes over a master
// that is killed.
func TestStartClusterOfFailsOver(t *testing.T) {
	c := redistest.StartClusterOf(t, 3, 1)
	ctx := context.Background()
	rc := c.ClusterClient(t)
	for i := range 30 {
		if err := rc.Set(ctx, fmt.Sprintf("k%d", i), "v", 0).Err(); err != nil {
			t.Fatalf("SET: %v", err)
		}
	}
	if n := len(c.Masters()); n != 3 {
		t.Fatalf("%d masters, want 3", n)
	}
	victim := c.MasterWithKeys("k*")
	if victim == nil {
		t.Fatal("no master holds a key")
	}
	victim.Kill()
	if err := c.WaitHealthy(ctx, 30*time.Second, 3); err != nil {
		for _, n := range c.Nodes {
			info, _ := redistest.Do(n.Addr(), "CLUSTER", "INFO")
			repl, _ := redistest.Do(n.Addr(), "INFO", "replication")
			t.Logf("%s:\n%.200s\n%.120s\n%s", n.Addr(), info, repl, n.Log())
		}
		t.Fatal(err)
	}
	if n := len(c.Masters()); n != 3 {
		t.Errorf("%d masters after the failover, want 3", n)
	}
}
