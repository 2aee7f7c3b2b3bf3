package redisstore

import (
	"context"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/tokens/client"
	"github.com/spapi-go/tokens/internal/redistest"
)

// These tests write a bucket's hash directly, to start from a known count
// of tokens and a known age, and read it back.

const bucketKey = "{0f1e2d3c}:rate:getOrders"

// bucket is a bucket's state to write; present false means no hash.
type bucket struct {
	present bool
	tokens  float64
	age     time.Duration // how long ago tokens was counted
	rate    float64       // the learned rate; 0: none
}

// writeBucket stores b under key, aged by Redis's clock.
func writeBucket(t *testing.T, rdb *redis.Client, key string, b bucket) {
	t.Helper()
	if !b.present {
		return
	}
	ctx := context.Background()
	now, err := rdb.Time(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	ts := now.UnixMicro() - b.age.Microseconds()
	fields := []any{fieldTokens, strconv.FormatFloat(b.tokens, 'g', -1, 64), fieldTime, ts}
	if b.rate > 0 {
		fields = append(fields, fieldRate, b.rate)
	}
	if err := rdb.HSet(ctx, key, fields...).Err(); err != nil {
		t.Fatal(err)
	}
}

// readBucket returns the tokens and learned rate stored under key.
func readBucket(t *testing.T, rdb *redis.Client, key string) (tokens, rate float64) {
	t.Helper()
	h, err := rdb.HGetAll(context.Background(), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	tokens, err = strconv.ParseFloat(h[fieldTokens], 64)
	if err != nil {
		t.Fatalf("tokens %q: %v", h[fieldTokens], err)
	}
	if h[fieldRate] != "" {
		if rate, err = strconv.ParseFloat(h[fieldRate], 64); err != nil {
			t.Fatalf("rate %q: %v", h[fieldRate], err)
		}
	}
	return tokens, rate
}

func TestObserveDrainsAndReprices(t *testing.T) {
	tests := []struct {
		name      string
		plan      client.Rate
		before    bucket
		learned   float64
		throttled bool
		// After Observe, as if no time passed in the test:
		wantTokens float64
		wantRate   float64
		wantWait   time.Duration // of the next Take
	}{
		{
			// Refilled at 1/s for 10 s (-10), then priced at 100/s:
			// 11 tokens short = 110 ms. Pricing the 10 s at the new
			// rate would give a full bucket and no wait.
			name:    "faster rate prices only the time after it",
			plan:    client.Rate{PerSecond: 1, Burst: 10},
			before:  bucket{present: true, tokens: -20, age: 10 * time.Second, rate: 1},
			learned: 100, wantTokens: -10, wantRate: 100, wantWait: 110 * time.Millisecond,
		},
		{
			// Refilled at 100/s for 100 ms (-10), then 11 short at
			// 1/s. Pricing the 100 ms at 1/s would give 20.9 s.
			name:    "slower rate prices only the time after it",
			plan:    client.Rate{PerSecond: 1, Burst: 10},
			before:  bucket{present: true, tokens: -20, age: 100 * time.Millisecond, rate: 100},
			learned: 1, wantTokens: -10, wantRate: 1, wantWait: 11 * time.Second,
		},
		{
			name:    "the plan's rate is the old rate until one is learned",
			plan:    client.Rate{PerSecond: 2, Burst: 10},
			before:  bucket{present: true, tokens: -4, age: time.Second},
			learned: 50, wantTokens: -2, wantRate: 50, wantWait: 60 * time.Millisecond,
		},
		{
			name:    "a new rate and a 429",
			plan:    client.Rate{PerSecond: 1, Burst: 10},
			before:  bucket{present: true, tokens: 3.5, rate: 1},
			learned: 2, throttled: true, wantTokens: -0.5, wantRate: 2, wantWait: 750 * time.Millisecond,
		},
		{
			name:      "429 takes the fraction too",
			plan:      client.Rate{PerSecond: 1, Burst: 5},
			before:    bucket{present: true, tokens: 2.5},
			throttled: true, wantTokens: -0.5, wantWait: 1500 * time.Millisecond,
		},
		{
			name:      "429 with a small fraction left",
			plan:      client.Rate{PerSecond: 1, Burst: 5},
			before:    bucket{present: true, tokens: 0.2},
			throttled: true, wantTokens: -0.8, wantWait: 1800 * time.Millisecond,
		},
		{
			name:      "429 keeps a queue",
			plan:      client.Rate{PerSecond: 1, Burst: 5},
			before:    bucket{present: true, tokens: -2.5},
			throttled: true, wantTokens: -2.5, wantWait: 3500 * time.Millisecond,
		},
		{
			name:      "429 on a bucket refilled past its burst",
			plan:      client.Rate{PerSecond: 1, Burst: 5},
			before:    bucket{present: true, tokens: 4.5, age: 10 * time.Second},
			throttled: true, wantTokens: 0, wantWait: time.Second,
		},
		{
			name:      "429 on a new bucket: full, then empty",
			plan:      client.Rate{PerSecond: 1, Burst: 5},
			throttled: true, wantTokens: 0, wantWait: time.Second,
		},
		{
			name:      "429 keeps the learned rate",
			plan:      client.Rate{PerSecond: 1, Burst: 5},
			before:    bucket{present: true, tokens: 1.25, rate: 4},
			throttled: true, wantTokens: -0.75, wantRate: 4, wantWait: 437500 * time.Microsecond,
		},
		{
			// No burst in the plan: one second's worth of the rate.
			name:    "a slower rate lowers a burst taken from the rate",
			plan:    client.Rate{PerSecond: 20},
			before:  bucket{present: true, tokens: 20, rate: 20},
			learned: 1, wantTokens: 1, wantRate: 1, wantWait: 0,
		},
		{
			name:    "a new bucket starts full at the learned rate",
			plan:    client.Rate{},
			learned: 3, wantTokens: 3, wantRate: 3, wantWait: 0,
		},
	}
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	s := New(rdb, WithPrefix(""))
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Flush(t)
			start := time.Now()
			writeBucket(t, rdb, bucketKey, tt.before)
			if err := s.Observe(ctx, bucketKey, tt.plan, tt.learned, tt.throttled); err != nil {
				t.Fatal(err)
			}
			tokens, rate := readBucket(t, rdb, bucketKey)
			// Time passing in the test only adds tokens.
			maxRate := max(tt.plan.PerSecond, tt.before.rate, tt.learned)
			extra := time.Since(start).Seconds()*maxRate + 1e-9
			if tokens < tt.wantTokens-1e-9 || tokens > tt.wantTokens+extra {
				t.Errorf("tokens after Observe = %v, want %v (+%v)", tokens, tt.wantTokens, extra)
			}
			if rate != tt.wantRate {
				t.Errorf("learned rate = %v, want %v", rate, tt.wantRate)
			}
			wait, ok, err := s.Take(ctx, bucketKey, tt.plan, 0)
			if err != nil || !ok {
				t.Fatalf("Take: %v, %v", ok, err)
			}
			newRate := rate
			if newRate == 0 {
				newRate = tt.plan.PerSecond
			}
			early := time.Duration(time.Since(start).Seconds() * maxRate / newRate * float64(time.Second))
			if wait > tt.wantWait+time.Microsecond || wait < tt.wantWait-early-time.Millisecond {
				t.Errorf("next Take waits %v, want %v (at most %v less)", wait, tt.wantWait, early)
			}
		})
	}
}

