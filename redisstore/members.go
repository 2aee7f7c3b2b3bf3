package redisstore

import (
	"context"
	"fmt"

	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/store"
)

var _ store.FleetMembers = (*Store)(nil)

// heartbeatScript keeps the live members of a fleet in a sorted set scored
// by when each one's heartbeat runs out (µs, Redis's clock): it drops the
// members whose time has passed, adds or renews ARGV[1] for ARGV[2] µs,
// keeps the set as long as the member that runs out last (not the one
// just renewed: a short heartbeat must not drop the others' with the key),
// and returns how many are left. One key, one round trip.
//
// Redis is not trusted: a key of another type is replaced, and a member
// that runs out later than ARGV[3] µs from now (+inf, or a thousand years:
// no heartbeat of ours lasts that long) is dropped, so that no value anyone
// leaves there makes a heartbeat fail or keeps the set for ever.
var heartbeatScript = redis.NewScript(membersLib + `
local t = redis.call('TIME')
return beat(KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(t[1]) * 1000000 + tonumber(t[2]))
`)

// membersLib defines beat(key, member, ttl µs, longest µs, now µs), the
// heartbeat of heartbeatScript, which takeFleetScript makes as well: one
// round trip for a take and a heartbeat.
const membersLib = `
local function beat(mk, member, ttl, longest, now)
  local kind = redis.call('TYPE', mk)['ok']
  if kind ~= 'zset' and kind ~= 'none' then
    redis.call('DEL', mk)
  end
  redis.call('ZREMRANGEBYSCORE', mk, '-inf', string.format('%.17g', now))
  redis.call('ZREMRANGEBYSCORE', mk, '(' .. string.format('%.17g', now + longest), '+inf')
  redis.call('ZADD', mk, string.format('%.17g', now + ttl), member)
  local last = redis.call('ZRANGE', mk, -1, -1, 'WITHSCORES')
  redis.call('PEXPIRE', mk, math.max(1, math.ceil((tonumber(last[2]) - now) / 1000)))
  return redis.call('ZCARD', mk)
end
`

// maxHeartbeat is the longest a member may be alive for, by any process's
// heartbeat: a member scored beyond it was not written by us.
const maxHeartbeat = time.Hour

// Heartbeat implements store.FleetMembers: member is alive under key for
// ttl (rounded up to a millisecond); it returns the members alive now,
// member included. The client calls it about once a second per seller
// while it makes calls, so that a process that loses Redis knows its share
// of the budget.
func (s *Store) Heartbeat(ctx context.Context, key, member string, ttl time.Duration) (int, error) {
	k := s.prefix + key
	if ttl <= 0 || ttl > maxHeartbeat {
		return 0, opError("heartbeat", k, fmt.Errorf("ttl %v is not in (0, %v]", ttl, maxHeartbeat))
	}
	n, err := bounded(ctx, s, func(ctx context.Context) (int64, error) {
		return heartbeatScript.Run(ctx, s.rdb, []string{k}, member, ceilMs(ttl).Microseconds(), maxHeartbeat.Microseconds()).Int64()
	}, nil)
	if err != nil {
		return 0, opError("heartbeat", k, err)
	}
	if n < 1 {
		return 0, opError("heartbeat", k, fmt.Errorf("%d members counted, want at least 1", n))
	}
	return int(n), nil
}
