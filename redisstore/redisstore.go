// Package redisstore implements [store.Store] on Redis (go-redis v9), so a
// fleet of processes working for one seller shares one LWA access token, one
// RDT per path and one rate-limit budget per operation:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
//	store := redisstore.New(rdb) // set it as client.Config.Store
//
// # What is stored
//
// The client makes every key ("{<hash>}:lwa", "{<hash>}:rdt:<hash>",
// "{<hash>}:rate:<operation>") and seals every token before the store sees
// it; the store prefixes each key (default "spapi:", see [WithPrefix]) and
// keeps:
//
//   - tokens (Get, Set, DeleteIf): a string of at most
//     [store.MaxStoreValueSize] bytes with the caller's TTL (SET with PX,
//     or EX for whole seconds), rounded up to a millisecond; DeleteIf is a
//     compare-and-delete script, so a token that the API rejected is
//     dropped but a newer one that another process stored is not;
//   - locks (Lock): a script that sets a random token with PX unless a
//     holder has the lock; unlock is the same compare-and-delete, so a
//     holder whose lock expired never deletes the next holder's;
//   - rate-limit buckets (Take, Observe): a hash per operation with the
//     tokens left, the time they were counted (µs, Redis's clock), the
//     rate learned from replies and a version counted up by each write. It lives until the bucket would be full
//     again, and at least an hour of no use, so a learned rate survives a
//     lull.
//
// # Untrusted values
//
// Redis is shared infrastructure: anything that can write to it can leave
// any value under any key. The store reads nothing it has not checked, in
// the same round trip: Get returns a key of another type, or a string over
// store.MaxStoreValueSize, as absent without sending it (a 64 MiB value
// costs one small reply, not 64 MiB); Lock takes over a lock with no TTL,
// a TTL beyond its own, another type or a value that is no token; DeleteIf
// and unlock compare lengths before they read. None of these is an error,
// so garbage never trips the client's breaker. What a value means (a
// sealed token that does not open, a stale one) is the client's to check.
//
// # The token bucket
//
// Take and Observe are Lua scripts on Redis's own clock (TIME). Take refills
// the bucket (rate × elapsed, up to the burst) and spends a token; with less
// than one token left it spends it anyway (the count goes below zero) and
// returns how long until that token exists, so concurrent callers in any
// process queue one interval apart. Observe stores a rate a reply stated,
// after refilling at the old rate, so the queue is re-priced at the new rate
// from that moment; a 429 empties the bucket, the fraction of a token
// included.
//
// TakeBucket and Refund ([store.BucketStore]) add what a fleet needs to
// waste no budget: the client's safety margin taken off the burst as a
// time (50 ms at 0.5/s is 0.025 token, not a whole one); a token given back
// by a caller that left before its turn, wherever it stood in the queue; and
// a bucket that vanished (evicted, flushed, a replica that never had it) or
// went back in time (an old RDB, a lagging replica promoted) held to what
// the caller saw after its last take (store.BucketView): a version, kept
// in the hash and counted up by every write, tells an old copy from the
// bucket the caller last took from, and such a bucket holds no more than
// the tokens the caller saw, refilled since. So the queue of turns the
// fleet had handed out stays ahead of the next caller, rather than coming
// back full (or empty, with the queue forgotten), which would be a burst;
// a missing bucket starts empty at most, as after a 429.
//
// A bucket's fields are not trusted: anyone who can write to Redis can
// write them. A key of another type is replaced; a learned rate outside
// what the client accepts from a header (1e-4 to 1e5 per second) is
// dropped for the plan's; tokens that are not a finite number or a queue
// deeper than any the fleet could have made (1,024 callers or 10 minutes of
// the rate, whichever is more) make the bucket start empty; a time in the
// future counts as now. So garbage never fails a call, never stops
// limiting, and never sets a wait of years.
//
// Why not GCRA (github.com/go-redis/redis_rate): GCRA stores a theoretical
// arrival time, the queue of requests converted to time at the rate each
// caller passed when it joined. A new rate does not re-price that queue:
// processes that start at a published 1/s and then learn 20/s leave the
// shared time seconds in the future (3.6 s measured with four processes).
// Its API also has no way to store a learned rate or to empty the bucket
// after a 429. Stored tokens handle both: a new rate changes how fast they
// come back, and a drain is a subtraction.
//
// # Failures
//
// The store does not retry, cache or hide errors: each method returns
// Redis's or the network's error, naming the key (never a value). The client
// bounds every call with a short timeout and falls back to its in-process
// state. Every method returns when ctx ends, whatever the go-redis options:
// by default go-redis ignores context deadlines while it waits for a reply
// (Options.ContextTimeoutEnabled false: a hung server holds a call for the
// 5 s ReadTimeout), so the store then waits for the call in a goroutine and
// stops waiting when ctx ends; the call goes on until go-redis gives up and
// its result is dropped (a lock it took is released). That goroutine costs
// tens of microseconds a call on a small machine; a client made with
// ContextTimeoutEnabled, given a context with a deadline, needs none.
//
// # Redis Cluster
//
// Every command and script touches one key, so any [redis.UniversalClient]
// works: a Client, a ClusterClient or a Ring. The client's keys start with a
// hash tag ("{<hash>}"), so one seller's keys share a slot; a prefix that
// holds braces of its own would become the tag instead (still correct, but
// every seller's keys would share one slot).
package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/store"
)

