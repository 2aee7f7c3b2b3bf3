package ratelimit

import (
	"math"
	"slices"
	"time"
)

// limitMargin is the limiter's safety margin below the server's plan, as a
// time: how much earlier than the client's bucket the server's may see a
// request arrive. The client spends a token when its wait ends, the server
// when the request arrives, and requests do not all take equally long to
// get there (a new connection, a late timer): with no margin the server
// sees its bucket a fraction of a token short and answers 429 (measured:
// one 429 per run at 20/s). A time rather than a token, so that a slow plan
// does not lose a whole interval: one token of 0.5/s is 2 s, which made 50
// getOrderAddress at the real plan (0.5/s, burst 30) take 42 s for a 40 s
// bound. The margin is never more than one interval (see marginTime).
const limitMargin = 50 * time.Millisecond

// marginTime is the margin at rate: limitMargin, or one interval when that
// is shorter (a token's worth, which absorbs an interval of jitter).
func marginTime(rate float64) float64 {
	return min(limitMargin.Seconds(), 1/rate)
}

// MarginFactor is the factor a plan's rate runs at: 1 where the burst
// leaves room for the margin, and for a burst of 1, where it does not, the
// rate at which requests are one interval plus the margin apart (two
// requests sent one interval apart can arrive closer together than that).
func MarginFactor(rate float64, burst int) float64 {
	if burst > 1 {
		return 1
	}
	return 1 / (1 + rate*marginTime(rate))
}

// marginCap is the most tokens a bucket of burst holds at rate (already
// slowed by marginFactor): the burst less the margin's worth of tokens,
// and 1 for a burst of 1.
func marginCap(rate float64, burst int) float64 {
	if burst <= 1 {
		return 1
	}
	return float64(burst) - rate*marginTime(rate)
}

// tokenBucket is the token bucket behind one operation's limit, the same
// arithmetic as redisstore's script: tokens refill at rate up to capacity,
// and a caller that finds less than one token takes it all the same (the
// count goes below zero) and waits until it would have been there, so
// concurrent callers queue one interval apart.
//
// A caller that leaves before its turn gives its token back (refund) only
// if its turn is the last one handed out: the callers behind a leaver from
// the middle of the queue keep their turns, and a token given back for it
// would hand the last waiter's turn out again, two requests at once (issue
// 22: one leaver at burst 1 made a 429). A leaver from the middle leaves a
// gap instead, which is given back when the turns after it have all been
// given back, so that many waiters leaving together, in any order, give
// back every token (x/time/rate's Reservation.Cancel gave back only the
// last one). It is not safe for concurrent use (the limiter's mutex guards
// it).
type tokenBucket struct {
	rate     float64     // tokens per second, margin included; > 0
	capacity float64     // the most tokens, margin included; >= 1
	tokens   float64     // as of at; below 0 when callers are queued
	at       time.Time   // when tokens was counted
	tail     time.Time   // the last turn handed out and not given back
	gaps     []time.Time // turns given up from the middle of the queue, at most maxGaps
}

// maxGaps bounds the gaps a bucket remembers; past it, a leaver's token
// stays spent.
const maxGaps = 64

// turnSlack is how close a turn must be to the queue's tail to be it:
// turns are one interval apart, and rounding moves them by a nanosecond.
const turnSlack = time.Microsecond

// newTokenBucket is a full bucket at rate and capacity.
func newTokenBucket(now time.Time, rate, capacity float64) *tokenBucket {
	return &tokenBucket{rate: rate, capacity: capacity, tokens: capacity, at: now}
}

// advance brings tokens up to now (a clock that went back adds nothing).
func (b *tokenBucket) advance(now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(b.capacity, b.tokens+d.Seconds()*b.rate)
		b.at = now
	}
}

// tokensAt is the count at now, without changing the bucket.
func (b *tokenBucket) tokensAt(now time.Time) float64 {
	if d := now.Sub(b.at); d > 0 {
		return min(b.capacity, b.tokens+d.Seconds()*b.rate)
	}
	return b.tokens
}

// take spends a token and returns how long until it exists (0: now). When
// that is over maxWait (maxWait < 0: no cap) nothing is spent and ok is
// false.
func (b *tokenBucket) take(now time.Time, maxWait time.Duration) (wait time.Duration, ok bool) {
	b.advance(now)
	if b.tokens < 1 {
		wait = secondsToDuration((1 - b.tokens) / b.rate)
		if maxWait >= 0 && wait > maxWait {
			return wait, false
		}
	}
	b.tokens--
	if turn := now.Add(wait); turn.After(b.tail) {
		b.tail = turn
	}
	return wait, true
}

// refund gives back the token of the take whose turn was turn (now plus
// its wait), for a request that will not be sent, if that turn is the
// queue's tail: then no later turn counted on it. The turns before it that
// were given up (gaps) come back with it as the tail moves back over them.
// A turn from the middle of the queue becomes a gap. The bucket never holds
// more than its capacity.
func (b *tokenBucket) refund(now, turn time.Time) {
	b.advance(now)
	b.gaps = slices.DeleteFunc(b.gaps, func(g time.Time) bool { return !g.After(now) })
	if turn.Before(b.tail.Add(-turnSlack)) {
		if turn.After(now) && len(b.gaps) < maxGaps {
			b.gaps = append(b.gaps, turn)
		}
		return
	}
	back := 1
	step := secondsToDuration(1 / b.rate)
	b.tail = turn.Add(-step)
	for {
		i := slices.IndexFunc(b.gaps, func(g time.Time) bool { return !g.Before(b.tail.Add(-turnSlack)) })
		if i < 0 {
			break
		}
		b.tail = b.gaps[i].Add(-step)
		b.gaps = slices.Delete(b.gaps, i, i+1)
		back++
	}
	b.tokens = min(b.capacity, b.tokens+float64(back))
}

// drain empties the bucket after a 429, a fraction of a token included, so
// that the next caller waits at least a full interval; a queue stays.
func (b *tokenBucket) drain(now time.Time) {
	b.advance(now)
	if b.tokens > 0 {
		b.tokens -= math.Ceil(b.tokens)
	}
}

// setRate prices the time from now at rate, with capacity.
func (b *tokenBucket) setRate(now time.Time, rate, capacity float64) {
	b.advance(now)
	b.rate, b.capacity = rate, capacity
	b.tokens = min(b.tokens, capacity)
}

// staleAfter is how late a waiter may wake past its turn and still send.
// A process that was stopped (a debugger, SIGSTOP, a paused VM) wakes every
// queued waiter at once, and the server's bucket holds at most its burst
// however long the stop: the waiters whose turns lie within the last
// (capacity - 1/2) intervals fit in it (at most capacity of them), but the
// others would be a burst of 429s, so they take a new turn instead. At
// least limitMargin, so that a timer a little late on a busy machine does
// not cost a turn.
func (b *tokenBucket) staleAfter() time.Duration {
	return StaleAfterOf(b.rate, b.capacity)
}

// StaleAfterOf is staleAfter for a bucket at rate with capacity.
func StaleAfterOf(rate, capacity float64) time.Duration {
	if rate <= 0 {
		return limitMargin
	}
	return max(limitMargin, secondsToDuration((capacity-0.5)/rate))
}

// secondsToDuration converts s to a Duration, rounded to a nanosecond and
// saturating instead of overflowing.
func secondsToDuration(s float64) time.Duration {
	ns := math.Round(s * float64(time.Second))
	if !(ns < math.MaxInt64) { // NaN too
		return math.MaxInt64
	}
	return time.Duration(max(ns, 0))
}
