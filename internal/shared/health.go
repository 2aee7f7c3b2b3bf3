package shared

import (
	"context"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spapi-go/spapi/store"
)

// Health timings of a Store. A store is declared down only when calls have
// gone unanswered storeDownAfterFails times in a row, over at least
// storeDownAfter with no answer in between, and then a last question with
// storeConfirmTimeout gets no answer either: one slow reply on a busy
// Redis, or a burst of timeouts while this process was starved of CPU, is
// not an outage. A down store is left alone for storeRetryMin, then one call probes
// it; each probe that fails doubles the pause, up to storeRetryMax. A probe
// is one call per Store (not per Client), so probing every few seconds
// costs a down Redis nothing, and sharing resumes within storeRetryMax of
// Redis answering again (issue 22: with 5 s doubling to 30 s, a restart
// shared again after 7.1 s and a Cluster failover after 16 s).
const (
	storeDownAfterFails = 3
	storeDownAfter      = time.Second
	storeRetryMin       = time.Second
	storeRetryMax       = 2 * time.Second
	storeWarnEvery      = time.Minute
	// storeConfirmTimeout bounds the last question asked of a store that
	// looks down (see suspect): ten times the default call timeout, so a
	// busy Redis, or a process short of CPU, can still answer it.
	storeConfirmTimeout = time.Second
)

// storeHealth is the breaker of one Store, shared by every Client of the
// process that uses that Store (see healthOf): a process serving 1,000
// sellers through one Redis judges that Redis once, backs off once and
// logs one warning, not 1,000.
type storeHealth struct {
	worked  atomic.Bool // a call has been answered: the fleet has been sharing
	checked atomic.Bool // the store's setup has been looked at (configWarner)
	replies replyTimes  // what its replies took lately: the deadline of a call

	mu           sync.Mutex
	down         bool          // the store is put aside
	downUntil    time.Time     // when down: no call before this
	backoff      time.Duration // when down: the current pause
	probing      bool          // when down: a probe call is in flight
	confirming   bool          // a last question (suspect) is in flight
	failingSince time.Time     // first unanswered call since the last answer; zero: none
	fails        int           // unanswered calls since the last answer
	warnedAt     time.Time
	outages      int // outages so far (tests, telemetry)
}

// healths maps each comparable Store to its health while a Client uses it:
// every Shared made on a Store counts as one use, and the cleanup of a
// Shared the garbage collector took gives its use back; the entry goes
// with the last one, so a Store no Client uses is not kept (issue 22,
// defect 4: every Store ever given to New was kept for the life of the
// process, 20,000 Stores 510 MB).
var healths = struct {
	sync.Mutex
	m map[store.Store]*healthUse
}{m: map[store.Store]*healthUse{}}

// healthUse is a Store's health and the Shareds that use it.
type healthUse struct {
	h    *storeHealth
	uses int
}

// healthOf returns the health shared by every Client on st, counting one
// use of it that release gives back. A Store whose dynamic type cannot be a
// map key gets a health of its own.
func healthOf(st store.Store) (h *storeHealth, release func()) {
	if t := reflect.TypeOf(st); t == nil || !t.Comparable() {
		return &storeHealth{}, func() {}
	}
	healths.Lock()
	defer healths.Unlock()
	u := healths.m[st]
	if u == nil {
		u = &healthUse{h: &storeHealth{}}
		healths.m[st] = u
	}
	u.uses++
	return u.h, func() { releaseHealth(st) }
}

// releaseHealth gives back one use of st's health, and forgets it with
// the last.
func releaseHealth(st store.Store) {
	healths.Lock()
	defer healths.Unlock()
	if u := healths.m[st]; u != nil {
		if u.uses--; u.uses <= 0 {
			delete(healths.m, st)
		}
	}
}

// healthsKept is how many Stores have a health (tests).
func healthsKept() int {
	healths.Lock()
	defer healths.Unlock()
	return len(healths.m)
}

// admit reports whether a call may go to the store now: always while it is
// up; while it is down, only one probe at a time once the pause is over.
// probe says the call is that probe.
func (h *storeHealth) admit(now time.Time) (ok, probe bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case !h.down:
		return true, false
	case now.Before(h.downUntil) || h.probing:
		return false, false
	}
	h.probing = true
	return true, true
}

