// Package shared is the client's side of a Store: the breaker that keeps
// a failing store from failing a call, the sealer that names every key and
// seals every value, the fleet-wide single fetch of the LWA token and the
// RDTs, the shared rate limiter and this process's share of the budget
// while the store is down.
package shared

import (
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"runtime"
	"time"

	"github.com/spapi-go/spapi/internal/neterr"
	"github.com/spapi-go/spapi/internal/telemetry"
	"github.com/spapi-go/spapi/store"
)

// DefaultTimeout bounds one Store call when Config.StoreTimeout is 0:
// far above a Redis round trip on a network, far below anything a caller
// would notice as a hang. A call that times out is tried again (see
// storeHealth): one slow reply does not put the store aside.
const DefaultTimeout = 100 * time.Millisecond

// Sharing timings: how long the lock on a token fetch lives (long enough
// for an LWA fetch with its retries, short enough that a holder that died
// does not stall the fleet for long), how often a process that waits for
// another's fetch looks again, and how long it waits in all before it
// fetches on its own (a holder that is slow or stuck never holds the others
// for ever, whatever the lock's TTL says).
const (
	fetchLockTTL  = 10 * time.Second
	fetchPoll     = 20 * time.Millisecond
	fetchWaitMax  = 12 * time.Second
	storeMaxTries = 20 // unanswered calls in a row in one loop before a fetch goes local
)

// errStoreDown is what a call returns while the store is being left alone.
var errStoreDown = errors.New("store: unavailable, using in-process state")

// Shared is the client's use of a Store. The store is never trusted to be
// up: each call is bounded by a timeout; calls that go unanswered for a
// while put the store aside (its health is shared by every Client of the
// process on that Store), during which the client runs on its in-process
// state; a warning is logged at most once a minute per Store; and sharing
// resumes by itself once a probe is answered. So the store never makes a
// call fail or hang.
type Shared struct {
	st      store.Store
	health  *storeHealth
	seal    *Sealer
	timeout time.Duration
	logger  *slog.Logger
	tel     *telemetry.Telemetry
}

// New is the client's use of st, its keys named and its values sealed by
// seal. timeout bounds each call (0: DefaultTimeout); logger (nil: none)
// hears an outage and the store's setup warnings; tel (nil: none) counts
// the calls.
func New(st store.Store, seal *Sealer, timeout time.Duration, logger *slog.Logger, tel *telemetry.Telemetry) *Shared {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	h, release := healthOf(st)
	s := &Shared{st: st, health: h, seal: seal, timeout: timeout, logger: logger, tel: tel}
	// The Store's health is kept while a Shared on it lives (see healths).
	runtime.AddCleanup(s, func(release func()) { release() }, release)
	return s
}

// use runs f against the store with the timeout, and keeps the breaker.
// Its error is errStoreDown while the store is put aside, ctx's error when
// the caller gave up, or the store's (see noReply: an unanswered call may
// be tried again while the store is not put aside).
func (s *Shared) use(ctx context.Context, what string, f func(context.Context) error) error {
	return s.call(ctx, what, false, f)
}

// useRetrying is use for a loop that tries an unanswered call again: such
// a call is not a fallback (the loop counts one, with gaveUp, only if it
// gives up), so a busy store that answers the second time is not counted
// as failed.
func (s *Shared) useRetrying(ctx context.Context, what string, f func(context.Context) error) error {
	return s.call(ctx, what, true, f)
}

// gaveUp counts the fallback of a loop of useRetrying that stopped trying
// after err, an unanswered call (a call refused because the store is put
// aside was counted by use).
func (s *Shared) gaveUp(ctx context.Context, what string, err error) {
	if err != nil && ctx.Err() == nil && !errors.Is(err, errStoreDown) && neterr.NoReply(err) {
		s.tel.StoreFallback(ctx, what)
	}
}