// DefaultPrefix starts every key unless WithPrefix says otherwise.
const DefaultPrefix = "spapi:"

// releaseTimeout bounds the release of a lock whose Lock call was abandoned
// because its context ended.
const releaseTimeout = 5 * time.Second

// Store is a [store.Store] on Redis. It is safe for concurrent use.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	// ctxDeadlines: rdb gives up at a context's deadline by itself
	// (ContextTimeoutEnabled), so a call with a deadline needs no watcher.
	ctxDeadlines bool

	// The scripts that check values before they read them (scripts.go).
	get, lock, delIfEq script

	// cluster is rdb when it is a Cluster client: a call that fails makes
	// it reload its slot map (see slotsSuspect).
	cluster *redis.ClusterClient

	// hooks are bounded's test seams; nil outside tests. They hang on the
	// Store, not on the package, so that a test's hooks are never run, or
	// raced on, by a call of another test's Store still in flight.
	hooks *boundedHooks
}

// script is a Lua script and whether this Store has sent its body once.
// The first call sends EVAL, which also caches the script on the server,
// and later calls EVALSHA: one round trip each, where go-redis's Script.Run
// would start a fresh process with an EVALSHA that fails (NOSCRIPT) and an
// EVAL, two round trips when a first call's latency matters most.
type script struct {
	*redis.Script
	sent atomic.Bool
}

// run runs sc with keys and args: EVAL the first time, then EVALSHA, and
// EVAL again if the server lost its script cache (a restart, SCRIPT FLUSH).
func (s *Store) run(ctx context.Context, sc *script, keys []string, args ...any) *redis.Cmd {
	if !sc.sent.Load() {
		cmd := sc.Eval(ctx, s.rdb, keys, args...)
		var rerr redis.Error
		if cmd.Err() == nil || errors.As(cmd.Err(), &rerr) {
			sc.sent.Store(true) // the server ran it (redis.Nil included), so it has it
		}
		return cmd
	}
	cmd := sc.EvalSha(ctx, s.rdb, keys, args...)
	if isNoScript(cmd.Err()) {
		return sc.Eval(ctx, s.rdb, keys, args...)
	}
	return cmd
}

// isNoScript is the server's reply to EVALSHA of a script it does not have.
func isNoScript(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT")
}

var (
	_ store.Store       = (*Store)(nil)
	_ store.BucketStore = (*Store)(nil)
)

// Option configures a Store.
type Option func(*Store)

// WithPrefix makes every key start with prefix instead of DefaultPrefix
// ("spapi:"); "" means no prefix. Stores with different prefixes share
// nothing.
func WithPrefix(prefix string) Option {
	return func(s *Store) { s.prefix = prefix }
}

