package client

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"

	"github.com/spapi-go/spapi/internal/ops"
)

// ErrNotAResponse is returned (wrapped) by CheckResponse for a value that is
// not a generated client's reply.
var ErrNotAResponse = errors.New("not a generated *HTTPResponse")

var (
	typeHTTPResponse = reflect.TypeFor[*http.Response]()
	typeBytes        = reflect.TypeFor[[]byte]()
)

// CheckResponse returns nil if r, the typed reply of a generated client
// (any *XxxHTTPResponse of the packages under apis/, of gen/, or of a client
// generated with oapi-codegen from a newer model), has a 2xx status, and
// otherwise an *APIError: the status, the request id, the rate-limit
// header, the decoded error list (code, message, details), the raw body
// and the operation's name, found from the request's method and path in
// the operations table. So errors.As(err, &apiErr) works for every API, as
// it does for CreateRestrictedDataToken.
//
// The generated replies share no interface, only a shape: a struct with
// the fields Body []byte and HTTPResponse *http.Response. CheckResponse
// reads those two fields; a value without them (or a nil one) gives an
// error wrapping ErrNotAResponse, never a panic. A body longer than
// MaxResponseBytes is kept but not decoded.
func CheckResponse(r any) error {
	resp, body, err := replyParts(r)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	op := ""
	if req := resp.Request; req != nil && req.URL != nil {
		if o, ok := ops.Match(req.Method, req.URL.EscapedPath()); ok {
			op = o.Name
		}
	}
	if len(body) > MaxResponseBytes {
		e := newAPIError(op, resp, nil)
		e.Body = body
		return e
	}
	return newAPIError(op, resp, body)
}

// Check is CheckResponse for a generated client's call, to wrap it whole:
//
//	resp, err := client.Check(orders.GetOrderWithResponse(ctx, id))
//
// It returns r and err as they are if err is not nil, else r and
// CheckResponse(r).
func Check[R any](r R, err error) (R, error) {
	if err != nil {
		return r, err
	}
	return r, CheckResponse(r)
}

// replyParts reads the HTTPResponse and Body fields of a generated reply.
func replyParts(r any) (*http.Response, []byte, error) {
	v := reflect.ValueOf(r)
	switch {
	case !v.IsValid():
		return nil, nil, fmt.Errorf("client: CheckResponse(nil): %w", ErrNotAResponse)
	case v.Kind() != reflect.Pointer || v.Type().Elem().Kind() != reflect.Struct:
		return nil, nil, fmt.Errorf("client: CheckResponse(%T): %w: want a pointer to a struct", r, ErrNotAResponse)
	case v.IsNil():
		return nil, nil, fmt.Errorf("client: CheckResponse(%T(nil)): %w", r, ErrNotAResponse)
	}
	s := v.Elem()
	hf, herr := field(s, "HTTPResponse", typeHTTPResponse)
	bf, berr := field(s, "Body", typeBytes)
	if herr != nil || berr != nil {
		return nil, nil, fmt.Errorf("client: CheckResponse(%T): %w: want fields HTTPResponse *http.Response and Body []byte", r, ErrNotAResponse)
	}
	resp, _ := hf.Interface().(*http.Response)
	if resp == nil {
		return nil, nil, fmt.Errorf("client: CheckResponse(%T): %w: HTTPResponse is nil", r, ErrNotAResponse)
	}
	return resp, bf.Bytes(), nil
}

// field returns s's field name if it has type t and can be read (not
// through a nil embedded pointer, not unexported).
func field(s reflect.Value, name string, t reflect.Type) (reflect.Value, error) {
	sf, ok := s.Type().FieldByName(name)
	if !ok || sf.Type != t {
		return reflect.Value{}, ErrNotAResponse
	}
	f, err := s.FieldByIndexErr(sf.Index)
	if err != nil || !f.CanInterface() {
		return reflect.Value{}, ErrNotAResponse
	}
	return f, nil
}
