package ratelimit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/time/rate"
)

// A waiter that leaves from the middle of the queue must not give its
// token back while those behind it keep their turns: the next caller would
// get the last waiter's turn, two requests at once, a 429 at burst 1
// (issue 22, defect 2: 3 of 3 runs). Five callers queue at 1/s, burst 1;
// the waiters listed leave; five more callers come. Every request sent
// must pass the server's own bucket (1/s, burst 1), and the tokens of the
// leavers come back once no later turn counts on them: the last caller is
// sent no later than the queue without the leavers needs.
func TestLimiterLeaverFromTheMiddle(t *testing.T) {
	tests := []struct {
		name   string
		leave  []int // indexes of the queued waiters, in the order they leave
		giveUp int   // how many of their tokens must come back
	}{
		{"one from the middle", []int{2}, 0},
		{"the first waiter", []int{0}, 0},
		{"the last waiter", []int{4}, 1},
		{"the tail, then the one before", []int{4, 3}, 2},
		{"the middle, then the tail", []int{2, 4}, 1},
		{"all, first to last", []int{0, 1, 2, 3, 4}, 5},
		{"all, out of order", []int{3, 0, 4, 2, 1}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const op = "burst1"
				l := New(map[string]Rate{op: {PerSecond: 1, Burst: 1}})
				start := time.Now()
				var mu sync.Mutex
				sent := []time.Time{}
				var wg sync.WaitGroup
				call := func(ctx context.Context) {
					wg.Go(func() {
						err := l.Wait(ctx, op)
						if errors.Is(err, context.Canceled) {
							return
						}
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						sent = append(sent, time.Now())
						mu.Unlock()
					})
					synctest.Wait() // queued in this order
				}
				call(context.Background()) // the burst
				cancels := make([]context.CancelFunc, 5)
				for i := range cancels {
					ctx, cancel := context.WithCancel(context.Background())
					cancels[i] = cancel
					call(ctx)
				}
				for _, i := range tt.leave {
					cancels[i]()
					synctest.Wait()
				}
				for range 5 {
					call(context.Background())
				}
				wg.Wait()
				for _, cancel := range cancels {
					cancel()
				}
				server := rate.NewLimiter(1, 1)
				slices.SortFunc(sent, time.Time.Compare)
				for i, at := range sent {
					if !server.AllowN(at, 1) {
						t.Errorf("request %d of %d, sent at %v, refused by the server's bucket: a turn was handed out twice", i+1, len(sent), at.Sub(start))
					}
				}
				// 1 + 5 - len(leave) + 5 requests, one interval (1.05 s with
				// the margin) apart, less the turns given back.
				interval := 1050 * time.Millisecond
				slots := 1 + 5 + 5 - tt.giveUp
				want := time.Duration(slots-1) * interval
				if last := sent[len(sent)-1].Sub(start); last > want+time.Millisecond {
					t.Errorf("the last request went at %v, want at most %v: the tokens of %d leavers did not come back", last, want, tt.giveUp)
				}
			})
		})
	}
}
