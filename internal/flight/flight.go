// Package flight runs one fetch per key at a time however many goroutines
// ask (a single flight), for the LWA token source and the RDT cache.
package flight

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Group runs one fetch per key at a time however many goroutines ask
// (a single flight). Unlike x/sync/singleflight it counts its waiters: each
// caller can give up on its own context, and the fetch, which runs detached
// from every caller, is cancelled when the last waiter has given up, so
// nothing keeps running behind the callers.
//
// The fetch has no deadline of its own. A deadline invented here (it once
// was two minutes) ends fetches that callers with no deadline are content to
// wait for, such as an RDT queued behind the Tokens call's limiter, and the
// error then matches context.DeadlineExceeded as if it were the caller's.
type Group[V any] struct {
	mu sync.Mutex
	m  map[string]*flight[V]

	// Tracer, if set, gives each fetch a span of its own named SpanName,
	// linked to every call that waited on it.
	Tracer   trace.Tracer
	SpanName string
}

type flight[V any] struct {
	done    chan struct{}
	val     V
	err     error
	waiters int
	cancel  context.CancelFunc
	span    trace.Span // nil without a tracer
}

// Do returns fn's result for key, joining a call already in flight.
func (g *Group[V]) Do(ctx context.Context, key string, fn func(context.Context) (V, error)) (V, error) {
	g.mu.Lock()
	f, ok := g.m[key]
	if ok {
		f.waiters++
		if f.span != nil && f.span.IsRecording() {
			f.span.AddLink(trace.LinkFromContext(ctx))
		}
	} else {
		// Detached from every caller, values included: others may wait
		// on it too, and the first caller's values (a trace of its own
		// request, say) would be wrongly shared by all of them.
		fctx, cancel := context.WithCancel(context.Background())
		f = &flight[V]{done: make(chan struct{}), waiters: 1, cancel: cancel}
		if g.Tracer != nil {
			fctx, f.span = g.Tracer.Start(fctx, g.SpanName, trace.WithLinks(trace.LinkFromContext(ctx)))
		}
		if g.m == nil {
			g.m = map[string]*flight[V]{}
		}
		g.m[key] = f
		go g.run(fctx, key, f, fn)
	}
	g.mu.Unlock()

	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		g.mu.Lock()
		f.waiters--
		if f.waiters == 0 {
			// Abandoned: cancel it, and forget it now so that a caller
			// arriving before it returns starts afresh instead of
			// joining a fetch that can only fail.
			f.cancel()
			if g.m[key] == f {
				g.forget(key)
			}
		}
		g.mu.Unlock()
		var zero V
		return zero, ctx.Err()
	}
}

func (g *Group[V]) run(ctx context.Context, key string, f *flight[V], fn func(context.Context) (V, error)) {
	defer f.cancel()
	f.val, f.err = fn(ctx)
	if f.span != nil {
		if f.err != nil {
			f.span.SetStatus(codes.Error, "fetch failed")
		}
		f.span.End()
	}
	g.mu.Lock()
	if g.m[key] == f {
		g.forget(key)
	}
	g.mu.Unlock()
	close(f.done)
}

// forget drops key's flight, and the map with the last one: a Group is
// idle nearly always (a fetch an hour), and an empty map kept per Group
// cost each seller's Client a few hundred bytes (issue 22). Under g.mu.
func (g *Group[V]) forget(key string) {
	delete(g.m, key)
	if len(g.m) == 0 {
		g.m = nil
	}
}
