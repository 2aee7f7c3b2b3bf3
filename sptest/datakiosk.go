package sptest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

func (s *Server) createQuery(body []byte) reply {
	var spec struct {
		Query string `json:"query"`
	}
	if err := json.Unmarshal(body, &spec); err != nil {
		return invalid("The request body is not a CreateQuerySpecification: " + err.Error())
	}
	st := s.jobState()
	st.mu.Lock()
	defer st.mu.Unlock()
	j := st.newJobLocked("query", "")
	j.typ = spec.Query
	return reply{status: http.StatusAccepted, body: mustJSON(map[string]string{"queryId": j.id})}
}

// queryDocumentLocked is a query's data document (JSON Lines), or its
// error document when FATAL.
func (st *jobState) queryDocumentLocked(j *job) Document {
	if d := j.outcome.Document; d != nil {
		return *d
	}
	if j.outcome.Status != StatusDone {
		return Document{Content: mustJSON(map[string]any{"errors": []map[string]string{{
			"message": fmt.Sprintf("sptest: the query %s ended %s.", j.id, j.outcome.Status),
		}}}), ContentType: "application/json"}
	}
	return Document{Content: []byte(`{"queryId":"` + j.id + `","row":1}` + "\n" + `{"queryId":"` + j.id + `","row":2}` + "\n"), ContentType: "application/x-ndjson"}
}
