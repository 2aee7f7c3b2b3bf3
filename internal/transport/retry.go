// Package transport is the client's HTTP machinery for calls to the SP-API
// host: the layers of a call (retry, rate limiter and probe gate, auth,
// attempt telemetry, per-attempt timeout), built in one place (stack.go),
// and the router that sends a request to any other host straight to the
// caller's transport. Each layer is an http.RoundTripper with one job; the
// client gives every decision that is not the transport's (how to name a
// request, what token to send, what error a reply makes) as a function at
// construction.
package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/spapi-go/spapi/internal/neterr"
	"github.com/spapi-go/spapi/internal/telemetry"
)

// RetryInfo is what OnRetry hears before each backoff wait
// (client.RetryInfo has the same fields, and converts).
type RetryInfo struct {
	Operation  string        // e.g. "createRestrictedDataToken", "getListingsItem"
	Attempt    int           // the attempt about to be made: 2 for the first retry
	Wait       time.Duration // how long the client waits before it
	Reason     string        // ReasonStatus (429, 5xx), ReasonNetwork or ReasonTokenRejected
	StatusCode int           // status of the failed attempt; 0 for a transport error
	RequestID  string        // x-amzn-RequestId of the failed attempt, if any
	Err        error         // the transport error of the failed attempt, if any
}

// Policy is the three small decisions of a retry, after aws-sdk-go-v2:
// how many attempts (maxRetries), is this outcome retryable (retryable,
// mayRepeat), how long to wait (wait, in backoff.go).
type Policy struct {
	maxRetries int
	baseWait   time.Duration
	maxWait    time.Duration
	onRetry    func(RetryInfo)
	logger     *slog.Logger
	// safeOp reports whether a POST or PATCH of the named operation may
	// be sent again after it may have reached the server.
	safeOp func(op string) bool
}

// PolicyOptions are Config's retry settings.
type PolicyOptions struct {
	MaxRetries         int           // 0: DefaultMaxRetries; negative: none; at most 100
	RetryWait, MaxWait time.Duration // 0: 500 ms, 30 s
	OnRetry            func(RetryInfo)
	Logger             *slog.Logger
	// SafeOp reports whether a POST or PATCH of the named operation may
	// be sent again after it may have reached the server.
	SafeOp func(op string) bool
}

// DefaultMaxRetries is how many times a call is retried when MaxRetries is 0.
const DefaultMaxRetries = 4

// NewPolicy is the retry policy of o, its zero values made defaults and
// its bounds applied.
func NewPolicy(o PolicyOptions) Policy {
	p := Policy{
		maxRetries: o.MaxRetries,
		baseWait:   o.RetryWait,
		maxWait:    o.MaxWait,
		onRetry:    o.OnRetry,
		logger:     o.Logger,
		safeOp:     o.SafeOp,
	}
	switch {
	case p.maxRetries == 0:
		p.maxRetries = DefaultMaxRetries
	case p.maxRetries < 0:
		p.maxRetries = 0
	case p.maxRetries > maxAttempts:
		p.maxRetries = maxAttempts
	}
	if p.baseWait <= 0 {
		p.baseWait = 500 * time.Millisecond
	}
	if p.maxWait <= 0 {
		p.maxWait = 30 * time.Second
	}
	return p
}

// mayRepeat reports whether req may be sent again after it may have reached
// the server (a 5xx, a timeout or a reset once it was written). GET, HEAD,
// PUT, DELETE and OPTIONS are idempotent. A POST or PATCH may have taken
// effect (createShipment buys a label), so only operations known to be safe
// (the Tokens call, read-only POSTs such as the batch and estimate calls),
// those the caller names in Config.RetrySafeOperations and requests made with
// WithRetrySafe are repeated.
func (p *Policy) mayRepeat(req *http.Request, op string) bool {
	switch req.Method {
	case http.MethodPost, http.MethodPatch:
		return (p.safeOp != nil && p.safeOp(op)) || retrySafeFrom(req.Context())
	}
	return true
}

