package sptest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/spapi-go/spapi/sptest"
)

// modelEntry is one line of sandbox.gen.json, the generated table behind
// every operation without a handler of its own.
type modelEntry struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Status int             `json:"status"`
	Query  []string        `json:"query"`
	Header []string        `json:"header"`
	Body   bool            `json:"body"`
	Reply  json.RawMessage `json:"reply"`
}

var readModelTable = sync.OnceValues(func() (map[string]modelEntry, error) {
	b, err := os.ReadFile("sandbox.gen.json")
	if err != nil {
		return nil, err
	}
	var t struct{ Operations []modelEntry }
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, err
	}
	m := map[string]modelEntry{}
	for _, e := range t.Operations {
		m[e.Method+" "+e.Path] = e
	}
	return m, nil
})

// modelReplyOf is what the generated table says method and template
// answer; ok is false for an operation no model describes.
func modelReplyOf(t *testing.T, method, template string) (modelEntry, bool) {
	t.Helper()
	m, err := readModelTable()
	if err != nil {
		t.Fatal(err)
	}
	e, ok := m[method+" "+template]
	return e, ok
}

// withRequired adds a value for every required query parameter of e to
// path, and returns the required headers to send.
func withRequired(e modelEntry, path string) (string, http.Header) {
	q := url.Values{}
	for _, name := range e.Query {
		q.Set(name, "ATVPDKIKX0DER")
	}
	h := http.Header{}
	for _, name := range e.Header {
		h.Set(name, "sptest")
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return path, h
}

// handled are the operations with a handler of their own, which do not
// answer from the generated table.
var handled = map[string]bool{
	"createRestrictedDataToken": true, "getOrderAddress": true, "ordersV0.getOrder": true,
	"ordersV0.getOrders": true, "getOrderItems": true, "getReportDocument": true,
	"getMarketplaceParticipations": true,
}

// doWith is do with extra request headers.
func doWith(t *testing.T, srv *sptest.Server, method, path, token string, body []byte, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("x-amz-access-token", token)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return send(t, srv, req)
}

// TestModelReplyHeaders: a reply from the model carries the model's media
// type (Messaging answers application/hal+json), its rate header, and a 204
// has no body; a missing parameter is checked before the reply.
func TestModelReplyHeaders(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{RateScale: 1000})
	tok := accessToken(t, srv)
	for _, tt := range []struct {
		name, method, path, contentType string
		status                          int
	}{
		{"hal+json", http.MethodGet, "/messaging/v1/orders/" + orderID + "?marketplaceIds=ATVPDKIKX0DER", "application/hal+json", 200},
		{"missing marketplaceIds", http.MethodGet, "/messaging/v1/orders/" + orderID, "application/json", 400},
		{"204", http.MethodPost, "/awd/2024-05-09/inboundOrders/IB-1/cancellation", "application/json", 204},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, srv, tt.method, tt.path, tok, []byte(`{}`))
			if r.status != tt.status || r.header.Get("Content-Type") != tt.contentType {
				t.Errorf("reply %v, Content-Type %q; want %d, %q", r, r.header.Get("Content-Type"), tt.status, tt.contentType)
			}
			if r.header.Get("x-amzn-RateLimit-Limit") == "" {
				t.Error("no rate header")
			}
			if tt.status == 204 && len(r.body) != 0 {
				t.Errorf("204 with a body %q", r.body)
			}
		})
	}
}
