package shared

import (
	"context"
	"sync"
	"time"

	"github.com/spapi-go/spapi/internal/ratelimit"
	"github.com/spapi-go/spapi/store"
)

// maxSharedRates bounds Limiter's memory of the rates it told the
// store; it is only a cache, cleared when full.
const maxSharedRates = 1024

// Limiter is the rate limiter of a client with a Store: one token
// bucket per operation in the store, so every process of a fleet spends one
// budget, as the SP-API counts it (per selling partner and application).
// The plans, the margin and the learned rates come from the in-process
// limiter, which also takes over whenever the store fails, and keeps
// learning meanwhile.
type Limiter struct {
	sh    *Shared
	local *ratelimit.Limiter

	mu       sync.Mutex
	told     opMap[float64]          // the learned rate last stored, by operation
	fellBack map[string]bool         // operations running on the local bucket since the store failed
	views    opMap[store.BucketView] // what this process's last take saw of each operation's shared bucket

	deg degraded // this process's share of the budget while the store is down
}

// NewLimiter is the limiter of sh's buckets, with local's plans, margin
// and learned rates, and local as the fallback.
func NewLimiter(sh *Shared, local *ratelimit.Limiter) *Limiter {
	return &Limiter{sh: sh, local: local}
}

// Wait implements client.RateLimiter: a Take from the shared bucket, then the wait
// it says, cut short by ctx. A caller that leaves before its turn gives its
// token back (with a BucketStore), and one that wakes far past its turn
// (the process was stopped) takes a new turn rather than sending with
// every other late waiter at once.
func (l *Limiter) Wait(ctx context.Context, op string) error {
	plan := l.local.Effective(op)
	l.beat()
	l.rejoin(ctx, op, store.Rate(plan.StoreRate()))
	for {
		if err := l.catchUp(ctx, op); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return &ratelimit.WaitError{Op: op, Err: err}
		}
		var maxWait time.Duration // 0: no cap
		if dl, ok := ctx.Deadline(); ok {
			if maxWait = time.Until(dl); maxWait <= 0 {
				return &ratelimit.WaitError{Op: op, Err: context.DeadlineExceeded}
			}
		}
		// A Take that went unanswered is tried again, a few times, while
		// the store is not put aside: a slow store is not a down one, and
		// the local bucket is no substitute for the fleet's. Only a few
		// times: each may still reach the store (a stopped Redis runs its
		// backlog when it resumes) and spend a token of the fleet's.
		var wait time.Duration
		var ok bool
		var taken store.BucketTake
		var err error
		asked := time.Now() // when this Take began; if it fails, when it began to
		id := newTakeID()   // one take, however many times it is sent
		for tries := 0; ; tries++ {
			wait, ok, taken, err = l.take(ctx, op, plan, maxWait, id)
			if ctx.Err() != nil || tries+1 >= takeTries || !l.sh.retry(err, tries) || pause(ctx, fetchPoll) != nil {
				break
			}
		}
		switch {
		case ctx.Err() != nil:
			if err == nil && ok {
				l.refund(ctx, op, plan, taken) // taken as the caller left
			}
			return &ratelimit.WaitError{Op: op, Err: ctx.Err()}
		case err != nil:
			l.sh.gaveUp(ctx, "take", err)
			outage := l.sh.health.isDown()
			if outage || l.deg.failingFor(op, time.Now()) >= storeDownAfter {
				// An outage, not one slow reply; or Takes unanswered
				// for as long as an outage takes to be declared (a
				// Cluster slot whose master died, while the store
				// answers for others): either way this process runs
				// on its own, and rejoins as after an outage.
				l.fallBack(op)
			}
			if err := l.degradedWait(ctx, op, outage, asked); err != errRejoined {
				return err
			}
			continue // take a turn from the shared bucket instead
		case !ok:
			return &ratelimit.WaitError{Op: op, Err: context.DeadlineExceeded}
		}
		// A Take answered after this process fell back: rejoin as a
		// Wait that starts does (its own turn came from a bucket not yet
		// emptied: one request).
		l.rejoin(ctx, op, store.Rate(plan.StoreRate()))
		l.recovered(op)
		l.deg.sawTurn(op, asked, time.Now().Add(wait))
		if wait <= 0 {
			return nil
		}
		turn := time.Now().Add(wait)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			l.refund(ctx, op, plan, taken)
			return &ratelimit.WaitError{Op: op, Err: ctx.Err()}
		}
		if time.Since(turn) <= staleAfter(plan) {
			return nil
		}
		// Woken far past its turn: take a new one (see
		// tokenBucket.staleAfter).
	}
}

