package client

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
)

// defaultRDTCacheSize bounds the RDT cache when Config.RDTCacheSize is 0.
const defaultRDTCacheSize = 1024

// rdtCache keeps minted RDTs while they have life left, least recently used
// out first, so that specific paths (report documents) cannot grow it
// without bound. One mint per key however many goroutines ask.
type rdtCache struct {
	size int
	sh   *shared // nil: in-process only
	tel  *telemetry

	mu      sync.Mutex
	entries map[string]*list.Element // of *rdtEntry
	lru     *list.List

	flight flightGroup[rdtResult]
}

type rdtEntry struct {
	key       string
	tok       *RestrictedDataToken
	refreshAt time.Time
	sealed    []byte // as the Store holds it; nil when not shared
}

// sharedRDT is an RDT as the fleet shares it, sealed.
type sharedRDT struct {
	Token     string `json:"t"`
	ExpiresIn int    `json:"i"`
	ExpiresAt int64  `json:"e"` // Unix nanoseconds
	RequestID string `json:"q"`
}

func rdtRefreshAt(t *RestrictedDataToken) time.Time {
	return t.ExpiresAt.Add(-refreshMargin(time.Duration(t.ExpiresIn) * time.Second))
}

func decodeSharedRDT(plain []byte) (*RestrictedDataToken, bool) {
	var s sharedRDT
	if json.Unmarshal(plain, &s) != nil || s.Token == "" || s.ExpiresIn <= 0 {
		return nil, false
	}
	return &RestrictedDataToken{Token: s.Token, ExpiresIn: s.ExpiresIn, ExpiresAt: time.Unix(0, s.ExpiresAt), RequestID: s.RequestID}, true
}

func newRDTCache(size int, tel *telemetry) *rdtCache {
	if size <= 0 {
		size = defaultRDTCacheSize
	}
	c := &rdtCache{size: size, tel: tel, entries: map[string]*list.Element{}, lru: list.New()}
	if tel != nil {
		c.flight.tracer, c.flight.spanName = tel.tracer, "rdt.mint"
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
	tok    *RestrictedDataToken
	source string // cacheHit, cacheShared or cacheMiss
}

// get returns the cached RDT for key while it is good at now, else mints
// one with mint (once per key at a time, and with a Store once across the
// fleet) and caches it. It counts one lookup, with where the RDT came from.
func (c *rdtCache) get(ctx context.Context, key string, now func() time.Time,
	mint func(context.Context) (*RestrictedDataToken, error)) (*RestrictedDataToken, error) {
	counted := lookedUp(ctx) // by the limiter's ready hook, for this attempt
	if t := c.lookup(key, now()); t != nil {
		if !counted {
			c.tel.cacheLookup(ctx, cacheHit)
		}
		return t, nil
	}
	r, err := c.flight.do(ctx, key, func(ctx context.Context) (rdtResult, error) {
		if t := c.lookup(key, now()); t != nil { // minted while we queued
			return rdtResult{t, cacheHit}, nil
		}
		if c.sh == nil {
			t, err := mint(ctx)
			if err != nil {
				return rdtResult{}, err
			}
			c.store(key, t, rdtRefreshAt(t), nil)
			return rdtResult{t, cacheMiss}, nil
		}
		var minted atomic.Bool
		plain, sealed, err := c.sh.fetchShared(ctx, "rdt:"+c.sh.seal.hashName(key),
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
		c.store(key, t, rdtRefreshAt(t), sealed)
		if minted.Load() {
			return rdtResult{t, cacheMiss}, nil
		}
		return rdtResult{t, cacheShared}, nil
	})
	if err != nil {
		if !counted {
			c.tel.cacheLookup(ctx, cacheMiss)
		}
		return nil, err
	}
	if !counted {
		c.tel.cacheLookup(ctx, r.source)
	}
	return r.tok, nil
}

func (c *rdtCache) lookup(key string, now time.Time) *RestrictedDataToken {
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

func (c *rdtCache) store(key string, t *RestrictedDataToken, refreshAt time.Time, sealed []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.lru.Remove(el)
	}
	c.entries[key] = c.lru.PushFront(&rdtEntry{key: key, tok: t, refreshAt: refreshAt, sealed: sealed})
	for c.lru.Len() > c.size {
		old := c.lru.Remove(c.lru.Back()).(*rdtEntry)
		delete(c.entries, old.key)
	}
}

// evict drops key's RDT if it is still token, the one the API rejected,
// from the cache and from the fleet's Store.
func (c *rdtCache) evict(key, token string) {
	c.mu.Lock()
	var sealed []byte
	if el, ok := c.entries[key]; ok && el.Value.(*rdtEntry).tok.Token == token {
		sealed = el.Value.(*rdtEntry).sealed
		c.lru.Remove(el)
		delete(c.entries, key)
	}
	c.mu.Unlock()
	if c.sh != nil && sealed != nil {
		c.sh.deleteIf(context.Background(), c.sh.seal.key("rdt:"+c.sh.seal.hashName(key)), sealed)
	}
}

// len is the number of cached RDTs.
func (c *rdtCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// rdtKey identifies what an RDT grants: the target application and the set
// of resources, each with its set of dataElements, in any order. Every
// string in it is quoted (strconv.Quote, which is one-to-one and marks its
// own end), so no target application, path or dataElement can pass for a
// separator: two requests share a key only if they ask for the same grant.
func rdtKey(req CreateRestrictedDataTokenRequest) string {
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
