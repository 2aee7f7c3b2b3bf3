// Package telemetry is the client's OpenTelemetry instruments and tracer:
// the metrics of attempts, retries, waits, token fetches, RDT cache lookups
// and Store calls, and a span per call. Nothing secret, no path and no id is
// ever an attribute.
package telemetry

import (
	"context"
	"errors"
	"net"
	"net/http"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/spapi-go/spapi/internal/neterr"
	"github.com/spapi-go/spapi/internal/ops"
)

// scopeName is the instrumentation scope of every instrument and span: the
// module path.
const scopeName = "github.com/spapi-go/spapi"

// Instrument names. http.client.request.duration follows the HTTP semantic
// conventions; the others are this client's own, under "spapi.client.".
const (
	metricRequestDuration = "http.client.request.duration"
	metricThrottled       = "spapi.client.throttled"
	metricRetries         = "spapi.client.retries"
	metricLimiterWait     = "spapi.client.rate_limit.wait.duration"
	metricLWAFetches      = "spapi.client.lwa.fetches"
	metricRDTMints        = "spapi.client.rdt.mints"
	metricRDTCache        = "spapi.client.rdt.cache.lookups"
	metricStoreDuration   = "spapi.client.store.duration"
	metricStoreFallbacks  = "spapi.client.store.fallbacks"
)

// Attribute keys of this client's own.
const (
	attrOperation = attribute.Key("spapi.operation") // from the operations table; "unknown" for any other path
	attrRegion    = attribute.Key("spapi.region")    // "na", "eu", "fe"
	attrReason    = attribute.Key("spapi.retry.reason")
	attrWaitKind  = attribute.Key("spapi.wait.kind") // "limiter" or "probe_gate"
	attrResult    = attribute.Key("spapi.rdt.cache.result")
	attrStoreCall = attribute.Key("spapi.store.call")
	attrAttempts  = attribute.Key("spapi.attempts")
	attrAttempt   = attribute.Key("spapi.attempt")
	attrWait      = attribute.Key("spapi.retry.wait")
	attrWaitDur   = attribute.Key("spapi.wait.duration") // seconds, on a wait event of the call's span
)

// eventWait is the span event of a wait in the limiter or at the probe gate.
const eventWait = "rate_limit.wait"

// unknownOperation names, in telemetry, a path that is no operation of the
// table: a path's shape could carry ids, and telemetry never does.
const unknownOperation = "unknown"

// durationBuckets are the semantic conventions' advice for
// http.client.request.duration, in seconds.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// waitBuckets fit spapi.client.rate_limit.wait.duration, in seconds: most
// waits are none or milliseconds, but a drained bucket of a plan of one
// request a minute (createReport, getReportDocument) waits a minute, and a
// queue of them several: up to 10 minutes.
var waitBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}

// storeBuckets fit spapi.client.store.duration, in seconds: Redis answers
// on a LAN in about a millisecond, and StoreTimeout (100 ms by default)
// bounds every call.
var storeBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}

// Telemetry is the client's OpenTelemetry instruments and tracer (a nil
// *Telemetry records nothing). With the
// default (global, unconfigured) providers every instrument reports itself
// disabled, and the client skips building attributes; spans are no-op.
type Telemetry struct {
	tracer trace.Tracer
	// globalTP: the tracer is the global provider's, which records nothing
	// until an SDK is registered (see tracing).
	globalTP bool
	*instruments

	// classify names a failed fetch's or call's error.type when it can
	// (an LWA refusal, an SP-API reply), else "".
	classify func(error) string
}

// instruments are the meters' instruments and the attributes every
// Telemetry on one MeterProvider and server shares: made once and shared
// (see sharedInstruments), since a set per Client was about 400 bytes of
// each seller's heap (issue 22).
type instruments struct {
	region attribute.KeyValue
	server []attribute.KeyValue // server.address, server.port

	duration    metric.Float64Histogram
	throttled   metric.Int64Counter
	retries     metric.Int64Counter
	limiterWait metric.Float64Histogram
	lwaFetches  metric.Int64Counter
	rdtMints    metric.Int64Counter
	rdtCache    metric.Int64Counter
	storeDur    metric.Float64Histogram
	storeFall   metric.Int64Counter
}

