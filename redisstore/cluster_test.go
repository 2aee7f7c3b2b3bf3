package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/redisstore"
)

// Issue 22: after a failover, a Cluster client with go-redis's default
// options kept sending a dead master's slots to its address until its
// slot map's 60 s reload (sharing came back 66 s after the cluster was
// healthy). The Store asks for a reload when a call fails, so its calls
// are answered again within seconds of the cluster's health.
func TestClusterFailoverAnsweredWithinSeconds(t *testing.T) {
	cl := redistest.StartClusterOf(t, 3, 1)
	rc := cl.ClusterClient(t) // default options: ClusterStateReloadInterval 60 s
	s := redisstore.New(rc)
	ctx := context.Background()
	const key = "{failover}:lwa"
	if err := s.Set(ctx, key, []byte("token"), time.Hour); err != nil {
		t.Fatal(err)
	}
	victim := cl.MasterWithKeys(redisstore.DefaultPrefix + "{failover}*")
	if victim == nil {
		t.Fatal("no master holds the key")
	}
	victim.Kill()
	// Calls fail while the cluster fails over; each one is what a client
	// makes while its store is put aside and it probes.
	call := func() error {
		cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		return s.Set(cctx, key, []byte("token"), time.Hour)
	}
	healthy := make(chan time.Time, 1)
	go func() {
		if err := cl.WaitHealthy(ctx, 60*time.Second, 3); err != nil {
			t.Error(err)
		}
		healthy <- time.Now()
	}()
	var at time.Time
	for at.IsZero() {
		select {
		case at = <-healthy:
		default:
			_ = call()
			time.Sleep(100 * time.Millisecond) // a probe's pace, not a wait for something
		}
	}
	deadline := at.Add(30 * time.Second)
	for {
		err := call()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("calls still fail %v after the cluster was healthy again: %v", time.Since(at), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	d := time.Since(at)
	t.Logf("answered again %v after the cluster was healthy", d.Round(time.Millisecond))
	if d > 5*time.Second {
		t.Errorf("answered again %v after the cluster was healthy; want within 5 s", d)
	}
}
