package redisstore

import "github.com/redis/go-redis/v9"

// Fields of a bucket's hash.
const (
	fieldTokens = "tokens" // tokens left; below 0 when callers are queued (reservations)
	fieldTime   = "ts"     // when tokens was last brought up to date, µs since the epoch by Redis's clock
	fieldRate   = "rate"   // the rate Observe learned, per second; absent until one is learned
	// fieldVersion counts the writes to the bucket. A caller passes the
	// version its last Take returned: a bucket whose version is lower has
	// gone back in time (restored from an old RDB, a lagging replica
	// promoted, evicted and made again), and its tokens are not believed
	// beyond what that caller saw.
	fieldVersion = "n"
	// fieldTail is the last turn handed out and not given back, µs by
	// Redis's clock: a refund is applied only for it (see refundScript).
	fieldTail = "q"
	// fieldGaps lists the turns given up from the middle of the queue
	// (µs, space-separated, at most maxGaps): each comes back when the
	// tail moves back over it.
	fieldGaps = "g"
)

// minIdle is the shortest time the hash of a bucket with a learned rate
// outlives its last use, in milliseconds. A bucket is dropped only once it
// has refilled (one that expired comes back full, so nothing is lost but
// the learned rate), and one with a learned rate is kept at least an hour
// so that the rate survives idle minutes: SP-API replies state the rate,
// but a process that starts after a lull should not go back to the
// published plan (or to no limit) for its first requests. A bucket that
// runs at its plan (no process told it another rate: shared.Limiter tells
// only a rate that is not the plan's) is kept the plan's refill time
// instead (see rest_ms), at most this.
const minIdle = 3600 * 1000

// minRestLua is the shortest time, in milliseconds, the hash of a bucket
// at its plan outlives its last use (see rest_ms in bucketLib): 20 s, four
// times what the client takes to put a silent Redis aside and probe it
// (1 s, then 1 s and 2 s), so that a bucket lost within that time is taken
// for a lost one, not an expired one.
const minRestLua = "20000"

// Each script reads and writes exactly one key, KEYS[1], so it runs on
// Redis Cluster; time is Redis's own (TIME), so the processes' clocks do not
// matter. Redis 5+ replicates a script's effects, not the script, so TIME
// is allowed before writes. Numbers are written with %.17g so that they read
// back exactly (tostring keeps only 14 digits, too few for a time in µs).

// Bounds on what a bucket's hash may say. Redis is shared infrastructure,
// not a trusted oracle: anyone who can write to it can write a bucket, so
// every field read is checked, and a value outside these bounds is treated
// as broken (the bucket starts empty, as after a 429), never as a wait of
// years or a rate of zero. The rate bounds are the client's for an
// x-amzn-RateLimit-Limit header.
//
// In the scripts: a learned rate is believed within [1e-4, 1e5] per
// second, and a queue (callers waiting their turn, across the fleet) of up
// to 1024 callers or 600 s of the rate, whichever is more, beyond the
// capacity.

