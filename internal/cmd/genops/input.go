package main

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// inputs holds what render reads: the operations of Amazon's models (read
// from api/models by fromModels) and the raw bytes of our two JSON lists, so
// that render is a pure function of them and a test can check the committed
// output.
type inputs struct {
	source                string // "owner/repo at commit" of the models; may be empty
	plans                 []plan
	restricted, retrySafe []byte
}

// plansDoc is the shape of api/usage-plans.json, the reference the
// models' operations are checked against.
type plansDoc struct {
	About  string `json:"_about"`
	Source struct {
		Repository string `json:"repository"`
		Commit     string `json:"commit"`
		Date       string `json:"date"`
	} `json:"source"`
	Operations []plan `json:"operations"`
}

// plan is one operation of one Amazon model with its published usage plan.
// Rate and Burst are nil where the model publishes none; Note then says why
// (it is carried into the generated file as a comment).
type plan struct {
	API         string   `json:"api"`
	Model       string   `json:"model"`
	Version     string   `json:"version"`
	OperationID string   `json:"operationId"`
	Method      string   `json:"method"`
	Path        string   `json:"path"`
	Rate        *float64 `json:"rate"`
	Burst       *int     `json:"burst"`
	Deprecated  bool     `json:"deprecated"`
	Grantless   bool     `json:"grantless"`
	Note        string   `json:"note"`
}

// restrictedDoc is the shape of api/restricted-operations.json.
type restrictedDoc struct {
	About      string           `json:"_about"`
	Operations []restrictedOpIn `json:"operations"`
}

type restrictedOpIn struct {
	API          string   `json:"api"`
	Version      string   `json:"version"`
	Operation    string   `json:"operation"`
	Method       string   `json:"method"`
	Path         string   `json:"path"`
	DataElements []string `json:"dataElements"`
}

// retrySafeDoc is the shape of api/retry-safe-operations.json, our own list.
type retrySafeDoc struct {
	About      string        `json:"_about"`
	Operations []retrySafeIn `json:"operations"`
}

type retrySafeIn struct {
	Model       string `json:"model"`
	OperationID string `json:"operationId"`
	Why         string `json:"why"`
}

// decodeStrict decodes one JSON document into v, rejecting unknown fields
// (so a new column in the JSON is not silently dropped) and trailing data.
func decodeStrict(in []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON document")
	}
	return nil
}