// retryStatus reports whether a reply's status is worth another try.
func retryStatus(code int) (retryKind, bool) {
	switch code {
	case http.StatusTooManyRequests:
		return retryThrottled, true
	case http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return retryServer, true
	}
	return 0, false
}

// Retry retries a request with go-retryablehttp. It is a
// RoundTripper so that the generated client and HTTPClient share it. A
// retryablehttp.Client is made per request (a small struct) so that its
// CheckRetry and Backoff share the request's attempt state.
type Retry struct {
	inner  *http.Client // limiter -> auth -> timeout -> base, following same-origin redirects
	policy Policy
	opName func(*http.Request) string
	// resend reports whether a 403's body says the token was rejected:
	// the auth layer below dropped it, and one resend gets a fresh one.
	resend func(body []byte) bool
	// replyError makes the error of a failed attempt's reply
	// (client.APIError), kept for a caller whose context ends during the
	// backoff; nil keeps none.
	replyError func(op string, resp *http.Response, body []byte) error
	// onBackoff, if set, hears every retry with the failed attempt's
	// status and body (0 and nil for a transport error) or its error;
	// LWA uses it to keep the last cause for a caller whose context ends
	// during the backoff.
	onBackoff func(status int, body []byte, err error)
	// tel, if set, gets a span per call and counts the retries.
	tel *telemetry.Telemetry
}

func (t *Retry) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := requestBody(req)
	if err != nil {
		return nil, err
	}
	return t.Send(req, body)
}

// attempts is one call's retry state, shared by CheckRetry and Backoff.
type attempts struct {
	t          *Retry
	req        *http.Request
	op         string
	repeatable bool       // mayRepeat
	sent       *sendTrace // for a request that is not repeatable: did it reach the server?

	retries     int  // retries made for 429, 5xx and network errors
	tokenResent bool // the one resend after a rejected token is spent
	kind        retryKind
	wait        time.Duration

	lastErr  error        // transport error of the last attempt
	lastFail *failedReply // the last attempt's reply, if it is to be retried

	span     trace.Span // the call's span; nil without telemetry
	attempts int

	call *call // what the attempts are pooled in
}

// withPreviousReply adds to err, an attempt's error that ends the call
// because the caller's deadline or cancellation is near (the limiter
// refusing to wait past the deadline for the retry of a 429), the error
// the reply before it made, so the caller keeps the *APIError that caused
// the wait: both errors.Is(err, context.DeadlineExceeded) and
// errors.As(err, &apiErr) hold, as when the context ends in a backoff.
func withPreviousReply(err error, prev *failedReply) error {
	if prev == nil || prev.err == nil || !(errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		return err
	}
	return fmt.Errorf("%w; the attempt before failed: %w", err, prev.err)
}

// failedReply is what an attempt's reply said, kept when it is retried:
// its status and body (for onBackoff) and the error it makes (replyError's).
type failedReply struct {
	status int
	body   []byte
	err    error
}