// call is use, and useRetrying when retrying.
func (s *Shared) call(ctx context.Context, what string, retrying bool, f func(context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ok, probe := s.health.admit(time.Now())
	if !ok {
		s.tel.StoreFallback(ctx, what)
		return errStoreDown
	}
	if !s.health.checked.Load() {
		s.checkConfig()
	}
	// Unless ctx or its deadline ends it first, cctx ends only once f has
	// returned, and so has what f does with the reply (a take keeps the
	// view it returned): the client's tests take the end of a Store
	// call's context for the client being done with the call.
	cctx, cancel := context.WithTimeout(ctx, s.health.replies.deadline(s.timeout))
	start := time.Now()
	err := f(cctx)
	cancel()
	took := time.Since(start)
	s.tel.StoreCall(ctx, what, took, err)
	// A reply, or a call that ran out of its deadline (not the caller's),
	// tells how long the store takes now: one that ran out counts as
	// taking its whole deadline, so a store whose every reply comes late
	// (a busy Redis, this process starved) stretches the next deadlines
	// until its replies fit, up to maxDeadline.
	if err == nil || !neterr.NoReply(err) || errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		s.health.replies.record(took)
	}
	switch {
	case err != nil && ctx.Err() != nil:
		s.health.left(probe)
		return ctx.Err() // the caller left: says nothing about the store
	case err == nil || !neterr.NoReply(err):
		if s.health.answered() && s.logger != nil {
			s.logger.Info("sp-api: store available again; sharing state with the fleet")
		}
		if err != nil {
			s.tel.StoreFallback(ctx, what)
		}
	case probe:
		s.health.unanswered(time.Now(), true)
		if !retrying {
			s.tel.StoreFallback(ctx, what)
		}
	default:
		s.health.unanswered(time.Now(), false)
		if s.health.suspect(time.Now()) {
			go s.confirm(ctx, what, err)
		}
		if !retrying {
			s.tel.StoreFallback(ctx, what)
		}
	}
	return err
}

// confirm asks a store that has gone unanswered for a while one last
// question with a generous timeout (a Get of a key that need not exist),
// in the background: an answer, however slow, shows it is busy, not down;
// none puts it aside and logs the warning.
func (s *Shared) confirm(ctx context.Context, what string, cause error) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeConfirmTimeout)
	defer cancel()
	_, err := s.st.Get(cctx, s.seal.healthKey())
	answered := err == nil || !neterr.NoReply(err)
	if pause, warn := s.health.confirmed(time.Now(), answered); warn {
		logTrip(ctx, s.logger, what, cause, pause)
	}
}

// retry reports whether a loop that got err from use should try the store
// again: the call went unanswered but the store is not put aside, and the
// loop has not tried tries times already.
func (s *Shared) retry(err error, tries int) bool {
	return err != nil && !errors.Is(err, errStoreDown) && neterr.NoReply(err) && tries < storeMaxTries && !s.health.isDown()
}

// get reads and opens name's value; nil when absent or unreadable.
func (s *Shared) get(ctx context.Context, key string) (plain, sealed []byte, err error) {
	err = s.useRetrying(ctx, "get", func(ctx context.Context) error {
		sealed, err = s.st.Get(ctx, key)
		return err
	})
	if err != nil || sealed == nil {
		return nil, nil, err
	}
	if plain, err = s.seal.open(key, sealed); err != nil {
		return nil, nil, nil // another writer's or a damaged value: as good as absent
	}
	return plain, sealed, nil
}

// set seals plain and stores it for ttl, best effort; it returns the sealed
// bytes (for a later DeleteIf), or nil and the error if they were not
// stored.
func (s *Shared) set(ctx context.Context, key string, plain []byte, ttl time.Duration) ([]byte, error) {
	if ttl <= 0 {
		return nil, nil
	}
	sealed := s.seal.seal(key, plain)
	if len(sealed) > store.MaxStoreValueSize {
		return nil, nil // a Store would refuse it: this process keeps it to itself
	}
	if err := s.useRetrying(ctx, "set", func(ctx context.Context) error { return s.st.Set(ctx, key, sealed, ttl) }); err != nil {
		return nil, err
	}
	return sealed, nil
}

// Mark names a value this process read from or wrote to the Store, by a
// hash of its sealed bytes, so that a token the API rejected is dropped
// from the Store only while it is still that one, without keeping the
// sealed bytes: an LWA token's and an RDT's were 370 bytes of heap per
// seller (issue 22). The zero Mark is a value the Store does not hold.
type Mark uint64

// markOf is the Mark of sealed (FNV-1a, never 0), nil's being 0.
func markOf(sealed []byte) Mark {
	if sealed == nil {
		return 0
	}
	h := fnv.New64a()
	h.Write(sealed)
	return Mark(max(h.Sum64(), 1))
}

// deleteIf drops key if it still holds the value marked m (a token the API
// rejected): it reads the value, and deletes it only if unchanged since
// (DeleteIf), so that a token another process stored meanwhile is kept. A
// rejected token is rare: the extra read costs less than holding each
// token's sealed bytes.
func (s *Shared) deleteIf(ctx context.Context, key string, m Mark) {
	if m == 0 {
		return
	}
	var cur []byte
	if err := s.use(ctx, "get", func(ctx context.Context) (err error) {
		cur, err = s.st.Get(ctx, key)
		return err
	}); err != nil || cur == nil || markOf(cur) != m {
		return
	}
	_ = s.use(ctx, "delete", func(ctx context.Context) error { return s.st.DeleteIf(ctx, key, cur) })
}

