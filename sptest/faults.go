package sptest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Fault changes how the server answers one request (Script) or every request
// (Always) of an operation. Faults apply after the request is counted and
// recorded, in place of normal handling when Status is not 0.
type Fault struct {
	// Status is the HTTP status to send; 0 means handle the request normally,
	// with only Delay, Header, BodySize, Truncate and Reset applied.
	Status int
	// Header holds extra headers, replacing any the reply would have (for
	// example Retry-After, x-amzn-RateLimit-Limit, Location, Content-Type).
	Header http.Header
	// Body is the raw body to send with Status; nil means the default body
	// for Status: an SP-API ErrorList (QuotaExceeded for 429,
	// InternalFailure for 500, ServiceUnavailable for 503, ...), or for "lwa"
	// an LWA {"error","error_description"} object.
	Body []byte
	// BodySize, if > 0, replaces the body with this many bytes of JSON-ish
	// filler, streamed (for "huge reply" tests).
	BodySize int
	// Delay is waited before replying; the request gets no reply if its
	// context ends first (or the server is closed).
	Delay time.Duration
	// Reset closes the connection without replying (a TCP reset).
	Reset bool
	// Truncate declares the full Content-Length but sends only the first half
	// of the body (at least one byte short), then closes the connection.
	Truncate bool
}

// Script queues one-shot faults for op's next requests, in order: the first
// next request gets faults[0], and so on. Scripted faults are used before an
// Always fault.
func (s *Server) Script(op string, faults ...Fault) {
	op = mustName("Script", op)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range faults {
		s.scripted[op] = append(s.scripted[op], f.clone())
	}
}

// Always sets a persistent fault for every request of op; nil clears it.
func (s *Server) Always(op string, f *Fault) {
	op = mustName("Always", op)
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == nil {
		delete(s.always, op)
		return
	}
	c := f.clone()
	s.always[op] = &c
}

// ClearFaults removes every scripted and persistent fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripted = map[string][]Fault{}
	s.always = map[string]*Fault{}
}

func (f Fault) clone() Fault {
	f.Header = f.Header.Clone()
	if f.Body != nil {
		f.Body = slices.Clone(f.Body)
	}
	return f
}

// takeFaultLocked pops the next scripted fault for op, or returns its
// persistent one. The result is not shared with the Server.
func (s *Server) takeFaultLocked(op string) *Fault {
	if q := s.scripted[op]; len(q) > 0 {
		f := q[0]
		if len(q) == 1 {
			delete(s.scripted, op)
		} else {
			s.scripted[op] = q[1:]
		}
		return &f
	}
	if f := s.always[op]; f != nil {
		c := f.clone()
		return &c
	}
	return nil
}

// gatedFaultReply is the reply for a fault with a Status, once the request
// has passed what the real API checks before it could fail that way: an
// SP-API request with a missing, expired or revoked token, or one that
// does not cover the operation, gets its 403, and one over its operation's
// rate limit gets a 429 (and spends its token otherwise), as without the
// fault. LWA requests are not gated.
func (s *Server) gatedFaultReply(op string, entry *operation, r *http.Request, f *Fault) reply {
	if op == opLWA {
		return faultReply(op, f)
	}
	p, rej := s.authenticate(r)
	if rej != nil {
		return *rej
	}
	if b := s.bucketFor(entry, p.seller); b != nil && !b.lim.Allow() {
		return errorReply(http.StatusTooManyRequests, "QuotaExceeded", msgQuota, "")
	}
	if entry != nil {
		if _, ok := s.authorize(entry, p, r); !ok {
			return *denied("")
		}
	}
	return faultReply(op, f)
}

// faultReply is the reply for a fault with a Status.
func faultReply(op string, f *Fault) reply {
	if f.Body != nil {
		return reply{status: f.Status, body: f.Body}
	}
	if f.Status < 400 {
		body := []byte("{}")
		if f.Status < 200 || (f.Status >= 300 && f.Status < 400) {
			body = nil
		}
		return reply{status: f.Status, body: body}
	}
	if op == opLWA {
		code, desc := lwaDefaultError(f.Status)
		return lwaError(f.Status, code, desc)
	}
	code, msg := defaultError(f.Status)
	return errorReply(f.Status, code, msg, "")
}

