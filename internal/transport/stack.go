package transport

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spapi-go/spapi/internal/optable"
	"github.com/spapi-go/spapi/internal/telemetry"
)

// Layers names the layers of a call to the SP-API host, outermost first,
// as Stack builds them (layers_test.go checks that it does, and
// client/doc.go shows them):
//
//   - retry: attempts, backoff, redirects within the origin, the call's span
//   - limiter: the rate limiter and the probe gate, after the credential is ready
//   - auth: the access token (LWA token or RDT) on a copy of the request
//   - telemetry: each attempt's duration and 429s
//   - timeout: the per-attempt deadline
//   - base: the caller's transport
//
// Auth sits inside retry so that a retry after a long backoff, or the
// resend after a rejected token, carries a fresh token; the limiter sits
// inside retry so that retries pay for tokens too, and before auth so that
// no token is fetched only to wait in a queue; the timeout sits below
// both, so that neither a limiter wait nor a token fetch counts against an
// attempt. Without a limiter (Config.NoRateLimit) that layer is absent.
var Layers = []string{"retry", "limiter", "auth", "telemetry", "timeout", "base"}

// Options are what New builds the client's transport from.
type Options struct {
	Base      *url.URL          // the SP-API origin and base path
	Transport http.RoundTripper // the caller's (nil: http.DefaultTransport)
	Timeout   time.Duration     // per attempt
	Limiter   Limiter           // nil: no rate limiting
	Table     *optable.Table    // names requests
	Policy    Policy            // retries
	Tel       *telemetry.Telemetry
	Logger    *slog.Logger
	// ReplyError makes the error of a failed attempt's reply
	// (client.APIError).
	ReplyError func(op string, resp *http.Response, body []byte) error
}

// Transport builds the client's stacks. It is made once per client.
type Transport struct {
	o    Options
	base http.RoundTripper // o.Transport, or http.DefaultTransport
}

// New is the transport o describes.
func New(o Options) *Transport {
	t := &Transport{o: o, base: o.Transport}
	if t.base == nil {
		t.base = http.DefaultTransport
	}
	return t
}

// Stack composes the layers for calls to the SP-API host, in the order
// Layers names, with token for auth. Redirects are followed inside retry,
// so that every hop passes the limiter and auth, and only within the
// SP-API origin (checkRedirect). The limiter first gets the request's
// credential ready (ready), so that no limiter token is spent while a call
// waits for an LWA fetch or an RDT mint; auth then takes it from the cache.
func (t *Transport) Stack(token TokenFunc) *Retry {
	o := &t.o
	var rt http.RoundTripper = hideCloseIdle{t.base}                                              // base
	rt = &Timeout{Next: rt, D: o.Timeout}                                                         // timeout
	rt = &telemetry.AttemptLayer{Next: rt, Tel: o.Tel, OpName: t.TelemetryName}                   // telemetry
	rt = &Auth{Next: rt, Origin: o.Base, Token: token, Again: o.Limiter != nil, Logger: o.Logger} // auth
	if o.Limiter != nil {                                                                         // limiter
		rt = &Limit{next: rt, lim: o.Limiter, opName: t.OperationName, gateTimeout: defaultGateTimeout, tel: o.Tel,
			ready: t.ready(token)}
	}
	return &Retry{ // retry
		inner:      &http.Client{Transport: rt, CheckRedirect: checkRedirect},
		policy:     o.Policy,
		opName:     t.OperationName,
		resend:     TokenRejected,
		replyError: o.ReplyError,
		tel:        o.Tel,
	}
}

// ready returns the limiter's ready hook for token: it fetches the
// request's credential (into its cache) before the request takes a place
// in the queue, and fails the request as auth would when it cannot. A
// request with a token of its own, or to another origin, needs none.
func (t *Transport) ready(token TokenFunc) func(*http.Request) error {
	return func(req *http.Request) error {
		if !SameOrigin(req.URL, t.o.Base) || req.Header.Get(HeaderAccessToken) != "" {
			return nil
		}
		if _, _, err := token(req.Context(), req, false); err != nil {
			return &tokenError{err}
		}
		return nil
	}
}

// Router is HTTPClient's transport: sp for the SP-API origin, the caller's
// transport as it is for any other host.
func (t *Transport) Router(sp http.RoundTripper) *Router {
	return &Router{origin: t.o.Base, sp: sp, other: t.base, logger: t.o.Logger}
}

// LWAClient is the client LWA requests go through: the base transport
// with retries on 429, 5xx and network errors (onBackoff hears each
// failed attempt), and no redirects, since the form carries the client
// secret and refresh token.
//
// Its reply bodies are read here, through MaxResponseBytes, since x/oauth2
// cuts a longer body short without saying so. The base transport is hidden
// behind a wrapper, because go-retryablehttp closes its client's idle
// connections whenever it gives up, and those are the caller's, to every
// host.
func (t *Transport) LWAClient(onBackoff func(status int, body []byte, err error)) *http.Client {
	inner := &http.Client{Transport: &Timeout{Next: hideCloseIdle{t.base}, D: t.o.Timeout}, CheckRedirect: noRedirect}
	policy := t.o.Policy
	policy.safeOp = func(string) bool { return true } // a token request changes nothing: repeat it
	return &http.Client{
		Transport: &ReadBodyLayer{Next: &Retry{
			inner:      inner,
			policy:     policy,
			opName:     func(*http.Request) string { return "lwa" },
			replyError: t.o.ReplyError,
			onBackoff:  onBackoff,
		}},
		CheckRedirect: noRedirect,
	}
}

// OperationName names a request to the SP-API host for the limiter,
// RetryInfo, errors and logs (see optable.Table.Name); "" for another host.
func (t *Transport) OperationName(req *http.Request) string {
	if !SameOrigin(req.URL, t.o.Base) {
		return ""
	}
	return t.o.Table.Name(req.Method, strings.TrimPrefix(req.URL.EscapedPath(), t.o.Base.Path))
}

// TelemetryName names a request's operation in metrics and spans (see
// telemetry.Name).
func (t *Transport) TelemetryName(req *http.Request) string {
	return telemetry.Name(t.OperationName(req))
}

// The SP-API's headers.
const (
	HeaderAccessToken = "x-amz-access-token"
	HeaderRequestID   = "x-amzn-RequestId"
	HeaderRateLimit   = "x-amzn-RateLimit-Limit"
)

// RoundTripDoer is a gen.HttpRequestDoer that is just a RoundTripper.
type RoundTripDoer struct{ RT http.RoundTripper }

// Do sends req through the RoundTripper.
func (d RoundTripDoer) Do(req *http.Request) (*http.Response, error) { return d.RT.RoundTrip(req) }

// hideCloseIdle passes requests on but not CloseIdleConnections.
type hideCloseIdle struct{ rt http.RoundTripper }

func (h hideCloseIdle) RoundTrip(req *http.Request) (*http.Response, error) {
	return h.rt.RoundTrip(req)
}
