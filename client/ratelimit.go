package client

import (
	"context"
	"sync"

	"github.com/spapi-go/spapi/internal/ops"
	"github.com/spapi-go/spapi/internal/ratelimit"
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
const OpCreateRestrictedDataToken = ops.CreateRestrictedDataToken

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
type TokenBucketLimiter struct{ l *ratelimit.Limiter }

// NewRateLimiter returns a TokenBucketLimiter that starts each operation at
// its published plan (DefaultRates), or at rates[op] where rates has one. A
// Rate with PerSecond 0 there means no limit for that operation until a
// reply states its rate.
func NewRateLimiter(rates map[string]Rate) *TokenBucketLimiter {
	return &TokenBucketLimiter{ratelimit.New(limiterPlans(rates))}
}

// defaultPlans is DefaultRates as the limiter's plans, made once, at the
// first Client, and shared by every limiter made without Rates: it is
// only read, and a copy per Client was 18.6 KB of each idle Client's heap
// (issue 22). Changes to DefaultRates after the first Client are not seen;
// Config.Rates is the way to change a plan.
var defaultPlans = sync.OnceValue(func() map[string]ratelimit.Rate { return overlay(nil) })

// limiterPlans is DefaultRates with rates laid over them: the shared
// table when rates is empty, else a copy of its own.
func limiterPlans(rates map[string]Rate) map[string]ratelimit.Rate {
	if len(rates) == 0 {
		return defaultPlans()
	}
	return overlay(rates)
}

// overlay is a new map of DefaultRates with rates laid over them.
func overlay(rates map[string]Rate) map[string]ratelimit.Rate {
	plans := make(map[string]ratelimit.Rate, len(DefaultRates)+len(rates))
	for op, r := range DefaultRates {
		plans[op] = ratelimit.Rate(r)
	}
	for op, r := range rates {
		plans[op] = ratelimit.Rate(r)
	}
	return plans
}

// Wait implements RateLimiter.
func (l *TokenBucketLimiter) Wait(ctx context.Context, op string) error { return l.l.Wait(ctx, op) }

// Observe implements RateLimiter.
func (l *TokenBucketLimiter) Observe(op string, perSecond float64, throttled bool) {
	l.l.Observe(op, perSecond, throttled)
}
