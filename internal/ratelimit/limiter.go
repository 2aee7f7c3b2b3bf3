// Package ratelimit is the client's rate-limit arithmetic: the token bucket
// with its safety margin, the per-operation limiter that waits rather than
// drops, and the x-amzn-RateLimit-Limit header. Standard library only.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate is a usage plan: a steady rate and a burst (store.Rate and
// client.Rate have the same fields, and convert).
type Rate struct {
	PerSecond float64
	Burst     int
}

// Bounds on what a server's rate header may say. A rate outside them is
// ignored rather than believed: below MinRate a wait would be days long (and
// 1/rate would overflow a Duration), above MaxRate it would be no limit at
// all. The slowest published SP-API plan is about 0.0056/s, the fastest 100/s.
const (
	MinRate = 1e-4
	MaxRate = 1e5
)

// maxLearned bounds the buckets a Limiter keeps for operations
// with no plan (paths no table entry matches, keyed by shape, and names a
// caller's own limiter keys): past it, idle full buckets are forgotten.
const maxLearned = 1024

// Limiter is the client's default rate limiter (client.TokenBucketLimiter
// wraps it): a token bucket per operation that waits rather than drops. An operation starts at its plan
// (DefaultRates, with the rates it was made with on top), or waits for
// nothing until a reply states its rate; it follows x-amzn-RateLimit-Limit
// whenever a reply carries it, and is drained by a 429 so that the next
// calls wait instead of collecting more 429s.
//
// It keeps a margin below the server's plan, a time rather than a token
// (see limitMargin): the burst less a few tens of milliseconds' worth of
// tokens, or for a plan with a burst of 1, a rate at which requests are one
// interval and the margin apart.
//
// A caller that gives up before its turn (its context ends) gives its token
// back when no later turn counts on it (see tokenBucket.refund), so the
// callers after it do not wait for it. A caller that wakes long
// after its turn (the process was stopped) takes a new turn instead of
// sending with every other late waiter at once.
//
// Memory is bounded: operations with a plan are a fixed set, and a bucket
// for an operation without one is forgotten only when it is idle and full,
// which is the state a new bucket starts in; a bucket in use or drained by
// a 429 is never dropped.
type Limiter struct {
	plans    map[string]Rate
	now      func() time.Time
	newTimer func(time.Duration) *time.Timer // time.NewTimer; a test's stall

	mu      sync.Mutex
	buckets map[string]*bucket
	learned int // buckets with no plan
}

// bucket is one operation's limiter: its token bucket, margin included, and
// the burst it was made for.
type bucket struct {
	tb      *tokenBucket
	burst   int  // the plan's burst (or a learned rate's second's worth)
	planned bool // from a plan, so never forgotten
	waiting int  // Waits in progress; under Limiter.mu
}

// New returns a Limiter that starts each operation at plans[op]. A Rate
// with PerSecond 0 there means no limit for that operation until a reply
// states its rate. plans is kept, not copied.
func New(plans map[string]Rate) *Limiter {
	return &Limiter{plans: plans, now: time.Now, newTimer: time.NewTimer, buckets: map[string]*bucket{}}
}

// withMargin is the rate and capacity a bucket runs at for a server rate
// and burst: the margin applied (see limitMargin).
func withMargin(perSecond float64, burst int) (rate, capacity float64) {
	rate = perSecond * MarginFactor(perSecond, burst)
	return rate, marginCap(rate, burst)
}

// newBucket makes a full bucket for plan, with the margin.
func newBucket(now time.Time, plan Rate) *bucket {
	burst := max(plan.Burst, 1)
	r, c := withMargin(plan.PerSecond, burst)
	return &bucket{tb: newTokenBucket(now, r, c), burst: burst}
}

// Why a bucket is asked for (see bucket).
type need int

const (
	needWait     need = iota // a Wait, counted until release
	needRate                 // a reply that was not throttled, with its rate (or none)
	needThrottle             // a 429
)

// bucket returns op's bucket, creating it from its plan or from a learned
// rate; nil means op is not limited (yet), or, for a reply that tells
// nothing its plan does not (needRate with no rate or the plan's), that it
// needs no bucket yet: a bucket made only to hold the plan cost each Client
// 250 bytes per operation it called through a shared Store, whose calls
// never wait on this limiter (issue 22). A Wait is counted until release.
func (l *Limiter) bucket(op string, learned float64, why need) *bucket {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[op]
	if !ok {
		plan, planned := l.plans[op]
		switch {
		case planned && ValidRate(plan.PerSecond) && why == needRate && (learned == 0 || learned == plan.PerSecond):
			return nil
		case planned && ValidRate(plan.PerSecond):
		case ValidRate(learned):
			// A reply told us the rate but not the burst: start with
			// one second's worth, at least 1.
			plan, planned = Rate{PerSecond: learned, Burst: max(1, int(math.Ceil(learned)))}, false
		default:
			return nil
		}
		if !planned && l.learned >= maxLearned {
			l.forgetIdleLocked()
		}
		b = newBucket(l.now(), plan)
		b.planned = planned
		if !planned {
			l.learned++
		}
		l.buckets[op] = b
	}
	if why == needWait {
		b.waiting++
	}
	return b
}

// release ends a Wait on b.
func (l *Limiter) release(b *bucket) {
	l.mu.Lock()
	b.waiting--
	l.mu.Unlock()
}

