package shared

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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

	// rejoinedAt is when this process last rejoined the shared bucket
	// after an outage (Unix ns; 0: never), and catchN the members it had
	// counted then: see catchUp.
	rejoinedAt atomic.Int64
	catchN     atomic.Int32

	mu    sync.Mutex
	back  map[string]chan struct{} // closed at op's next rejoin (see backCh)
	lims  map[string]*share
	turns opMap[queueSeen] // op's shared queue as this process last saw it (a slice: set on every take)
}

// queueSeen is the last turn of a shared bucket given to this process (by
// its clock), and how far ahead of its take it was: the depth of the
// fleet's queue then.
type queueSeen struct {
	turn  time.Time
	depth time.Duration
	at    time.Time // when the Take that gave it was answered
}

// failingFor is how long op's Takes have gone unanswered at now: since the
// last one answered (0 if none ever was).
func (d *degraded) failingFor(op string, now time.Time) time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	q, ok := d.turns.get(op)
	if !ok {
		return 0
	}
	return now.Sub(q.at)
}

// sawTurn notes turn, a turn of op's shared bucket given to this process
// at taken (by its clock), if it is the latest. A share bucket made before
// it (for a Take that went unanswered) is forgotten: the next one starts
// after this turn.
func (d *degraded) sawTurn(op string, taken, turn time.Time) {
	now := time.Now()
	catching := d.catchingUp(now)
	d.mu.Lock()
	defer d.mu.Unlock()
	if !catching {
		delete(d.lims, op)
	}
	q, _ := d.turns.get(op)
	q.at = now
	if !turn.Before(q.turn) {
		q.turn, q.depth = turn, turn.Sub(taken)
	}
	d.turns.set(op, q)
}

// queueEndLocked is when the fleet's queue of op's shared turns ends, as far as
// this process can tell when its Takes began to fail at failing: its own
// last turn, or, later, failing plus the depth of the queue it last saw.
// The other processes went on taking after this one's last Take, until
// the store failed, and a busy fleet's queue keeps about the same depth:
// its tail is then about failing plus that depth (issue 22: a process
// whose last turn had passed started its share at once, while the others'
// turns went on for half a second, and the fleet sent twice the rate).
// d.mu is held.
func (d *degraded) queueEndLocked(op string, failing time.Time) time.Time {
	q, _ := d.turns.get(op)
	end := q.turn
	if e := failing.Add(q.depth); q.depth > 0 && e.After(end) {
		end = e
	}
	return end
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
//
// The share starts after the last turn of the shared bucket this process
// was given: the fleet's queue of turns handed out before the store failed
// is still being sent, and a share that started at once would send beside
// it, twice the rate (issue 22: 1 to 10 429s in the second before a failed
// Cluster master was put aside, from Takes refused at once).
//
// failing is when this call's Take began to fail.
//
// A caller still waiting when this process rejoins the shared bucket (see
// rejoin) leaves with errRejoined, and takes a turn there instead: waiters
// that stayed on the share sent beside the shared bucket's turns, twice the
// rate for a second (issue 22: up to 4 429s just after a Cluster
// failover).
func (l *Limiter) degradedWait(ctx context.Context, op string, outage bool, failing time.Time) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	back := l.deg.backCh(op)
	go func() {
		select {
		case <-back:
			cancel()
		case <-wctx.Done():
		}
	}()
	// left is the error of a wait that ended early: errRejoined when
	// the rejoin ended it, else the caller's.
	left := func(err error) error {
		if ctx.Err() == nil && wctx.Err() != nil {
			return errRejoined
		}
		return &ratelimit.WaitError{Op: op, Err: err}
	}
	if !outage || l.sh.health.worked.Load() {
		if lim, from := l.deg.limiter(l, op, failing); lim != nil {
			if err := waitUntil(wctx, from); err != nil {
				return left(err)
			}
			if err := lim.Wait(wctx); err != nil {
				if wctx.Err() != nil {
					return left(ctx.Err())
				}
				return &ratelimit.WaitError{Op: op, Err: context.DeadlineExceeded}
			}
		}
	}
	if err := l.local.Wait(wctx, op); err != nil {
		if ctx.Err() == nil && wctx.Err() != nil {
			return errRejoined
		}
		return err
	}
	return nil
}

// errRejoined ends a degraded wait when this process rejoins the shared
// bucket: the caller takes a turn there instead.
var errRejoined = errors.New("rejoined the shared bucket")