// bucketLib is the start of every bucket script: it loads and checks the
// bucket, picks its rate and capacity and defines refill and save.
//
// ARGV[1] is the plan's rate per second, ARGV[2] its burst (0: one second's
// worth of the rate, at least 1), ARGV[3] the margin in seconds (the
// capacity is the burst less the margin's worth of tokens, at most one,
// for a burst over 1). ARGV[4..6] are what the caller saw of the bucket
// after its last Take (store.BucketView): the version (0: the caller
// never took from it), the time (µs, Redis's clock) and the tokens left.
//
// A key of another type than a hash is deleted and the bucket starts
// empty. A learned rate outside [minRate, maxRate] (0, -1, nan, inf,
// 1e-300) is ignored and removed: the plan's rate applies. Tokens that are
// not a finite number, or below the deepest queue believed (see above),
// and a time that is not a number, make the
// bucket start empty; a time in the future is taken as now. A bucket that
// vanished (evicted, flushed, a replica that never had it) within min_idle
// of the caller's view also starts empty, with one interval to wait,
// instead of full: the fleet may have spent the server's burst a moment
// ago. One missing for longer may have expired, idle, and comes back as
// full as the caller's view refilled since allows (issue 22: after an idle
// hour the next call waited a whole interval). A bucket that never existed
// starts full.
//
// A bucket holds at most what the caller saw, refilled since: the queue of
// turns the fleet had handed out then is still ahead, and a bucket that
// forgot it (an old copy refilled to full, a lagging replica, an empty
// one) would give those turns again, a burst of 429s. Each process that
// took more recently than the last writer pushes the bucket back to its own
// view, so once every process has taken, the queue is the latest any of
// them saw. The bound holds whatever the bucket's version: nothing but a
// refund puts tokens back faster than the rate, and a refund is applied
// only for the last turn handed out (see refundScript), whose taker then
// keeps the refund's view. Before (issue 22, defect 3) it held only for a
// bucket of a lower version than the caller's, and after a restore from an
// old copy, a process that saw only the old copy counted the version back
// up to the one another process held, and that process's queue was
// forgotten. A version that is not a whole number in [0, 2^53] counts as
// 0; the writer stores max(version, the caller's) + 1, and a client keeps
// the view of the highest (the latest of its concurrent takes).
//
// fieldTail is the last turn handed out (see handed); one that is not a
// finite number is unknown, and no refund is applied until a take sets it.
const bucketLib = `
local key = KEYS[1]
local plan_rate, plan_burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local margin = tonumber(ARGV[3])
local seen_n, seen_ts, seen_tokens = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local known = seen_n > 0
local min_rate, max_rate, max_queue, max_queue_s = 1e-4, 1e5, 1024, 600

local kind = redis.call('TYPE', key)['ok']
local tokens, ts, learned, bad_rate
local version = 0
local tail, gaps_raw
local broken = false
local vanished = false
if kind == 'hash' then
  local h = redis.call('HMGET', key, '` + fieldTokens + `', '` + fieldTime + `', '` + fieldRate + `', '` + fieldVersion + `', '` + fieldTail + `', '` + fieldGaps + `')
  tokens, ts, learned = tonumber(h[1]), tonumber(h[2]), tonumber(h[3])
  tail, gaps_raw = tonumber(h[5]), h[6]
  if tail and not (tail > -math.huge and tail < math.huge) then tail = nil end
  local v = tonumber(h[4])
  if v and v >= 0 and v <= 9007199254740992 and v == math.floor(v) then version = v end
  if h[3] and not (learned and learned >= min_rate and learned <= max_rate) then
    learned, bad_rate = nil, true
  end
  if tokens == nil or ts == nil then
    broken = h[1] or h[2] or known
    tokens, ts = nil, nil
  end
elseif kind ~= 'none' then
  redis.call('DEL', key)
  broken = true
else
  broken, vanished = known, known
end

local function burst_of(rate)
  if plan_burst > 0 then return plan_burst end
  return math.max(1, math.floor(rate))
end

-- cap_of is the most tokens the bucket holds at rate: the burst less the
-- margin's worth of tokens (at most one), and 1 for a burst of 1.
local function cap_of(rate)
  local burst = burst_of(rate)
  if burst <= 1 then return 1 end
  return burst - rate * math.min(margin, 1 / rate)
end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

-- rest_ms is how long a hash outlives every write at least (see save):
-- min_idle for a bucket with a learned rate, which it keeps; else the time
-- the plan takes to refill from empty, and at least ` + minRestLua + ` ms, at most
-- min_idle. A bucket that runs at its plan holds nothing a full bucket
-- does not once it has refilled, and an hour of it was 270 bytes of Redis
-- per seller for each operation it called once (issue 22:
-- createRestrictedDataToken, once an hour, refills in 10 s). The floor
-- keeps a hash that vanished moments after a caller's view (an eviction,
-- a flush, a restart the caller did not notice) from passing for an
-- expired one (see idle); an outage the caller noticed is handled when it
-- rejoins (it empties the bucket).
local function rest_ms(min_idle, rate, has_learned)
  if has_learned or rate <= 0 then return min_idle end
  return math.min(min_idle, math.max(` + minRestLua + `, cap_of(rate) * 1000 / rate))
end

-- idle lets a bucket that vanished come back as one that expired: its
-- hash outlives every write by rest_ms at least (see save), so one
-- missing for longer than that since the caller's view may just have
-- expired, idle, and it is not broken: it starts full, held to the
-- caller's view refilled since (see refill), which after a refill's time
-- is as full as the idle time allows. One missing sooner was evicted or
-- flushed, and stays broken; so does one whose caller gave no time. The
-- plan's refill time is the bound, since a vanished hash says nothing of a
-- learned rate: one that had one (kept min_idle) and vanished sooner was
-- evicted, and comes back held to the caller's view, refilled.
local function idle(min_idle)
  if vanished and seen_ts > 0 and now - seen_ts >= rest_ms(min_idle, plan_rate, false) * 1000 then broken = false end
end

-- held: the caller saw the bucket, and it holds at most that view,
-- refilled since (see above).
local held = known

-- refill brings tokens up to now at rate. A bucket that never existed
-- starts full; a broken or vanished one empty; a count that is not a
-- finite number or a queue deeper than max_queue or max_queue_s is broken.
--
-- A bucket the caller saw (see held) is then held to the caller's view.
local function refill(rate)
  local cap = cap_of(rate)
  local deepest = -(cap + math.max(max_queue, rate * max_queue_s))
  if tokens ~= nil and not (tokens > deepest and tokens < math.huge and ts > -math.huge and ts < math.huge) then
    broken, tokens = true, nil
  end
  if tokens == nil then
    if broken then tokens = 0 else tokens = cap end
  else
    local elapsed = now - ts
    if elapsed < 0 then elapsed = 0 end -- Redis's clock went back (a failover), or a time from the future
    tokens = math.min(cap, tokens + elapsed * rate / 1000000)
  end
  if held then
    local elapsed = now - seen_ts
    if elapsed < 0 then elapsed = 0 end -- the clock went back: the view as it was
    -- A bucket evicted or flushed a moment ago: the fleet went on taking
    -- between the caller's view and the loss, at about the rate while it
    -- was busy, so the view is held as it was, without the refill since
    -- (issue 22: with the refill, 36 evictions in a run handed out 46
    -- turns twice).
    if vanished and broken then elapsed = 0 end
    local bound = math.max(deepest, seen_tokens + elapsed * rate / 1000000)
    if tokens > bound then tokens = bound end
  end
end

-- handed notes turn (µs) as handed out: the queue's tail is the latest.
local function handed(turn)
  if not tail or turn > tail then tail = turn end
end

-- save writes tokens as of now and keeps the hash until the bucket would be
-- full again, and at least rest_ms.
local function save(rate, min_idle)
  version = math.min(math.max(version, seen_n) + 1, 9007199254740992)
  redis.call('HSET', key, '` + fieldTokens + `', string.format('%.17g', tokens), '` + fieldTime + `', string.format('%.17g', now), '` + fieldVersion + `', string.format('%.17g', version))
  if tail then redis.call('HSET', key, '` + fieldTail + `', string.format('%.17g', tail)) end
  if bad_rate then redis.call('HDEL', key, '` + fieldRate + `') end
  local full_ms = (cap_of(rate) - tokens) * 1000 / rate
  redis.call('PEXPIRE', key, math.ceil(math.max(rest_ms(min_idle, rate, learned ~= nil), full_ms)))
end
`

