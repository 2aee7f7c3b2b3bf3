package client_test

// Tests of the rate limiter on its own. They run inside testing/synctest
// bubbles: time.Now, timers and context deadlines use the bubble's fake
// clock, which only moves when every goroutine of the bubble is blocked. So
// a Wait that returns without blocking takes exactly 0, a Wait that blocks
// takes exactly the bucket's refill time, and no test sleeps for real.

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spapi-go/spapi/client"
)

const rlOp = client.OpCreateRestrictedDataToken

// rlLimiter is a limiter whose only default is rlOp at the given plan.
func rlLimiter(perSecond float64, burst int) *client.TokenBucketLimiter {
	return client.NewRateLimiter(map[string]client.Rate{rlOp: {PerSecond: perSecond, Burst: burst}})
}

// rlTimedWait calls Wait and returns how much (fake) time it took.
func rlTimedWait(t *testing.T, ctx context.Context, l client.RateLimiter, op string) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	err := l.Wait(ctx, op)
	return time.Since(start), err
}

// rlSpend takes n tokens, none of which may have to wait.
func rlSpend(t *testing.T, l client.RateLimiter, op string, n int) {
	t.Helper()
	for i := range n {
		d, err := rlTimedWait(t, context.Background(), l, op)
		if err != nil || d != 0 {
			t.Fatalf("Wait #%d of %d: waited %v, err %v; want no wait", i+1, n, d, err)
		}
	}
}

// rlWantWait checks that the next Wait takes want (within a millisecond,
// for the float arithmetic of x/time/rate).
func rlWantWait(t *testing.T, l client.RateLimiter, op string, want time.Duration) {
	t.Helper()
	d, err := rlTimedWait(t, context.Background(), l, op)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if d < want-time.Millisecond || d > want+time.Millisecond {
		t.Fatalf("Wait took %v, want %v", d, want)
	}
}

func TestRateLimiterDefaultRates(t *testing.T) {
	if got, want := client.DefaultRates[rlOp], (client.Rate{PerSecond: 1, Burst: 10}); got != want {
		t.Errorf("DefaultRates[%q] = %+v, want the usage plan %+v", rlOp, got, want)
	}
	synctest.Test(t, func(t *testing.T) {
		l := client.NewRateLimiter(nil) // nil means DefaultRates
		rlSpend(t, l, rlOp, 9)          // the burst less the margin: 9.95 tokens
		rlWantWait(t, l, rlOp, 50*time.Millisecond)
		rlWantWait(t, l, rlOp, time.Second)
		rlWantWait(t, l, rlOp, time.Second)
	})
}

// N requests from several goroutines finish at (N-burst)/rate plus the
// margin: the bound the load tests measure against, plus 50 ms (one token
// at 20/s), and no sooner.
func TestRateLimiterReachesTheBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := rlLimiter(20, 10)
		const calls, inFlight = 100, 10
		start := time.Now()
		var wg sync.WaitGroup
		next := make(chan struct{}, calls)
		for range calls {
			next <- struct{}{}
		}
		close(next)
		for range inFlight {
			wg.Go(func() {
				for range next {
					if err := l.Wait(context.Background(), rlOp); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		want := time.Duration(float64(calls-9) / 20 * float64(time.Second)) // 4.55 s
		if got := time.Since(start); got < want-time.Millisecond || got > want+time.Millisecond {
			t.Errorf("%d calls at 20/s burst 10 took %v, want %v", calls, got, want)
		}
	})
}

func TestRateLimiterWaitPastDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := rlLimiter(1, 2)
		rlSpend(t, l, rlOp, 1)

		// The next token is 50 ms away (the margin); a 10 ms deadline
		// cannot be met.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		d, err := rlTimedWait(t, ctx, l, rlOp)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait past the deadline = %v (%T), want an error matching context.DeadlineExceeded", err, err)
		}
		if d != 0 {
			t.Errorf("Wait took %v to give up; it should know at once that the deadline is too close", d)
		}
		if ctx.Err() != nil {
			t.Errorf("the deadline had already passed; the test proves nothing")
		}
		if !strings.Contains(err.Error(), rlOp) {
			t.Errorf("error %q does not name the operation", err)
		}

		// The refused wait spent nothing: the token is still due at 50 ms.
		rlWantWait(t, l, rlOp, 50*time.Millisecond)

		// A deadline far enough away is waited for.
		ctx2, cancel2 := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		defer cancel2()
		if d, err := rlTimedWait(t, ctx2, l, rlOp); err != nil || d < time.Second-time.Millisecond {
			t.Errorf("Wait with a 1.5 s deadline: waited %v, err %v; want 1 s, nil", d, err)
		}

		// A deadline already passed.
		ctx3, cancel3 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel3()
		if _, err := rlTimedWait(t, ctx3, l, rlOp); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Wait with an expired context = %v, want context.DeadlineExceeded", err)
		}
	})
}

