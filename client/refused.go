package client

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// hintNoRole follows the Tokens API's 400 "Application do not have access
// to some or all requested resource", which says what failed, not what to do.
const hintNoRole = " (the application lacks the restricted role these resources need: add the role to the application in its developer profile (Solution Provider Portal or Seller Central, Develop Apps), then have the seller authorise the application again, so that the refresh token carries the role)"

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