// check is CheckRetry: every decision about an attempt's outcome.
func (a *attempts) check(ctx context.Context, resp *http.Response, err error) (bool, error) {
	prev := a.lastFail
	a.lastErr, a.lastFail = err, nil
	a.attempts++
	telemetry.AttemptEvent(a.span, a.attempts, resp, err)
	if ctx.Err() != nil {
		if err != nil && errors.Is(err, ctx.Err()) {
			return false, err // it may say more than the context's error
		}
		return false, ctx.Err()
	}
	if err != nil {
		if !retryableError(ctx, err) {
			return false, withPreviousReply(err, prev)
		}
		if !a.repeatable && !a.sent.notSent(err) {
			return false, &notRetriedError{op: a.op, method: a.req.Method, err: err}
		}
		return a.next(retryNetwork, nil), nil
	}
	kind, ok := retryStatus(resp.StatusCode)
	switch {
	case resp.StatusCode == http.StatusForbidden && !a.tokenResent:
		// The auth layer already dropped a rejected token; the resend
		// goes through the limiter and auth again like any attempt.
		body, err := a.keepBody(resp)
		if err != nil || a.t.resend == nil || !a.t.resend(body) {
			return false, nil
		}
		a.tokenResent = true
		kind = retryToken
	case !ok:
		return false, nil
	case kind == retryServer && !a.repeatable:
		if l := a.t.policy.logger; l != nil {
			l.LogAttrs(ctx, slog.LevelDebug, "sp-api: not retried: the request may have taken effect",
				slog.String("operation", a.op), slog.String("method", a.req.Method),
				slog.Int("status", resp.StatusCode), slog.String("request_id", resp.Header.Get(HeaderRequestID)))
		}
		return false, nil
	}
	if kind != retryToken {
		// Keep what the reply said before retryablehttp drains it, so
		// a context that ends during the backoff does not lose it. The
		// status alone decides the retry: a body cut mid-way or too
		// large (a proxy's page) is only less to say.
		body, err := a.keepBody(resp)
		if err != nil {
			body = nil
		}
		a.lastFail = &failedReply{status: resp.StatusCode, body: body}
		if a.t.replyError != nil {
			a.lastFail.err = a.t.replyError(a.op, resp, body)
		}
	}
	return a.next(kind, resp.Header), nil
}

// keepBody reads a reply body through the limit and puts it back. A body
// that could not be read whole reads back as what arrived, then the error,
// so that the caller of the last attempt learns it, rather than getting a
// body cut short in silence.
func (a *attempts) keepBody(resp *http.Response) ([]byte, error) {
	body, err := ReadBody(resp.Body)
	var r io.Reader = bytes.NewReader(body)
	if err != nil {
		r = io.MultiReader(r, errReader{err})
	}
	resp.Body = io.NopCloser(r)
	return body, err
}

// errReader is a reader that fails with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// next decides whether a retry of kind is left in the budget, and its wait.
// The one resend after a rejected token is not counted against MaxRetries.
func (a *attempts) next(kind retryKind, h http.Header) bool {
	if kind != retryToken {
		if a.retries >= a.t.policy.maxRetries {
			return false
		}
		a.retries++
	}
	a.kind = kind
	a.wait = a.t.policy.wait(kind, a.retries-1, h)
	// The next attempt starts with a clean record of what was sent: what
	// this one wrote says nothing about whether the next reaches the
	// server.
	a.sent.reset()
	return true
}

// backoff is Backoff: the wait check decided, told to OnRetry first.
func (a *attempts) backoff(_, _ time.Duration, n int, resp *http.Response) time.Duration {
	info := RetryInfo{Operation: a.op, Attempt: n + 2, Wait: a.wait, Reason: a.kind.reason(), Err: a.lastErr}
	if resp != nil {
		info.StatusCode = resp.StatusCode
		info.RequestID = resp.Header.Get(HeaderRequestID)
	}
	p := &a.t.policy
	if l := p.logger; l != nil {
		l.LogAttrs(a.req.Context(), slog.LevelDebug, "sp-api: retrying",
			slog.String("operation", info.Operation), slog.Int("attempt", info.Attempt),
			slog.String("reason", info.Reason), slog.Duration("wait", info.Wait),
			slog.Int("status", info.StatusCode), slog.String("request_id", info.RequestID))
	}
	if a.t.onBackoff != nil {
		var status int
		var body []byte
		if f := a.lastFail; f != nil {
			status, body = f.status, f.body
		}
		a.t.onBackoff(status, body, a.lastErr)
	}
	if a.t.tel != nil {
		a.t.tel.Retry(a.req.Context(), telemetry.Name(info.Operation), info.Reason, info.StatusCode)
		telemetry.RetryEvent(a.span, info.Reason, info.Wait)
	}
	if p.onRetry != nil {
		p.onRetry(info)
	}
	return a.wait
}

