package jsonschema

import (
	"encoding/json"
	"fmt"
)

// TypeList is "type": one name or a list of names (["string", "null"]),
// always kept as a list so that callers need not tell the two apart.
type TypeList []string

// UnmarshalJSON reads a name or a list of names.
func (t *TypeList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*t = TypeList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("type: want a string or a list of strings: %w", err)
	}
	*t = many
	return nil
}

// Single is the one type named, or "" if none or several.
func (t TypeList) Single() string {
	if len(t) == 1 {
		return t[0]
	}
	return ""
}

// NonNull is the first type named other than "null" ("" if none), and
// whether "null" is named too: ["string", "null"] is a nullable string.
func (t TypeList) NonNull() (name string, nullable bool) {
	for _, n := range t {
		if n == "null" {
			nullable = true
		} else if name == "" {
			name = n
		}
	}
	return name, nullable
}
