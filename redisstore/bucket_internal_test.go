package redisstore

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/redistest"
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
		observe bool    // Observe a 429 (or learned) instead of Take
		learned float64 // the rate Observe tells, instead of a 429
		wantTTL time.Duration
	}{
		{
			// Issue 22: an hour of a bucket that runs at its plan held
			// nothing a full one does not, 270 bytes per seller and
			// operation called.
			name:    "a bucket at its plan lives the plan's refill time",
			plan:    client.Rate{PerSecond: 0.5, Burst: 30},
			wantTTL: 60 * time.Second,
		},
		{
			name:    "a bucket at its plan refilled in seconds lives 20 s",
			plan:    client.Rate{PerSecond: 1, Burst: 10},
			wantTTL: 20 * time.Second,
		},
		{
			name:    "a bucket at its plan refilled in hours lives at most an hour",
			plan:    client.Rate{PerSecond: 0.001, Burst: 10},
			wantTTL: time.Hour,
		},
		{
			name:    "a bucket with a learned rate refilled in seconds lives an hour",
			plan:    client.Rate{PerSecond: 1, Burst: 10},
			before:  bucket{present: true, tokens: 9, rate: 2},
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
			name:    "Observe of a first learned rate keeps it an hour",
			plan:    client.Rate{PerSecond: 1, Burst: 10},
			before:  bucket{present: true, tokens: 9},
			observe: true,
			learned: 2,
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
				err = s.Observe(ctx, bucketKey, tt.plan, tt.learned, tt.learned == 0)
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
	// (Counted an hour from now: a time in the future refills nothing.)
	writeBucket(t, rdb, bucketKey, bucket{present: true, tokens: -2 + frac, rate: 1, age: -time.Hour})
	if err := s.Observe(ctx, bucketKey, client.Rate{PerSecond: 3, Burst: 7}, 1, false); err != nil {
		t.Fatal(err)
	}
	tokens, _ := readBucket(t, rdb, bucketKey)
	if math.Abs(tokens-(-2+frac)) > 1e-12 {
		t.Fatalf("tokens %v after a round trip, want %v", tokens, -2+frac)
	}
}

// Bucket fields are untrusted: whatever another writer left in a bucket's
// key, Take neither fails nor stalls nor stops limiting. Each case then
// takes 60 turns at 10/s, burst 5: no error, no wait beyond what 60 turns
// at the plan's rate take, and limiting on (the last turn is seconds away,
// as 55 turns past the burst at 10/s are).
func TestBucketUntrusted(t *testing.T) {
	plan := client.BucketPlan{Rate: client.Rate{PerSecond: 10, Burst: 5}, Margin: 50 * time.Millisecond}
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	s := New(rdb, WithPrefix(""))
	ctx := context.Background()
	hset := func(fields ...string) func() error {
		return func() error {
			now := rdb.Time(ctx).Val().UnixMicro()
			args := []any{fieldTokens, "3", fieldTime, strconv.FormatInt(now, 10)}
			for i := 0; i < len(fields); i += 2 {
				args = append(args, fields[i], fields[i+1])
			}
			return rdb.HSet(ctx, bucketKey, args...).Err()
		}
	}
	tests := []struct {
		name  string
		write func() error
	}{
		{"tokens -1e12", hset(fieldTokens, "-1e12")},
		{"tokens -inf", hset(fieldTokens, "-inf")},
		{"tokens inf", hset(fieldTokens, "inf")},
		{"tokens nan", hset(fieldTokens, "nan")},
		{"tokens not a number", hset(fieldTokens, "many")},
		{"tokens 1e300", hset(fieldTokens, "1e300")},
		{"time nan", hset(fieldTime, "nan")},
		{"time far in the future", hset(fieldTime, "1e300")},
		{"time far in the past", hset(fieldTime, "-1e300")},
		{"tail nan", hset(fieldTail, "nan")},
		{"tail far in the past", hset(fieldTail, "-1e300")},
		{"tail not a number", hset(fieldTail, "last")},
		{"gaps garbage", hset(fieldGaps, "x nan -inf 1e300 "+strings.Repeat("7 ", 200))},
		{"time missing", func() error { return rdb.HSet(ctx, bucketKey, fieldTokens, "2").Err() }},
		{"version nan", hset(fieldVersion, "nan")},
		{"version -1", hset(fieldVersion, "-1")},
		{"version 1e300", hset(fieldVersion, "1e300")},
		{"version 0.5", hset(fieldVersion, "0.5")},
		{"version not a number", hset(fieldVersion, "new")},
		{"rate 0", hset(fieldRate, "0")},
		{"rate -1", hset(fieldRate, "-1")},
		{"rate nan", hset(fieldRate, "nan")},
		{"rate inf", hset(fieldRate, "inf")},
		{"rate 1e-300", hset(fieldRate, "1e-300")},
		{"rate 1e300", hset(fieldRate, "1e300")},
		{"rate not a number", hset(fieldRate, "fast")},
		{"a string", func() error { return rdb.Set(ctx, bucketKey, "x", 0).Err() }},
		{"a list", func() error { return rdb.RPush(ctx, bucketKey, "x").Err() }},
		{"a set", func() error { return rdb.SAdd(ctx, bucketKey, "x").Err() }},
		{"a sorted set", func() error { return rdb.ZAdd(ctx, bucketKey, redis.Z{Score: 1, Member: "x"}).Err() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Flush(t)
			if err := tt.write(); err != nil {
				t.Fatal(err)
			}
			var last time.Duration
			start := time.Now()
			for i := range 60 {
				wait, ok, err := takeAs(ctx, s, plan, true)
				if err != nil || !ok {
					t.Fatalf("Take #%d: ok %v, err %v", i+1, ok, err)
				}
				if wait > 7*time.Second {
					t.Fatalf("Take #%d waits %v: more than 60 turns at 10/s", i+1, wait)
				}
				last = wait
			}
			// (Less the time the test took: the bucket refills meanwhile.)
			if last < 4500*time.Millisecond-time.Since(start) {
				t.Errorf("the 60th Take waits %v, want at least 4.5 s: limiting is off", last)
			}
			if kind := rdb.Type(ctx, bucketKey).Val(); kind != "hash" {
				t.Errorf("the bucket is a %s after Take, want a hash", kind)
			}
			if r, err := rdb.HGet(ctx, bucketKey, fieldRate).Result(); err != redis.Nil {
				t.Errorf("rate field %q (%v) after Take: a rate out of bounds must be dropped", r, err)
			}
			// Observe and Refund take it too.
			srv.Flush(t)
			if err := tt.write(); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Refund(ctx, bucketKey, plan, client.BucketTake{OK: true, Wait: time.Second, View: client.BucketView{Version: 1, Time: time.Now()}}); err != nil {
				t.Errorf("Refund: %v", err)
			}
			if err := s.Observe(ctx, bucketKey, plan.Rate, 0, true); err != nil {
				t.Errorf("Observe: %v", err)
			}
		})
	}
}

// A caller that gives up before its turn gives its token back: after 10
// cancelled waiters at 1/s the next caller waits about 1 s, not 11 s,
// whatever the order in which they leave (a leaver from the middle leaves
// a gap that comes back with the tail).
func TestBucketRefund(t *testing.T) {
	plan := client.BucketPlan{Rate: client.Rate{PerSecond: 1, Burst: 1}}
	srv := redistest.Start(t)
	s := New(srv.Client(t), WithPrefix(""))
	ctx := context.Background()
	for _, order := range []string{"last in, first out", "first in, first out", "out of order"} {
		t.Run(order, func(t *testing.T) {
			srv.Flush(t)
			start := time.Now()
			if wait, _, err := takeAs(ctx, s, plan, false); err != nil || wait != 0 {
				t.Fatalf("first Take: wait %v, err %v; want none", wait, err)
			}
			var takes []client.BucketTake
			for i := range 10 {
				r, err := s.TakeBucket(ctx, bucketKey, plan, 0, client.BucketView{})
				if err != nil {
					t.Fatal(err)
				}
				if want := time.Duration(i+1) * time.Second; r.Wait > want || r.Wait < want-time.Since(start) {
					t.Fatalf("waiter %d waits %v, want about %v", i+1, r.Wait, want)
				}
				takes = append(takes, r)
			}
			idx := []int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}
			switch order {
			case "first in, first out":
				slices.Reverse(idx)
			case "out of order":
				idx = []int{4, 0, 9, 2, 7, 1, 8, 3, 6, 5}
			}
			var last client.BucketView
			for _, i := range idx {
				v, err := s.Refund(ctx, bucketKey, plan, takes[i])
				if err != nil {
					t.Fatal(err)
				}
				if v.Version <= last.Version {
					t.Fatalf("Refund returned version %d after %d", v.Version, last.Version)
				}
				last = v
			}
			r, err := s.TakeBucket(ctx, bucketKey, plan, 0, last)
			if err != nil {
				t.Fatal(err)
			}
			if r.Wait > time.Second || r.Wait < time.Second-time.Since(start) {
				t.Errorf("after 10 refunds the next caller waits %v, want about 1 s (less the %v the test took)", r.Wait, time.Since(start))
			}
		})
	}
	// A refund never fills a bucket past its capacity, nor makes one.
	srv.Flush(t)
	r, err := s.TakeBucket(ctx, bucketKey, plan, 0, client.BucketView{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.Refund(ctx, bucketKey, plan, r); err != nil {
			t.Fatal(err)
		}
	}
	if r, err := s.TakeBucket(ctx, bucketKey, plan, 0, client.BucketView{}); err != nil || r.Wait != 0 {
		t.Fatalf("Take after the refund: %+v, %v; want no wait", r, err)
	}
	if r, err := s.TakeBucket(ctx, bucketKey, plan, 0, client.BucketView{}); err != nil || r.Wait < 900*time.Millisecond {
		t.Errorf("the second Take after 3 refunds of one take waits %v (%v), want about 1 s: the bucket went past its capacity", r.Wait, err)
	}
	srv.Flush(t)
	if _, err := s.Refund(ctx, bucketKey, plan, r); err != nil {
		t.Fatal(err)
	}
	if n := srv.Client(t).Exists(ctx, bucketKey).Val(); n != 0 {
		t.Errorf("Refund created a missing bucket")
	}
}

// A waiter that leaves from the middle of the queue gives back no token
// while those behind keep their turns (issue 22, defect 2): the next
// caller would get the last waiter's turn, two requests at once, a 429 at
// burst 1 (3 of 3 runs). Five waiters queue at 1/s, burst 1; the third
// leaves; the next caller's turn must come one interval after the fifth's.
// Then the new caller and the fifth leave (the tail, each in turn): their
// tokens come back, the third's gap stays while the fourth keeps its turn,
// and comes back with the fourth's.
func TestBucketRefundFromTheMiddle(t *testing.T) {
	plan := client.BucketPlan{Rate: client.Rate{PerSecond: 1, Burst: 1}}
	srv := redistest.Start(t)
	s := New(srv.Client(t), WithPrefix(""))
	ctx := context.Background()
	take := func() client.BucketTake {
		t.Helper()
		r, err := s.TakeBucket(ctx, bucketKey, plan, 0, client.BucketView{})
		if err != nil || !r.OK {
			t.Fatalf("TakeBucket: %+v, %v", r, err)
		}
		return r
	}
	turn := func(r client.BucketTake) time.Time { return r.View.Time.Add(r.Wait) }
	take() // the burst
	var q []client.BucketTake
	for range 5 {
		q = append(q, take())
	}
	if _, err := s.Refund(ctx, bucketKey, plan, q[2]); err != nil {
		t.Fatal(err)
	}
	next := take()
	if d := turn(next).Sub(turn(q[4])); d < time.Second-2*time.Microsecond {
		t.Errorf("after a waiter left from the middle, the next turn is %v after the last waiter's, want 1 s: a turn handed out twice", d)
	}
	// The new caller is the tail now: it leaves, then the fifth.
	for _, r := range []client.BucketTake{next, q[4]} {
		if _, err := s.Refund(ctx, bucketKey, plan, r); err != nil {
			t.Fatal(err)
		}
	}
	again := take()
	if d := turn(again).Sub(turn(q[3])); d < time.Second-2*time.Microsecond || d > time.Second+2*time.Microsecond {
		t.Errorf("after the tail left, the next turn is %v after the fourth waiter's, want 1 s", d)
	}
	// It leaves, then the fourth: the third's gap comes back with it.
	for _, r := range []client.BucketTake{again, q[3]} {
		if _, err := s.Refund(ctx, bucketKey, plan, r); err != nil {
			t.Fatal(err)
		}
	}
	last := take()
	if d := turn(last).Sub(turn(q[1])); d < time.Second-2*time.Microsecond || d > time.Second+2*time.Microsecond {
		t.Errorf("after the fourth left, the next turn is %v after the second waiter's, want 1 s: the third's gap did not come back", d)
	}
}

// A bucket that vanished starts empty for a caller that knew it; a bucket
// that never existed starts full. The margin is time: 50 ms at 0.5/s is
// 0.025 token off a burst of 30, not a whole token.
func TestBucketVanishedAndMargin(t *testing.T) {
	srv := redistest.Start(t)
	s := New(srv.Client(t), WithPrefix(""))
	ctx := context.Background()
	plan := client.BucketPlan{Rate: client.Rate{PerSecond: 0.5, Burst: 30}, Margin: 50 * time.Millisecond}
	for i := range 29 {
		if wait, _, err := takeAs(ctx, s, plan, i > 0); err != nil || wait != 0 {
			t.Fatalf("Take #%d of a new bucket: wait %v, err %v; want none", i+1, wait, err)
		}
	}
	wait, _, err := takeAs(ctx, s, plan, true)
	// (Less if the test's own calls took time: the bucket refills.)
	if err != nil || wait > 50*time.Millisecond || wait <= 0 {
		t.Fatalf("30th Take: wait %v, err %v; want 50 ms (the margin), not a whole token's 2 s", wait, err)
	}
	srv.Flush(t) // the bucket vanishes
	wait, _, err = takeAs(ctx, s, plan, true)
	if err != nil || wait != 2*time.Second {
		t.Fatalf("Take of a vanished bucket: wait %v, err %v; want one interval, 2 s", wait, err)
	}
}

// takeAs is TakeBucket for a caller that has taken from the bucket before
// (known) or not, with no view of its state beyond that.
func takeAs(ctx context.Context, s *Store, plan client.BucketPlan, known bool) (time.Duration, bool, error) {
	var seen client.BucketView
	if known {
		seen.Version = 1
	}
	r, err := s.TakeBucket(ctx, bucketKey, plan, 0, seen)
	return r.Wait, r.OK, err
}
