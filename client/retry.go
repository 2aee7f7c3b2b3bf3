package client

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// RetryInfo is what OnRetry hears before each backoff wait.
type RetryInfo struct {
	Operation  string        // e.g. "createRestrictedDataToken", or "METHOD /path" for other calls
	Attempt    int           // the attempt about to be made: 2 for the first retry
	Wait       time.Duration // how long the client waits before it
	StatusCode int           // status of the failed attempt; 0 for a transport error
	RequestID  string        // x-amzn-RequestId of the failed attempt, if any
	Err        error         // the transport error of the failed attempt, if any
}

// retryPolicy is the three small decisions of a retry, after aws-sdk-go-v2:
// how many attempts, is this outcome retryable, how long to wait.
type retryPolicy struct {
	maxRetries int
	baseWait   time.Duration
	maxWait    time.Duration
	onRetry    func(RetryInfo)
	logger     *slog.Logger
}

func newRetryPolicy(cfg *Config) retryPolicy {
	p := retryPolicy{
		maxRetries: cfg.MaxRetries,
		baseWait:   cfg.RetryWait,
		maxWait:    cfg.MaxWait,
		onRetry:    cfg.OnRetry,
		logger:     cfg.Logger,
	}
	switch {
	case p.maxRetries == 0:
		p.maxRetries = DefaultMaxRetries
	case p.maxRetries < 0:
		p.maxRetries = 0
	}
	if p.baseWait <= 0 {
		p.baseWait = 500 * time.Millisecond
	}
	if p.maxWait <= 0 {
		p.maxWait = 30 * time.Second
	}
	return p
}

// retryable reports whether an attempt's outcome is worth another try:
// 429, 500, 502, 503, 504 and transport failures, but never a cancelled
// context, a rate-limiter wait that would pass the deadline, a failed token
// fetch (it has its own retries), a refused redirect, a certificate problem
// or any other 4xx.
func retryable(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		var (
			limErr *limitWaitError
			tokErr *tokenError
			lwa    *LWAError
			inv    *InvalidRequestError
			cert   *x509.UnknownAuthorityError
			certIn x509.CertificateInvalidError
			host   x509.HostnameError
		)
		switch {
		case errors.As(err, &limErr), errors.As(err, &tokErr), errors.As(err, &lwa), errors.As(err, &inv), errors.As(err, &cert),
			errors.As(err, &certIn), errors.As(err, &host),
			errors.Is(err, errRedirect), errors.Is(err, context.Canceled),
			errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil,
			errors.Is(err, ErrResponseTooLarge):
			return false, err
		}
		var lwaFetch *lwaFetchError
		if errors.As(err, &lwaFetch) {
			return false, err // LWA has its own retries
		}
		return true, nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true, nil
	}
	return false, nil
}

