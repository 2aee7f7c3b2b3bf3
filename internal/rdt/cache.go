// Package rdt is the client's Restricted Data Tokens: the cache of minted
// RDTs (shared with the fleet through a Store when there is one), the
// refusals it remembers, and the policy that picks the token an operation
// takes.
package rdt

import (
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spapi-go/spapi/gen"
	"github.com/spapi-go/spapi/internal/flight"
	"github.com/spapi-go/spapi/internal/lwa"
	"github.com/spapi-go/spapi/internal/shared"
	"github.com/spapi-go/spapi/internal/telemetry"
)

// Token is a minted RDT (client.RestrictedDataToken has the same fields,
// and converts).
type Token struct {
	Token     string
	ExpiresIn int
	ExpiresAt time.Time
	RequestID string
}

// defaultRDTCacheSize bounds the RDT cache when Config.RDTCacheSize is 0.
const defaultRDTCacheSize = 1024

// Cache keeps minted RDTs while they have life left, least recently used
// out first, so that specific paths (report documents) cannot grow it
// without bound. One mint per key however many goroutines ask.
type Cache struct {
	size int
	sh   *shared.Shared // nil: in-process only
	tel  *telemetry.Telemetry

	mu      sync.Mutex
	entries map[string]*list.Element // of *rdtEntry
	lru     *list.List

	flight flight.Group[rdtResult]
}

type rdtEntry struct {
	key       string
	tok       *Token
	refreshAt time.Time
	mark      shared.Mark // the Store's copy, for DropRDT; 0 when not shared
}

// sharedRDT is an RDT as the fleet shares it, sealed.
type sharedRDT struct {
	Token     string `json:"t"`
	ExpiresIn int    `json:"i"`
	ExpiresAt int64  `json:"e"` // Unix nanoseconds
	RequestID string `json:"q"`
}

func rdtRefreshAt(t *Token) time.Time {
	return t.ExpiresAt.Add(-lwa.RefreshMargin(time.Duration(t.ExpiresIn) * time.Second))
}

func decodeSharedRDT(plain []byte) (*Token, bool) {
	var s sharedRDT
	if json.Unmarshal(plain, &s) != nil || s.Token == "" || s.ExpiresIn <= 0 {
		return nil, false
	}
	return &Token{Token: s.Token, ExpiresIn: s.ExpiresIn, ExpiresAt: time.Unix(0, s.ExpiresAt), RequestID: s.RequestID}, true
}

// NewCache is a cache of size entries (0: 1024), shared through sh when
// it is not nil.
func NewCache(size int, sh *shared.Shared, tel *telemetry.Telemetry) *Cache {
	if size <= 0 {
		size = defaultRDTCacheSize
	}
	c := &Cache{size: size, sh: sh, tel: tel, entries: map[string]*list.Element{}, lru: list.New()}
	if tel != nil {
		c.flight.Tracer, c.flight.SpanName = tel.Tracer(), "rdt.mint"
	}
	return c
}

// Where an RDT came from, as spapi.client.rdt.cache.lookups counts it
// (spapi.rdt.cache.result): this process's memory, the fleet's Store, or a
// mint (this process's, or one it waited on).
const (
	cacheHit    = "hit"
	cacheShared = "shared"
	cacheMiss   = "miss"
)

// rdtResult is a flight's answer: the RDT and where it came from.
type rdtResult struct {
	tok    *Token
	source string // cacheHit, cacheShared or cacheMiss
}

