package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

func TestValidationRejectsBeforeSending(t *testing.T) {
	res := func(method, path string, de ...string) client.RestrictedResource {
		r := client.RestrictedResource{Method: client.RestrictedResourceMethod(method), Path: path}
		if de != nil {
			r.DataElements = &de
		}
		return r
	}
	ok := res("GET", "/orders/v0/orders/{orderId}/address")
	many := make([]client.RestrictedResource, 51)
	for i := range many {
		many[i] = ok
	}
	empty := ""
	tests := []struct {
		name      string
		resources []client.RestrictedResource
		target    *string
		wantField string
		wantRule  string
	}{
		{"no resources", nil, nil, "restrictedResources", "at least 1"},
		{"51 resources", many, nil, "restrictedResources", "at most 50"},
		{"empty method", []client.RestrictedResource{res("", "/orders/v0/orders")}, nil, "restrictedResources[0].method", "one of GET, PUT, POST, DELETE"},
		{"lower-case method", []client.RestrictedResource{ok, res("get", "/orders/v0/orders")}, nil, "restrictedResources[1].method", `"get"`},
		{"PATCH", []client.RestrictedResource{res("PATCH", "/orders/v0/orders")}, nil, "restrictedResources[0].method", "PATCH"},
		{"empty path", []client.RestrictedResource{res("GET", "")}, nil, "restrictedResources[0].path", "must not be empty"},
		{"relative path", []client.RestrictedResource{res("GET", "orders/v0/orders")}, nil, "restrictedResources[0].path", "must start with /"},
		{"query", []client.RestrictedResource{res("GET", "/orders/v0/orders?MarketplaceIds=x")}, nil, "restrictedResources[0].path", "query"},
		{"fragment", []client.RestrictedResource{res("GET", "/orders/v0/orders#x")}, nil, "restrictedResources[0].path", "query or fragment"},
		{"space", []client.RestrictedResource{res("GET", "/orders/v0/orders/1 2")}, nil, "restrictedResources[0].path", "spaces"},
		{"tab", []client.RestrictedResource{res("GET", "/orders/v0/orders/1\t2")}, nil, "restrictedResources[0].path", "spaces"},
		{"dot dot", []client.RestrictedResource{res("GET", "/orders/v0/../v1/orders")}, nil, "restrictedResources[0].path", ".."},
		// Issue 17, item 5: only a literal ".." was refused.
		{"encoded dot dot", []client.RestrictedResource{res("GET", "/orders/v0/orders/%2e%2e/x")}, nil, "restrictedResources[0].path", `".." segment`},
		{"encoded dot dot slash", []client.RestrictedResource{res("GET", "/orders/v0/%2E%2E%2Forders")}, nil, "restrictedResources[0].path", `".." segment`},
		{"dot segment", []client.RestrictedResource{res("GET", "/orders/v0/./orders")}, nil, "restrictedResources[0].path", `"." segment`},
		{"encoded dot segment", []client.RestrictedResource{res("GET", "/orders/v0/%2E/orders")}, nil, "restrictedResources[0].path", `"." segment`},
		{"empty segment", []client.RestrictedResource{res("GET", "/orders/v0//orders")}, nil, "restrictedResources[0].path", "empty segment"},
		{"another host", []client.RestrictedResource{res("GET", "//evil.example/orders")}, nil, "restrictedResources[0].path", "empty segment"},
		{"encoded slashes", []client.RestrictedResource{res("GET", "/%2F%2Fevil.example/orders")}, nil, "restrictedResources[0].path", "empty segment"},
		{"trailing slash", []client.RestrictedResource{res("GET", "/orders/v0/orders/")}, nil, "restrictedResources[0].path", "empty segment"},
		{"encoded query", []client.RestrictedResource{res("GET", "/orders/v0/orders%3Fx=1")}, nil, "restrictedResources[0].path", "?, # or"},
		{"encoded control", []client.RestrictedResource{res("GET", "/orders/v0/orders/1%0A2")}, nil, "restrictedResources[0].path", "control characters"},
		{"bad escape", []client.RestrictedResource{res("GET", "/orders/v0/orders/100%")}, nil, "restrictedResources[0].path", "not a valid percent-encoded path"},
		{"unknown data element", []client.RestrictedResource{res("GET", "/orders/v0/orders", "buyerInfo", "email")}, nil, "restrictedResources[0].dataElements[1]", "buyerInfo, shippingAddress, buyerTaxInformation"},
		{"empty target application", []client.RestrictedResource{ok}, &empty, "targetApplication", "must not be empty"},
	}
	c, srv := setup(t, sptest.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := client.CreateRestrictedDataTokenRequest{RestrictedResources: tt.resources, TargetApplication: tt.target}
			for _, call := range []func(context.Context, client.CreateRestrictedDataTokenRequest) (*client.RestrictedDataToken, error){
				c.CreateRestrictedDataToken, c.RestrictedDataToken,
			} {
				_, err := call(context.Background(), req)
				if !errors.Is(err, client.ErrInvalidRequest) {
					t.Fatalf("err = %v, want ErrInvalidRequest", err)
				}
				var inv *client.InvalidRequestError
				if !errors.As(err, &inv) || inv.Field != tt.wantField {
					t.Errorf("field = %+v, want %q", inv, tt.wantField)
				}
				if !strings.Contains(err.Error(), tt.wantRule) || !strings.Contains(err.Error(), tt.wantField) {
					t.Errorf("error %q does not name field %q and rule %q", err, tt.wantField, tt.wantRule)
				}
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("server received %d requests for an invalid request, want 0", n)
			}
		})
	}
}

func TestValidationAccepts(t *testing.T) {
	de := []string{"buyerInfo", "shippingAddress", "buyerTaxInformation"}
	ta := "amzn1.sellerapps.app.x"
	fifty := make([]client.RestrictedResource, 50)
	for i := range fifty {
		fifty[i] = client.RestrictedResource{Method: client.MethodDELETE, Path: "/mfn/v0/shipments/{shipmentId}"}
	}
	for name, req := range map[string]client.CreateRestrictedDataTokenRequest{
		"orders with all data elements": {RestrictedResources: []client.RestrictedResource{{Method: client.MethodGET, Path: "/orders/v0/orders", DataElements: &de}}},
		"50 resources":                  {RestrictedResources: fifty},
		"delegated":                     {TargetApplication: &ta, RestrictedResources: fifty[:1]},
		"specific path":                 {RestrictedResources: []client.RestrictedResource{{Method: client.MethodPOST, Path: "/mfn/v0/shipments"}}},
		"dots inside a segment":         {RestrictedResources: []client.RestrictedResource{{Method: client.MethodGET, Path: "/reports/2021-06-30/documents/amzn1.doc..1"}}},
		"encoded id":                    {RestrictedResources: []client.RestrictedResource{{Method: client.MethodGET, Path: "/orders/v0/orders/123%2D1234567%2D1234567"}}},
	} {
		if err := client.ValidateRequest(req); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
