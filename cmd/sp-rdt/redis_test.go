package main

import (
	"net"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/sptest"
)

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// Sharing asked for and impossible: the command mints nothing, says why, and
// exits 1, instead of printing an unshared RDT with status 0.
func TestRedisUnreachableFails(t *testing.T) {
	rds := redistest.Start(t)
	tests := []struct{ name, url string }{
		{"closed port", "redis://" + closedAddr(t) + "/0"},
		{"wrong db", rds.URL() + "/999"},
		{"rediss to a plain server", "rediss://" + rds.Addr() + "/0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := sptest.Start(t, sptest.Options{})
			setCreds(t)
			r := runArgs(t, append(endpointFlags(srv), "-redis", tt.url, "GET", addressPath)...)
			if r.code != exitError || r.stdout != "" || !strings.Contains(r.stderr, "cannot share the fleet's state") {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1, nothing, and why", r.code, r.stdout, r.stderr)
			}
			if n := srv.RDTCalls(); n != 0 {
				t.Errorf("%d RDT mints; want none", n)
			}
		})
	}
}

// A password in the Redis URL never shows in an error, and one on the
// command line draws a warning that points to SP_API_REDIS_URL.
func TestRedisPasswordNeverShown(t *testing.T) {
	const pw = "pa55w0rd-in-url"
	tests := []struct {
		name     string
		flag     string // -redis; "" to use env
		env      string
		wantCode int
		warn     bool
	}{
		{"bad port in -redis", "redis://:" + pw + "@host:badport/0", "", exitUsage, true},
		{"closed port in -redis", "redis://user:" + pw + "@" + closedAddr(t) + "/0", "", exitError, true},
		{"closed port in the environment", "", "redis://:" + pw + "@" + closedAddr(t) + "/0", exitError, false},
		{"bad port in the environment", "", "redis://:" + pw + "@host:badport/0", exitUsage, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := sptest.Start(t, sptest.Options{})
			setCreds(t)
			t.Setenv("SP_API_REDIS_URL", tt.env)
			args := endpointFlags(srv)
			if tt.flag != "" {
				args = append(args, "-redis", tt.flag)
			}
			r := runArgs(t, append(args, "GET", addressPath)...)
			if r.code != tt.wantCode {
				t.Errorf("exit %d, want %d (%s)", r.code, tt.wantCode, r.stderr)
			}
			if strings.Contains(r.stderr+r.stdout, pw) {
				t.Errorf("output shows the password: %q", r.stderr)
			}
			if warned := strings.Contains(r.stderr, "warning") && strings.Contains(r.stderr, "SP_API_REDIS_URL instead"); warned != tt.warn {
				t.Errorf("warned about ps: %v, want %v (%q)", warned, tt.warn, r.stderr)
			}
		})
	}
}