// New returns a Store on rdb. It does no I/O; rdb stays the caller's to
// configure and close.
func New(rdb redis.UniversalClient, opts ...Option) *Store {
	s := &Store{rdb: rdb, prefix: DefaultPrefix}
	s.get.Script, s.lock.Script, s.delIfEq.Script = getScript, lockScript, delIfEqScript
	for _, o := range opts {
		o(s)
	}
	switch c := rdb.(type) {
	case *redis.Client:
		s.ctxDeadlines = c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		s.ctxDeadlines = c.Options().ContextTimeoutEnabled
		s.cluster = c
	}
	return s
}

// slotsSuspect tells a Cluster client to reload its slot map after a call
// failed. go-redis reloads it by itself only on a MOVED reply or every
// ClusterStateReloadInterval (60 s by default): after a failover, a client
// whose master died keeps sending that master's slots to a dead address
// until then (issue 22: sharing came back 66 s after the cluster was
// healthy again). A reload is cheap and go-redis runs one at a time, so
// every failure may ask; a caller that left (context.Canceled) says nothing
// about Redis and does not.
func (s *Store) slotsSuspect(err error) {
	if s.cluster != nil && err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, redis.Nil) {
		s.cluster.ReloadState(context.Background())
	}
}

// Get implements store.Store with a script that checks before it reads:
// a key that holds no string, or a string longer than
// store.MaxStoreValueSize, is reported as absent (nil, no error) and never
// sent, so garbage that another writer left costs one round trip, not a
// read of megabytes, and does not fail the store.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	k := s.prefix + key
	v, err := bounded(ctx, s, func(ctx context.Context) ([]byte, error) {
		v, err := s.run(ctx, &s.get, []string{k}, store.MaxStoreValueSize).Text()
		if errors.Is(err, redis.Nil) {
			return nil, nil
		}
		return []byte(v), err
	}, nil)
	if err != nil {
		return nil, opError("get", k, err)
	}
	return v, nil
}

// Set implements store.Store: SET with the ttl rounded up to a millisecond.
// A ttl of 0 or less, or a value longer than store.MaxStoreValueSize, is an
// error: nothing is stored without an expiry, or that Get would not return.
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	k := s.prefix + key
	if ttl <= 0 {
		return opError("set", k, fmt.Errorf("ttl %v is not positive", ttl))
	}
	if len(value) > store.MaxStoreValueSize {
		return opError("set", k, fmt.Errorf("value of %d bytes: must be at most %d", len(value), store.MaxStoreValueSize))
	}
	_, err := bounded(ctx, s, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, s.rdb.Set(ctx, k, value, ceilMs(ttl)).Err()
	}, nil)
	return opError("set", k, err)
}

// DeleteIf implements store.Store: a script deletes key only if it still
// holds value.
func (s *Store) DeleteIf(ctx context.Context, key string, value []byte) error {
	k := s.prefix + key
	_, err := bounded(ctx, s, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, s.run(ctx, &s.delIfEq, []string{k}, value).Err()
	}, nil)
	return opError("delete", k, err)
}

// Lock implements store.Store: a script sets key to a random token with
// PX ttl unless a holder has it. A lock is held only while it looks like
// one (a token-sized string that expires within ttl); a key with no TTL,
// a TTL longer than ttl, another type or another value is broken and taken
// over, so a stray write never stops the fleet's fetches. unlock deletes
// key only if it still holds this holder's token, so it never releases a
// lock that expired and was taken by another holder; it may be called more
// than once.
func (s *Store) Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(context.Context) error, ok bool, err error) {
	k := s.prefix + key
	if ttl <= 0 {
		return nil, false, opError("lock", k, fmt.Errorf("ttl %v is not positive", ttl))
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	token := hex.EncodeToString(b[:])
	unlock = func(ctx context.Context) error {
		_, err := bounded(ctx, s, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, s.run(ctx, &s.delIfEq, []string{k}, token).Err()
		}, nil)
		return opError("unlock", k, err)
	}
	ttlMs := ceilMs(ttl).Milliseconds()
	ok, err = bounded(ctx, s, func(ctx context.Context) (bool, error) {
		n, err := s.run(ctx, &s.lock, []string{k}, token, ttlMs).Int64()
		return n == 1, err
	}, func(ok bool) {
		// The caller gave up before the reply came: release a lock
		// that nobody will unlock. (A lock whose reply was lost
		// otherwise, e.g. go-redis gave up at the deadline, is held
		// until ttl.)
		if ok {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
			defer cancel()
			_ = s.run(ctx, &s.delIfEq, []string{k}, token).Err()
		}
	})
	if err != nil {
		return nil, false, opError("lock", k, err)
	}
	if !ok {
		return nil, false, nil
	}
	return unlock, true, nil
}