// takeScript spends one token and returns {wait µs, ok 1}, followed by
// what the caller should pass as its view next time: {version, time µs,
// tokens left in millionths, rounded down}; or {wait µs, 0} when it spent
// nothing, and {0, 1} with no limit.
//
// ARGV[7] is the longest wait accepted, in µs (0: no cap); ARGV[8]
// min_idle.
//
// The rate is the learned one, else the plan's; with neither there is no
// limit and nothing is written. A caller that finds less than one token
// spends it all the same (the count goes below 0) and waits until it would
// have been there: that is a reservation, so concurrent callers queue one
// interval apart. A wait over the cap spends and writes nothing.
var takeScript = redis.NewScript(bucketLib + `
local rate = learned or plan_rate
if rate <= 0 then return {0, 1} end
idle(tonumber(ARGV[8]))
refill(rate)
local wait = 0
if tokens < 1 then
  wait = math.ceil((1 - tokens) * 1000000 / rate)
  local max_wait = tonumber(ARGV[7])
  if max_wait > 0 and wait > max_wait then return {wait, 0} end
end
tokens = tokens - 1
handed(now + wait)
save(rate, tonumber(ARGV[8]))
return {wait, 1, version, now, math.floor(tokens * 1000000)}
`)

// takeFleetScript is takeScript for TakeFleetBucket (store.FleetBucketStore):
// a take that may also be a heartbeat, and that a take ID makes
// idempotent. It returns {wait µs, ok, version, time µs, µtokens, live}:
// version 0 when nothing was written (no limit, or ok 0), live 0 without
// a heartbeat.
//
// KEYS[1] is the bucket, KEYS[2] the take's ID key, KEYS[3] the members
// (KEYS[1] stands in for an unused one: every key is in the seller's hash
// slot). ARGV[1..8] are takeScript's; ARGV[9] how long the ID is
// remembered, in ms (0: no ID); ARGV[10] the member to renew (”: no
// heartbeat), ARGV[11] its ttl and ARGV[12] the longest a member may be
// alive for, in µs (see heartbeatScript).
//
// A take whose ID key holds a result returns it and spends nothing: its
// first sending was applied, and this one is its client trying again
// after a lost or late reply (issue 22, defect 6: each such retry spent a
// second token, up to 34 429s). A result is five finite numbers, else it
// is not ours and is ignored.
var takeFleetScript = redis.NewScript(membersLib + `
local id_ttl = tonumber(ARGV[9])
local live = 0
if ARGV[10] ~= '' then
  local t0 = redis.call('TIME')
  live = beat(KEYS[3], ARGV[10], tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(t0[1]) * 1000000 + tonumber(t0[2]))
end
if id_ttl > 0 and redis.call('TYPE', KEYS[2])['ok'] == 'string' and redis.call('STRLEN', KEYS[2]) <= 128 then
  local r = {}
  for x in string.gmatch(redis.call('GET', KEYS[2]), '%S+') do
    local v = tonumber(x)
    if v == nil or v ~= v or v > 9007199254740992 or v < -9007199254740992 then r = nil break end
    r[#r + 1] = v
  end
  if r and #r == 5 and r[1] >= 0 and r[2] == 1 then
    r[6] = live
    return r
  end
end
` + bucketLib + `
local rate = learned or plan_rate
if rate <= 0 then return {0, 1, 0, 0, 0, live} end
idle(tonumber(ARGV[8]))
refill(rate)
local wait = 0
if tokens < 1 then
  wait = math.ceil((1 - tokens) * 1000000 / rate)
  local max_wait = tonumber(ARGV[7])
  if max_wait > 0 and wait > max_wait then return {wait, 0, 0, 0, 0, live} end
end
tokens = tokens - 1
handed(now + wait)
save(rate, tonumber(ARGV[8]))
local left = math.floor(tokens * 1000000)
if id_ttl > 0 then
  redis.call('SET', KEYS[2], string.format('%.17g 1 %.17g %.17g %.17g', wait, version, now, left), 'PX', id_ttl)
end
return {wait, 1, version, now, left, live}
`)

