package client_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/gen"
)

// reply builds a generated reply of the Tokens client with the given
// status and body, for a request to path.
func reply(status int, body, method, path string) *gen.CreateRestrictedDataTokenHTTPResponse {
	h := http.Header{}
	h.Set("x-amzn-RequestId", "req-1")
	h.Set("x-amzn-RateLimit-Limit", "0.5")
	return &gen.CreateRestrictedDataTokenHTTPResponse{
		Body: []byte(body),
		HTTPResponse: &http.Response{
			StatusCode: status, Header: h,
			Request: httptest.NewRequest(method, "https://sellingpartnerapi-na.amazon.com"+path, nil),
		},
	}
}

// otherReply has the shape of any other generated reply.
type otherReply struct {
	Body         []byte
	HTTPResponse *http.Response
	JSON200      *struct{}
}

func (r otherReply) StatusCode() int { return r.HTTPResponse.StatusCode }

type embedded struct {
	Body         []byte
	HTTPResponse *http.Response
}

type viaNilPointer struct{ *embedded }

func TestCheckResponse(t *testing.T) {
	const errBody = `{"errors":[{"code":"NotFound","message":"Order not found","details":"id 1"}]}`
	tests := []struct {
		name     string
		r        any
		wantNil  bool
		notReply bool
		status   int
		code     string
		op       string
	}{
		{"200", reply(200, `{}`, "POST", "/tokens/2021-03-01/restrictedDataToken"), true, false, 0, "", ""},
		{"204 empty", reply(204, ``, "POST", "/tokens/2021-03-01/restrictedDataToken"), true, false, 0, "", ""},
		{"404 error list", reply(404, errBody, "GET", "/orders/v0/orders/123-1234567-1234567"), false, false, 404, "NotFound", "ordersV0.getOrder"},
		{"400 not a list", reply(400, `<html>bad gateway</html>`, "POST", "/tokens/2021-03-01/restrictedDataToken"), false, false, 400, "", "createRestrictedDataToken"},
		{"302 is not 2xx", reply(302, ``, "GET", "/nowhere/at/all"), false, false, 302, "", ""},
		{"other generated type", &otherReply{Body: []byte(errBody), HTTPResponse: &http.Response{StatusCode: 403, Header: http.Header{}}}, false, false, 403, "NotFound", ""},
		{"huge body kept, not decoded", reply(500, `{"errors":[{"code":"X","message":"`+strings.Repeat("a", client.MaxResponseBytes)+`"}]}`, "GET", "/x"), false, false, 500, "", ""},
		{"nil", nil, false, true, 0, "", ""},
		{"typed nil", (*gen.CreateRestrictedDataTokenHTTPResponse)(nil), false, true, 0, "", ""},
		{"struct value", otherReply{}, false, true, 0, "", ""},
		{"no HTTPResponse", &otherReply{}, false, true, 0, "", ""},
		{"not a reply", &struct{ Body string }{}, false, true, 0, "", ""},
		{"int", 3, false, true, 0, "", ""},
		{"http.Response", &http.Response{StatusCode: 500}, false, true, 0, "", ""},
		{"through a nil embedded pointer", &viaNilPointer{}, false, true, 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := client.CheckResponse(tt.r)
			switch {
			case tt.wantNil:
				if err != nil {
					t.Fatalf("CheckResponse = %v, want nil", err)
				}
				return
			case tt.notReply:
				if !errors.Is(err, client.ErrNotAResponse) {
					t.Fatalf("CheckResponse = %v, want ErrNotAResponse", err)
				}
				return
			}
			var apiErr *client.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("CheckResponse = %v, want an *APIError", err)
			}
			if apiErr.StatusCode != tt.status || apiErr.Code() != tt.code || apiErr.Operation != tt.op {
				t.Errorf("APIError status %d code %q op %q, want %d %q %q", apiErr.StatusCode, apiErr.Code(), apiErr.Operation, tt.status, tt.code, tt.op)
			}
			if tt.name == "404 error list" {
				if apiErr.RequestID != "req-1" || apiErr.RateLimit != "0.5" || apiErr.Errors[0].Message != "Order not found" || *apiErr.Errors[0].Details != "id 1" {
					t.Errorf("APIError = %+v", apiErr)
				}
				if want := "sp-api ordersV0.getOrder: HTTP 404 NotFound: Order not found (id 1) [request id req-1]"; err.Error() != want {
					t.Errorf("Error() = %q, want %q", err, want)
				}
			}
			if len(apiErr.Body) == 0 && tt.name != "302 is not 2xx" {
				t.Error("Body not kept")
			}
		})
	}
}

func TestCheck(t *testing.T) {
	sent := errors.New("transport")
	if r, err := client.Check(reply(200, `{}`, "POST", "/tokens/2021-03-01/restrictedDataToken"), nil); err != nil || r == nil {
		t.Errorf("Check(200) = %v, %v", r, err)
	}
	if _, err := client.Check((*gen.CreateRestrictedDataTokenHTTPResponse)(nil), sent); err != sent {
		t.Errorf("Check(nil, err) = %v, want the call's error as is", err)
	}
	var apiErr *client.APIError
	if _, err := client.Check(reply(429, `{"errors":[{"code":"QuotaExceeded","message":"m"}]}`, "GET", "/x"), nil); !errors.As(err, &apiErr) || !apiErr.Throttled() {
		t.Errorf("Check(429) = %v, want a throttled *APIError", err)
	}
}

func FuzzCheckResponse(f *testing.F) {
	f.Add(404, []byte(`{"errors":[{"code":"NotFound","message":"m"}]}`))
	f.Add(500, []byte(`{"errors":null}`))
	f.Add(200, []byte(`{}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		r := &otherReply{Body: body, HTTPResponse: &http.Response{StatusCode: status, Header: http.Header{}, Request: &http.Request{Method: "GET"}}}
		err := client.CheckResponse(r)
		if (err == nil) != (status >= 200 && status < 300) {
			t.Fatalf("status %d: err %v", status, err)
		}
		if err != nil {
			_ = err.Error()
		}
	})
}
