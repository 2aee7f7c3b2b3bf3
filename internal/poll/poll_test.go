package poll

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestUntil(t *testing.T) {
	t.Run("stops when done", func(t *testing.T) {
		n := 0
		v, err := Until(t.Context(), Interval{Start: time.Microsecond, Max: time.Millisecond}, "job", func(context.Context) (int, string, bool, error) {
			n++
			return n, "IN_PROGRESS", n == 4, nil
		})
		if err != nil || v != 4 || n != 4 {
			t.Fatalf("v %d, n %d, err %v", v, n, err)
		}
	})
	t.Run("stops on an error", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := Until(t.Context(), Interval{Start: time.Microsecond}, "job", func(context.Context) (int, string, bool, error) {
			return 0, "", false, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("transient errors ridden out, MaxTransient in a row at most", func(t *testing.T) {
		flaky := errors.New("503")
		for _, tc := range []struct {
			failures, polls int
			fails           bool
		}{{2, 3, false}, {4, 5, false}, {5, 5, true}} {
			n := 0
			_, err := Until(t.Context(), Interval{Start: time.Microsecond, Transient: func(err error) bool { return err == flaky }, MaxTransient: 5}, "job",
				func(context.Context) (int, string, bool, error) {
					n++
					if n <= tc.failures {
						return 0, "", false, flaky
					}
					return n, "DONE", true, nil
				})
			if (err != nil) != tc.fails || n != tc.polls {
				t.Errorf("%d failures: err %v after %d polls, want failure %v after %d", tc.failures, err, n, tc.fails, tc.polls)
			}
		}
	})
	t.Run("a cancelled context stops the wait", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		polled := make(chan struct{}, 1)
		done := make(chan error, 1)
		go func() {
			_, err := Until(ctx, Interval{Start: time.Hour}, "report 7", func(context.Context) (int, string, bool, error) {
				polled <- struct{}{}
				return 0, "IN_QUEUE", false, nil
			})
			done <- err
		}()
		<-polled
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) || err.Error() != "waiting for report 7 (last IN_QUEUE): context canceled" {
				t.Fatalf("err %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("still waiting after the context was cancelled")
		}
	})
}

func TestIntervalGrows(t *testing.T) {
	iv := Interval{}.norm()
	if iv.Start != DefaultStart || iv.Max != DefaultMax {
		t.Fatalf("defaults %+v", iv)
	}
	if iv := (Interval{Start: time.Minute, Max: time.Second}).norm(); iv.Max != time.Minute {
		t.Fatalf("Max below Start: %+v", iv)
	}
}
