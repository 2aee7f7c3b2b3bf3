package client_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/spapi-go/spapi/client"
)

// Issue 23: where a model's ErrorList is a bare array (listingsRestrictions,
// services), Amazon's error body is one too, and Check gave an *APIError
// with an empty code and message (34 of Amazon's own cases).
func TestCheckReadsBareArrayErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body, code, msg string
	}{
		{"bare array", `[{"code":"InvalidInput","message":"Invalid sellerId","details":"x"}]`, "InvalidInput", "Invalid sellerId"},
		{"bare array with space", " \n[{\"code\":\"NotFound\",\"message\":\"no such job\"}]", "NotFound", "no such job"},
		{"errors object", `{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota"}]}`, "QuotaExceeded", "You exceeded your quota"},
		{"neither", `<html>bad gateway</html>`, "", ""},
		{"an array of something else", `[1,2,3]`, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &struct {
				Body         []byte
				HTTPResponse *http.Response
			}{[]byte(tc.body), &http.Response{StatusCode: 400, Header: http.Header{"X-Amzn-Requestid": {"req-1"}}}}
			err := client.CheckResponse(r)
			var ae *client.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("CheckResponse = %v; want an *APIError", err)
			}
			if ae.Code() != tc.code {
				t.Errorf("Code() = %q; want %q (%v)", ae.Code(), tc.code, err)
			}
			if tc.msg != "" && (len(ae.Errors) != 1 || ae.Errors[0].Message != tc.msg) {
				t.Errorf("Errors = %+v; want one with message %q", ae.Errors, tc.msg)
			}
		})
	}
}
