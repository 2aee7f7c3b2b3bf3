package transport

import (
	"context"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/spapi-go/spapi/internal/ratelimit"
)

func TestBackoffCeiling(t *testing.T) {
	tests := []struct {
		base, max time.Duration
		n         int
		want      time.Duration
	}{
		{500 * time.Millisecond, 30 * time.Second, 0, 500 * time.Millisecond},
		{500 * time.Millisecond, 30 * time.Second, 3, 4 * time.Second},
		{500 * time.Millisecond, 30 * time.Second, 6, 30 * time.Second},
		{20 * time.Second, 30 * time.Second, 29, 30 * time.Second}, // the overflow
		{20 * time.Second, 30 * time.Second, 40, 30 * time.Second},
		{time.Nanosecond, math.MaxInt64, 62, math.MaxInt64},
		{time.Nanosecond, math.MaxInt64, 70, math.MaxInt64},
		{3, math.MaxInt64, 61, 3 << 61},
		{4, math.MaxInt64, 61, math.MaxInt64},
		{time.Minute, time.Second, 0, time.Second},
		{0, time.Second, 5, time.Second},
		{time.Second, 0, 5, 0},
		{time.Second, -5, 5, 0},
		{time.Second, time.Hour, -3, time.Second},
	}
	for _, tt := range tests {
		if got := backoffCeiling(tt.base, tt.max, tt.n); got != tt.want {
			t.Errorf("backoffCeiling(%v, %v, %d) = %v, want %v", tt.base, tt.max, tt.n, got, tt.want)
		}
	}
}

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	const maxWait = 30 * time.Second
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"30", 30 * time.Second, true},
		{"31", maxWait, true},
		{"10000000000", maxWait, true},
		{"99999999999999999999999999", maxWait, true},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"7s", 0, false},
		{"Tue, 01 Dec 2026 12:00:10 GMT", 10 * time.Second, true},
		{"Tue, 01 Dec 2026 11:00:00 GMT", 0, true},
		{"Fri, 31 Dec 9999 23:59:59 GMT", maxWait, true},
		{"tomorrow", 0, false},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in, maxWait, clock)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

// FuzzRetryWait: whatever the headers say and the configuration holds,
// every wait is in [0, MaxWait], nothing panics, and the limiter survives
// what the rate header said.
func FuzzRetryWait(f *testing.F) {
	f.Add("10000000000", "NaN", int64(20*time.Second), int64(0), 40, 29, uint8(0))
	f.Add("", "100", int64(time.Second), int64(30*time.Second), 4, 3, uint8(1))
	f.Add("Fri, 31 Dec 9999 23:59:59 GMT", "1e-300", int64(-1), int64(-1), -1, 0, uint8(2))
	f.Add("-1", "+Inf", int64(math.MaxInt64), int64(math.MaxInt64), math.MaxInt32, 1<<30, uint8(3))
	f.Add("3", "0.0167", int64(1), int64(1), 1, -7, uint8(1))
	f.Fuzz(func(t *testing.T, retryAfterH, rateH string, retryWait, maxWait int64, maxRetries, n int, kind uint8) {
		p := NewPolicy(PolicyOptions{RetryWait: time.Duration(retryWait), MaxWait: time.Duration(maxWait), MaxRetries: maxRetries})
		if p.maxWait <= 0 || p.maxRetries < 0 || p.maxRetries > maxAttempts {
			t.Fatalf("policy %+v from RetryWait %d, MaxWait %d, MaxRetries %d", p, retryWait, maxWait, maxRetries)
		}
		h := http.Header{}
		h.Set("Retry-After", retryAfterH)
		h.Set(HeaderRateLimit, rateH)
		for _, hdr := range []http.Header{h, nil} {
			k := retryKind(kind % 4)
			if d := p.wait(k, n, hdr); d < 0 || d > p.maxWait {
				t.Fatalf("wait(%v, %d, Retry-After %q, rate %q) = %v, outside [0, %v]", k, n, retryAfterH, rateH, d, p.maxWait)
			}
		}
		// The limiter takes what parseRate lets through.
		l := ratelimit.New(map[string]ratelimit.Rate{})
		r, _ := ratelimit.ParseRate(rateH)
		l.Observe("op", r, false)
		l.Observe("op", r, true)
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		_ = l.Wait(ctx, "op")
	})
}

// Every reason a RetryInfo can carry is one of the exported constants
// (client.ReasonStatus and the others), with its documented value: the
// reason is set in one place, from the retry's kind, and every kind is
// listed here.
func TestRetryReasonsAreConstants(t *testing.T) {
	want := map[retryKind]string{
		retryServer:    "status",
		retryThrottled: "status",
		retryNetwork:   "network",
		retryToken:     "token_rejected",
	}
	constants := map[string]bool{ReasonStatus: true, ReasonNetwork: true, ReasonTokenRejected: true}
	for k := retryServer; k <= retryToken+1; k++ {
		t.Run(k.String(), func(t *testing.T) {
			got := k.reason()
			if !constants[got] {
				t.Errorf("kind %v gives reason %q, not one of the constants", k, got)
			}
			if w, ok := want[k]; ok && got != w {
				t.Errorf("kind %v gives reason %q, want %q", k, got, w)
			}
		})
	}
}
