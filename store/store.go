// Package store is the protocol by which the processes of a fleet share one
// seller's state: the LWA access token, the RDT cache and the rate-limit
// buckets. Package client speaks it (Config.Store), package redisstore
// implements it on Redis; it imports nothing but the standard library, so a
// Store implementation depends on neither.
package store

import (
	"context"
	"time"
)

// MaxStoreValueSize is the longest value the client stores (a sealed LWA
// token or RDT takes a few hundred bytes): a Store reports a longer value
// as absent, and need not read it.
const MaxStoreValueSize = 8 << 10

// Store holds the state that a fleet of processes for one seller shares:
// the LWA access token, the RDT cache and the per-operation rate-limit
// buckets. SP-API usage plans are per selling partner and application, not
// per process, so workers that each keep their own state spend one budget
// several times over and fetch one token several times. Set client.Config.Store to
// share it; package redisstore implements Store on Redis.
//
// The client makes every key and seals every value before a Store sees it:
//
//   - A key is "{" + a keyed hash (HMAC-SHA256, under a key derived from the
//     refresh token, or a grantless client's secret) of the endpoint, client
//     ID and refresh token (or scope) + "}:" + a name such as "lwa",
//     "rdt:<keyed hash>" or "rate:<operation>". It never holds a credential,
//     two sellers never share one, nobody without the secret can compute
//     one, and the part in braces is a Redis Cluster hash tag, so one
//     seller's keys share a slot.
//   - A token value is sealed with AES-256-GCM under a key derived from the
//     credentials, so a dump of the store gives no usable token.
//
// A Store is never trusted to be up: the client bounds each call with a short
// timeout, falls back to its in-process state when a call fails, and tries
// the store again a little later. Implementations must be safe for
// concurrent use and should honour ctx.
//
// A Store is not trusted either: anyone who can write to it can leave
// garbage under any key. The client treats a value that does not open (or
// decode, or that is stale) as absent; a Store must return any value it
// cannot vouch for (another type, longer than MaxStoreValueSize) as absent
// without reading it whole, and treat a lock that does not look like one
// (no expiry, an expiry beyond ttl, another type) as free.
type Store interface {
	// Get returns the value under key, or nil and no error when there is none.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key for ttl.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// DeleteIf deletes key if it still holds value (a token the API
	// rejected), and leaves a newer value alone.
	DeleteIf(ctx context.Context, key string, value []byte) error

	// Lock takes the lock named key for at most ttl. It returns ok false,
	// and no error, when another holder has it. unlock releases the lock if
	// this holder still has it.
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(context.Context) error, ok bool, err error)

	// Take spends one request from the token bucket named key and returns
	// how long the caller must wait before sending it (0: at once). The
	// bucket refills at b.PerSecond up to b.Burst, by the store's clock; a
	// rate recorded by Observe wins over b.PerSecond, and b.PerSecond 0
	// with no recorded rate means no limit (wait 0, nothing spent). When
	// the wait would exceed maxWait, nothing is spent and ok is false.
	Take(ctx context.Context, key string, b Rate, maxWait time.Duration) (wait time.Duration, ok bool, err error)
	// Observe records what a reply said about the bucket named key: the
	// rate the server stated (0: none), which later Takes use, and whether
	// it was a 429, which empties the bucket, a fraction of a token
	// included.
	Observe(ctx context.Context, key string, b Rate, learned float64, throttled bool) error
}

// BucketStore is what a Store may add to its rate-limit buckets so that a
// fleet wastes no budget; redisstore implements it, and the client uses it
// whenever its Store does. Without it, a Store's buckets keep the margin as
// a whole token, a caller that gives up keeps its place spent, and a bucket
// that vanished or went back in time starts full.
type BucketStore interface {
	// TakeBucket is Take with the plan's margin and the caller's history.
	// p.Rate.Burst is the server's burst and p.Margin is taken off it as
	// time (p.Rate.PerSecond × p.Margin tokens, at most one). seen is the
	// View the caller's last TakeBucket or Refund on key returned (zero:
	// none). The bucket holds no more than seen's tokens refilled since,
	// whatever its version (missing, evicted, flushed, a stale replica or
	// an old copy, even one another caller has written to since), so the
	// turns the fleet had handed out are not given again; a missing one
	// starts empty at most, as after a 429.
	TakeBucket(ctx context.Context, key string, p BucketPlan, maxWait time.Duration, seen BucketView) (BucketTake, error)
	// Refund gives back the token that the TakeBucket taken spent, for a
	// request that will not be sent (its caller left before its turn), if
	// no later turn counts on it: only the last turn handed out is given
	// back at once; one from the middle of the queue comes back when every
	// turn after it has. The bucket never holds more than its capacity,
	// and a missing one is left alone. It returns the bucket's View as the
	// refund left it, the caller's next seen (zero: nothing written).
	Refund(ctx context.Context, key string, p BucketPlan, taken BucketTake) (BucketView, error)
}

