package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// entry is what the fake serves for one operation; the output is a JSON
// object {"operations": [entry, ...]}, one entry a line.
type entry struct {
	Name        string          `json:"name"`  // the operations table's (and sptest's) name
	Model       string          `json:"model"` // path under api/models
	OperationID string          `json:"operationId"`
	Method      string          `json:"method"`
	Path        string          `json:"path"`
	Status      int             `json:"status"`
	ContentType string          `json:"contentType,omitempty"`
	Query       []string        `json:"query,omitempty"`  // required query parameters
	Header      []string        `json:"header,omitempty"` // required header parameters
	Body        bool            `json:"body,omitempty"`   // a request body is required
	Source      string          `json:"source,omitempty"` // where Reply comes from: x-amzn-api-sandbox, examples, schema or none
	Reply       json.RawMessage `json:"reply,omitempty"`  // compact; absent for no body
}

// Sources of a reply body.
const (
	sourceSandbox  = "x-amzn-api-sandbox"
	sourceExamples = "examples"
	sourceSchema   = "schema"
	sourceNone     = "none" // the model gives neither a schema nor an example
)

// maxExample is the largest model example the table carries; a larger one
// (a few carry whole base64 labels and packing slips, up to 177 KB) is
// replaced by a body built from the schema, which keeps the table small.
const maxExample = 16 << 10

// rejected is where a model's example was passed over, and why (-v).
var rejected io.Writer = io.Discard

// render builds the output for every operation of models.
func render(models []model) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("{\"operations\":[\n")
	n := 0
	for i := range models {
		m := &models[i]
		ops, err := m.operations()
		if err != nil {
			return nil, err
		}
		for _, o := range ops {
			e, err := m.entry(o)
			if err != nil {
				return nil, fmt.Errorf("%s %s %s: %w", m.file, o.method, o.path, err)
			}
			line, err := json.Marshal(e)
			if err != nil {
				return nil, err
			}
			if n > 0 {
				b.WriteString(",\n")
			}
			n++
			b.Write(line)
		}
	}
	b.WriteString("\n]}\n")
	return b.Bytes(), nil
}

// entry decides what the fake answers for o.
func (m *model) entry(o op) (entry, error) {
	e := entry{Name: o.name, Model: m.file, OperationID: o.OperationID, Method: o.method, Path: o.path}
	for _, p := range o.Parameters {
		if !p.Required {
			continue
		}
		switch p.In {
		case "query":
			e.Query = append(e.Query, p.Name)
		case "header":
			e.Header = append(e.Header, p.Name)
		case "body", "formData":
			e.Body = true
		}
	}
	var codes []string
	for c := range o.Responses {
		if len(c) == 3 && c[0] == '2' {
			codes = append(codes, c)
		}
	}
	if len(codes) == 0 {
		return e, fmt.Errorf("no 2xx response documented")
	}
	slices.Sort(codes)
	status, err := strconv.Atoi(codes[0])
	if err != nil {
		return e, fmt.Errorf("response %q: %w", codes[0], err)
	}
	e.Status = status
	resp, err := m.resolveResponse(o.Responses[codes[0]])
	if err != nil {
		return e, err
	}
	if status == 204 {
		return e, nil
	}
	e.ContentType = "application/json"
	for _, list := range [][]string{o.Produces, m.doc.Produces} {
		if len(list) > 0 {
			e.ContentType = list[0]
			break
		}
	}
	cands, err := m.candidates(resp)
	if err != nil {
		return e, err
	}
	for _, c := range cands {
		if resp.Schema != nil {
			if err := m.conform(c.body, resp.Schema); err != nil {
				fmt.Fprintf(rejected, "%s %s: %s example does not fit the schema: %v\n", m.name(), o.OperationID, c.source, err)
				continue
			}
		}
		var body bytes.Buffer
		if err := json.Compact(&body, c.body); err != nil {
			return e, err
		}
		if body.Len() > maxExample {
			fmt.Fprintf(rejected, "%s %s: %s example is %d bytes, more than %d\n", m.name(), o.OperationID, c.source, body.Len(), maxExample)
			continue
		}
		e.Source, e.Reply = c.source, body.Bytes()
		return e, nil
	}
	if resp.Schema == nil {
		// No schema and no example (cancelReport, cancelFeed): an empty
		// object, so that a reply sent as application/json is JSON.
		e.Source, e.Reply = sourceNone, json.RawMessage(`{}`)
		return e, nil
	}
	body, err := m.build(resp.Schema)
	if err != nil {
		return e, err
	}
	if err := m.conform(body, resp.Schema); err != nil {
		return e, fmt.Errorf("built body %s does not fit its schema: %w", body, err)
	}
	e.Source, e.Reply = sourceSchema, body
	return e, nil
}

type candidate struct {
	source string
	body   json.RawMessage
}

// candidates are a response's example bodies, best first: its
// x-amzn-api-sandbox static responses, then its examples. Amazon's models
// use examples three ways: keyed by media type (the standard), as the body
// itself (every key a property of the response schema), or keyed by an
// example's name.
func (m *model) candidates(r *response) ([]candidate, error) {
	var out []candidate
	if r.Sandbox != nil {
		for _, st := range r.Sandbox.Static {
			if len(st.Response) > 0 {
				out = append(out, candidate{sourceSandbox, st.Response})
			}
		}
	}
	if len(r.Examples) == 0 {
		return out, nil
	}
	keys, values, err := orderedObject(r.Examples)
	if err != nil {
		return nil, fmt.Errorf("examples: %w", err)
	}
	media := true
	props := true
	s, _, err := m.resolve(r.Schema)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		media = media && strings.Contains(k, "/")
		props = props && s != nil && s.Properties.Get(k) != nil
	}
	switch {
	case media:
		for i, k := range keys {
			if isJSONMedia(k) {
				out = append(out, candidate{sourceExamples, values[i]})
			}
		}
	case props:
		out = append(out, candidate{sourceExamples, r.Examples})
	default:
		for _, v := range values {
			out = append(out, candidate{sourceExamples, v})
		}
	}
	return out, nil
}

// orderedObject returns a JSON object's keys and raw values in document
// order.
func orderedObject(raw json.RawMessage) ([]string, []json.RawMessage, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, fmt.Errorf("not an object")
	}
	var keys []string
	var values []json.RawMessage
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, nil, err
		}
		keys = append(keys, k)
		values = append(values, v)
	}
	return keys, values, nil
}
