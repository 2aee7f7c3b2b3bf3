package consent_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spapi-go/spapi/consent"
)

// TestMemoryStoreSingleUse: of many concurrent consumers of one nonce,
// exactly one wins.
func TestMemoryStoreSingleUse(t *testing.T) {
	var s consent.MemoryStore
	exp := time.Now().Add(time.Hour)
	if err := s.Save(ctx, "n", exp); err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := s.Consume(ctx, "n"); err == nil && ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d consumers won, want 1", wins.Load())
	}
	if ok, _ := s.Consume(ctx, "never saved"); ok {
		t.Fatal("an unknown nonce was consumed")
	}
}

func TestMemoryStoreExpiresAndBounds(t *testing.T) {
	clock := newClock()
	s := &consent.MemoryStore{MaxStates: 3, Now: clock.Now}
	for _, n := range []string{"a", "b", "c"} {
		if err := s.Save(ctx, n, clock.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Save(ctx, "d", clock.Now().Add(time.Minute)); !errors.Is(err, consent.ErrTooManyStates) {
		t.Fatalf("a fourth state in a store of 3: %v; want ErrTooManyStates", err)
	}
	clock.Add(time.Minute)
	// Full of expired states: they are dropped to make room.
	if err := s.Save(ctx, "e", clock.Now().Add(time.Minute)); err != nil || s.Len() != 1 {
		t.Fatalf("Save over expired states: %v, Len %d; want nil, 1", err, s.Len())
	}
	clock.Add(time.Minute)
	if ok, _ := s.Consume(ctx, "e"); ok {
		t.Fatal("an expired state was consumed")
	}
}
