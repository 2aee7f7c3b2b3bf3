package redisstore_test

import (
	"context"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// setRecorder is a go-redis hook that keeps the arguments of the last SET
// sent, so that a test can check what the store asked Redis for without
// racing the key's expiry.
type setRecorder struct {
	mu   sync.Mutex
	args []any
}

func (r *setRecorder) last() []any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.args
}

func (r *setRecorder) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *setRecorder) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if strings.EqualFold(cmd.Name(), "set") {
			r.mu.Lock()
			r.args = cmd.Args()
			r.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}

func (r *setRecorder) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
