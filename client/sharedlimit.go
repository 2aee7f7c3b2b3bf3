package client

import (
	"context"
	"sync"
	"time"
)

// maxSharedRates bounds sharedLimiter's memory of the rates it told the
// store; it is only a cache, cleared when full.
const maxSharedRates = 1024

// sharedLimiter is the RateLimiter of a client with a Store: one token
// bucket per operation in the store, so every process of a fleet spends one
// budget, as the SP-API counts it (per selling partner and application).
// The plans, the margin and the learned rates come from the in-process
// limiter, which also takes over whenever the store fails, and keeps
// learning meanwhile.
type sharedLimiter struct {
	sh    *shared
	local *TokenBucketLimiter

	mu       sync.Mutex
	told     map[string]float64 // the learned rate last stored, by operation
	fellBack map[string]bool    // operations running on the local bucket since the store failed

	deg degraded // i16b: this process's share of the budget while the store is down
}

// Wait implements RateLimiter: a Take from the shared bucket, then the wait
// it says, cut short by ctx.
func (l *sharedLimiter) Wait(ctx context.Context, op string) error {
	plan, _ := l.local.effective(op)
	var maxWait time.Duration // 0: no cap
	if dl, ok := ctx.Deadline(); ok {
		if maxWait = time.Until(dl); maxWait <= 0 {
			return &limitWaitError{op: op, err: context.DeadlineExceeded}
		}
	}
	// i16b (store health, degraded mode): from here ...
	l.beat()
	l.rejoin(ctx, op, plan)
	// A Take that went unanswered is tried again, a few times, while the
	// store is not put aside: a slow store is not a down one, and the
	// local bucket is no substitute for the fleet's. Only a few times:
	// each may still reach the store (a stopped Redis runs its backlog
	// when it resumes) and spend a token of the fleet's.
	var wait time.Duration
	var ok bool
	var err error
	for tries := 0; ; tries++ {
		err = l.sh.use(ctx, "take", func(ctx context.Context) error {
			var err error
			wait, ok, err = l.sh.st.Take(ctx, l.sh.seal.key("rate:"+op), plan, maxWait)
			return err
		})
		if ctx.Err() != nil || tries+1 >= takeTries || !l.sh.retry(err, tries) || pause(ctx, fetchPoll) != nil {
			break
		}
	}
	switch {
	case ctx.Err() != nil:
		return &limitWaitError{op: op, err: ctx.Err()}
	case err != nil:
		outage := l.sh.health.isDown()
		if outage {
			l.fallBack(op) // an outage, not one slow reply
		}
		return l.degradedWait(ctx, op, outage)
	// ... to here.
	case !ok:
		return &limitWaitError{op: op, err: context.DeadlineExceeded}
	}
	l.recovered(op)
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return &limitWaitError{op: op, err: ctx.Err()}
	}
}

// fallBack starts op on the in-process bucket, emptied first if the fleet
// has been sharing: the other processes have been spending the same budget,
// and every one of them falling back with a full bucket at once would be a
// burst of 429s. A store that never answered shared nothing, and the bucket
// starts as it would with no store at all.
func (l *sharedLimiter) fallBack(op string) {
	l.mu.Lock()
	first := !l.fellBack[op]
	if first {
		if l.fellBack == nil || len(l.fellBack) >= maxSharedRates {
			l.fellBack = map[string]bool{}
		}
		l.fellBack[op] = true
	}
	l.mu.Unlock()
	if first && l.sh.health.worked.Load() {
		l.local.Observe(op, 0, true)
	}
}

// recovered notes that op is on the shared bucket again.
func (l *sharedLimiter) recovered(op string) {
	l.mu.Lock()
	was := l.fellBack[op]
	if was {
		delete(l.fellBack, op)
	}
	l.mu.Unlock()
	if was {
		l.degradedForget(op) // i16b
	}
}

// Observe implements RateLimiter: the in-process limiter always hears it
// (it is the fallback), and the store hears a 429, or a rate it was not told
// yet, so that one Take per request is the only round trip in the steady
// state.
func (l *sharedLimiter) Observe(op string, perSecond float64, throttled bool) {
	l.local.Observe(op, perSecond, throttled)
	l.degradedObserve(op, throttled) // i16b: a 429 while degraded slows this process further
	if !validRate(perSecond) {
		perSecond = 0
	}
	plan, slow := l.local.effective(op)
	learned := perSecond * slow
	l.mu.Lock()
	if l.told == nil || len(l.told) >= maxSharedRates {
		l.told = map[string]float64{}
	}
	tell := throttled || (learned > 0 && l.told[op] != learned)
	l.mu.Unlock()
	if !tell {
		return
	}
	err := l.sh.use(context.Background(), "observe", func(ctx context.Context) error {
		return l.sh.st.Observe(ctx, l.sh.seal.key("rate:"+op), plan, learned, throttled)
	})
	if err == nil && learned > 0 {
		l.mu.Lock()
		l.told[op] = learned
		l.mu.Unlock()
	}
}
