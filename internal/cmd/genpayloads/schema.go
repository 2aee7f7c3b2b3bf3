package main

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Schema is the part of a JSON Schema (draft-07) that genpayloads types:
// the keywords that decide a Go type, and the words that document it.
// Validation-only keywords (minimum, pattern, ...) are read where the doc
// comment mentions them and otherwise ignored.
type Schema struct {
	// Bool is set for a boolean schema: true (anything) or false (nothing,
	// as a oneOf branch uses to forbid a property).
	Bool *bool

	Ref                  string     `json:"$ref"`
	Type                 typeList   `json:"type"`
	Title                string     `json:"title"`
	Description          string     `json:"description"`
	Comment              string     `json:"$comment"`
	Format               string     `json:"format"`
	Properties           properties `json:"properties"`
	Required             []string   `json:"required"`
	Items                *Schema    `json:"items"`
	Enum                 []any      `json:"enum"`
	Const                json.RawMessage
	Definitions          map[string]*Schema `json:"definitions"`
	Defs                 map[string]*Schema `json:"$defs"`
	OneOf                []*Schema          `json:"oneOf"`
	AnyOf                []*Schema          `json:"anyOf"`
	AllOf                []*Schema          `json:"allOf"`
	AdditionalProperties *Schema            `json:"additionalProperties"`
	Examples             []json.RawMessage  `json:"examples"`

	// raw is the schema's own JSON, compacted, so that two places that
	// spell the same schema share one Go type.
	raw string
}

// UnmarshalJSON reads a schema object or a boolean schema.
func (s *Schema) UnmarshalJSON(b []byte) error {
	t := bytes.TrimSpace(b)
	if bytes.Equal(t, []byte("true")) || bytes.Equal(t, []byte("false")) {
		v := t[0] == 't'
		*s = Schema{Bool: &v, raw: string(t)}
		return nil
	}
	type plain Schema
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	var c struct {
		Const json.RawMessage `json:"const"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return err
	}
	*s = Schema(p)
	s.Const = c.Const
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return err
	}
	s.raw = buf.String()
	return nil
}

// typeList is "type": one name or a list of names.
type typeList []string

func (t *typeList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*t = typeList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("type: want a string or a list of strings: %w", err)
	}
	*t = many
	return nil
}

// single is the one type named, or "" if none or several.
func (t typeList) single() string {
	if len(t) == 1 {
		return t[0]
	}
	return ""
}

// property is one entry of "properties", in the schema's order.
type property struct {
	Name   string
	Schema *Schema
}

// properties keeps the schema's order of "properties", which becomes the
// order of the struct's fields and so of the encoded JSON.
type properties []property

func (ps *properties) UnmarshalJSON(b []byte) error {
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
		*ps = append(*ps, property{Name: name, Schema: &s})
	}
	_, err = dec.Token()
	return err
}

// isRequired reports whether name is in s.Required.
func (s *Schema) isRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

// isFalse reports whether s is the schema false.
func (s *Schema) isFalse() bool { return s.Bool != nil && !*s.Bool }
