package transport

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http/httptrace"
	"sync/atomic"

	"github.com/spapi-go/spapi/internal/neterr"
)

// sendTrace tells, for a request that may not be repeated once it reached
// the server, whether an attempt that failed had been written. The
// transport reports through net/http/httptrace: GetConn when it starts an
// attempt, WroteHeaders once the request headers are on the wire.
type sendTrace struct {
	started atomic.Bool
	wrote   atomic.Bool
	hooks   httptrace.ClientTrace
}

// attach returns ctx with the trace hooks installed.
func (s *sendTrace) attach(ctx context.Context) context.Context {
	s.hooks = httptrace.ClientTrace{
		GetConn:      func(string) { s.started.Store(true) },
		WroteHeaders: func() { s.wrote.Store(true) },
	}
	return httptrace.WithClientTrace(ctx, &s.hooks)
}

// reset starts a new attempt.
func (s *sendTrace) reset() {
	if s != nil {
		s.started.Store(false)
		s.wrote.Store(false)
	}
}

// notSent reports whether a failed attempt certainly never reached the
// server: the dial failed (connection refused, no such host), or the
// transport traced its attempt and never wrote the request headers. A
// transport that does not trace (a caller's own RoundTripper) is taken to
// have sent the request unless the error says it could not connect.
func (s *sendTrace) notSent(err error) bool {
	if neterr.DialFailed(err) {
		return true
	}
	return s != nil && s.started.Load() && !s.wrote.Load()
}

// retryableError reports whether an attempt's transport error is worth
// another try. An error that says (Retryable: a limiter or probe-gate wait
// given up, a failed token fetch, which has its own retries, an LWA
// refusal, an invalid request) is taken at its word. Never either: a
// cancelled context, a deadline of the caller's that passed, a refused
// redirect, a certificate problem, a reply too large, or a host name that
// does not exist (it will not exist in a second either).
func retryableError(ctx context.Context, err error) bool {
	var (
		says   interface{ Retryable() bool }
		cert   *x509.UnknownAuthorityError
		certIn x509.CertificateInvalidError
		host   x509.HostnameError
		dns    *net.DNSError
	)
	switch {
	case errors.As(err, &says):
		return says.Retryable()
	case errors.As(err, &cert), errors.As(err, &certIn), errors.As(err, &host),
		errors.Is(err, errRedirect), errors.Is(err, context.Canceled),
		errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil,
		errors.Is(err, ErrResponseTooLarge):
		return false
	case errors.As(err, &dns) && dns.IsNotFound:
		return false
	}
	return true
}