// Options are what New builds the instruments from.
type Options struct {
	MeterProvider  metric.MeterProvider // nil: the global one
	TracerProvider trace.TracerProvider // nil: the global one
	Host           string               // server.address
	Port           int                  // server.port
	Region         string               // spapi.region: "na", "eu", "fe"
	// Classify names the error.type of an error of the client's own (an
	// LWA refusal by its code, an SP-API reply by its status), or "" to
	// let ErrorType say what kind of transport error it is.
	Classify func(error) string
}

// New makes the instruments and the tracer.
func New(o Options) (*Telemetry, error) {
	mp, tp := o.MeterProvider, o.TracerProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	globalTP := tp == nil
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	t := &Telemetry{tracer: tp.Tracer(scopeName), globalTP: globalTP, classify: o.Classify}
	k := instKey{mp: mp, host: o.Host, port: o.Port, region: o.Region}
	if reflect.TypeOf(mp).Comparable() {
		in, release, err := sharedInstruments(k)
		if err != nil {
			return nil, err
		}
		t.instruments = in
		runtime.AddCleanup(t, func(release func()) { release() }, release)
		return t, nil
	}
	in, err := newInstruments(k)
	if err != nil {
		return nil, err
	}
	t.instruments = in
	return t, nil
}

// instKey is what a set of instruments is made for.
type instKey struct {
	mp           metric.MeterProvider
	host, region string
	port         int
}

// insts are the instruments in use, by what they were made for, each with
// the Telemetries that use it: the last one's cleanup forgets it, so a
// MeterProvider no Client uses is not kept.
var insts = struct {
	sync.Mutex
	m map[instKey]*instUse
}{m: map[instKey]*instUse{}}

type instUse struct {
	in   *instruments
	uses int
}

// sharedInstruments returns k's instruments, counting one use that
// release gives back.
func sharedInstruments(k instKey) (*instruments, func(), error) {
	insts.Lock()
	defer insts.Unlock()
	u := insts.m[k]
	if u == nil {
		in, err := newInstruments(k)
		if err != nil {
			return nil, nil, err
		}
		u = &instUse{in: in}
		insts.m[k] = u
	}
	u.uses++
	return u.in, func() {
		insts.Lock()
		defer insts.Unlock()
		if u := insts.m[k]; u != nil {
			if u.uses--; u.uses <= 0 {
				delete(insts.m, k)
			}
		}
	}, nil
}

// newInstruments makes k's instruments.
func newInstruments(k instKey) (*instruments, error) {
	m := k.mp.Meter(scopeName)
	t := &instruments{region: attrRegion.String(k.region)}
	t.server = []attribute.KeyValue{semconv.ServerAddress(k.host), semconv.ServerPort(k.port)}
	var err error
	hist := func(name, unit, desc string, buckets []float64) metric.Float64Histogram {
		h, e := m.Float64Histogram(name, metric.WithUnit(unit), metric.WithDescription(desc),
			metric.WithExplicitBucketBoundaries(buckets...))
		if err == nil {
			err = e
		}
		return h
	}
	count := func(name, unit, desc string) metric.Int64Counter {
		c, e := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		if err == nil {
			err = e
		}
		return c
	}
	t.duration = hist(metricRequestDuration, "s", "Duration of HTTP client requests: each attempt to the SP-API.", durationBuckets)
	t.throttled = count(metricThrottled, "{response}", "429 replies received (QuotaExceeded).")
	t.retries = count(metricRetries, "{retry}", "Retries, by reason: status (429, 5xx), network, token_rejected.")
	t.limiterWait = hist(metricLimiterWait, "s", "Time a request waited in the client's rate limiter or behind its operation's probe.", waitBuckets)
	t.lwaFetches = count(metricLWAFetches, "{fetch}", "Login with Amazon token fetches; error.type on a failed one.")
	t.rdtMints = count(metricRDTMints, "{mint}", "createRestrictedDataToken calls (RDT mints); error.type on a failed one.")
	t.rdtCache = count(metricRDTCache, "{lookup}", "RDT cache lookups: hit (in memory), shared (from the Store) or miss (minted).")
	t.storeDur = hist(metricStoreDuration, "s", "Duration of Store calls (a round trip to Redis, say); error.type on a failed one.", storeBuckets)
	t.storeFall = count(metricStoreFallbacks, "{call}", "Store calls answered from in-process state instead: the store failed or was put aside.")
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Attempt records one attempt to the SP-API: its duration, and a 429.
func (t *Telemetry) Attempt(ctx context.Context, op, method string, start time.Time, resp *http.Response, err error) {
	if t == nil {
		return
	}
	durOn, throttleOn := t.duration.Enabled(ctx), t.throttled.Enabled(ctx)
	if !durOn && !throttleOn {
		return
	}
	attrs := make([]attribute.KeyValue, 0, 8)
	attrs = append(attrs, attrOperation.String(op), t.region, semconv.HTTPRequestMethodKey.String(method))
	attrs = append(attrs, t.server...)
	switch {
	case err != nil:
		attrs = append(attrs, semconv.ErrorTypeKey.String(ErrorType(err)))
	default:
		attrs = append(attrs, semconv.HTTPResponseStatusCode(resp.StatusCode))
		if resp.StatusCode >= 400 {
			attrs = append(attrs, semconv.ErrorTypeKey.String(strconv.Itoa(resp.StatusCode)))
		}
	}
	if durOn {
		t.duration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrs...))
	}
	if throttleOn && err == nil && resp.StatusCode == http.StatusTooManyRequests {
		t.throttled.Add(ctx, 1, metric.WithAttributes(attrOperation.String(op), t.region))
	}
}

