package fleet

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// keyRecorder is a go-redis hook that keeps the set of keys a client's
// scripts touched that contain part (":rate:" for the token buckets): what
// the store shared, seen without timing (issue 15). It changes nothing the
// client does, unlike a wrapping Store, which would hide the Store's
// optional interfaces.
type keyRecorder struct {
	part string
	mu   sync.Mutex
	keys map[string]int
}

func newKeyRecorder(part string) *keyRecorder {
	return &keyRecorder{part: part, keys: map[string]int{}}
}

// taken returns how many script calls touched each key.
func (r *keyRecorder) taken() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.keys))
	for k, n := range r.keys {
		out[k] = n
	}
	return out
}

func (r *keyRecorder) record(cmd redis.Cmder) {
	args := cmd.Args()
	// EVAL/EVALSHA script numkeys key...
	name := strings.ToLower(cmd.Name())
	if !strings.HasPrefix(name, "eval") || len(args) < 4 {
		return
	}
	var n int
	if _, err := fmt.Sscan(fmt.Sprint(args[2]), &n); err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := 3; i < 3+n && i < len(args); i++ {
		if k := fmt.Sprint(args[i]); strings.Contains(k, r.part) {
			r.keys[k]++
		}
	}
}

func (r *keyRecorder) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *keyRecorder) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.record(cmd)
		return next(ctx, cmd)
	}
}

func (r *keyRecorder) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			r.record(c)
		}
		return next(ctx, cmds)
	}
}
