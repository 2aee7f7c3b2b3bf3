package sptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/spapi-go/spapi/api"
)

// sandboxExample is one x-amzn-api-sandbox static example of
// createRestrictedDataToken: a request body and the reply it gets.
type sandboxExample struct {
	status   int
	request  any    // the body, decoded, for comparison as JSON values
	response []byte // the reply body, compacted, keys in the model's order
}

// sandboxExamples parses the examples from the embedded model, once.
var sandboxExamples = sync.OnceValues(func() ([]sandboxExample, error) {
	return parseSandboxExamples(api.TokensModel)
})

func parseSandboxExamples(model []byte) ([]sandboxExample, error) {
	type static struct {
		Request struct {
			Parameters struct {
				Body struct {
					Value json.RawMessage `json:"value"`
				} `json:"body"`
			} `json:"parameters"`
		} `json:"request"`
		Response json.RawMessage `json:"response"`
	}
	var m struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Sandbox *struct {
					Static []static `json:"static"`
				} `json:"x-amzn-api-sandbox"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(model, &m); err != nil {
		return nil, fmt.Errorf("parsing the Tokens model: %w", err)
	}
	post, ok := m.Paths[rdtPath]["post"]
	if !ok {
		return nil, fmt.Errorf("the Tokens model has no POST %s", rdtPath)
	}
	var out []sandboxExample
	for _, code := range slices.Sorted(maps.Keys(post.Responses)) {
		r := post.Responses[code]
		if r.Sandbox == nil {
			continue
		}
		status, err := strconv.Atoi(code)
		if err != nil {
			return nil, fmt.Errorf("sandbox example under response %q: %w", code, err)
		}
		for i, st := range r.Sandbox.Static {
			var req any
			if err := json.Unmarshal(st.Request.Parameters.Body.Value, &req); err != nil {
				return nil, fmt.Errorf("sandbox example %s[%d] request: %w", code, i, err)
			}
			var resp bytes.Buffer
			if err := json.Compact(&resp, st.Response); err != nil {
				return nil, fmt.Errorf("sandbox example %s[%d] response: %w", code, i, err)
			}
			out = append(out, sandboxExample{status: status, request: req, response: resp.Bytes()})
		}
	}
	return out, nil
}
