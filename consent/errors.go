package consent

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// The reasons a callback is refused, for errors.Is. Each error of this
// package wraps one of them (an ExchangeError matches ErrInvalidCode or
// ErrRedirectURIMismatch through its Is method).
var (
	// ErrMissingParameter: the callback lacks state, spapi_oauth_code or
	// selling_partner_id (the error names which).
	ErrMissingParameter = errors.New("missing parameter")
	// ErrInvalidParameter: a callback parameter is malformed (the error
	// names which and why).
	ErrInvalidParameter = errors.New("invalid parameter")
	// ErrNoSession: Config.Session found no session on the callback
	// request (an expired cookie, another browser), so the state cannot be
	// matched to one.
	ErrNoSession = errors.New("no session on the callback request")
	// ErrStateMismatch: the state was not issued by this application for
	// this session: forged, altered, truncated, signed with another key,
	// or issued to another session.
	ErrStateMismatch = errors.New("state does not match: forged, altered, or issued for another session")
	// ErrStateExpired: the state is genuine but older than Config.StateTTL.
	ErrStateExpired = errors.New("state expired")
	// ErrStateReplayed: the state is genuine and fresh but was already used
	// (or the StateStore does not know it: an in-memory store forgets
	// outstanding states when the process restarts).
	ErrStateReplayed = errors.New("state already used")
	// ErrInvalidCode: LWA refused the authorization code (invalid_grant):
	// it expired (codes live about five minutes), was already exchanged,
	// or belongs to another application.
	ErrInvalidCode = errors.New("authorization code refused: expired, already used, or not this application's")
	// ErrRedirectURIMismatch: LWA refused the exchange because its
	// redirect_uri is not the one the consent page was given
	// (Config.RedirectURI must be the same at both steps, and registered
	// for the application).
	ErrRedirectURIMismatch = errors.New("redirect_uri does not match the one the consent page was given")
)

// ExchangeError is Login with Amazon's refusal of the code exchange. It
// never carries the code, the client secret or a token.
type ExchangeError struct {
	StatusCode  int
	Code        string // "invalid_grant", "invalid_client", "invalid_request", ...; "" if the reply had none
	Description string // LWA's error_description
	RequestID   string // x-amzn-RequestId, for Amazon's support
}

func (e *ExchangeError) Error() string {
	code := e.Code
	if code == "" {
		code = "error"
	}
	msg := "consent: LWA refused the code exchange: " + code
	if e.Description != "" {
		msg += ": " + e.Description
	}
	msg += fmt.Sprintf(" (HTTP %d", e.StatusCode)
	if e.RequestID != "" {
		msg += ", request id " + e.RequestID
	}
	msg += ")"
	switch {
	case e.redirectMismatch():
		msg += ": " + ErrRedirectURIMismatch.Error()
	case e.Code == "invalid_grant":
		msg += ": " + ErrInvalidCode.Error()
	case e.Code == "invalid_client":
		msg += ": the client ID or client secret is wrong, or the secret was rotated"
	}
	return msg
}

// Is makes errors.Is(err, ErrInvalidCode) and errors.Is(err,
// ErrRedirectURIMismatch) true for the refusals they name.
func (e *ExchangeError) Is(target error) bool {
	switch target {
	case ErrRedirectURIMismatch:
		return e.redirectMismatch()
	case ErrInvalidCode:
		return e.Code == "invalid_grant" && !e.redirectMismatch()
	}
	return false
}

// redirectMismatch reports whether LWA's reply is about redirect_uri.
func (e *ExchangeError) redirectMismatch() bool {
	d := strings.ToLower(e.Description)
	return (e.Code == "invalid_grant" || e.Code == "invalid_request") &&
		(strings.Contains(d, "redirect_uri") || strings.Contains(d, "redirect uri"))
}

// status is the HTTP status the default error handler answers for err: 400
// for what the request got wrong, 502 for LWA's refusals and failures.
func status(err error) int {
	var x *ExchangeError
	switch {
	case errors.As(err, &x):
		return http.StatusBadGateway
	case errors.Is(err, ErrMissingParameter), errors.Is(err, ErrInvalidParameter), errors.Is(err, ErrNoSession), errors.Is(err, ErrStateMismatch),
		errors.Is(err, ErrStateExpired), errors.Is(err, ErrStateReplayed):
		return http.StatusBadRequest
	}
	return http.StatusBadGateway
}
