package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/spapi-go/tokens/internal/ops"
)

// RateLimiter decides when a request for an operation may be sent. The
// client asks it before every attempt (retries included) and tells it what
// each reply said. It is an interface so that a limiter shared by many
// processes (a Redis bucket, say) can replace the in-process one.
type RateLimiter interface {
	// Wait blocks until a request for op may be sent, or ctx ends; then it
	// returns an error that matches ctx's error with errors.Is.
	Wait(ctx context.Context, op string) error
	// Observe reports a reply for op: the rate its x-amzn-RateLimit-Limit
	// header gave (0 when absent) and whether it was a 429.
	Observe(op string, rate float64, throttled bool)
}

// Rate is a usage plan: a steady rate and a burst.
type Rate struct {
	PerSecond float64
	Burst     int
}

// OpCreateRestrictedDataToken names the Tokens call for RateLimiter,
// RetryInfo and APIError.
const OpCreateRestrictedDataToken = "createRestrictedDataToken"

// DefaultRates are the usage plans the client starts from before any reply
// has told it better: the published plan of every operation in Amazon's
// models that publishes one, keyed by operation name (see Operations), such
// as "getListingsItem" (5/s, burst 10) or "createRestrictedDataToken" (1/s,
// burst 10). NewRateLimiter starts from these and lays its argument over
// them. A seller's real plan may be higher: whenever a reply states its rate
// in x-amzn-RateLimit-Limit, that rate wins.
var DefaultRates = publishedRates()

func publishedRates() map[string]Rate {
	m := map[string]Rate{}
	for _, op := range ops.All() {
		if op.Rate > 0 {
			m[op.Name] = Rate{PerSecond: op.Rate, Burst: op.Burst}
		}
	}
	return m
}

// maxLearned bounds the buckets a TokenBucketLimiter keeps for operations
// with no plan (paths no table entry matches, keyed by shape, and names a
// caller's own limiter keys): past it, idle full buckets are forgotten.
const maxLearned = 1024

// TokenBucketLimiter is the default RateLimiter: a token bucket per
// operation (golang.org/x/time/rate) that waits rather than drops. An
// operation starts at its plan (DefaultRates, with the rates it was made
// with on top), or waits for nothing until a reply states its rate; it
// follows x-amzn-RateLimit-Limit whenever a reply carries it, and is drained
// by a 429 so that the next calls wait instead of collecting more 429s.
//
// It keeps a margin below the server's plan: one token less burst (or, for a
// plan with a burst of 1, a tenth less rate). The client spends a token when
// its wait ends, the server when the request arrives, and requests do not
// all take equally long to get there (a new connection, a token fetch, a
// late timer): with no margin, the server sees its bucket a fraction of a
// token short and answers 429 (measured: one 429 per run at 20/s).
//
// Memory is bounded: operations with a plan are a fixed set, and a bucket
// for an operation without one is forgotten only when it is idle and full,
// which is the state a new bucket starts in; a bucket in use or drained by
// a 429 is never dropped.
type TokenBucketLimiter struct {
	plans map[string]Rate
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	learned int // buckets with no plan
}

// bucket is one operation's limiter and the factor its rate runs at.
type bucket struct {
	lim     *rate.Limiter
	slow    float64 // 1, or below 1 where the burst leaves no room for a margin
	planned bool    // from a plan, so never forgotten
	waiting int     // Waits in progress; under TokenBucketLimiter.mu
}

// NewRateLimiter returns a TokenBucketLimiter that starts each operation at
// its published plan (DefaultRates), or at rates[op] where rates has one. A
// Rate with PerSecond 0 there means no limit for that operation until a
// reply states its rate.
func NewRateLimiter(rates map[string]Rate) *TokenBucketLimiter {
	plans := make(map[string]Rate, len(DefaultRates)+len(rates))
	for op, r := range DefaultRates {
		plans[op] = r
	}
	for op, r := range rates {
		plans[op] = r
	}
	return &TokenBucketLimiter{plans: plans, now: time.Now, buckets: map[string]*bucket{}}
}

// newBucket makes a bucket for plan, with the margin.
func newBucket(plan Rate) *bucket {
	if plan.Burst > 1 {
		return &bucket{lim: rate.NewLimiter(rate.Limit(plan.PerSecond), plan.Burst-1), slow: 1}
	}
	const slow = 0.9
	return &bucket{lim: rate.NewLimiter(rate.Limit(plan.PerSecond*slow), 1), slow: slow}
}

