package transport

import (
	"context"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/spapi-go/spapi/internal/ratelimit"
	"github.com/spapi-go/spapi/internal/telemetry"
)

// defaultGateTimeout is how long the others wait for a probe's reply
// before they go ahead anyway, at the limiter's pace.
const defaultGateTimeout = time.Second

// maxGates bounds the gates a Limit keeps; see forgetIdleLocked.
const maxGates = 1024

// Limit asks the limiter before each attempt to the SP-API host
// and tells it what the reply said.
//
// It also sends one request alone (a probe) for an operation it has not yet
// heard a good reply for, and again after a 429: the others wait for the
// probe's reply. A bucket that starts full cannot know that another process
// has spent the server's budget; without the probe every request in flight
// would collect a 429 before the first one told the limiter so. The wait is
// bounded (gateTimeout, about a second): a slow or hung probe must not hold
// every other caller of its operation, so after that they go ahead at the
// limiter's pace.
type Limit struct {
	next        http.RoundTripper
	lim         Limiter
	opName      func(*http.Request) string
	gateTimeout time.Duration
	tel         *telemetry.Telemetry // nil: no telemetry
	// ready, if not nil, gets the request's credential (the LWA token or
	// the RDT) into its cache before the request queues: see RoundTrip.
	ready func(*http.Request) error

	mu sync.Mutex
	// gates are the operations' gates, in a slice searched in order: a
	// seller's Client uses a handful of operations, and a map per Client
	// cost each seller about 600 bytes of heap (issue 22).
	gates []opGate
}

// opGate is an operation's gate.
type opGate struct {
	op string
	g  *gate
}

// gateLocked returns op's gate, or nil.
func (t *Limit) gateLocked(op string) *gate {
	for _, og := range t.gates {
		if og.op == op {
			return og.g
		}
	}
	return nil
}

// Limiter decides when a request for an operation may be sent
// (client.RateLimiter has the same methods).
type Limiter interface {
	Wait(ctx context.Context, op string) error
	Observe(op string, rate float64, throttled bool)
}

// gate is one operation's probe gate: open once a reply has come back that
// was not a 429.
type gate struct {
	open   bool
	flight chan struct{} // closed when the probe in flight has its reply
	since  time.Time     // when the probe in flight was sent
}

func (t *Limit) RoundTrip(req *http.Request) (*http.Response, error) {
	op := t.opName(req)
	if op == "" { // another host, e.g. a redirect target
		return t.next.RoundTrip(req)
	}
	ctx := req.Context()
	// The credential first, then a place in the queue: a token spent while
	// the call waits for a slow LWA fetch or RDT mint is a token sent late,
	// and when the fetch ends every such waiter fires at once (a burst of
	// 429s). Auth, below, takes the credential again after the wait, from
	// the cache, so a long queue never sends a stale one.
	if t.ready != nil {
		if err := t.ready(req); err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, err
		}
		// Auth looks the credential up again, as a repeat (Auth.Again):
		// telemetry has counted this attempt's lookup already.
	}
	span := trace.SpanFromContext(ctx) // the call's, to hold the waits as events
	measure := span.IsRecording() || t.tel.WaitEnabled(ctx)
	var start time.Time
	if measure {
		start = time.Now()
	}
	g, probe, err := t.admit(ctx, op)
	if measure {
		gated := time.Now()
		t.tel.Waited(ctx, span, telemetry.Name(op), "probe_gate", gated.Sub(start))
		start = gated
	}
	if err == nil {
		err = t.lim.Wait(ctx, op)
		if measure {
			t.tel.Waited(ctx, span, telemetry.Name(op), "limiter", time.Since(start))
		}
	}
	if err != nil {
		if probe != nil {
			t.done(g, probe, false)
		}
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	throttled := err == nil && resp.StatusCode == http.StatusTooManyRequests
	if err == nil {
		r, _ := ratelimit.ParseRate(resp.Header.Get(HeaderRateLimit))
		t.lim.Observe(op, r, throttled)
	}
	if probe != nil || throttled {
		t.done(g, probe, err == nil && !throttled)
	}
	return resp, err
}

// admit lets a request through the operation's gate: at once when it is
// open, else as the probe, else when the probe in flight has its reply or
// has been out for gateTimeout. A probe gets the channel to close when it
// is done.
func (t *Limit) admit(ctx context.Context, op string) (g *gate, probe chan struct{}, err error) {
	for {
		t.mu.Lock()
		g = t.gateLocked(op)
		if g == nil {
			if len(t.gates) >= maxGates {
				t.forgetIdleLocked()
			}
			g = &gate{}
			t.gates = append(t.gates, opGate{op, g})
		}
		if g.open {
			t.mu.Unlock()
			return g, nil, nil
		}
		if g.flight == nil {
			g.flight = make(chan struct{})
			g.since = time.Now()
			t.mu.Unlock()
			return g, g.flight, nil
		}
		wait, left := g.flight, t.gateTimeout-time.Since(g.since)
		t.mu.Unlock()
		if left <= 0 {
			return g, nil, nil // the probe is slow: go ahead at the limiter's pace
		}
		timer := time.NewTimer(left)
		select {
		case <-wait:
			timer.Stop()
		case <-timer.C:
			return g, nil, nil
		case <-ctx.Done():
			timer.Stop()
			return nil, nil, &ratelimit.WaitError{Op: op, Gate: true, Err: ctx.Err()}
		}
	}
}

// done records a reply (or a failure) on the gate: a probe's good reply
// opens it, any 429 closes it again, and a probe that ended lets the next
// one go.
func (t *Limit) done(g *gate, probe chan struct{}, good bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if probe == nil {
		g.open = g.open && good
		return
	}
	g.open = good
	if g.flight == probe {
		close(probe)
		g.flight = nil
	}
}

// forgetIdleLocked drops the gates with no probe in flight, so that many
// distinct operations cannot grow the map without bound. A forgotten gate
// costs one probe when its operation comes back; a gate with a probe out is
// never dropped, since requests wait on it.
func (t *Limit) forgetIdleLocked() {
	kept := t.gates[:0]
	for _, og := range t.gates {
		if og.g.flight != nil {
			kept = append(kept, og)
		}
	}
	clear(t.gates[len(kept):])
	t.gates = kept
}