// refundScript gives back the token of a take whose request was not sent
// (its caller left before its turn), up to the capacity, if no later turn
// counts on it. ARGV[7] is min_idle, ARGV[8] the take's turn (its time
// plus its wait, µs). It returns {tokens given back, version, time µs,
// tokens left in millionths, rounded down}: the caller's next view; or {0}
// when it wrote nothing: a bucket that is missing or broken is left alone.
//
// Only the last turn handed out (fieldTail, within 2 µs of rounding) is
// given back: a waiter that leaves from the middle of the queue while
// those behind keep their turns would otherwise hand the last waiter's
// turn to the next caller, two requests at once (issue 22, defect 2: at
// burst 1, one leaver made a 429). Its turn becomes a gap instead (at most
// maxGaps, forgotten once passed), and comes back when the tail moves back
// over it: the tail moves back one interval per turn given back, so many
// waiters that leave together, in any order, give back every token.
var refundScript = redis.NewScript(bucketLib + `
local rate = learned or plan_rate
if rate <= 0 or tokens == nil then return {0} end
refill(rate)
if broken then return {0} end
local turn = tonumber(ARGV[8])
local step = 1000000 / rate
local gaps = {}
for g in string.gmatch(gaps_raw or '', '[^ ]+') do
  if #gaps >= ` + maxGapsLua + ` then break end
  local v = tonumber(g)
  if v and v > now and v < math.huge then gaps[#gaps + 1] = v end
end
local back = 0
if tail and turn >= tail - 2 then
  back, tail = 1, turn - step
  local i = 1
  while i <= #gaps do
    if gaps[i] >= tail - 2 then
      tail = gaps[i] - step
      table.remove(gaps, i)
      back, i = back + 1, 1
    else
      i = i + 1
    end
  end
elseif turn > now and #gaps < ` + maxGapsLua + ` then
  gaps[#gaps + 1] = turn
end
tokens = math.min(cap_of(rate), tokens + back)
if #gaps > 0 then
  for i, g in ipairs(gaps) do gaps[i] = string.format('%.17g', g) end
  redis.call('HSET', key, '` + fieldGaps + `', table.concat(gaps, ' '))
else
  redis.call('HDEL', key, '` + fieldGaps + `')
end
save(rate, tonumber(ARGV[7]))
return {back, version, now, math.floor(tokens * 1000000)}
`)

