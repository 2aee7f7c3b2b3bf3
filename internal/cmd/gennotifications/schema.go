package main

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/spapi-go/spapi/internal/jsonschema"
)

// mergeAnyOf makes one object schema of alternatives: every property of
// any of them, required where all require it. Amazon's anyOf lists are
// object shapes that differ by optional members (a price with or without
// Points), so one Go struct reads each of them.
func mergeAnyOf(alts []*jsonschema.Schema) *jsonschema.Schema {
	if len(alts) == 1 {
		return alts[0]
	}
	out := &jsonschema.Schema{Type: jsonschema.TypeList{"object"}}
	seen := map[string]bool{}
	count := map[string]int{}
	for _, a := range alts {
		if out.Description == "" {
			out.Description = a.Description
		}
		for _, p := range a.Properties {
			if !seen[p.Name] {
				seen[p.Name] = true
				out.Properties = append(out.Properties, p)
			}
		}
		for _, r := range a.Required {
			count[r]++
		}
		out.Examples = append(out.Examples, a.Examples...)
	}
	for _, p := range out.Properties {
		if count[p.Name] == len(alts) {
			out.Required = append(out.Required, p.Name)
		}
	}
	return out
}

// document is one schema file with its definitions.
type document struct {
	file string
	root *jsonschema.Schema
}

// resolve follows $ref within the document (see jsonschema.Schema.Resolve).
func (d *document) resolve(s *jsonschema.Schema) (*jsonschema.Schema, string, error) {
	r, name, err := d.root.Resolve(s)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", d.file, err)
	}
	return r, name, nil
}

// inferSchema builds a schema from an example value, for a document whose
// schema describes nothing (ShipmentTrackingMilestoneChangedNotification
// refers to a definition it does not have): objects keep their keys in
// order, an array's items are the merge of its elements, a member is
// required where every instance has it, and every number is a number.
func inferSchema(raw json.RawMessage) (*jsonschema.Schema, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return inferValue(dec)
}

func inferValue(dec *json.Decoder) (*jsonschema.Schema, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			s := &jsonschema.Schema{Type: jsonschema.TypeList{"object"}}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				ps, err := inferValue(dec)
				if err != nil {
					return nil, err
				}
				name := k.(string)
				s.Properties = append(s.Properties, jsonschema.Property{Name: name, Schema: ps})
				s.Required = append(s.Required, name)
			}
			_, err := dec.Token()
			return s, err
		case '[':
			var elems []*jsonschema.Schema
			for dec.More() {
				e, err := inferValue(dec)
				if err != nil {
					return nil, err
				}
				elems = append(elems, e)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			s := &jsonschema.Schema{Type: jsonschema.TypeList{"array"}}
			if len(elems) > 0 {
				s.Items = mergeInferred(elems)
			}
			return s, nil
		}
	case string:
		return &jsonschema.Schema{Type: jsonschema.TypeList{"string"}, Examples: []json.RawMessage{mustJSON(v)}}, nil
	case json.Number:
		return &jsonschema.Schema{Type: jsonschema.TypeList{"number"}}, nil
	case bool:
		return &jsonschema.Schema{Type: jsonschema.TypeList{"boolean"}}, nil
	case nil:
		return &jsonschema.Schema{Type: jsonschema.TypeList{"null"}}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// mergeInferred merges the schemas inferred from an array's elements.
func mergeInferred(elems []*jsonschema.Schema) *jsonschema.Schema {
	first := elems[0]
	if t, _ := first.Type.NonNull(); t != "object" {
		return first
	}
	out := &jsonschema.Schema{Type: jsonschema.TypeList{"object"}}
	byName := map[string][]*jsonschema.Schema{}
	count := map[string]int{}
	for _, e := range elems {
		for _, p := range e.Properties {
			if byName[p.Name] == nil {
				out.Properties = append(out.Properties, jsonschema.Property{Name: p.Name})
			}
			byName[p.Name] = append(byName[p.Name], p.Schema)
			count[p.Name]++
		}
	}
	for i, p := range out.Properties {
		out.Properties[i].Schema = mergeInferred(byName[p.Name])
		if count[p.Name] == len(elems) {
			out.Required = append(out.Required, p.Name)
		}
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