// answered records a reply (a success, or an error that the store sent
// back, which shows it is up). It reports whether the store was down.
func (h *storeHealth) answered() (wasDown bool) {
	h.worked.Store(true)
	h.mu.Lock()
	defer h.mu.Unlock()
	wasDown = h.down
	h.down, h.probing, h.backoff, h.downUntil = false, false, 0, time.Time{}
	h.failingSince, h.fails = time.Time{}, 0
	return wasDown
}

// left records that a probe's caller gave up before any reply: that says
// nothing about the store, and the next call may probe.
func (h *storeHealth) left(probe bool) {
	if !probe {
		return
	}
	h.mu.Lock()
	h.probing = false
	h.mu.Unlock()
}

// unanswered records a call that got no reply (a timeout, a refused or
// broken connection). A failed probe extends the outage (one doubling per
// probe) and returns the new pause; other calls only count towards suspect.
func (h *storeHealth) unanswered(now time.Time, probe bool) (pause time.Duration, warn bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case probe:
		// The outage goes on: one doubling per failed probe, not per call.
		h.probing = false
		h.backoff = min(2*h.backoff, storeRetryMax)
		h.downUntil = now.Add(h.backoff)
		return h.backoff, false
	case h.down:
		return h.backoff, false // a call admitted before the trip
	}
	if h.fails == 0 {
		h.failingSince = now
	}
	h.fails++
	return 0, false // see suspect: the store is put aside only if it then stays silent
}

// suspect reports whether the store has gone unanswered long enough to be
// asked once more, with storeConfirmTimeout, before it is put aside; only
// one such question at a time. A store that answers it is slow, not down.
func (h *storeHealth) suspect(now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down || h.confirming || h.fails < storeDownAfterFails || now.Sub(h.failingSince) < storeDownAfter {
		return false
	}
	h.confirming = true
	return true
}

// confirmed records the answer to suspect's question: none puts the store
// aside (and returns the pause and whether to warn).
func (h *storeHealth) confirmed(now time.Time, answered bool) (pause time.Duration, warn bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.confirming = false
	if answered {
		h.failingSince, h.fails = time.Time{}, 0
		return 0, false
	}
	if h.down {
		return h.backoff, false
	}
	return h.tripLocked(now)
}

// tripLocked puts the store aside for the first pause of an outage.
func (h *storeHealth) tripLocked(now time.Time) (pause time.Duration, warn bool) {
	h.down, h.backoff, h.outages = true, storeRetryMin, h.outages+1
	h.downUntil = now.Add(h.backoff)
	if warn = now.Sub(h.warnedAt) >= storeWarnEvery; warn {
		h.warnedAt = now
	}
	return h.backoff, warn
}

// isDown reports whether the store is put aside now.
func (h *storeHealth) isDown() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.down
}

// logTrip logs the warning of an outage, through the logger of the Client
// whose call noticed it.
func logTrip(ctx context.Context, logger *slog.Logger, what string, err error, pause time.Duration) {
	if logger == nil {
		return
	}
	logger.LogAttrs(ctx, slog.LevelWarn, "sp-api: store not answering; using in-process state at this process's share of the budget and trying again later",
		slog.String("call", what), slog.String("error", err.Error()), slog.Duration("retry_in", pause))
}

// configWarner is implemented by a Store that can say what in its setup
// can hurt a fleet (redisstore: a maxmemory-policy that evicts our keys).
type configWarner interface {
	ConfigWarnings(ctx context.Context) []string
}

// configCheckTimeout bounds the one look at a store's setup.
const configCheckTimeout = 2 * time.Second

// checkConfig logs, once per Store and in the background, what the store
// says about its setup.
func (s *Shared) checkConfig() {
	cw, ok := s.st.(configWarner)
	if !ok || !s.health.checked.CompareAndSwap(false, true) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), configCheckTimeout)
		defer cancel()
		for _, w := range cw.ConfigWarnings(ctx) {
			if s.logger != nil {
				s.logger.LogAttrs(ctx, slog.LevelWarn, "sp-api: store: "+w)
			}
		}
	}()
}
