package client

import "fmt"

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

// lwaHints say what to do after an LWA refusal.
var lwaHints = map[string]string{
	"invalid_grant":  " (the refresh token is wrong, expired or revoked, or belongs to another application: check Config.RefreshToken (LWA_REFRESH_TOKEN), or have the seller authorise the application again for a new one)",
	"invalid_client": " (the client ID or client secret is wrong, or the secret was rotated (SP-API client secrets expire every 180 days): check Config.ClientID and Config.ClientSecret (LWA_CLIENT_ID, LWA_CLIENT_SECRET))",
}
