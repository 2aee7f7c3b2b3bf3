package sptest

import (
	"net/http"
	"slices"
)

// maxRecordedBody is how much of each request body Requests keeps.
const maxRecordedBody = 64 << 10

// RecordedRequest is one request the server received.
type RecordedRequest struct {
	Method    string
	Path      string
	RawQuery  string
	Op        string      // operation name, as for Calls ("ordersV0.getOrder", never the alias "getOrder")
	Header    http.Header // a clone of the request's header
	Body      []byte      // the first 64 KiB of the body
	RequestID string      // the x-amzn-RequestId sent back
	Status    int         // status sent; 0 while pending, or if no reply was sent (Reset, context ended)

	gen uint64
}

// begin counts and records a request and takes the fault that applies to it.
func (s *Server) begin(op string, r *http.Request, body []byte) (*RecordedRequest, *Fault) {
	rec := &RecordedRequest{
		Method:    r.Method,
		Path:      r.URL.Path,
		RawQuery:  r.URL.RawQuery,
		Op:        op,
		Header:    r.Header.Clone(),
		Body:      slices.Clone(body[:min(len(body), maxRecordedBody)]),
		RequestID: s.newRequestID(),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.gen = s.gen
	s.calls[op]++
	s.requests = append(s.requests, rec)
	return rec, s.takeFaultLocked(op)
}

// finish records the status sent for rec.
func (s *Server) finish(rec *RecordedRequest, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.Status = status
	if rec.gen == s.gen {
		s.byStatus[opStatus{rec.Op, status}]++
	}
}

// Calls reports how many requests were received for op, whatever their
// outcome, scripted faults included. op is an operation's name: its
// operationId where that is unique among the operations the fake knows
// ("getOrderAddress", "createRestrictedDataToken", "getReportDocument",
// "getListingsItem"), else the model's file name without .json, a dot and
// the operationId ("ordersV0.getOrder", "orders_2026-01-01.getOrder",
// "listingsItems_2021-08-01.putListingsItem"); "getOrder" is kept as an alias
// of "ordersV0.getOrder". "lwa" counts LWA token requests, and "other" the
// requests that match no operation (method and path). Operations lists every
// name. Script, Always, CallsByStatus, SpendBudgetOf and Options.Plans take
// the same names, by one rule (see OperationName): an unambiguous short name
// works, and an unknown or ambiguous one panics with a message that says so
// ("getOrders" names two operations), instead of counting 0.
func (s *Server) Calls(op string) int {
	op = mustName("Calls", op)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// CallsByStatus reports how many replies with the given status were sent for
// op. Status 0 counts requests that got no reply (Fault.Reset, or a context
// that ended during Latency or Fault.Delay).
func (s *Server) CallsByStatus(op string, status int) int {
	op = mustName("CallsByStatus", op)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byStatus[opStatus{op, status}]
}

// LWACalls is Calls("lwa").
func (s *Server) LWACalls() int { return s.Calls(opLWA) }

// RDTCalls is Calls("createRestrictedDataToken").
func (s *Server) RDTCalls() int { return s.Calls(opCreateRestrictedDataToken) }

// Requests returns every request received since the start or the last Reset,
// in order of arrival.
func (s *Server) Requests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RecordedRequest, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
		out[i].Header = r.Header.Clone()
		out[i].Body = slices.Clone(r.Body)
		out[i].gen = 0
	}
	return out
}

// Reset zeroes the counters and forgets the recorded requests. Faults, tokens
// and rate-limit buckets are kept.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	s.calls = map[string]int{}
	s.byStatus = map[opStatus]int{}
	s.requests = nil
}
