package document

import (
	"context"
	"math/rand/v2"
	"net/http"
	"time"
)

// Options configure the requests to the document host. The zero value is
// ready to use.
type Options struct {
	// HTTPClient sends the requests to the document host; nil means a client
	// of this package's own on http.DefaultTransport. Give a plain client
	// (proxies, TLS): never client.HTTPClient(), which would send the SP-API
	// token to the document host.
	HTTPClient *http.Client

	// MaxAttempts bounds the attempts of one request, the first included:
	// a 5xx or 429 reply, or a connection refused or cut, is retried up to
	// this many times in a row without progress; 0 means 5.
	MaxAttempts int

	// RetryWait is the wait before the first retry, doubled (with jitter)
	// after each failure up to MaxWait; 0 means 500 ms and 15 s.
	RetryWait, MaxWait time.Duration

	// Charset is the charset assumed when the reply's Content-Type names
	// none; "" means UTF-8 (the bytes are passed through as they are).
	Charset string
}

// defaultClient is the plain client used when Options.HTTPClient is nil: no
// SP-API token, no limiter, no timeout (a large document takes long; the
// caller's context bounds it).
var defaultClient = &http.Client{Transport: http.DefaultTransport}

func (o Options) client() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return defaultClient
}

func (o Options) attempts() int {
	if o.MaxAttempts > 0 {
		return o.MaxAttempts
	}
	return 5
}

// backoff is the wait before retry n (1 for the first retry): RetryWait
// doubled n-1 times, capped at MaxWait, with full jitter over its upper half.
func (o Options) backoff(n int) time.Duration {
	base, limit := o.RetryWait, o.MaxWait
	if base <= 0 {
		base = 500 * time.Millisecond
	}
	if limit <= 0 {
		limit = 15 * time.Second
	}
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return d/2 + rand.N(d/2+1)
}

// sleep waits d or until ctx ends, and returns ctx's error in that case.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