// backCh is closed when this process next rejoins op's shared bucket.
func (d *degraded) backCh(op string) <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	ch, ok := d.back[op]
	if !ok {
		if d.back == nil || len(d.back) >= maxSharedRates {
			d.back = map[string]chan struct{}{}
		}
		ch = make(chan struct{})
		d.back[op] = ch
	}
	return ch
}

// wake ends the degraded waits for op in progress (see degradedWait).
func (d *degraded) wake(op string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if ch, ok := d.back[op]; ok {
		close(ch)
		delete(d.back, op)
	}
}

// waitUntil waits until t, or fails at once with context.DeadlineExceeded
// when ctx's deadline comes first.
func waitUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	if dl, ok := ctx.Deadline(); ok && dl.Before(t) {
		return context.DeadlineExceeded
	}
	return pause(ctx, d)
}

// share is op's bucket at this process's share of the rate.
type share struct {
	lim    *rate.Limiter
	from   time.Time // its first token comes one share's interval after this
	factor float64   // 1, halved by each 429 down to 1/degradedFloor
}

// limiter returns op's share bucket at rate × factor / N, N the members
// last seen (at least 1: a process that has not counted the fleet yet
// paces itself at the rate, never the burst), made empty (the others have
// been spending the same budget) as of the end of the fleet's shared queue
// (see queueEndLocked, with failing), and kept at the rate learned since; and
// when a caller may start waiting on it (that end).
func (d *degraded) limiter(l *Limiter, op string, failing time.Time) (*rate.Limiter, time.Time) {
	plan := l.local.Effective(op)
	if !ratelimit.ValidRate(plan.Rate) {
		return nil, time.Time{}
	}
	n := float64(max(1, d.members.Load()))
	if d.catchingUp(time.Now()) {
		// The members counted since the rejoin may be only those back.
		n = max(n, float64(d.catchN.Load()))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	sh, ok := d.lims[op]
	if !ok {
		sh = &share{lim: rate.NewLimiter(rate.Limit(plan.Rate/n), 1), factor: 1, from: time.Now()}
		if t := d.queueEndLocked(op, failing); t.After(sh.from) {
			sh.from = t
		}
		// Empty as of from: a caller waits until from, then for a
		// token, which comes one interval of the share after it.
		sh.lim.ReserveN(sh.from, 1)
		if d.lims == nil || len(d.lims) >= maxSharedRates {
			d.lims = map[string]*share{}
		}
		d.lims[op] = sh
	}
	if want := rate.Limit(plan.Rate * sh.factor / n); want != sh.lim.Limit() {
		sh.lim.SetLimit(want)
	}
	return sh.lim, sh.from
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
	if n := l.deg.members.Load(); n > 1 {
		l.deg.catchN.Store(n)
		l.deg.rejoinedAt.Store(time.Now().UnixNano())
	}
	l.deg.wake(op)
}

// catchUpFor is how long a process that rejoined the shared bucket keeps
// to its share (see catchUp): the others probe the store at least every
// storeRetryMax, and rejoin at their next call after that.
const catchUpFor = storeRetryMax + memberBeat

// catchingUp reports whether this process rejoined the shared bucket less
// than catchUpFor ago.
func (d *degraded) catchingUp(now time.Time) bool {
	at := d.rejoinedAt.Load()
	return at != 0 && now.UnixNano()-at < int64(catchUpFor)
}

// catchUp keeps a process that rejoined the shared bucket after an outage
// to its share (rate / N) for catchUpFor, on top of the shared bucket: the
// others may still be degraded, each spending its share beside the shared
// bucket until its own probe answers, and a rejoined process that took
// from the shared bucket at the whole rate made the fleet send up to twice
// the rate (issue 22: up to 5 429s in the 2 s after the first process
// rejoined after a Cluster failover). While every process is back, the
// fleet still runs at the rate: N shares.
func (l *Limiter) catchUp(ctx context.Context, op string) error {
	if !l.deg.catchingUp(time.Now()) {
		return nil
	}
	lim, _ := l.deg.limiter(l, op, time.Now())
	if lim == nil {
		return nil
	}
	if err := lim.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return &ratelimit.WaitError{Op: op, Err: ctx.Err()}
		}
		return &ratelimit.WaitError{Op: op, Err: context.DeadlineExceeded}
	}
	return nil
}