// take is one Take from op's shared bucket: TakeBucket, with the margin as
// time and what this process last saw of the bucket, when the Store has
// it, so that a bucket that vanished or went back in time does not hand
// out again the turns this process knows were given. taken is what a
// refund of this take needs. With a FleetBucketStore it is
// TakeFleetBucket: named by id, so that sending it again after a lost
// reply spends nothing more, and carrying this process's heartbeat when
// one is due, so that a call costs one round trip.
func (l *Limiter) take(ctx context.Context, op string, plan ratelimit.Plan, maxWait time.Duration, id string) (wait time.Duration, ok bool, taken store.BucketTake, err error) {
	key := l.sh.seal.rateKey(op)
	bp := store.BucketPlan{Rate: store.Rate{PerSecond: plan.Rate, Burst: plan.Burst}, Margin: plan.Margin}
	if fs, isFS := l.sh.st.(store.FleetBucketStore); isFS {
		o := store.TakeOptions{ID: id}
		// No heartbeat on a probe of a store put aside, as beat: the
		// members that expired during the outage would count the fleet
		// as this process alone, and its share as the whole budget.
		beating := !l.sh.health.isDown() && l.beatDue()
		if beating {
			o.Members, o.Member, o.MemberTTL = l.sh.seal.membersKey(), processID, memberTTL
		}
		seen := l.view(op)
		err = l.sh.useRetrying(ctx, "take", func(ctx context.Context) error {
			r, err := fs.TakeFleetBucket(ctx, key, bp, maxWait, seen, o)
			wait, ok = r.Wait, r.OK
			if err == nil && r.OK {
				taken = r
			}
			if err == nil && r.OK && r.View.Version > 0 {
				l.saw(op, r.View)
			}
			if err == nil && r.Live > 0 {
				l.deg.members.Store(int32(min(r.Live, maxMembers)))
			}
			return err
		})
		if err != nil && beating {
			l.deg.nextBeat.Store(0) // the next take beats
		}
		return wait, ok, taken, err
	}
	bs, isBS := l.sh.st.(store.BucketStore)
	var seen store.BucketView
	if isBS {
		seen = l.view(op)
	}
	err = l.sh.useRetrying(ctx, "take", func(ctx context.Context) error {
		var err error
		if isBS {
			var r store.BucketTake
			r, err = bs.TakeBucket(ctx, key, bp, maxWait, seen)
			wait, ok = r.Wait, r.OK
			if err == nil && r.OK {
				taken = r
				l.saw(op, r.View)
			}
		} else {
			wait, ok, err = l.sh.st.Take(ctx, key, store.Rate(plan.StoreRate()), maxWait)
		}
		return err
	})
	return wait, ok, taken, err
}

// refund gives the token of op's take taken back to the shared bucket for
// a caller that left before its turn, best effort, whatever the caller's
// context. The bucket gives it back only if no later turn counts on it
// (see store.BucketStore.Refund); the view the refund left is this
// process's next, so that its next take does not hold the bucket to a view
// from before the refund and undo it.
func (l *Limiter) refund(ctx context.Context, op string, plan ratelimit.Plan, taken store.BucketTake) {
	bs, ok := l.sh.st.(store.BucketStore)
	if !ok || plan.Rate <= 0 || !taken.OK {
		return
	}
	key := l.sh.seal.rateKey(op)
	_ = l.sh.use(context.WithoutCancel(ctx), "refund", func(ctx context.Context) error {
		v, err := bs.Refund(ctx, key, store.BucketPlan{Rate: store.Rate{PerSecond: plan.Rate, Burst: plan.Burst}, Margin: plan.Margin}, taken)
		if err == nil && v.Version > 0 {
			l.saw(op, v)
		}
		return err
	})
}

// view returns what this process's latest take saw of op's shared bucket
// (zero: it never took from it).
func (l *Limiter) view(op string) store.BucketView {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, _ := l.views.get(op)
	return v
}

// saw keeps v as op's view if it is the latest: concurrent takes of this
// process may return out of order, and the highest version saw the most.
func (l *Limiter) saw(op string, v store.BucketView) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur, ok := l.views.get(op); ok && cur.Version >= v.Version {
		return
	}
	l.views.set(op, v)
}

// staleAfter is tokenBucket.staleAfter for plan.
func staleAfter(plan ratelimit.Plan) time.Duration {
	return ratelimit.StaleAfterOf(plan.Rate, plan.Capacity)
}

// fallBack starts op on the in-process bucket, emptied first if the fleet
// has been sharing: the other processes have been spending the same budget,
// and every one of them falling back with a full bucket at once would be a
// burst of 429s. A store that never answered shared nothing, and the bucket
// starts as it would with no store at all.
func (l *Limiter) fallBack(op string) {
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
func (l *Limiter) recovered(op string) {
	l.mu.Lock()
	was := l.fellBack[op]
	if was {
		delete(l.fellBack, op)
	}
	l.mu.Unlock()
	if was {
		l.degradedForget(op)
		l.deg.wake(op)
	}
}

// Observe implements client.RateLimiter: the in-process limiter always hears it
// (it is the fallback), and the store hears a 429, or a rate it was not told
// yet, so that one Take per request is the only round trip in the steady
// state.
func (l *Limiter) Observe(op string, perSecond float64, throttled bool) {
	l.local.Observe(op, perSecond, throttled)
	l.degradedObserve(op, throttled) // a 429 while degraded slows this process further
	if !ratelimit.ValidRate(perSecond) {
		perSecond = 0
	}
	plan := l.local.Effective(op)
	// The rate stored is the one the bucket runs at: slowed by the margin
	// for a burst of 1, as the in-process bucket does.
	var learned float64
	if perSecond > 0 {
		learned = perSecond * ratelimit.MarginFactor(perSecond, max(plan.Burst, 1))
	}
	planRate := l.local.IsPlanRate(op, perSecond)
	l.mu.Lock()
	told, _ := l.told.get(op)
	// The plan's own rate, never told otherwise, tells the store nothing:
	// a bucket with no rate runs at the plan, and one without a learned
	// rate is dropped once it has refilled (redisstore's rest_ms), not
	// after an hour. A process that told another rate tells the plan's
	// when it comes back.
	asPlanned := told == 0 && planRate
	tell := throttled || (learned > 0 && told != learned && !asPlanned)
	l.mu.Unlock()
	if !tell {
		return
	}
	err := l.sh.use(context.Background(), "observe", func(ctx context.Context) error {
		return l.sh.st.Observe(ctx, l.sh.seal.rateKey(op), store.Rate(plan.StoreRate()), learned, throttled)
	})
	if err == nil && learned > 0 {
		l.mu.Lock()
		l.told.set(op, learned)
		l.mu.Unlock()
	}
}
