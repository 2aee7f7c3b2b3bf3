// Package poll waits for an SP-API job (a report, a feed, a Data Kiosk
// query) by asking for its state with a growing interval: the first wait
// short for quick jobs, later ones longer so a job of an hour costs a few
// hundred calls rather than thousands. The client's rate limiter still
// paces every call to the operation's usage plan.
package poll

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Defaults of Interval.
const (
	DefaultStart = time.Second
	DefaultMax   = 30 * time.Second
)

// DefaultMaxTransient is the number of transient errors in a row that ends
// a wait when Interval.MaxTransient is 0.
const DefaultMaxTransient = 5

// Interval is the wait between two polls: Start, doubled after each poll up
// to Max. Zero values mean DefaultStart and DefaultMax.
type Interval struct {
	Start, Max time.Duration
	// Transient, if set, says an error of a poll is worth polling again
	// (a 429 or 5xx that outlived the client's own retries): a job that
	// takes an hour should not fail on one bad minute of the API. The
	// MaxTransient-th such error in a row (0: DefaultMaxTransient) ends
	// the wait.
	Transient    func(error) bool
	MaxTransient int
}

func (iv Interval) norm() Interval {
	if iv.Start <= 0 {
		iv.Start = DefaultStart
	}
	if iv.Max <= 0 {
		iv.Max = DefaultMax
	}
	iv.Max = max(iv.Max, iv.Start)
	if iv.MaxTransient <= 0 {
		iv.MaxTransient = DefaultMaxTransient
	}
	return iv
}

// Until calls get until it reports done or fails, waiting iv between
// calls; ctx ending stops the wait at once, and the error then wraps
// ctx's cause with what (e.g. "report 123") and its last state.
func Until[T any](ctx context.Context, iv Interval, what string, get func(context.Context) (v T, state string, done bool, err error)) (T, error) {
	iv = iv.norm()
	wait, errs, last := iv.Start, 0, "unknown"
	for {
		v, state, done, err := get(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			if !errors.Is(err, ctx.Err()) {
				err = fmt.Errorf("%w (%w)", context.Cause(ctx), err)
			}
			return v, err
		case err != nil && iv.Transient != nil && iv.Transient(err) && errs+1 < iv.MaxTransient:
			errs++
		case err != nil || done:
			return v, err
		default:
			errs, last = 0, state
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return v, fmt.Errorf("waiting for %s (last %s): %w", what, last, context.Cause(ctx))
		case <-t.C:
		}
		wait = min(wait*2, iv.Max)
	}
}
