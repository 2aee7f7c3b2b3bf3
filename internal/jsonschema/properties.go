package jsonschema

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Property is one entry of "properties".
type Property struct {
	Name   string
	Schema *Schema
}

// Properties is "properties" in the document's order, which a generator
// keeps as the order of a struct's fields (and so of the JSON it encodes).
type Properties []Property

// UnmarshalJSON reads an object of schemas, keeping its keys' order.
func (ps *Properties) UnmarshalJSON(b []byte) error {
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
		var s Schema
		if err := dec.Decode(&s); err != nil {
			return fmt.Errorf("properties.%s: %w", name, err)
		}
		*ps = append(*ps, Property{Name: name, Schema: &s})
	}
	_, err = dec.Token()
	return err
}

// Get is the schema of the property name, or nil. Where a name is listed
// twice the last one counts, as it would in a map decoded from the JSON.
func (ps Properties) Get(name string) *Schema {
	for i := len(ps) - 1; i >= 0; i-- {
		if ps[i].Name == name {
			return ps[i].Schema
		}
	}
	return nil
}
