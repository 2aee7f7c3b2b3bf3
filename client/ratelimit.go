package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/spapi-go/spapi/internal/ops"
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
// operation that waits rather than drops. An operation starts at its plan
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
// back, so the callers after it do not wait for it. A caller that wakes long
// after its turn (the process was stopped) takes a new turn instead of
// sending with every other late waiter at once.
//
// Memory is bounded: operations with a plan are a fixed set, and a bucket
// for an operation without one is forgotten only when it is idle and full,
// which is the state a new bucket starts in; a bucket in use or drained by
// a 429 is never dropped.
type TokenBucketLimiter struct {
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
	waiting int  // Waits in progress; under TokenBucketLimiter.mu
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
	return &TokenBucketLimiter{plans: plans, now: time.Now, newTimer: time.NewTimer, buckets: map[string]*bucket{}}
}

// withMargin is the rate and capacity a bucket runs at for a server rate
// and burst: the margin applied (see limitMargin).
func withMargin(perSecond float64, burst int) (rate, capacity float64) {
	rate = perSecond * marginFactor(perSecond, burst)
	return rate, marginCap(rate, burst)
}

// newBucket makes a full bucket for plan, with the margin.
func newBucket(now time.Time, plan Rate) *bucket {
	burst := max(plan.Burst, 1)
	r, c := withMargin(plan.PerSecond, burst)
	return &bucket{tb: newTokenBucket(now, r, c), burst: burst}
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
		b = newBucket(l.now(), plan)
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
		if !b.planned && b.waiting == 0 && b.tb.tokensAt(now) >= b.tb.capacity {
			delete(l.buckets, op)
			l.learned--
		}
	}
}

// Wait implements RateLimiter.
func (l *TokenBucketLimiter) Wait(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return &limitWaitError{op: op, err: err}
	}
	b := l.bucket(op, 0, true)
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
			return &limitWaitError{op: op, err: context.DeadlineExceeded}
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
			b.tb.refund(l.now())
			l.mu.Unlock()
			return &limitWaitError{op: op, err: ctx.Err()}
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

// Observe implements RateLimiter.
func (l *TokenBucketLimiter) Observe(op string, perSecond float64, throttled bool) {
	if !validRate(perSecond) {
		perSecond = 0
	}
	b := l.bucket(op, perSecond, false)
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

// marginPlan is the plan a bucket runs at: its rate, margin included
// (slowed for a burst of 1), the server's burst, the capacity they give
// (the burst less the margin's worth of tokens) and the margin as a time.
// A shared limiter passes it to the Store, so every process of a fleet runs
// one bucket at the same plan.
type marginPlan struct {
	rate     float64
	burst    int
	capacity float64
	margin   time.Duration
}

// planOf is the marginPlan of a bucket at rate (margin included) and burst.
func planOf(rate float64, burst int) marginPlan {
	return marginPlan{rate: rate, burst: burst, capacity: marginCap(rate, burst),
		margin: secondsToDuration(marginTime(rate))}
}

// storeRate is p as a Store that knows nothing of the margin takes it: the
// capacity rounded down to whole tokens.
func (p marginPlan) storeRate() Rate {
	return Rate{PerSecond: p.rate, Burst: int(math.Floor(p.capacity))}
}

// effective is the plan op's bucket runs at: its bucket's if it has one,
// else its plan's; a zero rate when op has neither (no limit).
func (l *TokenBucketLimiter) effective(op string) marginPlan {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[op]; ok {
		return planOf(b.tb.rate, b.burst)
	}
	plan, ok := l.plans[op]
	if !ok || !validRate(plan.PerSecond) {
		return marginPlan{}
	}
	burst := max(plan.Burst, 1)
	r, _ := withMargin(plan.PerSecond, burst)
	return planOf(r, burst)
}