// Take implements store.Store with one EVALSHA, one round trip (the first
// call after the server started or flushed its scripts adds an EVAL); see
// the package documentation. The wait has microsecond precision, rounded
// up; when ok, it is at most maxWait (maxWait <= 0: no cap). A NaN,
// infinite or negative rate, or a negative burst, is an error.
func (s *Store) Take(ctx context.Context, key string, b store.Rate, maxWait time.Duration) (wait time.Duration, ok bool, err error) {
	r, err := s.take(ctx, key, store.BucketPlan{Rate: b}, maxWait, store.BucketView{})
	return r.Wait, r.OK, err
}

// TakeBucket implements store.BucketStore: Take with the margin taken off
// the burst as time, and the bucket held to seen's tokens refilled since
// (whatever its version; one that vanished a moment ago, to seen's tokens
// as they were). Like Take, one
// EVALSHA. A seen with a negative version or time, or tokens that are not
// a finite number, is an error.
func (s *Store) TakeBucket(ctx context.Context, key string, p store.BucketPlan, maxWait time.Duration, seen store.BucketView) (store.BucketTake, error) {
	return s.take(ctx, key, p, maxWait, seen)
}

// maxMargin bounds the margin a caller may ask for.
const maxMargin = time.Second

// maxVersion is the highest bucket version: the scripts count in doubles.
const maxVersion = 1 << 53

func (s *Store) take(ctx context.Context, key string, p store.BucketPlan, maxWait time.Duration, seen store.BucketView) (store.BucketTake, error) {
	k := s.prefix + key
	if err := checkPlan(p, 0); err != nil {
		return store.BucketTake{}, opError("take", k, err)
	}
	seenUs, err := checkView(seen)
	if err != nil {
		return store.BucketTake{}, opError("take", k, err)
	}
	maxUs := 0.0
	if maxWait > 0 {
		maxUs = float64(maxWait) / float64(time.Microsecond)
	}
	res, err := bounded(ctx, s, func(ctx context.Context) ([]int64, error) {
		return takeScript.Run(ctx, s.rdb, []string{k},
			formatFloat(p.Rate.PerSecond), p.Rate.Burst, formatFloat(p.Margin.Seconds()),
			seen.Version, seenUs, formatFloat(seen.Tokens),
			formatFloat(maxUs), minIdle).Int64Slice()
	}, nil)
	// {wait, ok} (nothing written: no limit, or a wait over maxWait), or
	// {wait, 1, version, time, µtokens}.
	if err == nil && !(len(res) == 2 || len(res) == 5 && res[1] == 1) {
		err = fmt.Errorf("unexpected reply %v", res)
	}
	if err != nil {
		return store.BucketTake{}, opError("take", k, err)
	}
	// The script bounds the wait by what the plan allows; a negative one
	// (a reply from something else than the script) is no wait.
	r := store.BucketTake{Wait: time.Duration(max(res[0], 0)) * time.Microsecond, OK: res[1] == 1}
	if len(res) == 5 {
		r.View = store.BucketView{Version: res[2], Time: time.UnixMicro(res[3]), Tokens: float64(res[4]) / 1e6}
	}
	return r, nil
}

// checkView checks what a caller says it saw of a bucket, and returns its
// time in µs (0 for none).
func checkView(v store.BucketView) (int64, error) {
	if v.Version < 0 || v.Version > maxVersion {
		return 0, fmt.Errorf("invalid view: version %d (want 0 to 2^53)", v.Version)
	}
	if math.IsNaN(v.Tokens) || math.IsInf(v.Tokens, 0) {
		return 0, fmt.Errorf("invalid view: tokens %v (want a finite number)", v.Tokens)
	}
	if v.Time.IsZero() {
		return 0, nil
	}
	us := v.Time.UnixMicro()
	if us < 0 {
		return 0, fmt.Errorf("invalid view: time %v (want after 1970)", v.Time)
	}
	return us, nil
}