// bucket returns op's bucket, creating it from its plan or from a learned
// rate; nil means op is not limited (yet). wait counts a Wait in progress,
// which release ends.
func (l *TokenBucketLimiter) bucket(op string, learned float64, wait bool) *bucket {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[op]
	if !ok {
		plan, planned := l.plans[op]
		switch {
		case planned && validRate(plan.PerSecond):
		case validRate(learned):
			// A reply told us the rate but not the burst: start with
			// one second's worth, at least 1.
			plan, planned = Rate{PerSecond: learned, Burst: max(1, int(math.Ceil(learned)))}, false
		default:
			return nil
		}
		if !planned && l.learned >= maxLearned {
			l.forgetIdleLocked()
		}
		b = newBucket(plan)
		b.planned = planned
		if !planned {
			l.learned++
		}
		l.buckets[op] = b
	}
	if wait {
		b.waiting++
	}
	return b
}

// release ends a Wait on b.
func (l *TokenBucketLimiter) release(b *bucket) {
	l.mu.Lock()
	b.waiting--
	l.mu.Unlock()
}

// forgetIdleLocked drops the buckets without a plan that no one is waiting
// on and that are full: forgetting one loses nothing a new bucket would not
// have, but its learned rate, which the next reply states again.
func (l *TokenBucketLimiter) forgetIdleLocked() {
	now := l.now()
	for op, b := range l.buckets {
		if !b.planned && b.waiting == 0 && b.lim.TokensAt(now) >= float64(b.lim.Burst()) {
			delete(l.buckets, op)
			l.learned--
		}
	}
}

// Wait implements RateLimiter.
func (l *TokenBucketLimiter) Wait(ctx context.Context, op string) error {
	b := l.bucket(op, 0, true)
	if b == nil {
		return nil
	}
	defer l.release(b)
	if err := b.lim.Wait(ctx); err != nil {
		// x/time/rate's "would exceed context deadline" is not
		// context.DeadlineExceeded; make errors.Is work.
		if ctx.Err() != nil {
			return &limitWaitError{op: op, err: ctx.Err()}
		}
		if _, ok := ctx.Deadline(); ok {
			return &limitWaitError{op: op, err: context.DeadlineExceeded}
		}
		return &limitWaitError{op: op, err: err}
	}
	return nil
}

// Observe implements RateLimiter.
func (l *TokenBucketLimiter) Observe(op string, perSecond float64, throttled bool) {
	if !validRate(perSecond) {
		perSecond = 0
	}
	b := l.bucket(op, perSecond, false)
	if b == nil {
		return
	}
	now := l.now()
	if r := rate.Limit(perSecond * b.slow); perSecond > 0 && !throttled && r != b.lim.Limit() {
		b.lim.SetLimitAt(now, r)
	}
	if throttled {
		// Someone else spent the budget: empty the bucket, a
		// fraction of a token included, so the next request waits at
		// least a full interval.
		if n := int(math.Ceil(b.lim.TokensAt(now))); n > 0 {
			b.lim.ReserveN(now, n)
		}
	}
}

// len is the number of buckets kept.
func (l *TokenBucketLimiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// limitWaitError is a wait the limiter, or the probe gate, gave up; it is
// never retried.
type limitWaitError struct {
	op   string
	gate bool // waiting behind the operation's probe, not for a token
	err  error
}

func (e *limitWaitError) Error() string {
	switch {
	case e.gate:
		return fmt.Sprintf("rate limit: waiting behind the probe (the first request to %s, sent alone until a reply shows the budget): %v", e.op, e.err)
	case errors.Is(e.err, context.DeadlineExceeded):
		return fmt.Sprintf("rate limit: waiting to send %s would pass the context deadline: %v", e.op, e.err)
	}
	return fmt.Sprintf("rate limit: waiting to send %s: %v", e.op, e.err)
}

func (e *limitWaitError) Unwrap() error { return e.err }

// effective is the plan op's bucket runs at, margin included, and the
// factor its rate runs at (see newBucket): its bucket's if it has one, else
// its plan's; zero when op has neither. A shared limiter passes it to the
// Store, so every process of a fleet runs one bucket at the same plan.
func (l *TokenBucketLimiter) effective(op string) (Rate, float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[op]; ok {
		return Rate{PerSecond: float64(b.lim.Limit()), Burst: b.lim.Burst()}, b.slow
	}
	plan, ok := l.plans[op]
	if !ok || !validRate(plan.PerSecond) {
		return Rate{}, 1
	}
	if plan.Burst > 1 {
		return Rate{PerSecond: plan.PerSecond, Burst: plan.Burst - 1}, 1
	}
	return Rate{PerSecond: plan.PerSecond * 0.9, Burst: 1}, 0.9
}
