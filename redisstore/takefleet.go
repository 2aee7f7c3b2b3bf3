package redisstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spapi-go/spapi/store"
)

var _ store.FleetBucketStore = (*Store)(nil)

// maxTakeID bounds a take ID: it becomes part of a key.
const maxTakeID = 64

// TakeFleetBucket implements store.FleetBucketStore: TakeBucket, a
// heartbeat (o.Members) and a take ID (o.ID) in one EVALSHA, one round
// trip. A take ID is remembered for store.TakeIDTTL under a key of its own
// in key's hash slot ("{…}:t:" + ID), which expires by itself.
func (s *Store) TakeFleetBucket(ctx context.Context, key string, p store.BucketPlan, maxWait time.Duration, seen store.BucketView, o store.TakeOptions) (store.BucketTake, error) {
	k := s.prefix + key
	if err := checkPlan(p, 0); err != nil {
		return store.BucketTake{}, opError("take", k, err)
	}
	seenUs, err := checkView(seen)
	if err != nil {
		return store.BucketTake{}, opError("take", k, err)
	}
	if len(o.ID) > maxTakeID {
		return store.BucketTake{}, opError("take", k, fmt.Errorf("take ID of %d bytes, want at most %d", len(o.ID), maxTakeID))
	}
	if o.Members != "" && (o.MemberTTL <= 0 || o.MemberTTL > maxHeartbeat) {
		return store.BucketTake{}, opError("take", k, fmt.Errorf("member ttl %v is not in (0, %v]", o.MemberTTL, maxHeartbeat))
	}
	maxUs := 0.0
	if maxWait > 0 {
		maxUs = float64(maxWait) / float64(time.Microsecond)
	}
	keys := []string{k, k, k}
	idTTL := int64(0)
	if o.ID != "" {
		keys[1] = takeIDKey(k, o.ID)
		idTTL = store.TakeIDTTL.Milliseconds()
	}
	member := ""
	if o.Members != "" {
		keys[2], member = s.prefix+o.Members, o.Member
	}
	res, err := bounded(ctx, s, func(ctx context.Context) ([]int64, error) {
		return takeFleetScript.Run(ctx, s.rdb, keys,
			formatFloat(p.Rate.PerSecond), p.Rate.Burst, formatFloat(p.Margin.Seconds()),
			seen.Version, seenUs, formatFloat(seen.Tokens),
			formatFloat(maxUs), minIdle, idTTL, member, ceilMs(o.MemberTTL).Microseconds(), maxHeartbeat.Microseconds()).Int64Slice()
	}, nil)
	if err == nil && (len(res) != 6 || res[1] != 0 && res[1] != 1 || res[5] < 0) {
		err = fmt.Errorf("unexpected reply %v", res)
	}
	if err != nil {
		return store.BucketTake{}, opError("take", k, err)
	}
	r := store.BucketTake{Wait: time.Duration(max(res[0], 0)) * time.Microsecond, OK: res[1] == 1, Live: int(res[5])}
	if r.OK && res[2] > 0 {
		r.View = store.BucketView{Version: res[2], Time: time.UnixMicro(res[3]), Tokens: float64(res[4]) / 1e6}
	}
	return r, nil
}

// takeIDKey is the key that remembers take id on bucket k: in k's hash
// slot (the hash tag of k, "{…}", when it has one), short, and apart from
// the names the client gives its own keys.
func takeIDKey(k, id string) string {
	if i := strings.IndexByte(k, '{'); i >= 0 {
		if j := strings.IndexByte(k[i:], '}'); j > 1 {
			return k[:i+j+1] + ":t:" + id
		}
	}
	return k + ":t:" + id
}
