package sptest

import (
	"testing"
	"time"
)

// SpendBudgetOf leaves the bucket exactly empty. It used to spend only the
// whole tokens, so a bucket a moment after a spent token kept most of the
// next one, and TestRateScale saw createReport refill after 110 ms instead
// of 600 ms whenever the machine was slow between its calls.
func TestSpendBudgetEmptiesTheBucket(t *testing.T) {
	for _, tt := range []struct {
		name  string
		spent time.Duration // how long ago the bucket was last emptied
	}{
		// 5.845 tokens: the old code spent 5 and left 0.845.
		{"whole tokens and a fraction back", 3500 * time.Millisecond},
		{"full", time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(Options{RateScale: 100}) // createReport: 1.67/s, burst 15
			defer s.Close()
			ops := s.table.lookup("createReport")
			if len(ops) == 0 {
				t.Fatal("no createReport in the table")
			}
			for _, o := range ops {
				b := s.buckets[o.index]
				b.lim.AllowN(time.Now().Add(-tt.spent), b.lim.Burst())
			}
			s.SpendBudgetOf("createReport")
			for _, o := range ops {
				// TokensAt a time before the last update is the stored
				// count, with no refill since: no clock in the answer.
				if got := s.buckets[o.index].lim.TokensAt(time.Time{}); got != 0 {
					t.Errorf("%v tokens left after SpendBudgetOf, want 0", got)
				}
			}
		})
	}
}
