package client

import (
	"container/list"
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// defaultRDTCacheSize bounds the RDT cache when Config.RDTCacheSize is 0.
const defaultRDTCacheSize = 1024

// rdtCache keeps minted RDTs while they have life left, least recently used
// out first, so that specific paths (report documents) cannot grow it
// without bound. One mint per key however many goroutines ask.
type rdtCache struct {
	size int

	mu      sync.Mutex
	entries map[string]*list.Element // of *rdtEntry
	lru     *list.List

	flight flightGroup[*RestrictedDataToken]
}

type rdtEntry struct {
	key       string
	tok       *RestrictedDataToken
	refreshAt time.Time
}

func newRDTCache(size int) *rdtCache {
	if size <= 0 {
		size = defaultRDTCacheSize
	}
	return &rdtCache{size: size, entries: map[string]*list.Element{}, lru: list.New()}
}

// get returns the cached RDT for key while it is good at now, else mints
// one with mint (once per key at a time) and caches it.
func (c *rdtCache) get(ctx context.Context, key string, now func() time.Time,
	mint func(context.Context) (*RestrictedDataToken, error)) (*RestrictedDataToken, error) {
	if t := c.lookup(key, now()); t != nil {
		return t, nil
	}
	return c.flight.do(ctx, key, func(ctx context.Context) (*RestrictedDataToken, error) {
		if t := c.lookup(key, now()); t != nil { // minted while we queued
			return t, nil
		}
		t, err := mint(ctx)
		if err != nil {
			return nil, err
		}
		life := time.Duration(t.ExpiresIn) * time.Second
		c.store(key, t, t.ExpiresAt.Add(-refreshMargin(life)))
		return t, nil
	})
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

func (c *rdtCache) store(key string, t *RestrictedDataToken, refreshAt time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.lru.Remove(el)
	}
	c.entries[key] = c.lru.PushFront(&rdtEntry{key: key, tok: t, refreshAt: refreshAt})
	for c.lru.Len() > c.size {
		old := c.lru.Remove(c.lru.Back()).(*rdtEntry)
		delete(c.entries, old.key)
	}
}

// evict drops key's RDT if it is still token, the one the API rejected.
func (c *rdtCache) evict(key, token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok && el.Value.(*rdtEntry).tok.Token == token {
		c.lru.Remove(el)
		delete(c.entries, key)
	}
}

// len is the number of cached RDTs.
func (c *rdtCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// rdtKey identifies what an RDT grants: the target application and the set
// of resources, each with its set of dataElements, in any order.
func rdtKey(req CreateRestrictedDataTokenRequest) string {
	res := make([]string, len(req.RestrictedResources))
	for i, r := range req.RestrictedResources {
		var de []string
		if r.DataElements != nil {
			de = slices.Clone(*r.DataElements)
			slices.Sort(de)
			de = slices.Compact(de)
		}
		res[i] = string(r.Method) + " " + r.Path + " " + strings.Join(de, ",")
	}
	slices.Sort(res)
	res = slices.Compact(res)
	var b strings.Builder
	if req.TargetApplication != nil {
		b.WriteString(*req.TargetApplication)
	}
	for _, r := range res {
		b.WriteByte('\n')
		b.WriteString(r)
	}
	return b.String()
}
