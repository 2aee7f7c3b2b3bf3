package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/spapi-go/spapi/gen"
	"github.com/spapi-go/spapi/internal/transport"
)

// ErrInvalidRequest is matched (errors.Is) by every error that rejects a
// request before anything is sent.
var ErrInvalidRequest = errors.New("invalid request")

// ErrResponseTooLarge is matched by the error for a reply body larger than
// the client reads ([MaxResponseBytes]): such a reply is refused rather than
// held in memory.
var ErrResponseTooLarge = transport.ErrResponseTooLarge

// ErrMalformedResponse is matched by the error for a 2xx reply whose body is
// not what the API model says (truncated JSON, wrong shape, empty body).
var ErrMalformedResponse = errors.New("malformed response")

// MaxResponseBytes bounds every body this package decodes (Tokens replies,
// error lists, LWA replies): 1 MiB is far above any real reply.
const MaxResponseBytes = transport.MaxResponseBytes

// InvalidRequestError says which field of a request breaks which rule. It
// matches [ErrInvalidRequest].
type InvalidRequestError struct {
	Field string // e.g. "restrictedResources[2].method"
	Rule  string // e.g. `must be one of GET, PUT, POST, DELETE`
}

func (e *InvalidRequestError) Error() string {
	return "invalid request: " + e.Field + ": " + e.Rule
}

// Is makes errors.Is(err, ErrInvalidRequest) true.
func (e *InvalidRequestError) Is(target error) bool { return target == ErrInvalidRequest }

// Retryable reports false: the same request would break the same rule.
func (e *InvalidRequestError) Retryable() bool { return false }

// APIError is the error for a non-2xx reply that this package reads itself.
// It carries what a caller needs to act or to ask Amazon support: the status,
// the request id, the rate limit the server applied and the decoded error
// list. Where each path reports a non-2xx reply:
//
//   - CreateRestrictedDataToken and RestrictedDataToken return *APIError
//     (after the retries, for a 429 or 5xx); a context that ends during a
//     backoff gives an error that matches the context's and also holds the
//     last *APIError.
//   - HTTPClient() returns the final *http.Response with a nil error, whatever
//     its status: a 429 or 5xx once the retries are spent, a 5xx on a POST
//     that is not retried, a 403, a 404. Check resp.StatusCode. Its error is
//     for what left no reply: the network, a context, a refused redirect, or
//     a token it could not get: *LWAError, or the Tokens call's *APIError when
//     minting an RDT failed (wrapped in net/http's *url.Error; errors.As
//     finds both).
//   - Gen() returns the generated response with a nil error for any status:
//     HTTPResponse holds the final reply (a 429 after the retries, say), and
//     only the field of the status that came (JSON200, JSON429, ...) is set.
//     Its error is as for HTTPClient.
type APIError struct {
	Operation  string // e.g. "createRestrictedDataToken"
	StatusCode int
	RequestID  string      // x-amzn-RequestId
	RateLimit  string      // x-amzn-RateLimit-Limit as sent; "" when absent (as on 429s)
	Errors     []gen.Error // the decoded ErrorList; empty if the body was not one
	// Body is the raw reply (at most MaxResponseBytes), kept for bodies
	// that are not an ErrorList, such as a proxy's HTML page.
	Body []byte
	// Header is the reply's header.
	Header http.Header
}

// Code is the first error code of the reply ("QuotaExceeded",
// "InvalidInput", "Unauthorized", ...), or "" when there is none.
func (e *APIError) Code() string {
	if len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Code
}

// Throttled reports whether the server refused the call for its rate limit.
func (e *APIError) Throttled() bool { return e.StatusCode == http.StatusTooManyRequests }

// HTTPStatusCode is the reply's status (as aws-sdk-go-v2's errors say it).
func (e *APIError) HTTPStatusCode() int { return e.StatusCode }

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("sp-api")
	if e.Operation != "" {
		b.WriteString(" ")
		b.WriteString(e.Operation)
	}
	fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
	for i, x := range e.Errors {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(e.Errors)-i)
			break
		}
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s: %s", x.Code, x.Message)
		if x.Details != nil && *x.Details != "" {
			fmt.Fprintf(&b, " (%s)", *x.Details)
		}
	}
	if len(e.Errors) == 0 {
		ct := e.Header.Get("Content-Type")
		if ct == "" {
			ct = "no content type"
		}
		fmt.Fprintf(&b, " (body is not an SP-API error list: %s, %d bytes)", ct, len(e.Body))
	}
	if e.lacksRole() {
		b.WriteString(hintNoRole)
	}
	if e.StatusCode == http.StatusForbidden && transport.SecretExpired(e.Body) {
		b.WriteString(" (the application's LWA client secret has expired: rotate it; a new access token will not help)")
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request id %s]", e.RequestID)
	}
	return b.String()
}

// newAPIError builds the error for a non-2xx reply from its already-read
// body. A body that is not an ErrorList still gives a useful error.
func newAPIError(op string, resp *http.Response, body []byte) *APIError {
	e := &APIError{
		Operation:  op,
		StatusCode: resp.StatusCode,
		RequestID:  resp.Header.Get(headerRequestIDKey),
		RateLimit:  resp.Header.Get(headerRateLimit),
		Body:       body,
		Header:     resp.Header,
	}
	e.Errors = decodeErrorList(body)
	return e
}

// decodeErrorList reads an SP-API error body: {"errors": [...]} as most
// models define their ErrorList, or a bare [...] as listingsRestrictions'
// and services' models do. Anything else gives none.
func decodeErrorList(body []byte) []gen.Error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var errs []gen.Error
		if json.Unmarshal(trimmed, &errs) == nil && slices.ContainsFunc(errs, func(e gen.Error) bool { return e.Code != "" || e.Message != "" }) {
			return errs
		}
		return nil
	}
	var list gen.ErrorList
	if json.Unmarshal(body, &list) == nil && list.Errors != nil {
		return *list.Errors
	}
	return nil
}

// replyError is the transport's ReplyError: a failed attempt's reply as
// an *APIError.
func replyError(op string, resp *http.Response, body []byte) error {
	return newAPIError(op, resp, body)
}

const (
	headerRequestID = transport.HeaderRequestID
	headerRateLimit = transport.HeaderRateLimit
)

// headerRequestIDKey is headerRequestID as Header stores it, so that Get
// finds it without canonicalising the name (an allocation) on every reply.
var headerRequestIDKey = http.CanonicalHeaderKey(headerRequestID)
