package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
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
// has told it better: the Tokens call's published plan.
var DefaultRates = map[string]Rate{
	OpCreateRestrictedDataToken: {PerSecond: 1, Burst: 10},
}

// maxBuckets bounds the buckets of a TokenBucketLimiter; operations are
// keyed by path template, so this is only reached by odd callers.
const maxBuckets = 1024

// TokenBucketLimiter is the default RateLimiter: a token bucket per
// operation (golang.org/x/time/rate) that waits rather than drops. An
// operation starts at its entry in the rates it was made with (or waits for
// nothing until a reply states its rate), follows x-amzn-RateLimit-Limit
// whenever a reply carries it, and is drained by a 429 so that the next calls
// wait instead of collecting more 429s.
//
// It keeps a margin below the server's plan: one token less burst (or, for a
// plan with a burst of 1, a tenth less rate). The client spends a token when
// its wait ends, the server when the request arrives, and requests do not
// all take equally long to get there (a new connection, a token fetch, a
// late timer): with no margin, the server sees its bucket a fraction of a
// token short and answers 429 (measured: one 429 per run at 20/s).
type TokenBucketLimiter struct {
	defaults map[string]Rate
	now      func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

// bucket is one operation's limiter and the factor its rate runs at.
type bucket struct {
	lim  *rate.Limiter
	slow float64 // 1, or below 1 where the burst leaves no room for a margin
}

// NewRateLimiter returns a TokenBucketLimiter that starts each operation
// at rates[op]; nil means DefaultRates.
func NewRateLimiter(rates map[string]Rate) *TokenBucketLimiter {
	if rates == nil {
		rates = DefaultRates
	}
	return &TokenBucketLimiter{defaults: rates, now: time.Now, buckets: map[string]*bucket{}}
}

// newBucket makes a bucket for plan, with the margin.
func newBucket(plan Rate) *bucket {
	if plan.Burst > 1 {
		return &bucket{lim: rate.NewLimiter(rate.Limit(plan.PerSecond), plan.Burst-1), slow: 1}
	}
	const slow = 0.9
	return &bucket{lim: rate.NewLimiter(rate.Limit(plan.PerSecond*slow), 1), slow: slow}
}

// bucket returns op's bucket, creating it from the defaults or from a
// learned rate; nil means op is not limited (yet).
func (l *TokenBucketLimiter) bucket(op string, learned float64) *bucket {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[op]; ok {
		return b
	}
	plan, ok := l.defaults[op]
	switch {
	case ok && plan.PerSecond > 0:
	case learned > 0:
		// A reply told us the rate but not the burst: start with
		// one second's worth, at least 1.
		plan = Rate{PerSecond: learned, Burst: max(1, int(math.Ceil(learned)))}
	default:
		return nil
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
	b := newBucket(plan)
	l.buckets[op] = b
	return b
}

// Wait implements RateLimiter.
func (l *TokenBucketLimiter) Wait(ctx context.Context, op string) error {
	b := l.bucket(op, 0)
	if b == nil {
		return nil
	}
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
	b := l.bucket(op, perSecond)
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
