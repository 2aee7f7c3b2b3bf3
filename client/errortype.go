package client

import (
	"errors"
	"strconv"
)

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
