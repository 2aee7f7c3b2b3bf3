package shared

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/spapi-go/spapi/internal/ratelimit"
	"github.com/spapi-go/spapi/store"
)

// observeStore records the Observe calls that reach the store.
type observeStore struct {
	mapStore
	mu   sync.Mutex
	told []float64 // learned, or -1 for a 429
}

func (s *observeStore) Observe(_ context.Context, _ string, _ store.Rate, learned float64, throttled bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if throttled {
		learned = -1
	}
	s.told = append(s.told, learned)
	return nil
}

// TestObserveTellsTheStoreOnlyNews: a reply at the plan's own rate tells
// the store nothing, neither a round trip nor a learned rate that would
// keep the bucket an hour (issue 22: each seller's first call paid an
// Observe, and every bucket lived an hour); another rate, the plan's again
// after it, and a 429 are told.
func TestObserveTellsTheStoreOnlyNews(t *testing.T) {
	const op = "getOrderAddress"
	plan := ratelimit.Rate{PerSecond: 0.0167, Burst: 30}
	seal, err := NewSealer(Credentials{ClientID: "id", ClientSecret: "secret", RefreshToken: "Atzr|r"}, "https://sellingpartnerapi-na.amazon.com")
	if err != nil {
		t.Fatal(err)
	}
	st := &observeStore{mapStore: mapStore{vals: map[string][]byte{}}}
	l := NewLimiter(New(st, seal, time.Second, nil, nil), ratelimit.New(map[string]ratelimit.Rate{op: plan}))
	steps := []struct {
		name      string
		rate      float64
		throttled bool
		told      int // Observe calls the store has had after the step
	}{
		{"the plan's rate", 0.0167, false, 0},
		{"the plan's rate again", 0.0167, false, 0},
		{"no rate", 0, false, 0},
		{"another rate", 0.01, false, 1},
		{"that rate again", 0.01, false, 1},
		{"the plan's rate, after another", 0.0167, false, 2},
		{"a 429", 0, true, 3},
	}
	for _, s := range steps {
		l.Observe(op, s.rate, s.throttled)
		st.mu.Lock()
		got := len(st.told)
		st.mu.Unlock()
		if got != s.told {
			t.Fatalf("after %s: the store was told %d times (%v), want %d", s.name, got, st.told, s.told)
		}
	}
}
