package jsonschema

import (
	"encoding/json"
	"fmt"
	"os"
)

// Parse decodes one schema document; file names it in an error, which
// says where in the document the JSON does not read as a schema.
func Parse(file string, data []byte) (*Schema, error) {
	var s Schema
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &s, nil
}

// Load reads and decodes the schema file at path.
func Load(path string) (*Schema, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}
