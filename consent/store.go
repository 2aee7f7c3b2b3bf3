package consent

import (
	"context"
	"errors"
	"sync"
	"time"
)

// StateStore makes states single use: a state's nonce is saved when its
// consent URL is made and consumed when its callback comes; a nonce that is
// not there (used, expired, or never saved) is refused as replayed. An
// implementation shared by every instance of the application (Redis: SET
// with PX at Save, GETDEL at Consume; SQL: INSERT, then DELETE ... RETURNING)
// keeps states single use across instances and restarts.
type StateStore interface {
	// Save records nonce as outstanding until expires.
	Save(ctx context.Context, nonce string, expires time.Time) error
	// Consume removes nonce and reports whether it was outstanding. Of
	// concurrent calls for one nonce, at most one reports true.
	Consume(ctx context.Context, nonce string) (bool, error)
}

// DefaultMaxStates bounds a MemoryStore whose MaxStates is 0.
const DefaultMaxStates = 100_000

// ErrTooManyStates is MemoryStore.Save's error when MaxStates states are
// outstanding: consent URLs are being made faster than sellers use them.
var ErrTooManyStates = errors.New("consent: too many outstanding states")

// MemoryStore is a StateStore in this process's memory, the default. Its
// zero value is ready to use and safe for concurrent use. A restart forgets
// the outstanding states, so their callbacks fail as replayed: a seller
// caught by one starts again, and no state ever works twice.
type MemoryStore struct {
	// MaxStates bounds how many states are outstanding; 0 means
	// DefaultMaxStates. Expired ones are dropped first.
	MaxStates int
	// Now is the clock that expires entries; nil means time.Now.
	Now func() time.Time

	mu    sync.Mutex
	m     map[string]time.Time
	saves int
}

// Save implements StateStore.
func (s *MemoryStore) Save(ctx context.Context, nonce string, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]time.Time{}
	}
	max := s.MaxStates
	if max <= 0 {
		max = DefaultMaxStates
	}
	// Drop expired entries now and then, and whenever the store is full:
	// amortized O(1) per Save.
	s.saves++
	if len(s.m) >= max || s.saves%1024 == 0 {
		now := s.now()
		for k, exp := range s.m {
			if !now.Before(exp) {
				delete(s.m, k)
			}
		}
	}
	if len(s.m) >= max {
		return ErrTooManyStates
	}
	s.m[nonce] = expires
	return nil
}

// Consume implements StateStore.
func (s *MemoryStore) Consume(ctx context.Context, nonce string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.m[nonce]
	if !ok {
		return false, nil
	}
	delete(s.m, nonce)
	return s.now().Before(exp), nil
}

// Len is how many states are outstanding (expired ones not yet dropped
// included).
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

func (s *MemoryStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