// ErrorType is error.type for a transport error: low-cardinality, with no
// host, path or token in it.
func ErrorType(err error) string {
	var te interface{ Timeout() bool }
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &te) && te.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case neterr.DialFailed(err):
		return "dial"
	case errors.As(err, &ne):
		return "network"
	}
	return "_OTHER"
}

// Retry counts a retry of op (a telemetry name) for reason, after a reply
// with status (0 for a transport error).
func (t *Telemetry) Retry(ctx context.Context, op, reason string, status int) {
	if t == nil || !t.retries.Enabled(ctx) {
		return
	}
	attrs := []attribute.KeyValue{attrOperation.String(op), t.region, attrReason.String(reason)}
	if status != 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(status))
	}
	t.retries.Add(ctx, 1, metric.WithAttributes(attrs...))
}

// Waited records a wait in the limiter or at the probe gate: in the
// histogram, and as an event of the call's span (span may be a no-op) when
// the wait was minWaitEvent or more, so that a span's time is accounted
// for without an event per attempt that did not wait.
func (t *Telemetry) Waited(ctx context.Context, span trace.Span, op, kind string, d time.Duration) {
	if span.IsRecording() && d >= minWaitEvent {
		span.AddEvent(eventWait, trace.WithAttributes(attrWaitKind.String(kind), attrWaitDur.Float64(d.Seconds())),
			trace.WithTimestamp(time.Now().Add(-d)))
	}
	if t == nil || !t.limiterWait.Enabled(ctx) {
		return
	}
	t.limiterWait.Record(ctx, d.Seconds(), metric.WithAttributes(attrOperation.String(op), t.region, attrWaitKind.String(kind)))
}

// minWaitEvent is the shortest wait a span event records: shorter ones
// are the cost of passing the gate, not a wait.
const minWaitEvent = time.Millisecond

// LWAFetch counts an LWA fetch, and RDTMint a createRestrictedDataToken
// call, with its outcome.
func (t *Telemetry) LWAFetch(ctx context.Context, err error) {
	if t != nil {
		t.outcome(ctx, t.lwaFetches, err)
	}
}

func (t *Telemetry) RDTMint(ctx context.Context, err error) {
	if t != nil {
		t.outcome(ctx, t.rdtMints, err)
	}
}

