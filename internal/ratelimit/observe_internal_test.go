package ratelimit

import "testing"

// TestObserveAsPlannedKeepsNoBucket: a reply that tells nothing the plan
// does not (no rate, or the plan's) makes no bucket, since with a shared
// Store this limiter's buckets are never waited on and each cost a Client
// 250 bytes (issue 22); a reply with another rate, or a 429, still does,
// and Effective is the same either way.
func TestObserveAsPlannedKeepsNoBucket(t *testing.T) {
	plans := map[string]Rate{"getOrderAddress": {PerSecond: 0.0167, Burst: 30}, "getOrders": {PerSecond: 0.0167, Burst: 20}}
	for _, tc := range []struct {
		name      string
		rate      float64
		throttled bool
		op        string
		buckets   int
		effective Plan // zero: the plan's
	}{
		{"the plan's rate", 0.0167, false, "getOrderAddress", 0, Plan{}},
		{"no rate", 0, false, "getOrderAddress", 0, Plan{}},
		{"a rate out of range", -1, false, "getOrderAddress", 0, Plan{}},
		{"another rate", 0.5, false, "getOrderAddress", 1, Plan{Rate: 0.5}},
		{"a 429", 0, true, "getOrderAddress", 1, Plan{}},
		{"an operation without a plan", 2, false, "GET /{}/v1", 1, Plan{Rate: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := New(plans)
			before := l.Effective(tc.op)
			l.Observe(tc.op, tc.rate, tc.throttled)
			if got := l.Len(); got != tc.buckets {
				t.Errorf("buckets after Observe(%q, %v, %v): %d, want %d", tc.op, tc.rate, tc.throttled, got, tc.buckets)
			}
			got := l.Effective(tc.op)
			switch {
			case tc.effective == Plan{}:
				if got != before {
					t.Errorf("Effective %+v, want the plan's %+v", got, before)
				}
			case got.Rate <= 0 || got.Rate > tc.effective.Rate:
				t.Errorf("Effective %+v, want the learned rate %v with its margin", got, tc.effective.Rate)
			}
		})
	}
}