func TestBucketTTL(t *testing.T) {
	tests := []struct {
		name    string
		plan    client.Rate
		before  bucket
		observe bool // Observe a 429 instead of Take
		wantTTL time.Duration
	}{
		{
			name:    "a bucket refilled in seconds lives an hour",
			plan:    client.Rate{PerSecond: 1, Burst: 10},
			wantTTL: time.Hour,
		},
		{
			name:    "a deep queue lives until the bucket is full",
			plan:    client.Rate{PerSecond: 0.1, Burst: 1},
			before:  bucket{present: true, tokens: -999},
			wantTTL: 10010 * time.Second, // 1 - (-1000) tokens at 0.1/s
		},
		{
			name:    "Observe keeps a learned rate an hour",
			plan:    client.Rate{PerSecond: 1, Burst: 10},
			before:  bucket{present: true, tokens: 5, rate: 2},
			observe: true,
			wantTTL: time.Hour,
		},
		{
			name:    "Observe on a deep queue",
			plan:    client.Rate{PerSecond: 0.01, Burst: 10},
			before:  bucket{present: true, tokens: -50},
			observe: true,
			wantTTL: 6000 * time.Second,
		},
	}
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	s := New(rdb, WithPrefix(""))
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Flush(t)
			writeBucket(t, rdb, bucketKey, tt.before)
			var err error
			if tt.observe {
				err = s.Observe(ctx, bucketKey, tt.plan, 0, true)
			} else {
				_, _, err = s.Take(ctx, bucketKey, tt.plan, 0)
			}
			if err != nil {
				t.Fatal(err)
			}
			ttl, err := rdb.PTTL(ctx, bucketKey).Result()
			if err != nil {
				t.Fatal(err)
			}
			if ttl > tt.wantTTL || ttl < tt.wantTTL-time.Second {
				t.Errorf("PTTL = %v, want %v", ttl, tt.wantTTL)
			}
		})
	}
}

// TestNumbersReadBackExactly guards the %.17g formatting: a time in µs
// needs 16 digits, more than Lua's tostring keeps.
func TestNumbersReadBackExactly(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	s := New(rdb, WithPrefix(""))
	ctx := context.Background()
	before, err := rdb.Time(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Take(ctx, bucketKey, client.Rate{PerSecond: 3, Burst: 7}, 0); err != nil {
		t.Fatal(err)
	}
	h := rdb.HGetAll(ctx, bucketKey).Val()
	ts, err := strconv.ParseInt(h[fieldTime], 10, 64)
	if err != nil {
		t.Fatalf("ts %q is not an integer: %v", h[fieldTime], err)
	}
	if d := ts - before.UnixMicro(); d < 0 || d > time.Second.Microseconds() {
		t.Fatalf("ts %d is %d µs after the server's time before the call", ts, d)
	}
	if h[fieldTokens] != "6" {
		t.Fatalf("tokens %q, want 6", h[fieldTokens])
	}
	// A fraction survives a round trip through the script.
	frac := 1.0 / 3
	writeBucket(t, rdb, bucketKey, bucket{present: true, tokens: -2 + frac, rate: 1e-9})
	if err := s.Observe(ctx, bucketKey, client.Rate{PerSecond: 3, Burst: 7}, 1e-9, false); err != nil {
		t.Fatal(err)
	}
	tokens, _ := readBucket(t, rdb, bucketKey)
	if math.Abs(tokens-(-2+frac)) > 1e-12 {
		t.Fatalf("tokens %v after a round trip, want %v", tokens, -2+frac)
	}
}