// fetchShared returns the value the fleet shares under key while valid
// says it is good, else fetches it, once across the fleet: under a short
// lock, after a second look, and stores it for the others. A process that
// finds the lock taken looks again every fetchPoll until the value is
// there, or the lock is free (its holder failed or died), for at most
// fetchWaitMax in all. A call that goes unanswered is tried again while the
// store is not put aside (a slow store is not a down one: falling back on
// one timeout would fetch a second token); when the store is put aside, or
// answers with an error, the process fetches on its own. sealed is what the
// store holds (nil when not stored), for a later DeleteIf.
func (s *Shared) fetchShared(ctx context.Context, key string, valid func(plain []byte) bool,
	fetch func(context.Context) (plain []byte, ttl time.Duration, err error)) (plain, sealed []byte, err error) {
	local := func() ([]byte, []byte, error) {
		p, _, err := fetch(ctx)
		return p, nil, err
	}
	giveUp := time.Now().Add(fetchWaitMax)
	tries := 0
	for {
		plain, sealed, err := s.get(ctx, key)
		switch {
		case ctx.Err() != nil:
			return nil, nil, ctx.Err()
		case s.retry(err, tries):
			tries++
		case err != nil:
			s.gaveUp(ctx, "get", err)
			return local()
		case plain != nil && valid(plain):
			return plain, sealed, nil
		default:
			var unlock func(context.Context) error
			var ok bool
			err = s.useRetrying(ctx, "lock", func(ctx context.Context) error {
				var err error
				unlock, ok, err = s.st.Lock(ctx, lockKey(key), fetchLockTTL)
				return err
			})
			switch {
			case ctx.Err() != nil:
				return nil, nil, ctx.Err()
			case s.retry(err, tries):
				tries++
			case err != nil:
				s.gaveUp(ctx, "lock", err)
				return local()
			case ok:
				return s.fetchLocked(ctx, key, valid, fetch, unlock)
			default:
				tries = 0
			}
		}
		if time.Now().After(giveUp) {
			return local() // the holder is stuck, or the lock broken
		}
		if err := pause(ctx, fetchPoll); err != nil {
			return nil, nil, err
		}
	}
}

// pause waits d, or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fetchLocked is fetchShared's part under the lock.
func (s *Shared) fetchLocked(ctx context.Context, key string, valid func([]byte) bool,
	fetch func(context.Context) ([]byte, time.Duration, error), unlock func(context.Context) error) ([]byte, []byte, error) {
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.health.replies.deadline(s.timeout))
		defer cancel()
		_ = unlock(uctx)
	}()
	// Another process may have stored it between our look and the lock.
	for tries := 0; ; tries++ {
		plain, sealed, err := s.get(ctx, key)
		if err == nil && plain != nil && valid(plain) {
			return plain, sealed, nil
		}
		if !s.retry(err, tries) {
			s.gaveUp(ctx, "get", err)
			break
		}
	}
	plain, ttl, err := fetch(ctx)
	if err != nil {
		return nil, nil, err
	}
	// Stored before the lock goes, or the others would fetch again.
	for tries := 0; ; tries++ {
		sealed, err := s.set(ctx, key, plain, ttl)
		if !s.retry(err, tries) {
			s.gaveUp(ctx, "set", err)
			return plain, sealed, nil
		}
	}
}

// FetchLWA is fetchShared for the fleet's LWA access token.
func (s *Shared) FetchLWA(ctx context.Context, valid func(plain []byte) bool,
	fetch func(context.Context) ([]byte, time.Duration, error)) (plain []byte, m Mark, err error) {
	plain, sealed, err := s.fetchShared(ctx, s.seal.lwaKey(), valid, fetch)
	return plain, markOf(sealed), err
}

// FetchRDT is fetchShared for the fleet's RDT for grant (the RDT cache's
// key: what the RDT grants).
func (s *Shared) FetchRDT(ctx context.Context, grant string, valid func(plain []byte) bool,
	fetch func(context.Context) ([]byte, time.Duration, error)) (plain []byte, m Mark, err error) {
	plain, sealed, err := s.fetchShared(ctx, s.seal.rdtKey(grant), valid, fetch)
	return plain, markOf(sealed), err
}

// DropLWA drops the fleet's LWA token if it is still the one marked m
// (the one the API rejected); a token another process stored since is
// kept.
func (s *Shared) DropLWA(m Mark) { s.deleteIf(context.Background(), s.seal.lwaKey(), m) }

// DropRDT drops the fleet's RDT for grant if it is still the one marked m.
func (s *Shared) DropRDT(grant string, m Mark) {
	s.deleteIf(context.Background(), s.seal.rdtKey(grant), m)
}