func TestRateLimiterWaitCanceled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := rlLimiter(1, 2)
		rlSpend(t, l, rlOp, 1)

		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- l.Wait(ctx, rlOp) }()
		synctest.Wait() // the goroutine is blocked in Wait
		cancel()
		err := <-errc
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait cancelled = %v (%T), want an error matching context.Canceled", err, err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Wait cancelled = %v, which also matches DeadlineExceeded", err)
		}
		// The cancelled reservation is given back: the next token is
		// still due at 50 ms, not 1.05 s.
		rlWantWait(t, l, rlOp, 50*time.Millisecond)

		ctx2, cancel2 := context.WithCancel(context.Background())
		cancel2()
		if _, err := rlTimedWait(t, ctx2, l, rlOp); !errors.Is(err, context.Canceled) {
			t.Errorf("Wait with a cancelled context = %v, want context.Canceled", err)
		}
	})
}

// A plan with a burst of 1 leaves no token for a margin: its requests are
// one interval and the margin apart instead (at most two intervals), and
// learned rates are slowed the same way.
func TestRateLimiterMarginForBurstOne(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := rlLimiter(1, 1)
		rlSpend(t, l, rlOp, 1)
		rlWantWait(t, l, rlOp, 1050*time.Millisecond)
		l.Observe(rlOp, 9, false)
		rlWantWait(t, l, rlOp, 161111111*time.Nanosecond) // 1/9 s + 50 ms
		l.Observe(rlOp, 40, false)
		rlWantWait(t, l, rlOp, 50*time.Millisecond) // two intervals of 1/40 s
	})
}

func TestRateLimiterObserveRate(t *testing.T) {
	t.Run("raises", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := rlLimiter(1, 2)
			rlSpend(t, l, rlOp, 1) // 0.95 left
			l.Observe(rlOp, 4, false)
			rlWantWait(t, l, rlOp, 12500*time.Microsecond) // 0.05 token at 4/s
			rlWantWait(t, l, rlOp, 250*time.Millisecond)
			rlWantWait(t, l, rlOp, 250*time.Millisecond)
		})
	})
	t.Run("lowers", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := rlLimiter(4, 2)
			rlSpend(t, l, rlOp, 1) // 0.8 left (the margin is 0.2 token at 4/s)
			l.Observe(rlOp, 0.5, false)
			rlWantWait(t, l, rlOp, 400*time.Millisecond) // 0.2 token at 0.5/s
			rlWantWait(t, l, rlOp, 2*time.Second)
		})
	})
	t.Run("no header keeps the rate", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			l := rlLimiter(4, 2)
			rlSpend(t, l, rlOp, 1)
			l.Observe(rlOp, 0, false)
			rlWantWait(t, l, rlOp, 50*time.Millisecond)
			rlWantWait(t, l, rlOp, 250*time.Millisecond)
		})
	})
	t.Run("learned for an operation without a default", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			const op = "GET /sellers/v1/marketplaceParticipations"
			l := client.NewRateLimiter(map[string]client.Rate{})
			rlSpend(t, l, op, 50) // not limited yet
			l.Observe(op, 2, false)
			rlSpend(t, l, op, 1) // a burst of one second's worth, less the margin
			rlWantWait(t, l, op, 50*time.Millisecond)
			rlWantWait(t, l, op, 500*time.Millisecond)
		})
	})
}

