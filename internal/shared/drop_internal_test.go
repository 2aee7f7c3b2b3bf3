package shared

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/spapi-go/spapi/store"
)

// mapStore is a Store in memory whose DeleteIf compares, as the protocol
// says, and records each delete.
type mapStore struct {
	downStore
	mu      sync.Mutex
	vals    map[string][]byte
	deletes []string
}

func (s *mapStore) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.vals[key]), nil
}

func (s *mapStore) Set(_ context.Context, key string, v []byte, _ time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vals[key] = slices.Clone(v)
	return nil
}

func (s *mapStore) DeleteIf(_ context.Context, key string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deletes = append(s.deletes, key)
	if bytes.Equal(s.vals[key], v) {
		delete(s.vals, key)
	}
	return nil
}

func (s *mapStore) Lock(context.Context, string, time.Duration) (func(context.Context) error, bool, error) {
	return func(context.Context) error { return nil }, true, nil
}

var _ store.Store = (*mapStore)(nil)

// TestDropByMark: a token the API rejected is dropped from the Store by
// its Mark (what replaced the sealed bytes each token kept) while the
// Store still holds it, and kept when another process stored a new one
// since; the zero Mark touches nothing.
func TestDropByMark(t *testing.T) {
	seal, err := NewSealer(Credentials{ClientID: "id", ClientSecret: "secret", RefreshToken: "Atzr|r"}, "https://sellingpartnerapi-na.amazon.com")
	if err != nil {
		t.Fatal(err)
	}
	fetched := 0
	fetch := func(context.Context) ([]byte, time.Duration, error) {
		fetched++
		return []byte(`{"v":"Atza|` + string(rune('a'+fetched)) + `"}`), time.Hour, nil
	}
	valid := func([]byte) bool { return true }
	for _, tc := range []struct {
		name        string
		replaced    bool // another process stored a token after ours
		wantDeleted bool
	}{
		{"still ours: dropped", false, true},
		{"replaced since: kept", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &mapStore{vals: map[string][]byte{}}
			sh := New(st, seal, time.Second, nil, nil)
			ctx := context.Background()
			for _, drop := range []struct {
				key   string
				fetch func() (Mark, error)
				drop  func(Mark)
			}{
				{seal.lwaKey(), func() (Mark, error) { _, m, err := sh.FetchLWA(ctx, valid, fetch); return m, err }, sh.DropLWA},
				{seal.rdtKey("grant"), func() (Mark, error) { _, m, err := sh.FetchRDT(ctx, "grant", valid, fetch); return m, err },
					func(m Mark) { sh.DropRDT("grant", m) }},
			} {
				m, err := drop.fetch()
				if err != nil || m == 0 {
					t.Fatalf("fetch: mark %v, %v; want a mark", m, err)
				}
				if m2, _ := drop.fetch(); m2 != m {
					t.Errorf("the value read back has mark %v, the one stored %v", m2, m)
				}
				newer := seal.seal(drop.key, []byte(`{"v":"Atza|newer"}`))
				if tc.replaced {
					_ = st.Set(ctx, drop.key, newer, time.Hour)
				}
				drop.drop(m)
				got, _ := st.Get(ctx, drop.key)
				if deleted := got == nil; deleted != tc.wantDeleted {
					t.Errorf("%s: deleted %v, want %v", drop.key, deleted, tc.wantDeleted)
				}
				if tc.replaced && !bytes.Equal(got, newer) {
					t.Errorf("%s: the newer token was not kept", drop.key)
				}
			}
			n := len(st.deletes)
			sh.DropLWA(0)
			if len(st.deletes) != n {
				t.Errorf("the zero Mark deleted something")
			}
		})
	}
	if markOf(nil) != 0 || markOf([]byte{}) == 0 {
		t.Errorf("markOf(nil) = %v, markOf(empty) = %v; want 0 and not 0", markOf(nil), markOf([]byte{}))
	}
}
