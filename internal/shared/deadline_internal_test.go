package shared

import (
	"testing"
	"time"
)

// The store deadline follows the replies' p99 times deadlineFactor,
// never below the configured timeout and never above maxDeadline (unless
// the configured timeout is longer).
func TestReplyTimesDeadline(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name    string
		replies []time.Duration
		base    time.Duration
		want    time.Duration
	}{
		{"no replies: the longest", nil, 100 * ms, maxDeadline},
		{"fast replies: the timeout", []time.Duration{ms, 2 * ms, ms}, 100 * ms, 100 * ms},
		{"slow replies: four times them", []time.Duration{60 * ms, 80 * ms, 70 * ms}, 100 * ms, 320 * ms},
		{"very slow replies: capped", []time.Duration{900 * ms}, 100 * ms, maxDeadline},
		{"a longer timeout wins over the cap", []time.Duration{900 * ms}, 2 * time.Second, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r replyTimes
			for _, d := range tc.replies {
				r.record(d)
			}
			if got := r.deadline(tc.base); got != tc.want {
				t.Errorf("deadline(%v) after %v = %v, want %v", tc.base, tc.replies, got, tc.want)
			}
		})
	}
	t.Run("an old slow reply leaves the window", func(t *testing.T) {
		var r replyTimes
		r.record(500 * ms)
		for range replyWindow + recomputeEvery {
			r.record(ms)
		}
		if got := r.deadline(100 * ms); got != 100*ms {
			t.Errorf("deadline after %d fast replies = %v, want the timeout", replyWindow, got)
		}
	})
}
