package main

import (
	"encoding/json"
	"fmt"

	"github.com/spapi-go/spapi/internal/jsonschema"
)

// noteFromExample describes a member that only Amazon's example shows.
const noteFromExample = "Not in Amazon's schema; read off Amazon's example of this notification."

// normalize replaces every anyOf in the document, and every tuple of
// items (every one in the schemas has one element), by the one object schema
// that reads each alternative (see mergeAnyOf), in place, so that later
// passes see one node per member.
func normalize(s *jsonschema.Schema, seen map[*jsonschema.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	if len(s.TupleItems) > 0 && s.Items == nil {
		s.Items = mergeAnyOf(s.TupleItems)
	}
	if len(s.AnyOf) > 0 {
		for _, a := range s.AnyOf {
			normalize(a, seen)
		}
		desc := s.Description
		*s = *mergeAnyOf(s.AnyOf)
		if desc != "" {
			s.Description = desc
		}
	}
	for _, p := range s.Properties {
		normalize(p.Schema, seen)
	}
	normalize(s.Items, seen)
	for _, d := range s.Definitions {
		normalize(d, seen)
	}
}

// augment adds to s the members that Amazon's example of the whole
// notification has and the schema lacks (FulfillmentOrderStatus's example
// has an "info" object its schema does not list), as optional members typed
// from the example, so that every member Amazon shows lands in a typed
// field. It returns how many it added.
func augment(doc *document, s *jsonschema.Schema, raw json.RawMessage, depth int) (int, error) {
	if depth > 64 {
		return 0, fmt.Errorf("%s: example nests too deep", doc.file)
	}
	s, _, err := doc.resolve(s)
	if err != nil {
		return 0, err
	}
	added := 0
	switch t, _ := s.Type.NonNull(); {
	case t == "object" || (t == "" && len(s.Properties) > 0):
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil || obj == nil {
			return 0, nil
		}
		known := map[string]*jsonschema.Schema{}
		for _, p := range s.Properties {
			known[p.Name] = p.Schema
		}
		// Walk the example's members in its own order, so that what is added
		// comes out in a stable order.
		keys, err := objectKeys(raw)
		if err != nil {
			return 0, err
		}
		for _, k := range keys {
			if ps := known[k]; ps != nil {
				n, err := augment(doc, ps, obj[k], depth+1)
				if err != nil {
					return 0, err
				}
				added += n
				continue
			}
			if len(s.Properties) == 0 {
				continue // a free-form object: a map reads it
			}
			ps, err := inferSchema(obj[k])
			if err != nil {
				return 0, err
			}
			ps.Description = noteFromExample
			s.Properties = append(s.Properties, jsonschema.Property{Name: k, Schema: ps})
			added++
		}
	case t == "array" && s.Items != nil:
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) != nil {
			return 0, nil
		}
		for _, e := range elems {
			n, err := augment(doc, s.Items, e, depth+1)
			if err != nil {
				return 0, err
			}
			added += n
		}
	}
	return added, nil
}

// objectKeys is a JSON object's keys in order.
func objectKeys(raw json.RawMessage) ([]string, error) {
	s, err := inferSchema(raw)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, p := range s.Properties {
		keys = append(keys, p.Name)
	}
	return keys, nil
}
