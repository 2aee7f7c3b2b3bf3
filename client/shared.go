package client

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// defaultStoreTimeout bounds one Store call when Config.StoreTimeout is 0:
// far above a Redis round trip on a network, far below anything a caller
// would notice as a hang.
const defaultStoreTimeout = 100 * time.Millisecond

// Breaker timings: a failed store is left alone for storeRetryMin, doubling
// up to storeRetryMax while it keeps failing, and a warning is logged at
// most once per storeWarnEvery.
const (
	storeRetryMin  = 5 * time.Second
	storeRetryMax  = 30 * time.Second
	storeWarnEvery = time.Minute
)

// Sharing timings: how long the lock on a token fetch lives (long enough
// for an LWA fetch with its retries, short enough that a holder that died
// does not stall the fleet for long), and how often a process that waits
// for another's fetch looks again.
const (
	fetchLockTTL = 10 * time.Second
	fetchPoll    = 20 * time.Millisecond
)

// errStoreDown is what a call returns while the store is being left alone.
var errStoreDown = errors.New("store: unavailable, using in-process state")

// shared is the client's use of a Store. The store is never trusted to be
// up: each call is bounded by a timeout; a call that fails (not because its
// caller gave up) puts the store aside for a while, during which the client
// runs on its in-process state; a warning is logged at most once a minute;
// and sharing resumes by itself once a call succeeds again. So the store
// never makes a call fail or hang.
type shared struct {
	st      Store
	seal    *sealer
	timeout time.Duration
	logger  *slog.Logger
	tel     *telemetry

	worked atomic.Bool // a call has succeeded: the fleet has been sharing

	mu        sync.Mutex
	downUntil time.Time
	backoff   time.Duration
	warnedAt  time.Time
	failing   bool
}

// use runs f against the store with the timeout, and keeps the breaker.
// Its error is errStoreDown while the store is put aside, ctx's error when
// the caller gave up, or the store's.
func (s *shared) use(ctx context.Context, what string, f func(context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if time.Now().Before(s.downUntil) {
		s.mu.Unlock()
		s.tel.storeFallback(ctx, what)
		return errStoreDown
	}
	s.mu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	start := time.Now()
	err := f(cctx)
	cancel()
	s.tel.storeCall(ctx, what, time.Since(start), err)
	switch {
	case err == nil:
		s.succeeded()
	case ctx.Err() != nil:
		return ctx.Err() // the caller left: says nothing about the store
	default:
		s.failed(ctx, what, err)
		s.tel.storeFallback(ctx, what)
	}
	return err
}

func (s *shared) succeeded() {
	s.worked.Store(true)
	s.mu.Lock()
	was := s.failing
	s.failing, s.backoff, s.downUntil = false, 0, time.Time{}
	s.mu.Unlock()
	if was && s.logger != nil {
		s.logger.Info("sp-api: store available again; sharing state with the fleet")
	}
}

func (s *shared) failed(ctx context.Context, what string, err error) {
	now := time.Now()
	s.mu.Lock()
	s.failing = true
	s.backoff = min(max(2*s.backoff, storeRetryMin), storeRetryMax)
	s.downUntil = now.Add(s.backoff)
	warn := now.Sub(s.warnedAt) >= storeWarnEvery
	if warn {
		s.warnedAt = now
	}
	retryIn := s.backoff
	s.mu.Unlock()
	if warn && s.logger != nil {
		s.logger.LogAttrs(ctx, slog.LevelWarn, "sp-api: store failed; using in-process state (not shared with the fleet) and trying again later",
			slog.String("call", what), slog.String("error", err.Error()), slog.Duration("retry_in", retryIn))
	}
}

// get reads and opens name's value; nil when absent or unreadable.
func (s *shared) get(ctx context.Context, key string) (plain, sealed []byte, err error) {
	err = s.use(ctx, "get", func(ctx context.Context) error {
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
// bytes (for a later DeleteIf), or nil if they were not stored.
func (s *shared) set(ctx context.Context, key string, plain []byte, ttl time.Duration) []byte {
	if ttl <= 0 {
		return nil
	}
	sealed := s.seal.seal(key, plain)
	if len(sealed) > MaxStoreValueSize {
		return nil // a Store would refuse it: this process keeps it to itself
	}
	if s.use(ctx, "set", func(ctx context.Context) error { return s.st.Set(ctx, key, sealed, ttl) }) != nil {
		return nil
	}
	return sealed
}

// deleteIf drops key if it still holds sealed (a token the API rejected).
func (s *shared) deleteIf(ctx context.Context, key string, sealed []byte) {
	if sealed == nil {
		return
	}
	_ = s.use(ctx, "delete", func(ctx context.Context) error { return s.st.DeleteIf(ctx, key, sealed) })
}

// fetchShared returns the value the fleet shares under name while valid
// says it is good, else fetches it, once across the fleet: under a short
// lock, after a second look, and stores it for the others. A process that
// finds the lock taken looks again every fetchPoll until the value is
// there, or the lock is free (its holder failed or died). When the store
// fails, the process fetches on its own. sealed is what the store holds
// (nil when not stored), for a later DeleteIf.
func (s *shared) fetchShared(ctx context.Context, name string, valid func(plain []byte) bool,
	fetch func(context.Context) (plain []byte, ttl time.Duration, err error)) (plain, sealed []byte, err error) {
	key := s.seal.key(name)
	local := func() ([]byte, []byte, error) {
		p, _, err := fetch(ctx)
		return p, nil, err
	}
	for {
		plain, sealed, err := s.get(ctx, key)
		switch {
		case ctx.Err() != nil:
			return nil, nil, ctx.Err()
		case err != nil:
			return local()
		case plain != nil && valid(plain):
			return plain, sealed, nil
		}
		var unlock func(context.Context) error
		var ok bool
		err = s.use(ctx, "lock", func(ctx context.Context) error {
			var err error
			unlock, ok, err = s.st.Lock(ctx, key+":lock", fetchLockTTL)
			return err
		})
		switch {
		case ctx.Err() != nil:
			return nil, nil, ctx.Err()
		case err != nil:
			return local()
		case ok:
			return s.fetchLocked(ctx, key, valid, fetch, unlock)
		}
		t := time.NewTimer(fetchPoll)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, nil, ctx.Err()
		}
	}
}

// fetchLocked is fetchShared's part under the lock.
func (s *shared) fetchLocked(ctx context.Context, key string, valid func([]byte) bool,
	fetch func(context.Context) ([]byte, time.Duration, error), unlock func(context.Context) error) ([]byte, []byte, error) {
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
		defer cancel()
		_ = unlock(uctx)
	}()
	// Another process may have stored it between our look and the lock.
	if plain, sealed, err := s.get(ctx, key); err == nil && plain != nil && valid(plain) {
		return plain, sealed, nil
	}
	plain, ttl, err := fetch(ctx)
	if err != nil {
		return nil, nil, err
	}
	return plain, s.set(ctx, key, plain, ttl), nil
}
