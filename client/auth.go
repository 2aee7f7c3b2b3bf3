package client

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/spapi-go/tokens/gen"
)

// tokenFunc returns the token to send with req (an LWA access token or an
// RDT) and a function that drops it from its cache when the API rejects it.
type tokenFunc func(ctx context.Context, req *http.Request) (token string, reject func(), err error)

// authTransport sets x-amz-access-token on a clone of each request to the
// SP-API host, per attempt, and never on a request to any other host (a
// redirect target, say). When the API answers 403 because the token expired
// or was revoked, it drops the token and sends the request once more with a
// fresh one.
type authTransport struct {
	next   http.RoundTripper
	origin *url.URL
	token  tokenFunc
	logger *slog.Logger
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !sameOrigin(req.URL, t.origin) {
		if req.Header.Get(headerAccessToken) != "" {
			req = req.Clone(req.Context())
			req.Header.Del(headerAccessToken)
		}
		return t.next.RoundTrip(req)
	}
	if req.Header.Get(headerAccessToken) != "" {
		return t.next.RoundTrip(req) // the caller brought its own token
	}
	tok, reject, err := t.token(req.Context(), req)
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &tokenError{err}
	}
	resp, err := t.send(req, req.Body, tok)
	if err != nil || resp.StatusCode != http.StatusForbidden {
		return resp, err
	}
	body, err := readBody(resp.Body)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if !tokenRejected(body) || (req.GetBody == nil && req.ContentLength != 0) {
		return resp, nil
	}
	reject()
	if t.logger != nil {
		t.logger.LogAttrs(req.Context(), slog.LevelDebug, "sp-api: token rejected; retrying once with a new one",
			slog.String("request_id", resp.Header.Get(headerRequestID)))
	}
	if tok, _, err = t.token(req.Context(), req); err != nil {
		return nil, &tokenError{err}
	}
	var replay io.ReadCloser
	if req.GetBody != nil {
		if replay, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	return t.send(req, replay, tok)
}

// send copies req (a RoundTripper must not change its request), sets the
// token on the copy and sends it.
func (t *authTransport) send(req *http.Request, body io.ReadCloser, tok string) (*http.Response, error) {
	r := *req // only the header changes, so only the header is copied
	r.Body = body
	r.Header = req.Header.Clone()
	r.Header.Set(headerAccessToken, tok)
	return t.next.RoundTrip(&r)
}

// tokenError is a failure to get a token (LWA, or minting an RDT). Those
// fetches have retries of their own, so the request's retry layer does not
// repeat them. It reads as its cause.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// tokenRejected reports whether a 403 body says the token itself is at
// fault (expired, revoked, malformed or invalid), as opposed to a missing
// grant, which a new token would not fix.
func tokenRejected(body []byte) bool {
	var list gen.ErrorList
	if json.Unmarshal(body, &list) != nil || list.Errors == nil {
		return false
	}
	for _, e := range *list.Errors {
		if e.Details == nil {
			continue
		}
		d := strings.ToLower(*e.Details)
		if strings.Contains(d, "token") && (strings.Contains(d, "expired") ||
			strings.Contains(d, "revoked") || strings.Contains(d, "invalid")) {
			return true
		}
	}
	return false
}

// sameOrigin compares scheme and host (port included): a token is only ever
// sent to the exact origin it is meant for.
func sameOrigin(u, origin *url.URL) bool {
	return strings.EqualFold(u.Scheme, origin.Scheme) && strings.EqualFold(u.Host, origin.Host)
}