// wait is how long to wait before retry number n (0-based): the server's
// Retry-After if it sent one, else the spacing its x-amzn-RateLimit-Limit
// asks for, else exponential backoff with full jitter; always capped.
func (p *retryPolicy) wait(n int, resp *http.Response) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After")); ok {
			return min(d, p.maxWait)
		}
		if r, ok := parseRate(resp.Header.Get(headerRateLimit)); ok {
			return min(time.Duration(float64(time.Second)/r), p.maxWait)
		}
	}
	ceiling := p.maxWait
	if n < 30 {
		ceiling = min(p.baseWait<<n, p.maxWait)
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

// retryAfter parses Retry-After: delay seconds or an HTTP date.
func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// parseRate reads x-amzn-RateLimit-Limit, a decimal requests-per-second.
func parseRate(v string) (float64, bool) {
	if v == "" {
		return 0, false
	}
	r, err := strconv.ParseFloat(v, 64)
	if err != nil || r <= 0 || r > 1e6 {
		return 0, false
	}
	return r, true
}

// retryTransport retries a request with go-retryablehttp. It is a
// RoundTripper so that the generated client and HTTPClient share it. A
// retryablehttp.Client is made per request (a small struct) so its backoff
// can tell OnRetry which request it is waiting for.
type retryTransport struct {
	inner  *http.Client // limiter -> auth -> timeout -> base, following safe redirects
	policy retryPolicy
	opName func(*http.Request) string
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := requestBody(req)
	if err != nil {
		return nil, err
	}
	return t.send(req, body)
}

// send is RoundTrip for a caller that has the body's bytes already (the
// Tokens call), so they are not read back from the request.
func (t *retryTransport) send(req *http.Request, body []byte) (*http.Response, error) {
	// A shallow copy (retryablehttp sets its body on every attempt; the
	// layers below clone before they change a header) whose body every
	// attempt, every redirect and the auth layer's one retry after a
	// rejected token can replay.
	r := *req
	r.Body = nil
	rr, err := retryablehttp.FromRequest(&r)
	if err == nil && body != nil {
		err = rr.SetBody(body)
	}
	if err != nil {
		return nil, err
	}
	var (
		lastErr  error     // transport error of the last attempt
		lastFail *APIError // reply of the last attempt, if it is to be retried
	)
	rc := &retryablehttp.Client{
		HTTPClient: t.inner,
		RetryMax:   t.policy.maxRetries,
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			lastErr = err
			retry, cerr := retryable(ctx, resp, err)
			if retry && resp != nil {
				// Keep what the reply said before retryablehttp drains it,
				// so a context that ends during the backoff does not lose it.
				body, err := readBody(resp.Body)
				resp.Body = io.NopCloser(bytes.NewReader(body))
				if err != nil {
					return false, fmt.Errorf("reading the HTTP %d reply: %w", resp.StatusCode, err)
				}
				lastFail = newAPIError(t.opName(req), resp, body)
			}
			return retry, cerr
		},
		Backoff: func(_, _ time.Duration, n int, resp *http.Response) time.Duration {
			d := t.policy.wait(n, resp)
			info := RetryInfo{Operation: t.opName(req), Attempt: n + 2, Wait: d, Err: lastErr}
			if resp != nil {
				info.StatusCode = resp.StatusCode
				info.RequestID = resp.Header.Get(headerRequestID)
			}
			if l := t.policy.logger; l != nil {
				l.LogAttrs(req.Context(), slog.LevelDebug, "sp-api: retrying",
					slog.String("operation", info.Operation), slog.Int("attempt", info.Attempt),
					slog.Duration("wait", d), slog.Int("status", info.StatusCode),
					slog.String("request_id", info.RequestID))
			}
			if t.policy.onRetry != nil {
				t.policy.onRetry(info)
			}
			return d
		},
		// Keep the last response: it becomes the caller's *APIError.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		// Logger nil: retryablehttp's default logs every request to stderr.
	}
	resp, err := rc.Do(rr)
	if err != nil {
		if resp != nil { // PassthroughErrorHandler hands back both
			resp.Body.Close()
		}
		err = unwrapURLError(err)
		// A context that ended during the backoff: say what the attempt
		// before it got, so the caller learns more than "context canceled".
		// Both errors.Is(err, context.Canceled) and errors.As(err, &apiErr) hold.
		if req.Context().Err() != nil {
			switch {
			case lastFail != nil:
				return nil, fmt.Errorf("%w; the attempt before failed: %w", err, lastFail)
			case lastErr != nil && !errors.Is(lastErr, err):
				return nil, fmt.Errorf("%w; the attempt before failed: %v", err, unwrapURLError(lastErr))
			}
		}
		return nil, err
	}
	return resp, nil
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

// timeoutTransport bounds one attempt, from sending the request to the end
// of its reply body. It is a context deadline rather than http.Client's
// Timeout, which costs a goroutine, a timer and channels per request, and it
// sits below the limiter and auth, so neither a wait for a token of the rate
// limiter nor an LWA fetch counts against it.
type timeoutTransport struct {
	next http.RoundTripper
	d    time.Duration
}

func (t *timeoutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.d <= 0 {
		return t.next.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.d)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded && req.Context().Err() == nil {
			err = &attemptTimeoutError{d: t.d, err: err}
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
// per-attempt timeout (Config.HTTPClient.Timeout). It is retried, and
// matches context.DeadlineExceeded.
type attemptTimeoutError struct {
	d   time.Duration
	err error
}

func (e *attemptTimeoutError) Error() string {
	return fmt.Sprintf("no reply within the %v attempt timeout: %v", e.d, e.err)
}
func (e *attemptTimeoutError) Unwrap() error { return e.err }
func (e *attemptTimeoutError) Timeout() bool { return true }
