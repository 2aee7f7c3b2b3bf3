package redisstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/internal/redistest"
)

// Issue 16, cause 7: a Lock whose caller gives up after the reply came in
// but before it was handed over was never released (held until its TTL).
// The hooks put the caller's giving up exactly in that gap.
func TestLockAbandonedAtTheReplyIsReleased(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()}) // no ContextTimeoutEnabled: bounded waits in a goroutine
	t.Cleanup(func() { rdb.Close() })
	s := New(rdb)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gaveUp, done := make(chan struct{}), make(chan struct{})
	s.hooks = &boundedHooks{
		Replied: func() { cancel(); <-gaveUp },
		GaveUp:  func() { close(gaveUp) },
		Done:    func() { close(done) },
	}

	_, ok, err := s.Lock(ctx, "{abc}:lwa:lock", time.Hour)
	if !errors.Is(err, context.Canceled) || ok {
		t.Fatalf("Lock = ok %v, err %v; want the caller's context.Canceled", ok, err)
	}
	<-done
	n, err := rdb.Exists(context.Background(), DefaultPrefix+"{abc}:lwa:lock").Result()
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("the abandoned lock is still held (for its 1 h TTL): nobody will unlock it")
	}
}