// get returns the cached RDT for key while it is good at now, else mints
// one with mint (once per key at a time, and with a Store once across the
// fleet) and caches it. It counts one lookup, with where the RDT came
// from, unless counted says this attempt's lookup was counted already (the
// limiter's look before the queue, then auth's).
func (c *Cache) Get(ctx context.Context, key string, counted bool, now func() time.Time,
	mint func(context.Context) (*Token, error)) (*Token, error) {
	if t := c.lookup(key, now()); t != nil {
		if !counted {
			c.tel.CacheLookup(ctx, cacheHit)
		}
		return t, nil
	}
	r, err := c.flight.Do(ctx, key, func(ctx context.Context) (rdtResult, error) {
		if t := c.lookup(key, now()); t != nil { // minted while we queued
			return rdtResult{t, cacheHit}, nil
		}
		if c.sh == nil {
			t, err := mint(ctx)
			if err != nil {
				return rdtResult{}, err
			}
			c.store(key, t, rdtRefreshAt(t), 0)
			return rdtResult{t, cacheMiss}, nil
		}
		var minted atomic.Bool
		plain, mark, err := c.sh.FetchRDT(ctx, key,
			func(plain []byte) bool {
				t, ok := decodeSharedRDT(plain)
				return ok && now().Before(rdtRefreshAt(t))
			},
			func(ctx context.Context) ([]byte, time.Duration, error) {
				minted.Store(true)
				t, err := mint(ctx)
				if err != nil {
					return nil, 0, err
				}
				plain, err := json.Marshal(sharedRDT{Token: t.Token, ExpiresIn: t.ExpiresIn, ExpiresAt: t.ExpiresAt.UnixNano(), RequestID: t.RequestID})
				return plain, t.ExpiresAt.Sub(now()), err
			})
		if err != nil {
			return rdtResult{}, err
		}
		t, ok := decodeSharedRDT(plain)
		if !ok {
			return rdtResult{}, errors.New("rdt: the shared token does not decode")
		}
		c.store(key, t, rdtRefreshAt(t), mark)
		if minted.Load() {
			return rdtResult{t, cacheMiss}, nil
		}
		return rdtResult{t, cacheShared}, nil
	})
	if err != nil {
		if !counted {
			c.tel.CacheLookup(ctx, cacheMiss)
		}
		return nil, err
	}
	if !counted {
		c.tel.CacheLookup(ctx, r.source)
	}
	return r.tok, nil
}

func (c *Cache) lookup(key string, now time.Time) *Token {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil
	}
	e := el.Value.(*rdtEntry)
	if !now.Before(e.refreshAt) {
		c.lru.Remove(el)
		delete(c.entries, key)
		return nil
	}
	c.lru.MoveToFront(el)
	return e.tok
}

func (c *Cache) store(key string, t *Token, refreshAt time.Time, mark shared.Mark) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.lru.Remove(el)
	}
	c.entries[key] = c.lru.PushFront(&rdtEntry{key: key, tok: t, refreshAt: refreshAt, mark: mark})
	for c.lru.Len() > c.size {
		old := c.lru.Remove(c.lru.Back()).(*rdtEntry)
		delete(c.entries, old.key)
	}
}

// Evict drops key's RDT if it is still token, the one the API rejected,
// from the cache and from the fleet's Store.
func (c *Cache) Evict(key, token string) {
	c.mu.Lock()
	var mark shared.Mark
	if el, ok := c.entries[key]; ok && el.Value.(*rdtEntry).tok.Token == token {
		mark = el.Value.(*rdtEntry).mark
		c.lru.Remove(el)
		delete(c.entries, key)
	}
	c.mu.Unlock()
	if c.sh != nil && mark != 0 {
		c.sh.DropRDT(key, mark)
	}
}

// Len is the number of cached RDTs.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// Key identifies what an RDT grants: the target application and the set
// of resources, each with its set of dataElements, in any order. Every
// string in it is quoted (strconv.Quote, which is one-to-one and marks its
// own end), so no target application, path or dataElement can pass for a
// separator: two requests share a key only if they ask for the same grant.
func Key(req gen.CreateRestrictedDataTokenRequest) string {
	res := make([]string, len(req.RestrictedResources))
	for i, r := range req.RestrictedResources {
		var de []string
		if r.DataElements != nil {
			de = slices.Clone(*r.DataElements)
			slices.Sort(de)
			de = slices.Compact(de)
		}
		var b strings.Builder
		b.WriteByte('(')
		b.WriteString(strconv.Quote(string(r.Method)))
		b.WriteString(strconv.Quote(r.Path))
		for _, d := range de {
			b.WriteString(strconv.Quote(d))
		}
		b.WriteByte(')')
		res[i] = b.String()
	}
	slices.Sort(res)
	res = slices.Compact(res)
	var b strings.Builder
	if req.TargetApplication != nil {
		b.WriteString(strconv.Quote(*req.TargetApplication))
	} else {
		b.WriteByte('-')
	}
	for _, r := range res {
		b.WriteString(r)
	}
	return b.String()
}
