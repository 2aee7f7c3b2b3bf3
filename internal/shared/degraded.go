package shared

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/spapi-go/spapi/internal/ratelimit"
	"github.com/spapi-go/spapi/store"
)

// Membership timings: a process that is calling the SP-API through a Store
// says it is alive every memberBeat, and counts as a live member of its
// seller's fleet for memberTTL after that.
const (
	memberBeat = time.Second
	memberTTL  = 3 * time.Second
	// degradedFloor bounds how far 429s slow a degraded process: to
	// 1/degradedFloor of its share.
	degradedFloor = 8
	// takeTries bounds the attempts of one Take while the store is slow.
	takeTries = 3
	// maxMembers caps the fleet size a Store may report: anyone who can
	// write to Redis can add members, and must not slow a process to a
	// standstill.
	maxMembers = 1000
)

// processID names this process among the members of a fleet: random, so
// it says nothing about the host.
var processID = func() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}()

// degraded is a Limiter's state for when the store is put aside: the
// fleet's size as last seen, and one extra bucket per operation at this
// process's share of the rate.
type degraded struct {
	members  atomic.Int32 // live members last seen; 0 or 1: alone
	nextBeat atomic.Int64 // Unix ns of the next heartbeat
	beating  atomic.Bool

	mu   sync.Mutex
	lims map[string]*share
}

// beat sends this process's heartbeat, at most once per memberBeat and in
// the background (a call never waits for it), while the store is up. A
// FleetBucketStore's heartbeat rides on the takes instead (see take).
func (l *Limiter) beat() {
	hb, ok := l.sh.st.(store.FleetMembers)
	if _, fleet := l.sh.st.(store.FleetBucketStore); !ok || fleet || l.sh.health.isDown() {
		return
	}
	if !l.beatDue() || !l.deg.beating.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer l.deg.beating.Store(false)
		var n int
		err := l.sh.use(context.Background(), "heartbeat", func(ctx context.Context) error {
			var err error
			n, err = hb.Heartbeat(ctx, l.sh.seal.membersKey(), processID, memberTTL)
			return err
		})
		if err == nil && n > 0 {
			l.deg.members.Store(int32(min(n, maxMembers)))
		}
	}()
}

// beatDue reports whether this process's heartbeat is due, and if so
// claims it: the next is due memberBeat later.
func (l *Limiter) beatDue() bool {
	now := time.Now().UnixNano()
	next := l.deg.nextBeat.Load()
	return now >= next && l.deg.nextBeat.CompareAndSwap(next, now+int64(memberBeat))
}

// takeSeq numbers the takes of this process, for their IDs.
var takeSeq atomic.Uint64

// newTakeID names one take across the fleet: this process's ID and a
// count, so that no two takes, of any process, share one.
func newTakeID() string {
	return processID[:12] + strconv.FormatUint(takeSeq.Add(1), 36)
}

// degradedWait is Wait when the store did not answer, in an outage or for
// one call: this process's share of the budget, then the in-process
// bucket, which keeps learning. A store that never answered (absent from
// the start) shared nothing: in an outage the process then runs as it
// would with no store.
func (l *Limiter) degradedWait(ctx context.Context, op string, outage bool) error {
	if !outage || l.sh.health.worked.Load() {
		if lim := l.deg.limiter(l, op); lim != nil {
			if err := lim.Wait(ctx); err != nil {
				if ctx.Err() != nil {
					return &ratelimit.WaitError{Op: op, Err: ctx.Err()}
				}
				return &ratelimit.WaitError{Op: op, Err: context.DeadlineExceeded}
			}
		}
	}
	return l.local.Wait(ctx, op)
}

// share is op's bucket at this process's share of the rate.
type share struct {
	lim    *rate.Limiter
	factor float64 // 1, halved by each 429 down to 1/degradedFloor
}

// limiter returns op's share bucket at rate × factor / N, N the members
// last seen (at least 1: a process that has not counted the fleet yet
// paces itself at the rate, never the burst), made empty (the others have
// been spending the same budget) and kept at the rate learned since.
func (d *degraded) limiter(l *Limiter, op string) *rate.Limiter {
	plan := l.local.Effective(op)
	if !ratelimit.ValidRate(plan.Rate) {
		return nil
	}
	n := float64(max(1, d.members.Load()))
	d.mu.Lock()
	defer d.mu.Unlock()
	sh, ok := d.lims[op]
	if !ok {
		sh = &share{lim: rate.NewLimiter(rate.Limit(plan.Rate/n), 1), factor: 1}
		sh.lim.ReserveN(time.Now(), 1)
		if d.lims == nil || len(d.lims) >= maxSharedRates {
			d.lims = map[string]*share{}
		}
		d.lims[op] = sh
	}
	if want := rate.Limit(plan.Rate * sh.factor / n); want != sh.lim.Limit() {
		sh.lim.SetLimit(want)
	}
	return sh.lim
}

// degradedObserve halves op's share after a 429 while it runs on it (down
// to 1/degradedFloor) and empties it: the others may be running at more
// than their share.
func (l *Limiter) degradedObserve(op string, throttled bool) {
	if !throttled {
		return
	}
	l.deg.mu.Lock()
	sh := l.deg.lims[op]
	if sh != nil {
		sh.factor = max(sh.factor/2, 1.0/degradedFloor)
	}
	l.deg.mu.Unlock()
	if sh == nil {
		return
	}
	now := time.Now()
	sh.lim.SetLimitAt(now, sh.lim.Limit()/2)
	if n := int(math.Ceil(sh.lim.TokensAt(now))); n > 0 {
		sh.lim.ReserveN(now, n)
	}
}

// degradedForget drops op's share bucket: op is on the shared bucket again.
func (l *Limiter) degradedForget(op string) {
	l.deg.mu.Lock()
	delete(l.deg.lims, op)
	l.deg.mu.Unlock()
}

// rejoin empties op's shared bucket before this process, which ran on its
// own since the store failed, spends from it again: the bucket kept
// refilling (or vanished and comes back full) while the fleet spent the
// budget on its own, and a full one would be a burst of 429s. Until the
// store answers, op stays on its share.
func (l *Limiter) rejoin(ctx context.Context, op string, plan store.Rate) {
	l.mu.Lock()
	was := l.fellBack[op]
	l.mu.Unlock()
	if !was {
		return
	}
	err := l.sh.use(ctx, "observe", func(ctx context.Context) error {
		return l.sh.st.Observe(ctx, l.sh.seal.rateKey(op), plan, 0, true)
	})
	if err != nil {
		return
	}
	l.mu.Lock()
	delete(l.fellBack, op)
	l.mu.Unlock()
	l.degradedForget(op)
}
