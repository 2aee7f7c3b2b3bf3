// Package redistest runs a real redis-server for tests: a standalone server
// or a one-node Redis Cluster on a free loopback port, with persistence off,
// stopped when the test ends.
//
// A test that needs Redis calls [Start] (or [StartCluster]) and gets a
// [*Server]. When redis-server is not on PATH the test is skipped, unless the
// environment variable CI is set: there a missing server is a failure, so CI
// never passes by running nothing.
//
// Servers are started with no config file:
//
//	redis-server --port N --bind 127.0.0.1 --save "" --appendonly no --dir <t.TempDir()>
//
// On Linux the server also dies with the test binary (a parent-death signal),
// so a test binary killed by -timeout leaves no server behind.
package redistest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Binary is the redis-server command that Start runs.
const Binary = "redis-server"

// startTimeout bounds how long a server may take to answer PING (and, for a
// cluster, to reach cluster_state:ok).
const startTimeout = 15 * time.Second

// pollEvery is how often readiness is polled.
const pollEvery = 5 * time.Millisecond

// Server is a running redis-server. Its methods are safe for concurrent use.
type Server struct {
	port    int
	dir     string
	cluster bool
	// node: cluster-enabled, but its slots are a multi-node cluster's
	// to assign (StartClusterOf); ready once it answers PING.
	node  bool
	extra []string // more redis-server arguments (StartWith), kept by Restart

	mu   sync.Mutex
	proc *process // nil after Kill
}

// process is one run of redis-server.
type process struct {
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{} // closed when the process has exited
}

// Start starts a standalone redis-server on a free loopback port and stops it
// when t ends. It skips t when redis-server is missing and CI is unset.
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, false)
}

// StartCluster starts a one-node Redis Cluster (cluster-enabled, every slot
// assigned to the one node) and stops it when t ends. It takes about 2 s:
// a cluster master reports cluster_state:ok only 2 s after it started. Connect with
// [Server.ClusterClient] or redis.NewClusterClient with [Server.Addr].
func StartCluster(t testing.TB) *Server {
	t.Helper()
	return start(t, true)
}

// StartWith is Start with more redis-server arguments, kept by Restart:
// for example "--enable-debug-command", "local" (for DEBUG SLEEP), or
// "--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru".
func StartWith(t testing.TB, args ...string) *Server {
	t.Helper()
	return start(t, false, args...)
}

func start(t testing.TB, cluster bool, extra ...string) *Server {
	t.Helper()
	Require(t)
	s := &Server{dir: t.TempDir(), cluster: cluster, extra: extra}
	t.Cleanup(s.Kill)
	// The port is free when we ask, but another process may take it before
	// redis-server binds it: try a few ports.
	var err error
	for range 5 {
		s.port, err = freePort()
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		if err = s.launch(); err == nil {
			return s
		}
		if !errors.Is(err, errAddrInUse) {
			break
		}
	}
	t.Fatalf("redistest: %v", err)
	return nil
}

// Require skips t when redis-server is not on PATH and the environment
// variable CI is unset, and fails it when CI is set.
func Require(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath(Binary); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redistest: %s not found on PATH and CI is set: %v", Binary, err)
			return
		}
		t.Skipf("redistest: %s not found on PATH (set CI to make this a failure)", Binary)
	}
}

// Addr returns the server's host:port, e.g. "127.0.0.1:6390".
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL returns the server's address as a redis:// URL, for redis.ParseURL.
func (s *Server) URL() string { return "redis://" + s.Addr() }

// Client returns a new client of the server with go-redis's default options,
// closed when t ends. For a cluster server use ClusterClient.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// ClusterClient returns a new cluster client of the server with go-redis's
// default options, closed when t ends.
func (s *Server) ClusterClient(t testing.TB) *redis.ClusterClient {
	t.Helper()
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{s.Addr()}})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Kill stops the server with SIGKILL and waits until it has exited, so the
// port refuses connections when Kill returns. Killing a stopped server does
// nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p != nil {
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Pause stops the server with SIGSTOP: it keeps its port and accepts
// connections (the kernel does), but answers nothing, like a hung or
// overloaded server. Resume undoes it; Kill and the cleanup work on a paused
// server.
func (s *Server) Pause(t testing.TB) {
	t.Helper()
	s.signal(t, sigStop)
}

