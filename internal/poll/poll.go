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

// Interval is the wait between two polls: Start, doubled after each poll up
// to Max. Zero values mean DefaultStart and DefaultMax.
type Interval struct {
	Start, Max time.Duration
}

func (iv Interval) norm() Interval {
	if iv.Start <= 0 {
		iv.Start = DefaultStart
	}
	if iv.Max <= 0 {
		iv.Max = DefaultMax
	}
	iv.Max = max(iv.Max, iv.Start)
	return iv
}

// Until calls get until it reports done or fails, waiting iv between
// calls; ctx ending stops the wait at once, and the error then wraps
// ctx's cause with what (e.g. "report 123") and its last state.
func Until[T any](ctx context.Context, iv Interval, what string, get func(context.Context) (v T, state string, done bool, err error)) (T, error) {
	iv = iv.norm()
	wait := iv.Start
	for {
		v, state, done, err := get(ctx)
		if err != nil || done {
			if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
				err = fmt.Errorf("%w (%w)", context.Cause(ctx), err)
			}
			return v, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return v, fmt.Errorf("waiting for %s (last %s): %w", what, state, context.Cause(ctx))
		case <-t.C:
		}
		wait = min(wait*2, iv.Max)
	}
}
