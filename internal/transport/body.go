package transport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

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
