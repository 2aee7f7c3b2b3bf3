package payloadjson

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMerge(t *testing.T) {
	known := Keys("a")
	for _, tc := range []struct {
		name, fields string
		extra        map[string]json.RawMessage
		want, err    string
	}{
		{"none", `{"a":1}`, nil, `{"a":1}`, ""},
		{"after fields, sorted", `{"a":1}`, map[string]json.RawMessage{"z": json.RawMessage(`2`), "b": json.RawMessage(`"x"`)}, `{"a":1,"b":"x","z":2}`, ""},
		{"into an empty object", `{}`, map[string]json.RawMessage{"b": json.RawMessage(`[1]`)}, `{"b":[1]}`, ""},
		{"a field twice", `{"a":1}`, map[string]json.RawMessage{"a": json.RawMessage(`2`)}, "", `Extra has "a"`},
		{"invalid JSON", `{"a":1}`, map[string]json.RawMessage{"b": json.RawMessage(`{`)}, "", "not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Merge([]byte(tc.fields), tc.extra, known)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("Merge = %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}

func TestUnknown(t *testing.T) {
	got, err := Unknown([]byte(`{"a":1,"b":{"c":2}}`), Keys("a"))
	if err != nil || len(got) != 1 || string(got["b"]) != `{"c":2}` {
		t.Fatalf("Unknown = %v, %v", got, err)
	}
	if got, _ := Unknown([]byte(`{"a":1}`), Keys("a")); got != nil {
		t.Fatalf("Unknown with only known keys = %v, want nil", got)
	}
	if _, err := Unknown([]byte(`[1]`), Keys("a")); err == nil {
		t.Fatal("Unknown of an array: no error")
	}
}