// Refund implements store.BucketStore with one EVALSHA: the token of the
// take taken back, up to the bucket's capacity, when its turn is the last
// handed out (else a gap, given back with the turns after it); a missing
// or broken bucket is left alone. A take with no view (nothing spent) is
// nothing to give back.
func (s *Store) Refund(ctx context.Context, key string, p store.BucketPlan, taken store.BucketTake) (store.BucketView, error) {
	k := s.prefix + key
	if err := checkPlan(p, 0); err != nil {
		return store.BucketView{}, opError("refund", k, err)
	}
	if taken.Wait < 0 {
		return store.BucketView{}, opError("refund", k, fmt.Errorf("invalid take: wait %v (want 0 or more)", taken.Wait))
	}
	takenUs, err := checkView(taken.View)
	if err != nil {
		return store.BucketView{}, opError("refund", k, err)
	}
	if p.Rate.PerSecond == 0 || !taken.OK || takenUs == 0 {
		return store.BucketView{}, nil
	}
	turn := takenUs + taken.Wait.Microseconds()
	res, err := bounded(ctx, s, func(ctx context.Context) ([]int64, error) {
		return refundScript.Run(ctx, s.rdb, []string{k},
			formatFloat(p.Rate.PerSecond), p.Rate.Burst, formatFloat(p.Margin.Seconds()), 0, 0, 0, minIdle, turn).Int64Slice()
	}, nil)
	// {0} (nothing written) or {given back, version, time, µtokens}.
	if err == nil && len(res) != 1 && len(res) != 4 {
		err = fmt.Errorf("unexpected reply %v", res)
	}
	if err != nil || len(res) == 1 {
		return store.BucketView{}, opError("refund", k, err)
	}
	return store.BucketView{Version: res[1], Time: time.UnixMicro(res[2]), Tokens: float64(res[3]) / 1e6}, nil
}

// Observe implements store.Store with one EVALSHA; learned 0 and
// throttled false is a no-op that sends nothing. learned must be 0 or a
// finite positive rate.
func (s *Store) Observe(ctx context.Context, key string, b store.Rate, learned float64, throttled bool) error {
	k := s.prefix + key
	if err := checkRate(b, learned); err != nil {
		return opError("observe", k, err)
	}
	if learned == 0 && !throttled {
		return nil
	}
	_, err := bounded(ctx, s, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, observeScript.Run(ctx, s.rdb, []string{k},
			formatFloat(b.PerSecond), b.Burst, 0, 0, 0, 0, formatFloat(learned), boolArg(throttled), minIdle).Err()
	}, nil)
	return opError("observe", k, err)
}

// boolArg is a script's 1 or 0.
func boolArg(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkPlan is checkRate with the margin, which must be within
// [0, maxMargin].
func checkPlan(p store.BucketPlan, learned float64) error {
	if p.Margin < 0 || p.Margin > maxMargin {
		return fmt.Errorf("invalid margin %v (want 0 to %v)", p.Margin, maxMargin)
	}
	return checkRate(p.Rate, learned)
}

// checkRate rejects rates that the scripts cannot price.
func checkRate(b store.Rate, learned float64) error {
	for _, r := range [...]float64{b.PerSecond, learned} {
		if math.IsNaN(r) || math.IsInf(r, 0) || r < 0 {
			return fmt.Errorf("invalid rate %v per second", r)
		}
	}
	if b.Burst < 0 {
		return fmt.Errorf("invalid burst %d", b.Burst)
	}
	return nil
}

// bounded runs f and returns its result, or ctx's error as soon as ctx ends.
// go-redis honours a context's deadline only when the client was made with
// ContextTimeoutEnabled; otherwise it waits for a reply up to its
// ReadTimeout (5 s by default), so f then runs in a goroutine that the
// caller stops waiting for. abandoned, if not nil, receives the result of a
// call that finished after the caller gave up.
//
// On a Cluster client, a call that no node received (a refused dial: a
// master that died, whose slots the client still sends to its address)
// makes the client reload its slot map and is tried once more after
// clusterReloadWait, within ctx: once a replica has taken over, the call
// reaches it instead of failing, which is what lets a probe of a store put
// aside succeed as soon as the cluster is healthy again.
func bounded[T any](ctx context.Context, s *Store, f func(context.Context) (T, error), abandoned func(T)) (T, error) {
	v, err := boundedCall(ctx, s, f, abandoned)
	if err != nil && s.cluster != nil && notSent(err) {
		s.cluster.ReloadState(context.Background())
		t := time.NewTimer(clusterReloadWait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
			v, err = boundedCall(ctx, s, f, abandoned)
		}
	}
	if err != nil {
		s.slotsSuspect(err)
	}
	return v, err
}

// clusterReloadWait is how long a call that no node received waits for a
// Cluster client's slot map to reload before it is tried again.
const clusterReloadWait = 100 * time.Millisecond

// notSent reports whether err says that no server received the command: a
// dial that failed, or a cluster that refused it whole (CLUSTERDOWN,
// TRYAGAIN), so that sending it again cannot apply it twice.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	msg := err.Error()
	return strings.HasPrefix(msg, "CLUSTERDOWN") || strings.HasPrefix(msg, "TRYAGAIN")
}

