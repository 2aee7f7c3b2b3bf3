package shared

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The store deadline follows what the store's replies take: a call may
// take up to deadlineFactor times the p99 of the last replyWindow replies
// (and twice the longest of them: one stall is seldom alone), never less than the configured timeout and never more than maxDeadline
// (unless the configured timeout is longer). A busy Redis, or this
// process short of CPU, stretches every reply; a fixed 100 ms deadline
// then judged a healthy Redis slow (issue 22: 287,705 store calls answered
// 2-44 ms past the deadline on a starved machine, each one a fallback and a
// second take).
const (
	replyWindow    = 256
	deadlineFactor = 4
	maxDeadline    = time.Second
	// recomputeEvery is how many replies pass between two computations
	// of the p99: sorting 256 times costs little, but not on every call.
	recomputeEvery = 16
)

// replyTimes keeps the recent reply times of one Store (see storeHealth)
// and the deadline they give.
type replyTimes struct {
	mu    sync.Mutex
	ring  [replyWindow]time.Duration
	n     int // replies recorded, up to replyWindow
	next  int // where the next one goes
	since int // replies since the last computation

	limit atomic.Int64 // deadlineFactor × the p99 last computed, capped at maxDeadline
	seen  atomic.Bool  // a reply has been recorded
}

// record notes a reply that took d.
func (r *replyTimes) record(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.seen.Store(true)
	r.ring[r.next] = d
	r.next = (r.next + 1) % replyWindow
	r.n = min(r.n+1, replyWindow)
	// Early on, every reply counts: the first replies of a process
	// (dials, a cold script cache) are the slowest.
	if r.since++; r.since < recomputeEvery && r.n >= recomputeEvery {
		return
	}
	r.since = 0
	s := slices.Clone(r.ring[:r.n])
	slices.Sort(s)
	p99, longest := s[min(len(s)-1, len(s)*99/100)], s[len(s)-1]
	r.limit.Store(int64(min(max(deadlineFactor*p99, 2*longest), maxDeadline)))
}

// deadline is how long a call may take: base (the configured timeout),
// stretched to what recent replies took.
// Before any reply it is maxDeadline: the first calls dial, and a
// process that starts with hundreds of calls in flight (a fleet of sellers
// fetching their tokens) would otherwise see them all run out before one
// reply could teach it what Redis takes.
func (r *replyTimes) deadline(base time.Duration) time.Duration {
	if !r.seen.Load() {
		return max(base, maxDeadline)
	}
	return max(base, time.Duration(r.limit.Load()))
}
