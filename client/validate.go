package client

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/spapi-go/spapi/gen"
)

// MaxRestrictedResources is the API's limit on resources in one request.
const MaxRestrictedResources = 50

// dataElementValues are the dataElements the API knows.
var dataElementValues = []string{"buyerInfo", "shippingAddress", "buyerTaxInformation"}

// ValidateRequest checks a CreateRestrictedDataToken request against the
// API's rules, so that a bad request fails here, with the field and the rule
// named, rather than as a 400 after a round trip. The error matches
// ErrInvalidRequest.
func ValidateRequest(req CreateRestrictedDataTokenRequest) error {
	if req.TargetApplication != nil && strings.TrimSpace(*req.TargetApplication) == "" {
		return &InvalidRequestError{Field: "targetApplication", Rule: "must not be empty when set"}
	}
	n := len(req.RestrictedResources)
	if n == 0 {
		return &InvalidRequestError{Field: "restrictedResources", Rule: "must list at least 1 resource"}
	}
	if n > MaxRestrictedResources {
		return &InvalidRequestError{Field: "restrictedResources",
			Rule: fmt.Sprintf("must list at most %d resources, has %d", MaxRestrictedResources, n)}
	}
	for i, r := range req.RestrictedResources {
		if err := validateResource(r); err != nil {
			err.Field = fmt.Sprintf("restrictedResources[%d].%s", i, err.Field)
			return err
		}
	}
	return nil
}

func validateResource(r RestrictedResource) *InvalidRequestError {
	if !r.Method.Valid() {
		return &InvalidRequestError{Field: "method",
			Rule: fmt.Sprintf("%q must be one of GET, PUT, POST, DELETE", string(r.Method))}
	}
	if rule := pathRule(r.Path); rule != "" {
		return &InvalidRequestError{Field: "path", Rule: rule}
	}
	if r.DataElements != nil {
		for j, d := range *r.DataElements {
			if !isDataElement(d) {
				return &InvalidRequestError{Field: fmt.Sprintf("dataElements[%d]", j),
					Rule: fmt.Sprintf("%q must be one of %s", d, strings.Join(dataElementValues, ", "))}
			}
		}
	}
	return nil
}

// pathRule is the rule a restricted resource's path breaks, or "". The
// path is checked as the server will read it, percent-decoded: "%2e%2e",
// "%2E%2E%2F", "." segments and empty segments ("//evil.example/orders",
// "/orders//x", a trailing "/") are refused along with a literal "..", since
// an RDT is for the one resource the path names.
func pathRule(p string) string {
	switch {
	case p == "":
		return "must not be empty"
	case p[0] != '/':
		return fmt.Sprintf("%q must start with /", p)
	case strings.ContainsAny(p, "?#"):
		return fmt.Sprintf("%q must not have a query or fragment", p)
	}
	dec, err := url.PathUnescape(p)
	if err != nil {
		return fmt.Sprintf("%q is not a valid percent-encoded path (%v)", p, err)
	}
	if strings.IndexFunc(dec, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return fmt.Sprintf("%q must not contain spaces or control characters, even percent-encoded", p)
	}
	if strings.ContainsAny(dec, "?#\\") {
		return fmt.Sprintf("%q must not contain ?, # or \\, even percent-encoded", p)
	}
	for seg := range strings.SplitSeq(dec[1:], "/") {
		switch seg {
		case "":
			return fmt.Sprintf("%q must not have an empty segment (// or a trailing /), even percent-encoded", p)
		case ".", "..":
			return fmt.Sprintf("%q must not have a %q segment, even percent-encoded", p, seg)
		}
	}
	return ""
}

func isDataElement(s string) bool {
	for _, v := range dataElementValues {
		if s == v {
			return true
		}
	}
	return false
}

// Re-exported generated types: the model stays the vocabulary, and callers
// import one package.
type (
	CreateRestrictedDataTokenRequest = gen.CreateRestrictedDataTokenRequest
	RestrictedResource               = gen.RestrictedResource
	RestrictedResourceMethod         = gen.RestrictedResourceMethod
	Error                            = gen.Error
)

// The methods a restricted resource can have.
const (
	MethodGET    = gen.RestrictedResourceMethodGET
	MethodPUT    = gen.RestrictedResourceMethodPUT
	MethodPOST   = gen.RestrictedResourceMethodPOST
	MethodDELETE = gen.RestrictedResourceMethodDELETE
)