// outcome counts one event of counter c, with error.type when it failed
// (the semantic conventions' way: no attribute on success).
func (t *Telemetry) outcome(ctx context.Context, c metric.Int64Counter, err error) {
	if !c.Enabled(ctx) {
		return
	}
	if err == nil {
		c.Add(ctx, 1, metric.WithAttributes(t.region))
		return
	}
	c.Add(ctx, 1, metric.WithAttributes(t.region, semconv.ErrorTypeKey.String(t.callErrorType(err))))
}

// callErrorType is error.type for a failed LWA fetch, RDT mint or Store
// call: what Options.Classify says of an error of the client's own (an LWA
// refusal's code, an SP-API reply's status), else ErrorType's kind of
// transport error; always a small set.
func (t *Telemetry) callErrorType(err error) string {
	if t.classify != nil {
		if s := t.classify(err); s != "" {
			return s
		}
	}
	return ErrorType(err)
}

// CacheLookup counts an RDT cache lookup.
func (t *Telemetry) CacheLookup(ctx context.Context, result string) {
	if t == nil {
		return
	}
	if !t.rdtCache.Enabled(ctx) {
		return
	}
	t.rdtCache.Add(ctx, 1, metric.WithAttributes(t.region, attrResult.String(result)))
}

// StoreCall records a Store call.
func (t *Telemetry) StoreCall(ctx context.Context, call string, d time.Duration, err error) {
	if t == nil {
		return
	}
	if !t.storeDur.Enabled(ctx) {
		return
	}
	if err == nil {
		t.storeDur.Record(ctx, d.Seconds(), metric.WithAttributes(t.region, attrStoreCall.String(call)))
		return
	}
	t.storeDur.Record(ctx, d.Seconds(), metric.WithAttributes(t.region, attrStoreCall.String(call), semconv.ErrorTypeKey.String(t.callErrorType(err))))
}

// StoreFallback counts a Store call answered from in-process state.
func (t *Telemetry) StoreFallback(ctx context.Context, call string) {
	if t == nil {
		return
	}
	if !t.storeFall.Enabled(ctx) {
		return
	}
	t.storeFall.Add(ctx, 1, metric.WithAttributes(t.region, attrStoreCall.String(call)))
}

// callSpanOptions start a call's span; made once, since a fresh option
// slice per call allocates even when the tracer is a no-op.
var callSpanOptions = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}

// Tracing reports whether a span could record. With no Config.TracerProvider
// and OpenTelemetry's global default still in place (no SDK registered, so
// every span would be a non-recording one), starting spans would only cost
// allocations on every call. The check is made per call, since an SDK may be
// registered after New; it recognises the default by its type, and should
// that ever change, it errs towards tracing.
func (t *Telemetry) Tracing() bool {
	return !t.globalTP || !isDefaultTracerProvider(globalTracerProvider())
}

// globalTracerProvider is otel.GetTracerProvider, a variable for tests.
var globalTracerProvider = otel.GetTracerProvider

// defaultTracerProviderType is the type of OpenTelemetry's global default
// TracerProvider, which delegates to an SDK once one is registered.
const defaultTracerProviderType = "*global.tracerProvider"

func isDefaultTracerProvider(tp trace.TracerProvider) bool {
	return reflect.TypeOf(tp).String() == defaultTracerProviderType
}

// StartCall starts the span of one logical call to the operation named op
// (as operationName names it). The span is named after the operation and
// carries its path template where the table has it; a path that is no
// operation of the table gives a span named after the method alone, since
// its shape could hold an id. Callers check tracing first.
func (t *Telemetry) StartCall(ctx context.Context, op, method string) (context.Context, trace.Span) {
	name, template := method, ""
	if o, ok := ops.Lookup(op); ok {
		name, template = o.Name, o.Path
	}
	ctx, span := t.tracer.Start(ctx, name, callSpanOptions...)
	if span.IsRecording() {
		attrs := []attribute.KeyValue{attrOperation.String(Name(op)), t.region, semconv.HTTPRequestMethodKey.String(method)}
		attrs = append(attrs, t.server...)
		if template != "" {
			attrs = append(attrs, semconv.URLTemplate(template))
		}
		span.SetAttributes(attrs...)
	}
	return ctx, span
}

