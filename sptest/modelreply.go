package sptest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// sandboxTable is what every operation answers when it has no handler of its
// own, generated from api/models by internal/cmd/gensandbox: the 2xx status
// its model documents, a body from the model's examples or built from the
// response schema, and the parameters a request must carry.
//
//go:embed sandbox.gen.json
var sandboxTable []byte

// modelReply is one operation's entry in sandboxTable.
type modelReply struct {
	Model        string          `json:"model"`
	OperationID  string          `json:"operationId"`
	Method       string          `json:"method"`
	Path         string          `json:"path"`
	Status       int             `json:"status"`
	ContentType  string          `json:"contentType"`
	Query        []string        `json:"query"`
	Header       []string        `json:"header"`
	BodyRequired bool            `json:"body"`
	Source       string          `json:"source"`
	Reply        json.RawMessage `json:"reply"`
}

// modelReplies reads sandboxTable once, by method and path template.
var modelReplies = sync.OnceValues(func() (map[string]*modelReply, error) {
	return parseModelReplies(sandboxTable)
})

func parseModelReplies(b []byte) (map[string]*modelReply, error) {
	var t struct {
		Operations []*modelReply `json:"operations"`
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("parsing the sandbox table: %w", err)
	}
	out := make(map[string]*modelReply, len(t.Operations))
	for _, e := range t.Operations {
		k := e.Method + " " + e.Path
		if out[k] != nil {
			return nil, fmt.Errorf("sandbox table: %s twice", k)
		}
		if e.Status < 200 || e.Status > 299 {
			return nil, fmt.Errorf("sandbox table: %s: status %d is not 2xx", k, e.Status)
		}
		out[k] = e
	}
	return out, nil
}

// answerFromModel answers op, which has no handler of its own, as its model
// documents: a request without a required query parameter, header or body
// gets 400 InvalidInput naming it; any other gets the documented 2xx and
// body. An operation no model describes (cancelShipmentOld) answers 200
// {"payload":{}}.
func answerFromModel(op *operation, r *http.Request, body []byte) reply {
	table, err := modelReplies()
	if err != nil {
		panic("sptest: " + err.Error())
	}
	e := table[op.method+" "+op.path]
	if e == nil {
		return reply{status: http.StatusOK, body: []byte(`{"payload":{}}`)}
	}
	if msg := e.missing(r, body); msg != "" {
		return errorReply(http.StatusBadRequest, "InvalidInput", msg, "")
	}
	rep := reply{status: e.Status, body: e.Reply}
	if e.ContentType != "" {
		rep.header = http.Header{"Content-Type": {e.ContentType}}
	}
	return rep
}

// missing names the first required parameter r lacks, or is "".
func (e *modelReply) missing(r *http.Request, body []byte) string {
	q := r.URL.Query()
	for _, name := range e.Query {
		if !hasValue(q[name]) {
			return fmt.Sprintf("Missing required query parameter %q.", name)
		}
	}
	for _, name := range e.Header {
		if !hasValue(r.Header.Values(name)) {
			return fmt.Sprintf("Missing required header %q.", name)
		}
	}
	if e.BodyRequired && strings.TrimSpace(string(body)) == "" {
		return "Missing required request body."
	}
	return ""
}

func hasValue(vs []string) bool {
	for _, v := range vs {
		if v != "" {
			return true
		}
	}
	return false
}
