package document

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// errChanged is the cause when the document changed between two requests
// of one download (another ETag, or a 412 to If-Match): resuming would mix
// two documents.
var errChanged = errors.New("the document changed during the download")

// resumer is the document's raw bytes, fetched again where a connection was
// cut: with a Range request from the first byte not yet read (If-Match its
// ETag), or, where the host ignores Range, from the start, skipping what was
// already read. Only one response body is open at a time, so memory is
// bounded by the transport's buffers whatever the size.
type resumer struct {
	ctx    context.Context
	opts   Options
	url    string
	host   string
	body   io.ReadCloser // nil between responses
	header http.Header   // the first response's
	etag   string
	size   int64 // the whole document's length; -1 if unknown
	off    int64 // bytes read so far
	fails  int   // failed attempts since the last byte read
	last   error // the last failure, for the final error
}

func newResumer(ctx context.Context, rawURL, host string, opts Options) *resumer {
	return &resumer{ctx: ctx, opts: opts, url: rawURL, host: host, size: -1}
}

func (r *resumer) Read(p []byte) (int, error) {
	for {
		if r.body == nil {
			if err := r.open(); err != nil {
				return 0, err
			}
		}
		n, err := r.body.Read(p)
		r.off += int64(n)
		if n > 0 {
			r.fails = 0
		}
		switch {
		case err == nil:
			return n, nil
		case err == io.EOF && (r.size < 0 || r.off >= r.size):
			return n, io.EOF
		case err == io.EOF:
			err = io.ErrUnexpectedEOF
		}
		if cerr := r.ctx.Err(); cerr != nil {
			return n, hideURL(http.MethodGet, r.host, context.Cause(r.ctx))
		}
		// Cut mid-body: the next Read asks again from r.off.
		_ = r.body.Close()
		r.body, r.last = nil, hideURL(http.MethodGet, r.host, err)
		if n > 0 {
			return n, nil
		}
	}
}

// Close closes the current response body, if any.
func (r *resumer) Close() error {
	if r.body == nil {
		return nil
	}
	err := r.body.Close()
	r.body = nil
	return err
}

// open sends the GET (again), with backoff between failures, until a body
// is open at r.off or the attempts are spent.
func (r *resumer) open() error {
	for {
		r.fails++
		if r.fails > r.opts.attempts() {
			return fmt.Errorf("document: GET %s: giving up after %d attempts: %w", r.host, r.opts.attempts(), r.last)
		}
		if r.fails > 1 {
			if err := sleep(r.ctx, r.opts.backoff(r.fails-1)); err != nil {
				return hideURL(http.MethodGet, r.host, err)
			}
		}
		retry, err := r.try()
		if err == nil {
			return nil
		}
		if !retry {
			return err
		}
		r.last = err
	}
}

// try sends one GET; retry says whether a failure is worth another.
func (r *resumer) try() (retry bool, err error) {
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return false, hideURL(http.MethodGet, r.host, err)
	}
	// Asking for identity keeps net/http from gunzipping on its own (it
	// would on a first request and not on a Range one): the bytes are
	// the stored ones, and Open looks at them.
	req.Header.Set("Accept-Encoding", "identity")
	if r.off > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(r.off, 10)+"-")
		if r.etag != "" {
			req.Header.Set("If-Match", r.etag)
		}
	}
	resp, err := r.opts.client().Do(req)
	if err != nil {
		if r.ctx.Err() != nil {
			return false, hideURL(http.MethodGet, r.host, context.Cause(r.ctx))
		}
		return true, hideURL(http.MethodGet, r.host, err)
	}
	switch {
	case resp.StatusCode == http.StatusPreconditionFailed && r.off > 0:
		resp.Body.Close()
		return false, hideURL(http.MethodGet, r.host, errChanged)
	case resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent:
		e := newHTTPError(resp)
		return e.temporary(), e
	}
	if r.header == nil {
		r.header, r.etag = resp.Header, resp.Header.Get("ETag")
		if resp.StatusCode == http.StatusOK {
			r.size = resp.ContentLength
		}
	} else if et := resp.Header.Get("ETag"); et != "" && r.etag != "" && et != r.etag {
		resp.Body.Close()
		return false, hideURL(http.MethodGet, r.host, errChanged)
	}
	if resp.StatusCode == http.StatusPartialContent {
		start, total, ok := contentRange(resp.Header.Get("Content-Range"))
		if !ok || start != r.off {
			resp.Body.Close()
			return true, hideURL(http.MethodGet, r.host, fmt.Errorf("a Range reply starts at %q, not at byte %d", resp.Header.Get("Content-Range"), r.off))
		}
		if total >= 0 {
			r.size = total
		}
	} else if r.off > 0 {
		// The host sent the whole document again: skip what was read.
		if _, err := io.CopyN(io.Discard, resp.Body, r.off); err != nil {
			resp.Body.Close()
			return r.ctx.Err() == nil, hideURL(http.MethodGet, r.host, err)
		}
	}
	r.body = resp.Body
	return false, nil
}

// contentRange parses "bytes START-END/TOTAL" (TOTAL may be "*": -1).
func contentRange(s string) (start, total int64, ok bool) {
	s, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, tot, found := strings.Cut(s, "/")
	if !found {
		return 0, 0, false
	}
	first, _, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return 0, 0, false
	}
	total = -1
	if tot != "*" {
		if total, err = strconv.ParseInt(tot, 10, 64); err != nil {
			return 0, 0, false
		}
	}
	return start, total, true
}
