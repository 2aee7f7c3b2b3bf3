package client

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// hintNoRole follows the Tokens API's 400 "Application do not have access
// to some or all requested resource", which says what failed, not what to do.
const hintNoRole = " (the application lacks the restricted role these resources need: add the role to the application in its developer profile (Solution Provider Portal or Seller Central, Develop Apps), then have the seller authorise the application again, so that the refresh token carries the role)"

// lwaHints say what to do after an LWA refusal.
var lwaHints = map[string]string{
	"invalid_grant":  " (the refresh token is wrong, expired or revoked, or belongs to another application: check Config.RefreshToken (LWA_REFRESH_TOKEN), or have the seller authorise the application again for a new one)",
	"invalid_client": " (the client ID or client secret is wrong, or the secret was rotated (SP-API client secrets expire every 180 days): check Config.ClientID and Config.ClientSecret (LWA_CLIENT_ID, LWA_CLIENT_SECRET))",
}

// lacksRole reports whether e is the Tokens API's refusal for want of the
// restricted role: 400 InvalidInput "Application do not have access to some
// or all requested resource".
func (e *APIError) lacksRole() bool {
	if e.StatusCode != http.StatusBadRequest {
		return false
	}
	for _, x := range e.Errors {
		if strings.Contains(strings.ToLower(x.Message), "do not have access") {
			return true
		}
	}
	return false
}

// RefusedError is a Tokens API refusal for want of the restricted role that
// the client remembered: until Until, HTTPClient and RestrictedDataToken
// return it for the same resources without calling the API. It unwraps to
// the original *APIError.
type RefusedError struct {
	err   error
	Until time.Time
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%v [remembered: not asked again for these resources until %s]", e.err, e.Until.UTC().Format(time.TimeOnly+" UTC"))
}

func (e *RefusedError) Unwrap() error { return e.err }

// noRestrictedRole reports whether a Tokens call failed because the
// application lacks the role for the resource: 400 InvalidInput
// "Application do not have access to some or all requested resource".
func noRestrictedRole(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.lacksRole()
}

// LWAError is a refusal from Login with Amazon, such as invalid_grant (a
// revoked or wrong refresh token) or invalid_client (a wrong client ID or
// secret). It never carries the credentials that were sent.
type LWAError struct {
	StatusCode  int
	Code        string // "invalid_grant", "invalid_client", ...; "" if the reply had none
	Description string
}

func (e *LWAError) Error() string {
	code := e.Code
	if code == "" {
		code = "error"
	}
	msg := "lwa: " + code
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return fmt.Sprintf("%s (HTTP %d)%s", msg, e.StatusCode, lwaHints[e.Code])
}

// Retryable reports false: LWA said no, and would say it again.
func (e *LWAError) Retryable() bool { return false }

// HTTPStatusCode is the status of LWA's reply.
func (e *LWAError) HTTPStatusCode() int { return e.StatusCode }

// newLWAError is the LWA token source's Refusal.
func newLWAError(status int, code, description string) error {
	return &LWAError{StatusCode: status, Code: code, Description: description}
}

// lwaErrorCodes are the OAuth 2.0 error codes (RFC 6749, 5.2) that
// error.type may carry as they are; any other code from LWA is "lwa_error".
var lwaErrorCodes = map[string]bool{
	"invalid_request": true, "invalid_client": true, "invalid_grant": true,
	"unauthorized_client": true, "unsupported_grant_type": true, "invalid_scope": true,
}

// errorTypeOf is telemetry's Classify: error.type for a failed LWA fetch,
// RDT mint or Store call that is an error of this package's, the LWA error
// code or the reply's HTTP status; "" for any other.
func errorTypeOf(err error) string {
	var lwaErr *LWAError
	var apiErr *APIError
	switch {
	case errors.As(err, &lwaErr) && lwaErrorCodes[lwaErr.Code]:
		return lwaErr.Code
	case errors.As(err, &lwaErr):
		return "lwa_error"
	case errors.As(err, &apiErr):
		return strconv.Itoa(apiErr.StatusCode)
	}
	return ""
}
