package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// schema is the part of JSON Schema (draft 7) that Amazon's notification
// schemas use: type, properties (in document order), required, items (a
// schema or, in a few, a one-element tuple), anyOf, enum, $ref into the
// document's definitions, format and examples. Keywords that only constrain
// values (minimum, uniqueItems, additionalItems, additionalProperties) do not
// change the Go type and are ignored.
type schema struct {
	Ref         string             `json:"$ref"`
	HashRef     string             `json:"#ref"` // B2bAnyOfferChangedNotification spells $ref so at its root
	Type        typeList           `json:"type"`
	Description string             `json:"description"`
	Title       string             `json:"title"`
	Properties  properties         `json:"properties"`
	Required    []string           `json:"required"`
	Items       items              `json:"items"`
	AnyOf       []*schema          `json:"anyOf"`
	Enum        []json.RawMessage  `json:"enum"`
	Format      string             `json:"format"`
	Examples    []json.RawMessage  `json:"examples"`
	Definitions map[string]*schema `json:"definitions"`
}

// typeList is "type": a name or a list of names (["string", "null"]).
type typeList []string

func (t *typeList) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
		var l []string
		if err := json.Unmarshal(b, &l); err != nil {
			return err
		}
		*t = l
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = typeList{s}
	return nil
}

// main is the non-null type name ("" if none) and whether null is allowed.
func (t typeList) main() (name string, nullable bool) {
	for _, n := range t {
		if n == "null" {
			nullable = true
		} else if name == "" {
			name = n
		}
	}
	return name, nullable
}

// property is one entry of "properties".
type property struct {
	Name   string
	Schema *schema
}

// properties keeps the document's order, so that the generated fields follow
// Amazon's.
type properties []property

func (p *properties) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("properties: want an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var s schema
		if err := dec.Decode(&s); err != nil {
			return fmt.Errorf("properties.%s: %w", name, err)
		}
		*p = append(*p, property{Name: name, Schema: &s})
	}
	_, err = dec.Token()
	return err
}

// items is "items": a schema, or a tuple of which the first is used (every
// tuple in the schemas has one element).
type items struct{ *schema }

func (it *items) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
		var l []*schema
		if err := json.Unmarshal(b, &l); err != nil {
			return err
		}
		if len(l) > 0 {
			it.schema = mergeAnyOf(l)
		}
		return nil
	}
	var s schema
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	it.schema = &s
	return nil
}

// mergeAnyOf makes one object schema of alternatives: every property of
// any of them, required where all require it. Amazon's anyOf lists are
// object shapes that differ by optional members (a price with or without
// Points), so one Go struct reads each of them.
func mergeAnyOf(alts []*schema) *schema {
	if len(alts) == 1 {
		return alts[0]
	}
	out := &schema{Type: typeList{"object"}}
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
	root *schema
}

// resolve follows $ref (and the root's #ref) within the document.
func (d *document) resolve(s *schema) (*schema, string, error) {
	name := ""
	for range 16 {
		ref := s.Ref
		if ref == "" {
			ref = s.HashRef
		}
		if ref == "" {
			return s, name, nil
		}
		def, ok := strings.CutPrefix(ref, "#/definitions/")
		if !ok {
			return nil, "", fmt.Errorf("%s: $ref %q: only #/definitions/ references are supported", d.file, ref)
		}
		t := d.root.Definitions[def]
		if t == nil {
			return nil, "", fmt.Errorf("%s: $ref %q: no such definition", d.file, ref)
		}
		s, name = t, def
	}
	return nil, "", fmt.Errorf("%s: $ref loop", d.file)
}

// inferSchema builds a schema from an example value, for a document whose
// schema describes nothing (ShipmentTrackingMilestoneChangedNotification
// refers to a definition it does not have): objects keep their keys in
// order, an array's items are the merge of its elements, a member is
// required where every instance has it, and every number is a number.
func inferSchema(raw json.RawMessage) (*schema, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return inferValue(dec)
}

func inferValue(dec *json.Decoder) (*schema, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			s := &schema{Type: typeList{"object"}}
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
				s.Properties = append(s.Properties, property{Name: name, Schema: ps})
				s.Required = append(s.Required, name)
			}
			_, err := dec.Token()
			return s, err
		case '[':
			var elems []*schema
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
			s := &schema{Type: typeList{"array"}}
			if len(elems) > 0 {
				s.Items.schema = mergeInferred(elems)
			}
			return s, nil
		}
	case string:
		return &schema{Type: typeList{"string"}, Examples: []json.RawMessage{mustJSON(v)}}, nil
	case json.Number:
		return &schema{Type: typeList{"number"}}, nil
	case bool:
		return &schema{Type: typeList{"boolean"}}, nil
	case nil:
		return &schema{Type: typeList{"null"}}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// mergeInferred merges the schemas inferred from an array's elements.
func mergeInferred(elems []*schema) *schema {
	first := elems[0]
	if t, _ := first.Type.main(); t != "object" {
		return first
	}
	out := &schema{Type: typeList{"object"}}
	byName := map[string][]*schema{}
	count := map[string]int{}
	for _, e := range elems {
		for _, p := range e.Properties {
			if byName[p.Name] == nil {
				out.Properties = append(out.Properties, property{Name: p.Name})
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
