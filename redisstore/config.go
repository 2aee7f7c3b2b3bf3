package redisstore

import (
	"context"
	"fmt"
	"strconv"
)

// ConfigWarnings asks Redis how it is set up (CONFIG GET) and returns what
// can hurt a fleet, one sentence each; the client logs them once per Store,
// at its first use. Every key the client stores has a TTL, so with a
// maxmemory limit any policy but noeviction (allkeys-* and volatile-*
// alike) can evict a token (one more LWA call or mint) or a bucket (which
// then starts again behind the last turn each process saw: a few 429s,
// not a burst). A Redis that refuses
// CONFIG (a managed service, ACLs) gives no warning and no error: nothing
// is known.
func (s *Store) ConfigWarnings(ctx context.Context) []string {
	vals, err := bounded(ctx, s, func(ctx context.Context) (map[string]string, error) {
		return s.rdb.ConfigGet(ctx, "maxmemory*").Result()
	}, nil)
	if err != nil {
		return nil
	}
	return configWarnings(vals)
}

// configWarnings judges CONFIG GET's answer.
func configWarnings(vals map[string]string) []string {
	policy, ok := vals["maxmemory-policy"]
	if !ok || policy == "noeviction" {
		return nil
	}
	if mem, err := strconv.ParseInt(vals["maxmemory"], 10, 64); err == nil && mem == 0 {
		return nil // no limit: nothing is evicted
	}
	return []string{fmt.Sprintf("Redis maxmemory-policy is %s with a maxmemory limit: it can evict the fleet's tokens and rate-limit buckets "+
		"(all have a TTL); use noeviction (writes then fail when full and each process falls back to its share) or a Redis of its own", policy)}
}
