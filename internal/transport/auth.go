package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/spapi-go/spapi/gen"
	"github.com/spapi-go/spapi/internal/telemetry"
)

// TokenFunc returns the token to send with req (an LWA access token or an
// RDT) and a function that drops it from its cache when the API rejects it,
// given the token. (The token is an argument so that the LWA case, on every
// call, can hand out one function made once, rather than a closure each.)
// again says the credential was looked up already for this attempt (by the
// limiter's ready hook), so a cache does not count the lookup twice.
type TokenFunc func(ctx context.Context, req *http.Request, again bool) (token string, reject func(token string), err error)

// Auth sets x-amz-access-token on a copy of each request to the
// SP-API host, per attempt, and never on a request to any other host (a
// redirect target, say). When the API answers 403 because the token expired
// or was revoked, it drops the token from its cache; the retry layer above
// sends the request once more, through the limiter and back here for a
// fresh token.
type Auth struct {
	Next   http.RoundTripper
	Origin *url.URL
	Token  TokenFunc
	Again  bool // a layer above looked the credential up already (see TokenFunc)
	Logger *slog.Logger
}

func (t *Auth) RoundTrip(req *http.Request) (*http.Response, error) {
	if !SameOrigin(req.URL, t.Origin) {
		if req.Header.Get(HeaderAccessToken) != "" {
			req = req.Clone(req.Context())
			req.Header.Del(HeaderAccessToken)
		}
		return t.Next.RoundTrip(req)
	}
	if req.Header.Get(HeaderAccessToken) != "" {
		return t.Next.RoundTrip(req) // the caller brought its own token
	}
	tok, reject, err := t.Token(req.Context(), req, t.Again)
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &tokenError{err}
	}
	// A RoundTripper must not change its request: copy it, and only the
	// header, which is all that changes.
	r := *req
	r.Header = withAccessToken(req.Header, tok)
	telemetry.Inject(req.Context(), r.Header)
	resp, err := t.Next.RoundTrip(&r)
	if err != nil {
		return nil, err
	}
	// The reply names the request it answers: the one without the token,
	// so that resp.Request (and a redirect's req.Response.Request, and
	// httputil.DumpRequest of either) never shows it.
	resp.Request = req
	if resp.StatusCode != http.StatusForbidden {
		return resp, nil
	}
	body, err := ReadBody(resp.Body)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if TokenRejected(body) {
		reject(tok)
		if t.Logger != nil {
			t.Logger.LogAttrs(req.Context(), slog.LevelDebug, "sp-api: token rejected; dropped from the cache",
				slog.String("request_id", resp.Header.Get(HeaderRequestID)))
		}
	}
	return resp, nil
}

// canonicalAccessToken is HeaderAccessToken as Header.Set stores it,
// worked out once rather than on every attempt.
var canonicalAccessToken = http.CanonicalHeaderKey(HeaderAccessToken)

// withAccessToken is h.Clone() then Set(HeaderAccessToken, tok), in one
// map and one backing array for all the values (the token's included)
// rather than a clone, a canonicalised key and a slice for the token.
func withAccessToken(h http.Header, tok string) http.Header {
	nv := 1
	for _, vv := range h {
		nv += len(vv)
	}
	sv := make([]string, nv)
	h2 := make(http.Header, len(h)+1)
	for k, vv := range h {
		if k == canonicalAccessToken {
			continue
		}
		if vv == nil {
			// Preserve nil values: ReverseProxy distinguishes between
			// nil and zero-length header values (as Header.Clone does).
			h2[k] = nil
			continue
		}
		n := copy(sv, vv)
		h2[k] = sv[:n:n]
		sv = sv[n:]
	}
	sv[0] = tok
	h2[canonicalAccessToken] = sv[:1:1]
	return h2
}

// tokenError is a failure to get a token (LWA, or minting an RDT). Those
// fetches have retries of their own, so the request's retry layer does not
// repeat them. It reads as its cause.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// Retryable reports false: the fetch had retries of its own.
func (e *tokenError) Retryable() bool { return false }

// TokenRejected reports whether a 403 body says the access token or RDT
// itself is at fault (expired, revoked, malformed or invalid), in its
// message or its details, as opposed to a missing grant, which a new token
// would not fix. An expired LWA client secret ("The LWA secret token you
// provided has expired") is not a token to refresh either: it is a secret
// to rotate, which SecretExpired names.
func TokenRejected(body []byte) bool {
	return errorListSays(body, func(s string) bool {
		return strings.Contains(s, "token") && !strings.Contains(s, "secret") &&
			(strings.Contains(s, "expired") || strings.Contains(s, "revoked") || strings.Contains(s, "invalid"))
	})
}

// SecretExpired reports whether a 403 body says the application's LWA
// client secret has expired.
func SecretExpired(body []byte) bool {
	return errorListSays(body, func(s string) bool {
		return strings.Contains(s, "secret") && strings.Contains(s, "expired")
	})
}

// errorListSays reports whether the message or details of any error in an
// SP-API error list, lower-cased, satisfies says.
func errorListSays(body []byte, says func(string) bool) bool {
	var list gen.ErrorList
	if json.Unmarshal(body, &list) != nil || list.Errors == nil {
		return false
	}
	for _, e := range *list.Errors {
		if says(strings.ToLower(e.Message)) || (e.Details != nil && says(strings.ToLower(*e.Details))) {
			return true
		}
	}
	return false
}

// SameOrigin compares scheme, host and port, with the scheme's default port
// filled in (https://host and https://host:443 are one origin): a token is
// only ever sent to the exact origin it is meant for.
func SameOrigin(u, origin *url.URL) bool {
	if !strings.EqualFold(u.Scheme, origin.Scheme) {
		return false
	}
	if strings.EqualFold(u.Host, origin.Host) {
		return true
	}
	return strings.EqualFold(u.Hostname(), origin.Hostname()) && Port(u) == Port(origin)
}

// Port is u's port, or its scheme's default.
func Port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}
