package jsonschema

import (
	"fmt"
	"strings"
)

// Prefixes of the local references Lookup and Resolve follow.
const (
	DefinitionsPrefix = "#/definitions/"
	DefsPrefix        = "#/$defs/"
)

// Lookup finds a local $ref, #/definitions/Name or #/$defs/Name, among
// root's definitions; name is Name. It is how a generator that names Go
// types after definitions maps a reference to its schema.
func (root *Schema) Lookup(ref string) (s *Schema, name string, ok bool) {
	if name, ok := strings.CutPrefix(ref, DefinitionsPrefix); ok {
		s = root.Definitions[name]
		return s, name, s != nil
	}
	if name, ok := strings.CutPrefix(ref, DefsPrefix); ok {
		s = root.Defs[name]
		return s, name, s != nil
	}
	return nil, "", false
}

// Resolve follows s's $ref, and that of the definition it names, through
// root's definitions to a schema that is not a reference. name is the last
// definition followed, "" where s is not a reference; a nil s is nil.
// A reference outside the document, to a definition it lacks, or in a
// cycle is an error.
func (root *Schema) Resolve(s *Schema) (_ *Schema, name string, _ error) {
	var seen map[string]bool
	for s != nil && s.Ref != "" {
		ref := s.Ref
		if !strings.HasPrefix(ref, DefinitionsPrefix) && !strings.HasPrefix(ref, DefsPrefix) {
			return nil, "", fmt.Errorf("$ref %q: only %s and %s references are supported", ref, DefinitionsPrefix, DefsPrefix)
		}
		var ok bool
		s, name, ok = root.Lookup(ref)
		if !ok {
			return nil, "", fmt.Errorf("$ref %q: no such definition", ref)
		}
		if seen[ref] {
			return nil, "", fmt.Errorf("$ref %q: a cycle of references", ref)
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		seen[ref] = true
	}
	return s, name, nil
}