// defaultError is the SP-API error code and message for status.
func defaultError(status int) (code, message string) {
	switch status {
	case http.StatusBadRequest:
		return "InvalidInput", "Request has missing or invalid parameters and cannot be parsed."
	case http.StatusUnauthorized:
		return "Unauthorized", "The request's Authorization header is not formatted correctly or does not contain a valid token."
	case http.StatusForbidden:
		return "Unauthorized", msgDenied
	case http.StatusNotFound:
		return "NotFound", "Resource not found."
	case http.StatusRequestEntityTooLarge:
		return "RequestEntityTooLarge", "The request size exceeded the maximum accepted size."
	case http.StatusUnsupportedMediaType:
		return "UnsupportedMediaType", "The request payload is in an unsupported format."
	case http.StatusTooManyRequests:
		return "QuotaExceeded", msgQuota
	case http.StatusInternalServerError:
		return "InternalFailure", "We encountered an internal error. Please try again."
	case http.StatusBadGateway:
		return "BadGateway", "Bad gateway."
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable", "Temporary overloading or maintenance of the server."
	case http.StatusGatewayTimeout:
		return "GatewayTimeout", "Gateway timeout."
	}
	text := http.StatusText(status)
	if text == "" {
		text = "Error"
	}
	return strings.ReplaceAll(text, " ", ""), text + "."
}

// lwaDefaultError is the LWA error code and description for status.
func lwaDefaultError(status int) (code, desc string) {
	switch {
	case status == http.StatusBadRequest:
		return "invalid_request", "The request is missing a required parameter or is otherwise malformed."
	case status == http.StatusUnauthorized:
		return "invalid_client", "Client authentication failed"
	case status == http.StatusForbidden:
		return "unauthorized_client", "Not authorized for requested operation"
	case status == http.StatusTooManyRequests:
		return "slow_down", "Too many requests"
	case status == http.StatusServiceUnavailable:
		return "temporarily_unavailable", "The service is temporarily unavailable"
	case status >= 500:
		return "server_error", "Internal server error"
	}
	return "invalid_request", http.StatusText(status)
}

// writeFiller writes the first send bytes of an n-byte JSON-ish body:
// {"payload":"xxxx..."} when n is large enough, else n bytes of 'x'. It stops
// at the first write error (the client went away or the server closed).
func writeFiller(w io.Writer, n, send int) {
	const head, tail = `{"payload":"`, `"}`
	var body io.Reader
	if n >= len(head)+len(tail) {
		body = io.MultiReader(strings.NewReader(head),
			io.LimitReader(xReader{}, int64(n-len(head)-len(tail))),
			strings.NewReader(tail))
	} else {
		body = io.LimitReader(xReader{}, int64(n))
	}
	_, _ = io.CopyBuffer(w, io.LimitReader(body, int64(send)), make([]byte, 32<<10))
}

// xReader reads an endless run of 'x'.
type xReader struct{}

func (xReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// errorList is the SP-API error body.
type errorList struct {
	Errors []apiError `json:"errors"`
}

type apiError struct {
	Code    string  `json:"code"`
	Message string  `json:"message"`
	Details *string `json:"details,omitempty"`
}

// Messages used in several places.
const (
	msgDenied      = "Access to requested resource is denied."
	msgQuota       = "You exceeded your quota for the requested resource."
	detailsExpired = "The access token you provided has expired."
	detailsInvalid = "The access token you provided is revoked, malformed or invalid."
	msgNoRole      = "Application do not have access to some or all requested resource" // Amazon's words
)

// errorReply is an SP-API ErrorList reply with one error. details is always
// present, empty or not, except for NotFound, as the real API sends it.
func errorReply(status int, code, message, details string) reply {
	e := apiError{Code: code, Message: message}
	if code != "NotFound" {
		e.Details = &details
	}
	return reply{status: status, body: mustJSON(errorList{Errors: []apiError{e}})}
}

// mustJSON encodes v without HTML escaping (the real API sends "&" and "<"
// as they are).
func mustJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("sptest: " + err.Error())
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