// Send is RoundTrip for a caller that has the body's bytes already (the
// Tokens call), so they are not read back from the request.
//
// The reply's Request is the caller's req, as http.Client hands back: not
// one of the copies the layers below made, which carry the access token.
func (t *Retry) Send(req *http.Request, body []byte) (*http.Response, error) {
	resp, err := t.sendAttempts(req, body)
	if resp != nil {
		resp.Request = req
	}
	return resp, err
}

// call is one call's state that nothing holds once the call returns: its
// attempts, the go-retryablehttp Client whose CheckRetry and Backoff are
// bound to them once, and the retryablehttp.Request around the call's own
// copy of the request. They are pooled rather than made per call. (The
// http.Request copies are not: the transport's write loop may still read
// one after its reply came back.)
type call struct {
	a  attempts
	rc retryablehttp.Client
	rr retryablehttp.Request

	// body is the request body every attempt sends (nil for none).
	body []byte
}

// bodyReader is a fresh reader of body, as retryablehttp's SetBody of a
// []byte gives each attempt.
func bodyReader(body []byte) io.ReadCloser {
	return io.NopCloser(bytes.NewReader(body))
}

// rewind is PrepareRetry: the next attempt (a shallow copy retryablehttp
// made of the last) sends the body from its start. The body is set here
// rather than through retryablehttp's SetBody, which makes two closures a
// call where the request's GetBody alone serves.
func (c *call) rewind(req *http.Request) error {
	if c.body != nil {
		req.Body = bodyReader(c.body)
	}
	return nil
}

var calls = sync.Pool{New: func() any {
	c := &call{}
	c.rc = retryablehttp.Client{
		CheckRetry:   c.a.check,
		Backoff:      c.a.backoff,
		PrepareRetry: c.rewind,
		// Keep the last response: it becomes the caller's *APIError.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		// Logger nil: retryablehttp's default logs every request to stderr.
	}
	return c
}}

// sendAttempts is send's work, with the call's span if there is one.
func (t *Retry) sendAttempts(req *http.Request, body []byte) (*http.Response, error) {
	c := calls.Get().(*call)
	defer func() {
		c.a, c.rr, c.rc.HTTPClient, c.body = attempts{}, retryablehttp.Request{}, nil, nil
		calls.Put(c)
	}()
	a := &c.a
	*a = attempts{t: t, req: req, op: t.opName(req), call: c}
	if t.tel == nil || !t.tel.Tracing() {
		return t.attempt(a, req, body)
	}
	ctx, span := t.tel.StartCall(req.Context(), a.op, req.Method)
	a.span = span
	if span.IsRecording() {
		req = req.WithContext(ctx) // the layers below and the token fetches see the span
		a.req = req
	}
	resp, err := t.attempt(a, req, body)
	telemetry.EndCall(span, a.attempts, resp, err)
	return resp, err
}

