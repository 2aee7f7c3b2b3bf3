package redistest

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a Redis Cluster of several local redis-server processes, with
// replicas that take over a master that dies.
type Cluster struct {
	Nodes []*Server
}

// NodeTimeout is a Cluster's cluster-node-timeout: how long a master may
// be unreachable before its replica is promoted (about one to two of them
// after a kill).
const NodeTimeout = time.Second

// StartClusterOf starts a Redis Cluster of masters masters with replicas
// replicas each (3 and 1: six nodes), slots spread by redis-cli --cluster
// create, and stops it when t ends. extra arguments go to every node.
func StartClusterOf(t testing.TB, masters, replicas int, extra ...string) *Cluster {
	t.Helper()
	Require(t)
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatalf("redistest: redis-cli (Debian package redis-tools) not found: %v", err)
	}
	// A replica may take over whenever its master is gone, however long
	// it had been out of touch (the default refuses one that lost its
	// master more than ten node timeouts ago).
	args := append([]string{"--cluster-node-timeout", strconv.Itoa(int(NodeTimeout.Milliseconds())),
		"--cluster-replica-validity-factor", "0"}, extra...)
	c := &Cluster{}
	for range masters * (1 + replicas) {
		s := &Server{dir: t.TempDir(), node: true, extra: args}
		t.Cleanup(s.Kill)
		var err error
		for range 5 {
			if s.port, err = freePort(); err != nil {
				t.Fatalf("redistest: %v", err)
			}
			if err = s.launch(); err == nil || !strings.Contains(err.Error(), errAddrInUse.Error()) {
				break
			}
		}
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		c.Nodes = append(c.Nodes, s)
	}
	create := append([]string{"--cluster", "create"}, c.Addrs()...)
	create = append(create, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	if out, err := exec.Command(cli, create...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	if err := c.WaitHealthy(context.Background(), startTimeout, masters); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	// Every replica has synced with its master, so that it can take over.
	deadline := time.Now().Add(startTimeout)
	for _, s := range c.Nodes {
		for {
			info, err := Do(s.Addr(), "INFO", "replication")
			if err == nil && (strings.Contains(info, "role:master") || strings.Contains(info, "master_link_status:up")) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("redistest: replica %s not in sync after %v", s.Addr(), startTimeout)
			}
			time.Sleep(pollEvery) // polling a server's state: there is nothing to wait on
		}
	}
	return c
}

// Addrs returns every node's host:port.
func (c *Cluster) Addrs() []string {
	var a []string
	for _, s := range c.Nodes {
		a = append(a, s.Addr())
	}
	return a
}

// ClusterClient returns a cluster client of every node with go-redis's
// default options, closed when t ends.
func (c *Cluster) ClusterClient(t testing.TB) *redis.ClusterClient {
	t.Helper()
	rc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	t.Cleanup(func() { _ = rc.Close() })
	return rc
}

// running reports whether s's process runs (not killed).
func (s *Server) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil
}

// Masters returns the running nodes that are masters now.
func (c *Cluster) Masters() []*Server {
	var m []*Server
	for _, s := range c.Nodes {
		if !s.running() {
			continue
		}
		if info, err := Do(s.Addr(), "INFO", "replication"); err == nil && strings.Contains(info, "role:master") {
			m = append(m, s)
		}
	}
	return m
}

// MasterWithKeys returns a running master that holds a key matching
// pattern (SCAN), or nil.
func (c *Cluster) MasterWithKeys(pattern string) *Server {
	for _, s := range c.Masters() {
		rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
		keys, _, err := rdb.Scan(context.Background(), 0, pattern, 1000).Result()
		_ = rdb.Close()
		if err == nil && len(keys) > 0 {
			return s
		}
	}
	return nil
}

// Healthy reports whether every running node says cluster_state:ok and
// masters nodes are masters: every slot is served again.
func (c *Cluster) Healthy(masters int) bool {
	n := 0
	for _, s := range c.Nodes {
		if !s.running() {
			continue
		}
		info, err := Do(s.Addr(), "CLUSTER", "INFO")
		if err != nil || !strings.Contains(info, "cluster_state:ok") {
			return false
		}
		n++
	}
	return n > 0 && len(c.Masters()) >= masters
}

// WaitHealthy polls Healthy until it holds or timeout passes.
func (c *Cluster) WaitHealthy(ctx context.Context, timeout time.Duration, masters int) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !c.Healthy(masters) {
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster not healthy after %v", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}