// Resume continues a server stopped by Pause (SIGCONT).
func (s *Server) Resume(t testing.TB) {
	t.Helper()
	s.signal(t, sigCont)
}

func (s *Server) signal(t testing.TB, sig os.Signal) {
	t.Helper()
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil {
		t.Fatalf("redistest: %v: the server is not running", sig)
	}
	if sig == nil {
		t.Skip("redistest: Pause and Resume need Unix signals")
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("redistest: %v: %v", sig, err)
	}
}

// Restart kills the server if it runs and starts an empty one on the same
// port (a cluster server gets its slots again). A dump.rdb written before
// (SAVE) is loaded: a restart from an old copy.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Kill()
	if err := s.launch(); err != nil {
		t.Fatalf("redistest: restart: %v", err)
	}
}

// Flush deletes every key (FLUSHALL) and every cached script (SCRIPT FLUSH).
func (s *Server) Flush(t testing.TB) {
	t.Helper()
	for _, cmd := range [][]string{{"FLUSHALL"}, {"SCRIPT", "FLUSH"}} {
		if _, err := Do(s.Addr(), cmd...); err != nil {
			t.Fatalf("redistest: flush: %v", err)
		}
	}
}

// Log returns what the server has printed so far (warnings and above).
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return ""
	}
	return s.proc.log.String()
}

var errAddrInUse = errors.New("address already in use")

// launch starts redis-server on s.port and waits until it is ready.
func (s *Server) launch() error {
	args := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
		"--loglevel", "warning",
	}
	args = append(args, s.extra...)
	if s.cluster || s.node {
		conf := filepath.Join(s.dir, "nodes-"+strconv.Itoa(s.port)+".conf")
		// A restarted node starts empty, as a new cluster.
		if err := os.Remove(conf); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		args = append(args,
			"--cluster-enabled", "yes",
			"--cluster-config-file", conf,
			"--cluster-announce-ip", "127.0.0.1",
		)
	}
	cmd := exec.Command(Binary, args...)
	log := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", Binary, err)
	}
	p := &process{cmd: cmd, log: log, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()

	if err := s.waitReady(p); err != nil {
		_ = cmd.Process.Kill()
		<-p.done
		if strings.Contains(log.String(), "Address already in use") {
			return fmt.Errorf("port %d: %w", s.port, errAddrInUse)
		}
		return fmt.Errorf("%s on port %d: %w; log:\n%s", Binary, s.port, err, log.String())
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

// waitReady polls the server until it answers PING and, for a cluster, has
// every slot and reports cluster_state:ok.
func (s *Server) waitReady(p *process) error {
	deadline := time.Now().Add(startTimeout)
	poll := func(ready func() bool) error {
		tick := time.NewTicker(pollEvery)
		defer tick.Stop()
		for !ready() {
			if time.Now().After(deadline) {
				return fmt.Errorf("not ready after %v", startTimeout)
			}
			select {
			case <-p.done:
				return errors.New("exited during start")
			case <-tick.C:
			}
		}
		return nil
	}
	addr := s.Addr()
	if err := poll(func() bool {
		r, err := Do(addr, "PING")
		return err == nil && r == "PONG"
	}); err != nil {
		return err
	}
	if !s.cluster {
		return nil
	}
	if _, err := Do(addr, "CLUSTER", "ADDSLOTSRANGE", "0", "16383"); err != nil {
		return err
	}
	return poll(func() bool {
		r, err := Do(addr, "CLUSTER", "INFO")
		return err == nil && strings.Contains(r, "cluster_state:ok")
	})
}

// Do sends one command to the Redis server at addr on a new connection and
// returns its reply: the text of a simple string, bulk string or integer. An
// error reply is returned as an error. It takes no go-redis client, so it
// neither retries nor logs; meant for test setup and polling.
func Do(addr string, args ...string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	var req bytes.Buffer
	fmt.Fprintf(&req, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&req, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write(req.Bytes()); err != nil {
		return "", err
	}
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", fmt.Errorf("redis: %s", line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", fmt.Errorf("bad bulk length %q", line)
		}
		if n < 0 {
			return "", nil // nil bulk string
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	default:
		return "", fmt.Errorf("unsupported reply %q", line)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