// attempt is send's work: the attempts of one call.
func (t *Retry) attempt(a *attempts, req *http.Request, body []byte) (*http.Response, error) {
	a.repeatable = t.policy.mayRepeat(req, a.op)
	r := *req
	if !a.repeatable {
		// Only for such a request: learn whether each attempt was
		// written, so one that never reached the server can be repeated.
		a.sent = &sendTrace{}
		r = *req.WithContext(a.sent.attach(req.Context()))
	}
	// A shallow copy (retryablehttp sets its body on every attempt; the
	// layers below clone before they change a header) whose body every
	// attempt and every redirect can replay.
	// (retryablehttp.FromRequest of a request without a body is rr; the
	// body is set as its SetBody of a []byte would, and rewound by
	// PrepareRetry.)
	c := a.call
	r.Body = nil
	if body != nil {
		// GetBody (for redirects, and the transport's resend on a
		// connection that died) holds the body, not the pooled call: a
		// request copy may outlive the call.
		c.body = body
		r.Body = bodyReader(body)
		r.GetBody = func() (io.ReadCloser, error) { return bodyReader(body), nil }
		r.ContentLength = int64(len(body))
	}
	rr := &c.rr
	*rr = retryablehttp.Request{Request: &r}
	rc := &c.rc
	rc.HTTPClient = t.inner
	rc.RetryMax = t.policy.maxRetries + 1 // + the resend after a rejected token; check keeps the budget
	resp, err := rc.Do(rr)
	if err != nil {
		if resp != nil { // PassthroughErrorHandler hands back both
			resp.Body.Close()
		}
		err = neterr.UnwrapURLError(err)
		// A context that ended during the backoff: say what the attempt
		// before it got, so the caller learns more than "context canceled".
		// Both errors.Is(err, context.Canceled) and errors.As(err, &apiErr) hold.
		if req.Context().Err() != nil {
			switch {
			case a.lastFail != nil && a.lastFail.err != nil:
				return nil, fmt.Errorf("%w; the attempt before failed: %w", err, a.lastFail.err)
			case a.lastErr != nil && !errors.Is(a.lastErr, err):
				return nil, fmt.Errorf("%w; the attempt before failed: %v", err, neterr.UnwrapURLError(a.lastErr))
			}
		}
		return nil, err
	}
	return resp, nil
}

// notRetriedError is a transport error of a request that may have reached
// the server and is not safe to repeat. It reads as its cause plus why it
// was not retried, and unwraps to the cause (context.DeadlineExceeded for a
// timed-out attempt, say).
type notRetriedError struct {
	op, method string
	err        error
}

func (e *notRetriedError) Error() string {
	return fmt.Sprintf("%v; not retried: the %s may have reached the server and %s is not known to be safe to repeat "+
		"(Config.RetrySafeOperations or WithRetrySafe allow it)", neterr.UnwrapURLError(e.err), e.method, e.op)
}

func (e *notRetriedError) Unwrap() error { return e.err }

// Retryable reports false: it is the verdict not to retry.
func (e *notRetriedError) Retryable() bool { return false }

// retrySafeKey marks a context whose requests may be repeated.
type retrySafeKey struct{}

// WithRetrySafe (client.WithRetrySafe) returns a context whose requests the client may send again
// after they may have reached the server (a 5xx, a timeout, a reset), even a
// POST or PATCH it does not know to be safe: use it for a call that is
// idempotent by its own design.
func WithRetrySafe(ctx context.Context) context.Context {
	return context.WithValue(ctx, retrySafeKey{}, true)
}

func retrySafeFrom(ctx context.Context) bool {
	v, _ := ctx.Value(retrySafeKey{}).(bool)
	return v
}

// requestBody reads a request body once (nil for none), preferring GetBody
// so the caller's body is left unread.
func requestBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	rc := req.Body
	if req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			rc = b
			req.Body.Close()
		}
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// Timeout bounds one attempt, from sending the request to the end
// of its reply body. It is a context deadline rather than http.Client's
// Timeout, which costs a goroutine, a timer and channels per request, and it
// sits below the limiter and auth, so neither a wait for a token of the rate
// limiter nor an LWA fetch counts against it.
type Timeout struct {
	Next http.RoundTripper
	D    time.Duration
}

func (t *Timeout) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.D <= 0 {
		return t.Next.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.D)
	resp, err := t.Next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded && req.Context().Err() == nil {
			err = &attemptTimeoutError{d: t.D, err: err}
		}
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose ends an attempt's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// attemptTimeoutError is an attempt that had no reply within the
// per-attempt timeout (Config.AttemptTimeout). It is retried, and matches
// context.DeadlineExceeded.
type attemptTimeoutError struct {
	d   time.Duration
	err error
}

func (e *attemptTimeoutError) Error() string {
	return fmt.Sprintf("no reply within the %v attempt timeout: %v", e.d, e.err)
}
func (e *attemptTimeoutError) Unwrap() error { return e.err }
func (e *attemptTimeoutError) Timeout() bool { return true }