// maxGapsLua is the most gaps a bucket remembers (see refundScript); past
// it, a leaver's token stays spent.
const maxGapsLua = "64"

// observeScript records a reply: ARGV[7] the rate it stated (0: none),
// ARGV[8] 1 if it was a 429; ARGV[9] min_idle. It returns 1 if it wrote.
//
// Tokens are first brought up to now at the old rate, so a new rate prices
// only the time after it was learned. A 429 takes every whole and partial
// token left (tokens - ceil(tokens)), so the next caller waits at least one
// full interval; a bucket already at or below 0 keeps its queue.
var observeScript = redis.NewScript(bucketLib + `
local new_rate = tonumber(ARGV[7])
local old_rate = learned or plan_rate
local rate = old_rate
if new_rate > 0 then rate = new_rate end
if rate <= 0 then return 0 end
idle(tonumber(ARGV[9]))
if old_rate > 0 then
  refill(old_rate)
  tokens = math.min(tokens, cap_of(rate))
else
  refill(rate)
end
if ARGV[8] == '1' and tokens > 0 then tokens = tokens - math.ceil(tokens) end
if new_rate > 0 then
  redis.call('HSET', key, '` + fieldRate + `', string.format('%.17g', new_rate))
  bad_rate, learned = false, new_rate
end
save(rate, tonumber(ARGV[9]))
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