// EndCall ends a call's span with what its last attempt got.
func EndCall(span trace.Span, attempts int, resp *http.Response, err error) {
	if !span.IsRecording() {
		span.End()
		return
	}
	span.SetAttributes(attrAttempts.Int(attempts))
	if attempts > 1 {
		// The conventions' count of resends, redirects and retries alike.
		span.SetAttributes(semconv.HTTPRequestResendCount(attempts - 1))
	}
	switch {
	case err != nil:
		span.SetAttributes(semconv.ErrorTypeKey.String(ErrorType(err)))
		span.SetStatus(codes.Error, ErrorType(err))
	default:
		span.SetAttributes(semconv.HTTPResponseStatusCode(resp.StatusCode))
		if id := resp.Header.Get(headerRequestID); id != "" {
			span.SetAttributes(semconv.AWSRequestID(id))
		}
		if resp.StatusCode >= 400 {
			span.SetAttributes(semconv.ErrorTypeKey.String(strconv.Itoa(resp.StatusCode)))
			span.SetStatus(codes.Error, "HTTP "+strconv.Itoa(resp.StatusCode))
		}
	}
	span.End()
}

// Inject writes the trace context into an outgoing SP-API request's header
// when the global propagator says to. The SP-API ignores it, so the default
// (no propagator) sends nothing.
func Inject(ctx context.Context, h http.Header) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return // no trace to carry on: skip the global propagator's lock
	}
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(h))
}

// AttemptLayer measures each attempt to the SP-API, from sending it to
// its reply's header: http.client.request.duration, and the 429s. It sits
// just above the per-attempt timeout, below auth and the limiter, so neither
// a token fetch nor a limiter wait counts.
type AttemptLayer struct {
	Next   http.RoundTripper
	Tel    *Telemetry
	OpName func(*http.Request) string // the request's operation, as Name gives it
}

// RoundTrip implements http.RoundTripper.
func (t *AttemptLayer) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if !t.Tel.duration.Enabled(ctx) && !t.Tel.throttled.Enabled(ctx) {
		return t.Next.RoundTrip(req)
	}
	start := time.Now()
	resp, err := t.Next.RoundTrip(req)
	t.Tel.Attempt(ctx, t.OpName(req), req.Method, start, resp, err)
	return resp, err
}

// Name names an operation in metrics and spans: its name from the table,
// or "unknown" for any other path, whose shape could still hold something
// id-like (a new operation's literal segments, say). Metrics never get an
// id, a path or a token, and a bounded set of series.
func Name(op string) string {
	if op == ops.CreateRestrictedDataToken {
		return op
	}
	if _, ok := ops.Lookup(op); ok {
		return op
	}
	return unknownOperation
}

// Tracer is the tracer the client's spans come from (nil for a nil t).
func (t *Telemetry) Tracer() trace.Tracer {
	if t == nil {
		return nil
	}
	return t.tracer
}

// WaitEnabled reports whether the limiter-wait histogram records.
func (t *Telemetry) WaitEnabled(ctx context.Context) bool {
	return t != nil && t.limiterWait.Enabled(ctx)
}

// AttemptEvent adds an attempt's outcome to a call's span.
func AttemptEvent(span trace.Span, attempt int, resp *http.Response, err error) {
	if span == nil || !span.IsRecording() {
		return
	}
	attrs := []attribute.KeyValue{attrAttempt.Int(attempt)}
	if err != nil {
		attrs = append(attrs, semconv.ErrorTypeKey.String(ErrorType(err)))
	} else {
		attrs = append(attrs, semconv.HTTPResponseStatusCode(resp.StatusCode))
		if id := resp.Header.Get(headerRequestID); id != "" {
			attrs = append(attrs, semconv.AWSRequestID(id))
		}
	}
	span.AddEvent("attempt", trace.WithAttributes(attrs...))
}

// RetryEvent adds a retry, its reason and wait, to a call's span.
func RetryEvent(span trace.Span, reason string, wait time.Duration) {
	if span != nil && span.IsRecording() {
		span.AddEvent("retry", trace.WithAttributes(attrReason.String(reason), attrWait.Float64(wait.Seconds())))
	}
}

// headerRequestID is the SP-API reply's request id header.
const headerRequestID = "x-amzn-RequestId"