func boundedCall[T any](ctx context.Context, s *Store, f func(context.Context) (T, error), abandoned func(T)) (T, error) {
	done := ctx.Done()
	if done == nil {
		return f(ctx)
	}
	if err := ctx.Err(); err != nil { // spend nothing for a caller that left
		var zero T
		return zero, err
	}
	if _, ok := ctx.Deadline(); ok && s.ctxDeadlines {
		return f(ctx)
	}
	type result struct {
		v   T
		err error
	}
	var (
		mu     sync.Mutex
		gaveUp bool
		ch     = make(chan result, 1)
	)
	h := s.hooks
	go func() {
		defer h.done()
		v, err := f(ctx)
		h.replied()
		// The check and the send are one step under mu: a caller that
		// gives up between them would otherwise never receive the
		// result, and a lock it took would be held until its TTL.
		mu.Lock()
		late := gaveUp
		if !late {
			ch <- result{v, err} // buffered: never blocks
		}
		mu.Unlock()
		if late && err == nil && abandoned != nil {
			abandoned(v)
		}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-done:
		mu.Lock()
		defer mu.Unlock()
		select {
		case r := <-ch: // it finished after all
			return r.v, r.err
		default:
		}
		gaveUp = true
		h.gaveUp()
		var zero T
		return zero, ctx.Err()
	}
}

// boundedHooks are the test seams of bounded: Replied runs in the call's
// goroutine when the reply is in, GaveUp when the caller has given up on
// it, and Done when the call's goroutine ends. A nil *boundedHooks, or a
// nil func, does nothing.
type boundedHooks struct {
	Replied, GaveUp, Done func()
}

func (h *boundedHooks) replied() {
	if h != nil && h.Replied != nil {
		h.Replied()
	}
}

func (h *boundedHooks) gaveUp() {
	if h != nil && h.GaveUp != nil {
		h.GaveUp()
	}
}

func (h *boundedHooks) done() {
	if h != nil && h.Done != nil {
		h.Done()
	}
}

// opError names the operation and the key (never a value) in err.
func opError(op, key string, err error) error {
	if err == nil {
		return nil
	}
	return &opErr{op: op, key: key, err: err}
}

// opErr is the error of a Store call: the operation, the key it was on (a
// name made of hashes, never a credential) and the cause, which errors.Is
// and errors.As reach (context.DeadlineExceeded, a net error, a
// redis.Error).
type opErr struct {
	op  string // "get", "set", "delete", "lock", "unlock", "take", "refund", "observe"
	key string // the full key, prefix included
	err error
}

func (e *opErr) Error() string { return "redisstore: " + e.op + " " + e.key + ": " + e.err.Error() }

func (e *opErr) Unwrap() error { return e.err }

// ceilMs rounds d up to a whole millisecond, the unit of PX.
func ceilMs(d time.Duration) time.Duration {
	return (d + time.Millisecond - 1) / time.Millisecond * time.Millisecond
}

// formatFloat writes f so that Lua's tonumber reads it back exactly.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
