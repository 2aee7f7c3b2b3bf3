package jsonschema

import (
	"encoding/json"
	"fmt"
)

// Exclusive is exclusiveMinimum or exclusiveMaximum, which the drafts spell
// two ways: draft-04 and Swagger 2.0 as a boolean that makes minimum
// (maximum) exclusive, draft-06 on as the exclusive bound itself. The zero
// value is the keyword absent (or false).
type Exclusive struct {
	Flag  bool     // the boolean spelling, true
	Bound *float64 // the number spelling
}

// UnmarshalJSON reads a boolean or a number.
func (e *Exclusive) UnmarshalJSON(b []byte) error {
	var flag bool
	if err := json.Unmarshal(b, &flag); err == nil {
		*e = Exclusive{Flag: flag}
		return nil
	}
	var n float64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("exclusiveMinimum or exclusiveMaximum: want a boolean or a number: %w", err)
	}
	*e = Exclusive{Bound: &n}
	return nil
}
