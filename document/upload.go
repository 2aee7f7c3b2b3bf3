package document

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// Upload PUTs body to url, the presigned URL createFeedDocument returned,
// with contentType, which must be the one given to createFeedDocument: the
// URL's signature covers it, and S3 answers any other with 403
// SignatureDoesNotMatch (an *HTTPError with that Code). feed.Client.Upload
// gives both calls the same value, so it cannot differ.
//
// body is read from its current offset to its end; it is a ReadSeeker so
// that the PUT states its length (S3 refuses a chunked upload) and can be
// sent again after a 5xx or a cut connection (at most opts.MaxAttempts
// times, with backoff). The request carries no SP-API token.
func Upload(ctx context.Context, rawURL, contentType string, body io.ReadSeeker, opts Options) error {
	u, err := checkURL(rawURL)
	if err != nil {
		return err
	}
	if err := CheckContentType(contentType); err != nil {
		return err
	}
	if body == nil {
		return errors.New("document: Upload: body is nil")
	}
	start, err := body.Seek(0, io.SeekCurrent)
	if err != nil {
		return fmt.Errorf("document: Upload: body: %w", err)
	}
	end, err := body.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("document: Upload: body: %w", err)
	}
	size := end - start
	var last error
	for attempt := 1; attempt <= opts.attempts(); attempt++ {
		if attempt > 1 {
			if err := sleep(ctx, opts.backoff(attempt-1)); err != nil {
				return hideURL(http.MethodPut, u.Host, err)
			}
		}
		if _, err := body.Seek(start, io.SeekStart); err != nil {
			return fmt.Errorf("document: Upload: body: %w", err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, rawURL, io.NopCloser(io.LimitReader(body, size)))
		if err != nil {
			return hideURL(http.MethodPut, u.Host, err)
		}
		req.ContentLength = size
		if size == 0 {
			req.Body = http.NoBody
		}
		req.Header.Set("Content-Type", contentType)
		resp, err := opts.client().Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return hideURL(http.MethodPut, u.Host, context.Cause(ctx))
			}
			last = hideURL(http.MethodPut, u.Host, err)
			continue
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			return nil
		}
		e := newHTTPError(resp)
		if !e.temporary() {
			return e
		}
		last = e
	}
	return fmt.Errorf("document: PUT %s: giving up after %d attempts: %w", u.Host, opts.attempts(), last)
}

// CheckContentType reports whether contentType is a usable feed document
// Content-Type, such as "application/json; charset=UTF-8" or
// "text/tab-separated-values; charset=UTF-8".
func CheckContentType(contentType string) error {
	if contentType == "" {
		return errors.New("document: contentType is empty: give the feed's media type, such as application/json; charset=UTF-8")
	}
	if _, _, err := mime.ParseMediaType(contentType); err != nil {
		return fmt.Errorf("document: contentType %q is not a media type: %v", contentType, err)
	}
	return nil
}
