package main

import (
	"bytes"
	"encoding/json"

	"github.com/spapi-go/spapi/internal/reqcheck"
)

// render writes the table as indented JSON (maps sorted by key, so the
// output is deterministic), one operation per line group.
func render(t *reqcheck.Table) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(t); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
