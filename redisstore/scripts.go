package redisstore

import "github.com/redis/go-redis/v9"

// Fields of a bucket's hash.
const (
	fieldTokens = "tokens" // tokens left; below 0 when callers are queued (reservations)
	fieldTime   = "ts"     // when tokens was last brought up to date, µs since the epoch by Redis's clock
	fieldRate   = "rate"   // the rate Observe learned, per second; absent until one is learned
)

// minIdle is the shortest time a bucket's hash outlives its last use, in
// milliseconds. A bucket is dropped only once it has refilled (a dropped
// bucket starts full again, so nothing is lost but the learned rate), and
// kept at least an hour so that a learned rate survives idle minutes: SP-API
// replies state the rate, but a process that starts after a lull should not
// go back to the published plan (or to no limit) for its first requests.
const minIdle = 3600 * 1000

// Each script reads and writes exactly one key, KEYS[1], so it runs on
// Redis Cluster; time is Redis's own (TIME), so the processes' clocks do not
// matter. Redis 5+ replicates a script's effects, not the script, so TIME
// is allowed before writes. Numbers are written with %.17g so that they read
// back exactly (tostring keeps only 14 digits, too few for a time in µs).

// bucketLib is the start of both bucket scripts: it loads the bucket, picks
// its rate and burst and defines refill.
//
// ARGV[1] is the plan's rate per second, ARGV[2] its burst (0: one second's
// worth of the rate, at least 1).
const bucketLib = `
local key = KEYS[1]
local h = redis.call('HMGET', key, '` + fieldTokens + `', '` + fieldTime + `', '` + fieldRate + `')
local tokens, ts, learned = tonumber(h[1]), tonumber(h[2]), tonumber(h[3])
local plan_rate, plan_burst = tonumber(ARGV[1]), tonumber(ARGV[2])

local function burst_of(rate)
  if plan_burst > 0 then return plan_burst end
  return math.max(1, math.floor(rate))
end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

-- refill brings tokens up to now at rate; a bucket with no state starts full.
local function refill(rate)
  local burst = burst_of(rate)
  if tokens == nil or ts == nil then
    tokens = burst
  else
    local elapsed = now - ts
    if elapsed < 0 then elapsed = 0 end -- Redis's clock went back (a failover)
    tokens = math.min(burst, tokens + elapsed * rate / 1000000)
  end
end

-- save writes tokens as of now and keeps the hash until the bucket would be
-- full again, and at least min_idle ms.
local function save(rate, min_idle)
  redis.call('HSET', key, '` + fieldTokens + `', string.format('%.17g', tokens), '` + fieldTime + `', string.format('%.17g', now))
  local full_ms = (burst_of(rate) - tokens) * 1000 / rate
  redis.call('PEXPIRE', key, math.ceil(math.max(min_idle, full_ms)))
end
`

// takeScript spends one token and returns {wait µs, ok 1/0}.
//
// ARGV[3] is the longest wait accepted, in µs (0: no cap); ARGV[4] min_idle.
//
// The rate is the learned one, else the plan's; with neither there is no
// limit and nothing is written. A caller that finds less than one token
// spends it all the same (the count goes below 0) and waits until it would
// have been there: that is a reservation, so concurrent callers queue one
// interval apart. A wait over the cap spends and writes nothing.
var takeScript = redis.NewScript(bucketLib + `
local rate = learned or plan_rate
if rate <= 0 then return {0, 1} end
refill(rate)
local wait = 0
if tokens < 1 then
  wait = math.ceil((1 - tokens) * 1000000 / rate)
  local max_wait = tonumber(ARGV[3])
  if max_wait > 0 and wait > max_wait then return {wait, 0} end
end
tokens = tokens - 1
save(rate, tonumber(ARGV[4]))
return {wait, 1}
`)

// observeScript records a reply: ARGV[3] the rate it stated (0: none),
// ARGV[4] 1 if it was a 429; ARGV[5] min_idle. It returns 1 if it wrote.
//
// Tokens are first brought up to now at the old rate, so a new rate prices
// only the time after it was learned. A 429 takes every whole and partial
// token left (tokens - ceil(tokens)), so the next caller waits at least one
// full interval; a bucket already at or below 0 keeps its queue.
var observeScript = redis.NewScript(bucketLib + `
local new_rate = tonumber(ARGV[3])
local old_rate = learned or plan_rate
local rate = old_rate
if new_rate > 0 then rate = new_rate end
if rate <= 0 then return 0 end
if old_rate > 0 then
  refill(old_rate)
  tokens = math.min(tokens, burst_of(rate))
else
  refill(rate)
end
if ARGV[4] == '1' and tokens > 0 then tokens = tokens - math.ceil(tokens) end
if new_rate > 0 then redis.call('HSET', key, '` + fieldRate + `', string.format('%.17g', new_rate)) end
save(rate, tonumber(ARGV[5]))
return 1
`)

// The scripts below read only what they have checked: a key of another
// type, a value longer than asked for or a lock with no expiry is garbage
// that anyone with write access to Redis may have left, and is treated as
// absent or broken, never read whole and never waited on.

// getScript returns KEYS[1]'s value, or nil when there is none, it is not a
// string, or it is longer than ARGV[1] bytes: STRLEN is checked before GET,
// so a huge value is never sent.
var getScript = redis.NewScript(`
local k = KEYS[1]
if redis.call('TYPE', k)['ok'] ~= 'string' then return false end
if redis.call('STRLEN', k) > tonumber(ARGV[1]) then return false end
return redis.call('GET', k)
`)

// lockScript takes the lock KEYS[1] with token ARGV[1] for ARGV[2] ms; it
// returns 1 if it did, 0 if a holder has it. A lock is held only if it is a
// string as long as a token, with an expiry no later than ARGV[2] ms from
// now (every holder sets the same TTL). Anything else under the name (a
// value with no TTL, a TTL of years, a hash, a list, a value that is no
// token) is broken and taken over, so no writer can stall the fleet's
// fetches for longer than one TTL.
var lockScript = redis.NewScript(`
local k = KEYS[1]
local ttl = tonumber(ARGV[2])
if redis.call('TYPE', k)['ok'] == 'string' and redis.call('STRLEN', k) == string.len(ARGV[1]) then
  local pttl = redis.call('PTTL', k)
  if pttl > 0 and pttl <= ttl then return 0 end
end
redis.call('SET', k, ARGV[1], 'PX', ttl)
return 1
`)

// delIfEqScript deletes KEYS[1] if it is a string that holds ARGV[1]; it
// returns 1 if it did. It compares lengths before it reads a value.
var delIfEqScript = redis.NewScript(`
local k = KEYS[1]
if redis.call('TYPE', k)['ok'] == 'string' and redis.call('STRLEN', k) == string.len(ARGV[1])
    and redis.call('GET', k) == ARGV[1] then
  return redis.call('DEL', k)
end
return 0
`)
