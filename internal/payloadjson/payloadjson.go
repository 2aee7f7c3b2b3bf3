// Package payloadjson keeps the keys of a JSON object that its generated Go
// type does not name. Amazon's report documents carry keys their schemas do
// not declare (the examples of accountHealthReport, sellerSalesAndTraffic
// and vendorInventory do), and JSON Schema allows them; the types that
// internal/cmd/genpayloads writes keep such keys in an Extra map through
// these helpers, so that a document decoded and encoded again loses nothing.
package payloadjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Keys is the set of a type's JSON keys.
func Keys(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Unknown returns the members of the JSON object data whose keys are not in
// known, or nil if there are none.
func Unknown(data []byte, known map[string]bool) (map[string]json.RawMessage, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	for k := range all {
		if known[k] {
			delete(all, k)
		}
	}
	if len(all) == 0 {
		return nil, nil
	}
	return all, nil
}

// Merge appends extra's members, sorted by key, to the JSON object fields
// (a struct's encoding). A key of extra that fields already has is an
// error, since the object would name it twice.
func Merge(fields []byte, extra map[string]json.RawMessage, known map[string]bool) ([]byte, error) {
	if len(extra) == 0 {
		return fields, nil
	}
	fields = bytes.TrimSpace(fields)
	if len(fields) < 2 || fields[len(fields)-1] != '}' {
		return nil, fmt.Errorf("payloadjson: not a JSON object")
	}
	out := append([]byte(nil), fields[:len(fields)-1]...)
	empty := len(bytes.TrimSpace(fields[1:len(fields)-1])) == 0
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		if known[k] {
			return nil, fmt.Errorf("payloadjson: Extra has %q, which is a field of the type", k)
		}
		v := bytes.TrimSpace(extra[k])
		if !json.Valid(v) {
			return nil, fmt.Errorf("payloadjson: Extra[%q] is not valid JSON", k)
		}
		if !empty {
			out = append(out, ',')
		}
		empty = false
		key, _ := json.Marshal(k)
		out = append(out, key...)
		out = append(out, ':')
		out = append(out, v...)
	}
	return append(out, '}'), nil
}