func TestRateLimiterObserveThrottledDrains(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := rlLimiter(20, 10)
		// A full bucket: a Wait with a 1 ms deadline passes at once.
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		if err := l.Wait(ctx, rlOp); err != nil {
			t.Fatalf("Wait on a full bucket: %v", err)
		}

		l.Observe(rlOp, 0, true) // a 429: someone else spent the budget

		// Nine tokens were left; now none is. A token takes 50 ms to
		// come back, so a 1 ms deadline is refused at once.
		ctx2, cancel2 := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel2()
		d, err := rlTimedWait(t, ctx2, l, rlOp)
		if !errors.Is(err, context.DeadlineExceeded) || d != 0 {
			t.Fatalf("Wait after a 429 with a 1 ms deadline: waited %v, err %v; want DeadlineExceeded at once (bucket drained)", d, err)
		}
		rlWantWait(t, l, rlOp, 50*time.Millisecond)

		// A 429 that carries a rate header drains too.
		time.Sleep(time.Second) // refill (fake clock)
		l.Observe(rlOp, 20, true)
		rlWantWait(t, l, rlOp, 50*time.Millisecond)
	})
}

func TestRateLimiterUnknownOperationNotLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const op = "GET /orders/v0/orders/{}"
		for _, l := range []*client.TokenBucketLimiter{client.NewRateLimiter(nil), client.NewRateLimiter(map[string]client.Rate{})} {
			rlSpend(t, l, op, 1000)
			// Replies without a rate, even 429s, give it no bucket.
			l.Observe(op, 0, false)
			l.Observe(op, 0, true)
			rlSpend(t, l, op, 1000)
		}
		// A plan of rate 0 turns an operation's limit off, until a
		// reply states its rate.
		l := client.NewRateLimiter(map[string]client.Rate{rlOp: {}})
		rlSpend(t, l, rlOp, 100)
		l.Observe(rlOp, 2, false) // burst ceil(2) less the margin: 1.9
		rlSpend(t, l, rlOp, 1)
		rlWantWait(t, l, rlOp, 50*time.Millisecond)
		rlWantWait(t, l, rlOp, 500*time.Millisecond)
	})
}

// Wait and Observe from many goroutines at once (run with -race).
func TestRateLimiterConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := client.NewRateLimiter(nil)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				for j := range 10 {
					op := rlOp
					if j%2 == 1 {
						op = "GET /sellers/v1/marketplaceParticipations"
					}
					if err := l.Wait(context.Background(), op); err != nil {
						t.Error(err)
					}
					l.Observe(op, 50, i == 0 && j == 0)
				}
			})
		}
		wg.Wait()
	})
}

// Callers that leave before their turn give their tokens back, whatever
// their place in the queue: after 10 cancelled waiters at 1/s the next
// caller waits about one interval. (x/time/rate's Reservation.Cancel gave
// back only the last reservation's token: the next caller waited 10 s.)
func TestRateLimiterCancelledWaitersGiveBack(t *testing.T) {
	for _, order := range []string{"first-in first-out", "last-in first-out"} {
		t.Run(order, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := rlLimiter(1, 1)
				rlSpend(t, l, rlOp, 1)
				cancels := make([]context.CancelFunc, 10)
				errc := make(chan error, len(cancels))
				for i := range cancels {
					ctx, cancel := context.WithCancel(context.Background())
					cancels[i] = cancel
					go func() { errc <- l.Wait(ctx, rlOp) }()
					synctest.Wait() // queued in this order
				}
				for i := range cancels {
					if order == "last-in first-out" {
						i = len(cancels) - 1 - i
					}
					cancels[i]()
					if err := <-errc; !errors.Is(err, context.Canceled) {
						t.Fatalf("cancelled Wait = %v", err)
					}
				}
				rlWantWait(t, l, rlOp, 1050*time.Millisecond) // one interval and the margin
			})
		})
	}
}