// forgetIdleLocked drops the buckets without a plan that no one is waiting
// on and that are full: forgetting one loses nothing a new bucket would not
// have, but its learned rate, which the next reply states again.
func (l *Limiter) forgetIdleLocked() {
	now := l.now()
	for op, b := range l.buckets {
		if !b.planned && b.waiting == 0 && b.tb.tokensAt(now) >= b.tb.capacity {
			delete(l.buckets, op)
			l.learned--
		}
	}
}

// Wait implements client.RateLimiter.
func (l *Limiter) Wait(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return &WaitError{Op: op, Err: err}
	}
	b := l.bucket(op, 0, needWait)
	if b == nil {
		return nil
	}
	defer l.release(b)
	for {
		l.mu.Lock()
		now := l.now()
		wait, ok := b.tb.take(now, maxWaitOf(ctx, now))
		l.mu.Unlock()
		if !ok {
			return &WaitError{Op: op, Err: context.DeadlineExceeded}
		}
		if wait <= 0 {
			return nil
		}
		t := l.newTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			l.mu.Lock()
			b.tb.refund(l.now(), now.Add(wait))
			l.mu.Unlock()
			return &WaitError{Op: op, Err: ctx.Err()}
		}
		l.mu.Lock()
		late := l.now().Sub(now.Add(wait))
		stale := late > b.tb.staleAfter()
		l.mu.Unlock()
		if !stale {
			return nil
		}
		// Woken far past its turn: the turns of the other late waiters
		// passed as well, and sending with all of them would be a
		// burst. The turn it held went unused; take a new one.
	}
}

// maxWaitOf is the longest wait ctx allows at now: until its deadline, or
// -1 (no cap) without one.
func maxWaitOf(ctx context.Context, now time.Time) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return -1
	}
	return max(dl.Sub(now), 0)
}

// Observe implements client.RateLimiter.
func (l *Limiter) Observe(op string, perSecond float64, throttled bool) {
	if !ValidRate(perSecond) {
		perSecond = 0
	}
	why := needRate
	if throttled {
		why = needThrottle
	}
	b := l.bucket(op, perSecond, why)
	if b == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if perSecond > 0 && !throttled {
		if r, c := withMargin(perSecond, b.burst); r != b.tb.rate {
			b.tb.setRate(now, r, c)
		}
	}
	if throttled {
		// Someone else spent the budget: empty the bucket, a
		// fraction of a token included, so the next request waits at
		// least a full interval.
		b.tb.drain(now)
	}
}

// IsPlanRate reports whether perSecond, a rate a reply stated, is op's
// published plan's. The plans are never written after New, so no lock.
func (l *Limiter) IsPlanRate(op string, perSecond float64) bool {
	plan, ok := l.plans[op]
	return ok && ValidRate(plan.PerSecond) && perSecond == plan.PerSecond
}

// Len is the number of buckets kept.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// WaitError is a wait the limiter, or the probe gate, gave up; it is
// never retried.
type WaitError struct {
	Op   string
	Gate bool // waiting behind the operation's probe, not for a token
	Err  error
}

func (e *WaitError) Error() string {
	switch {
	case e.Gate:
		return fmt.Sprintf("rate limit: waiting behind the probe (the first request to %s, sent alone until a reply shows the budget): %v", e.Op, e.Err)
	case errors.Is(e.Err, context.DeadlineExceeded):
		return fmt.Sprintf("rate limit: waiting to send %s would pass the context deadline: %v", e.Op, e.Err)
	}
	return fmt.Sprintf("rate limit: waiting to send %s: %v", e.Op, e.Err)
}

func (e *WaitError) Unwrap() error { return e.Err }

// Retryable reports false: a wait given up is the caller's context speaking.
func (e *WaitError) Retryable() bool { return false }

// Plan is the plan a bucket runs at: its rate, margin included
// (slowed for a burst of 1), the server's burst, the capacity they give
// (the burst less the margin's worth of tokens) and the margin as a time.
// A shared limiter passes it to the Store, so every process of a fleet runs
// one bucket at the same plan.
type Plan struct {
	Rate     float64
	Burst    int
	Capacity float64
	Margin   time.Duration
}

// PlanOf is the Plan of a bucket at rate (margin included) and burst.
func PlanOf(rate float64, burst int) Plan {
	return Plan{Rate: rate, Burst: burst, Capacity: marginCap(rate, burst),
		Margin: secondsToDuration(marginTime(rate))}
}

// StoreRate is p as a Store that knows nothing of the margin takes it: the
// capacity rounded down to whole tokens.
func (p Plan) StoreRate() Rate {
	return Rate{PerSecond: p.Rate, Burst: int(math.Floor(p.Capacity))}
}

// Effective is the plan op's bucket runs at: its bucket's if it has one,
// else its plan's; a zero rate when op has neither (no limit).
func (l *Limiter) Effective(op string) Plan {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[op]; ok {
		return PlanOf(b.tb.rate, b.burst)
	}
	plan, ok := l.plans[op]
	if !ok || !ValidRate(plan.PerSecond) {
		return Plan{}
	}
	burst := max(plan.Burst, 1)
	r, _ := withMargin(plan.PerSecond, burst)
	return PlanOf(r, burst)
}

// ParseRate reads x-amzn-RateLimit-Limit, a decimal requests-per-second.
// NaN, infinities and rates outside [MinRate, MaxRate] are not rates.
func ParseRate(v string) (float64, bool) {
	if v == "" {
		return 0, false
	}
	r, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || !ValidRate(r) {
		return 0, false
	}
	return r, true
}

// ValidRate reports whether r is a rate the client believes.
func ValidRate(r float64) bool { return r >= MinRate && r <= MaxRate } // false for NaN
