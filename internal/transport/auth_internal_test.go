package transport

import (
	"net/http"
	"reflect"
	"testing"
)

// TestWithAccessTokenIsCloneThenSet checks that withAccessToken gives what
// Header.Clone followed by Set(HeaderAccessToken, tok) gives, and that the
// caller's header is left as it was and shares no value slice with the copy.
func TestWithAccessTokenIsCloneThenSet(t *testing.T) {
	tests := []struct {
		name string
		h    http.Header
	}{
		{"nil", nil},
		{"empty", http.Header{}},
		{"one", http.Header{"Content-Type": {"application/json"}}},
		{"many values", http.Header{"Accept": {"a", "b"}, "X-Empty": {}, "X-Nil": nil, "User-Agent": {"ua"}}},
		{"empty token already there", http.Header{"X-Amz-Access-Token": {""}, "Content-Type": {"application/json"}}},
		{"lower-case key kept as Set keeps it", http.Header{"x-amz-access-token": {"old"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.h.Clone()
			want := tt.h.Clone()
			if want == nil {
				want = http.Header{}
			}
			want.Set(HeaderAccessToken, "tok")
			got := withAccessToken(tt.h, "tok")
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("withAccessToken = %#v, want %#v", got, want)
			}
			if !reflect.DeepEqual(tt.h, before) {
				t.Fatalf("the caller's header changed: %#v, was %#v", tt.h, before)
			}
			for k, vv := range got {
				if len(vv) > 0 && len(tt.h[k]) > 0 && &vv[0] == &tt.h[k][0] {
					t.Fatalf("%s shares its values with the caller's header", k)
				}
				if cap(vv) != len(vv) {
					t.Fatalf("%s: cap %d > len %d: an append would write into another key's values", k, cap(vv), len(vv))
				}
			}
		})
	}
}