// BucketPlan is the plan a BucketStore's bucket runs at.
type BucketPlan struct {
	Rate   Rate          // the rate (with the client's margin) and the server's burst
	Margin time.Duration // the safety margin, as time, taken off the burst
}

// BucketTake is the result of a BucketStore's TakeBucket.
type BucketTake struct {
	Wait time.Duration // how long the caller waits for its turn (0: at once)
	OK   bool          // false: the wait would exceed maxWait, and nothing was spent
	View BucketView    // the bucket as this take left it (when OK): the next TakeBucket's seen
	// Live is, after a TakeFleetBucket with a heartbeat (TakeOptions.Members),
	// how many members of the fleet are alive, this one included; 0
	// otherwise.
	Live int
}

// FleetBucketStore is what a BucketStore that also counts a fleet's
// members (FleetMembers) may add so that a call costs one round trip to
// the store, and a take the store applied but whose reply was lost is not
// spent twice when it is sent again (redisstore implements it). The client
// uses it whenever its Store does; without it, a heartbeat is a round trip
// of its own (about one per second per seller, so two per call for a seller
// that calls every few seconds), and a take sent again spends again.
type FleetBucketStore interface {
	// TakeFleetBucket is TakeBucket with o: a take named by an ID that
	// a take on key already used within TakeIDTTL returns that take's
	// result and spends nothing; and a heartbeat (o.Members), as
	// FleetMembers.Heartbeat's, in the same round trip, its count of
	// live members in the result's Live. key and o.Members are the
	// same seller's keys, so they share a Redis Cluster hash slot.
	TakeFleetBucket(ctx context.Context, key string, p BucketPlan, maxWait time.Duration, seen BucketView, o TakeOptions) (BucketTake, error)
}

// TakeIDTTL is how long a FleetBucketStore remembers a take by its ID: longer
// than a client tries one take for (a few timeouts of at most a second).
const TakeIDTTL = 5 * time.Second

// TakeOptions are what a TakeFleetBucket does besides a TakeBucket.
type TakeOptions struct {
	// ID names this take, unique across the fleet ("": none): sent again
	// (its reply was lost, or came too late), it returns the result of
	// the take the store applied instead of spending a second token.
	ID string
	// Members, if not "", is the key of the fleet's live members, in
	// which Member is renewed for MemberTTL, as by FleetMembers.Heartbeat.
	Members, Member string
	MemberTTL       time.Duration
}

// BucketView is what a caller saw of a shared bucket as its last take
// left it. The client keeps one per bucket and passes it to the next
// TakeBucket, so that a bucket that went back in time (an old copy of
// Redis, a lagging replica promoted, an eviction) is caught by its version
// and held to what this process knew: the queue of turns the fleet had
// handed out is still ahead, whatever the copy says.
type BucketView struct {
	Version int64     // the bucket's count of writes; 0: never seen
	Time    time.Time // when, by the store's clock
	Tokens  float64   // the tokens left; below 0, the queue of turns handed out
}

// Rate is a usage plan: a steady rate and a burst.
type Rate struct {
	PerSecond float64
	Burst     int
}

// FleetMembers is implemented by a Store that can count the live processes
// of a fleet (package redisstore does). With it, a process that cannot
// reach the store runs at its share of the budget, rate / N with N the
// members it last saw, instead of the whole budget: N processes falling
// back at once then still send about one budget, not N.
type FleetMembers interface {
	// Heartbeat notes that member is alive under key for ttl, forgets the
	// members whose ttl has passed, and returns how many are alive,
	// member included.
	Heartbeat(ctx context.Context, key, member string, ttl time.Duration) (live int, err error)
}
