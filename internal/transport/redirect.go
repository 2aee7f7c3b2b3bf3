package transport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// errRedirect is matched by the error for a redirect the client refuses.
var errRedirect = errors.New("redirect refused")

// maxRedirects is how many redirects one attempt follows.
const maxRedirects = 5

// checkRedirect follows a redirect only to the same origin, and only a few
// times. The SP-API never redirects: a redirect to another origin comes from
// something in between (a proxy, a captive portal), and following it would
// send the request, and accept the reply (an RDT, say), from a host the
// client never authenticated. So it is refused, with the target named.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("%w: stopped after %d redirects", errRedirect, maxRedirects)
	}
	if from := via[0].URL; !SameOrigin(req.URL, from) {
		return fmt.Errorf("%w: the SP-API never redirects; will not follow a redirect from %s://%s to %s://%s",
			errRedirect, from.Scheme, from.Host, req.URL.Scheme, req.URL.Host)
	}
	return nil
}

// noRedirect hands a redirect to the caller as it is: the outer clients
// already see the result of the inner client's redirects, and LWA requests
// must never be sent on.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// ReadBodyLayer reads each reply body whole, through MaxResponseBytes,
// so that a longer one is an error (ErrResponseTooLarge) rather than a
// body cut short for the reader to misparse.
type ReadBodyLayer struct{ Next http.RoundTripper }

func (t *ReadBodyLayer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.Next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := ReadBody(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the HTTP %d reply: %w", resp.StatusCode, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// LimitBody makes reply bodies fail past MaxResponseBytes, for the
// generated client's readers, which read everything.
type LimitBody struct{ Next http.RoundTripper }

func (t *LimitBody) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.Next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: MaxResponseBytes}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, ErrResponseTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, MaxResponseBytes)
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// MaxResponseBytes (client.MaxResponseBytes) bounds every body the client
// decodes (Tokens replies, error lists, LWA replies): 1 MiB is far above
// any real reply.
const MaxResponseBytes = 1 << 20

// ErrResponseTooLarge (client.ErrResponseTooLarge) is matched by the error
// for a reply body larger than MaxResponseBytes.
var ErrResponseTooLarge = errors.New("response body too large")

// ReadBody reads a reply body through the MaxResponseBytes limit and closes
// it; a longer body is an error, never a large allocation.
func ReadBody(r io.ReadCloser) ([]byte, error) {
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, MaxResponseBytes+1))
	if err != nil {
		return b, err
	}
	if len(b) > MaxResponseBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, MaxResponseBytes)
	}
	return b, nil
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
