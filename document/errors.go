package document

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// HTTPError is a non-2xx reply of the document host. It names the host, not
// the URL: a presigned URL is a credential for as long as it lives.
type HTTPError struct {
	Method     string // GET or PUT
	Host       string
	StatusCode int
	// Code and Message are S3's error code and message, such as
	// "SignatureDoesNotMatch" (a PUT whose Content-Type differs from the one
	// given to createFeedDocument) or "AccessDenied" (an expired URL), when
	// the body is S3's XML error.
	Code, Message string
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("document: %s %s: HTTP %d", e.Method, e.Host, e.StatusCode)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// temporary reports whether the reply may succeed if the request is sent
// again.
func (e *HTTPError) temporary() bool {
	return e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusRequestTimeout
}

// newHTTPError reads S3's XML error from resp (at most 64 KiB) and closes it.
func newHTTPError(resp *http.Response) *HTTPError {
	defer resp.Body.Close()
	e := &HTTPError{Method: resp.Request.Method, Host: resp.Request.URL.Host, StatusCode: resp.StatusCode}
	var s3 struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	if xml.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&s3) == nil {
		e.Code, e.Message = s3.Code, s3.Message
	}
	return e
}

// hideURL strips the URL (and its signature) from net/http's *url.Error,
// keeping the method, the host and the cause.
func hideURL(method, host string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("document: %s %s: %w", method, host, err)
}
