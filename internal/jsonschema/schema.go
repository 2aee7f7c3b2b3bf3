// Package jsonschema reads the part of JSON Schema (draft-07, with draft
// 2019's $defs) that the module's code generators turn into Go: the
// keywords that decide a Go type or a sample value, the words that
// document it, and the validation keywords genvalidate turns into request
// rules. gennotifications, genpayloads, gensandbox and genvalidate (the
// last two read Swagger 2.0 schema objects, a subset) each read Amazon's
// schemas with it, so that what a schema means is decided in one place;
// what each makes of it stays in the generator. It validates nothing
// itself; keywords no generator reads (uniqueItems, multipleOf, readOnly,
// ...) and unknown ones are ignored.
package jsonschema

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Schema is one schema object, or a boolean schema. It is decoded with
// encoding/json; the generators also build ones of their own (a schema
// inferred from an example, the merge of alternatives).
type Schema struct {
	// Bool is set for a boolean schema: true (anything) or false (nothing,
	// as a oneOf branch uses to forbid a property).
	Bool *bool `json:"-"`

	Ref         string     `json:"$ref"`
	Type        TypeList   `json:"type"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Comment     string     `json:"$comment"`
	Format      string     `json:"format"`
	Properties  Properties `json:"properties"`
	Required    []string   `json:"required"`
	// Items is "items" as one schema; TupleItems is "items" as a list (a
	// tuple, draft-07's spelling of prefixItems). One of the two is set.
	Items                *Schema            `json:"-"`
	TupleItems           []*Schema          `json:"-"`
	AdditionalProperties *Schema            `json:"additionalProperties"`
	Enum                 []json.RawMessage  `json:"enum"` // each value as the document spells it
	Const                json.RawMessage    `json:"const"`
	Example              json.RawMessage    `json:"example"` // Swagger 2.0 and OpenAPI's one example
	Examples             []json.RawMessage  `json:"examples"`
	Definitions          map[string]*Schema `json:"definitions"`
	Defs                 map[string]*Schema `json:"$defs"`
	OneOf                []*Schema          `json:"oneOf"`
	AnyOf                []*Schema          `json:"anyOf"`
	AllOf                []*Schema          `json:"allOf"`

	// Validation keywords, read as the document spells them.
	Pattern          string    `json:"pattern"` // ECMA 262 syntax, which Go's regexp may not read
	MinLength        *int      `json:"minLength"`
	MaxLength        *int      `json:"maxLength"`
	Minimum          *float64  `json:"minimum"`
	Maximum          *float64  `json:"maximum"`
	ExclusiveMinimum Exclusive `json:"exclusiveMinimum"`
	ExclusiveMaximum Exclusive `json:"exclusiveMaximum"`
	MinItems         *int      `json:"minItems"`
	MaxItems         *int      `json:"maxItems"`

	raw string
}

// UnmarshalJSON reads a schema object or a boolean schema, and keeps its
// compacted JSON for Raw.
func (s *Schema) UnmarshalJSON(b []byte) error {
	t := bytes.TrimSpace(b)
	if bytes.Equal(t, []byte("true")) || bytes.Equal(t, []byte("false")) {
		v := t[0] == 't'
		*s = Schema{Bool: &v, raw: string(t)}
		return nil
	}
	type plain Schema // without this method
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	var items struct {
		Items json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(b, &items); err != nil {
		return err
	}
	*s = Schema(p)
	if it := bytes.TrimSpace(items.Items); len(it) > 0 && it[0] == '[' {
		if err := json.Unmarshal(it, &s.TupleItems); err != nil {
			return fmt.Errorf("items: %w", err)
		}
	} else if len(it) > 0 && !bytes.Equal(it, []byte("null")) {
		s.Items = new(Schema)
		if err := json.Unmarshal(it, s.Items); err != nil {
			return fmt.Errorf("items: %w", err)
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return err
	}
	s.raw = buf.String()
	return nil
}

// Raw is the schema's own JSON, compacted ("" for one not decoded), so
// that two places that spell the same schema can share one Go type.
func (s *Schema) Raw() string { return s.raw }

// IsFalse reports whether s is the schema false.
func (s *Schema) IsFalse() bool { return s.Bool != nil && !*s.Bool }

// IsRequired reports whether name is in s.Required.
func (s *Schema) IsRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}
