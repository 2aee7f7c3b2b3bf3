package pathtmpl_test

import (
	"strings"
	"testing"

	"github.com/spapi-go/spapi/internal/pathtmpl"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		path, wantErr string // wantErr "" means valid
	}{
		{"/orders/v0/orders", ""},
		{"/orders/v0/orders/{orderId}/address", ""},
		{"/listings/2021-08-01/items/{sellerId}/{sku}", ""},
		{"", "must start"},
		{"/", "must start"},
		{"orders/v0", "must start"},
		{"/orders/", "empty segment"},
		{"/orders//v0", "empty segment"},
		{"/a/{}", "whole {param}"},
		{"/a/{id", "whole {param}"},
		{"/a/id}", "whole {param}"},
		{"/a/x{id}", "whole {param}"},
		{"/a/{i{d}", "whole {param}"},
		{"/a/x{id}y", "brace"},
		{"/a/b?c", "brace"},
		{"/a/b#c", "brace"},
		{"/a/b%2Fc", "brace"},
		{"/a/b c", "brace"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			err := pathtmpl.Check(tt.path)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check(%q) = %v, want nil", tt.path, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check(%q) = %v, want an error containing %q", tt.path, err, tt.wantErr)
			}
		})
	}
}

func TestCheckMethod(t *testing.T) {
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		if err := pathtmpl.CheckMethod(m); err != nil {
			t.Errorf("CheckMethod(%q) = %v", m, err)
		}
	}
	for _, m := range []string{"", "get", "Get", "CONNECT", "TRACE", "GET "} {
		if err := pathtmpl.CheckMethod(m); err == nil {
			t.Errorf("CheckMethod(%q) = nil, want an error", m)
		}
	}
}

func TestErase(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/orders/v0/orders", "/orders/v0/orders"},
		{"/orders/v0/orders/{orderId}/address", "/orders/v0/orders/{}/address"},
		{"/listings/2021-08-01/items/{sellerId}/{sku}", "/listings/2021-08-01/items/{}/{}"},
	}
	for _, tt := range tests {
		if got := pathtmpl.Erase(tt.in); got != tt.want {
			t.Errorf("Erase(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if pathtmpl.Erase("/a/{x}") != pathtmpl.Erase("/a/{y}") {
		t.Error("templates differing only in parameter names erase differently")
	}
}
