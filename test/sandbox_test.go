package test

// Issue 18: sptest answers every SP-API operation as its model documents.
// These tests call all 370 operations over raw HTTP through
// client.HTTPClient(), so the client's routing, naming and token choice are
// checked at the same time as the fake's replies.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// sandboxClient is a client on srv with no limiter, asking for PII so that
// every restricted operation (Orders v0's PII ones included) takes an RDT,
// and with spans captured so the client's name for each call can be read.
func sandboxClient(t *testing.T, srv *sptest.Server) (*client.Client, *otelCapture) {
	t.Helper()
	otel := newOTelCapture(t)
	c := opClient(t, srv, func(cfg *client.Config) {
		cfg.NoRateLimit = true
		cfg.DataElements = []string{"buyerInfo"}
		otel.use(cfg)
	})
	return c, otel
}

// sandboxCall sends one request for op through c.HTTPClient().
func sandboxCall(t *testing.T, c *client.Client, srv *sptest.Server, op modelOp, skip string) (int, []byte) {
	t.Helper()
	pathQuery, header, body := requestFor(op, skip)
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), op.method, srv.URL()+pathQuery, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", op.method, pathQuery, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// lastRecorded is the last request sptest recorded for op's concrete path.
func lastRecorded(t *testing.T, srv *sptest.Server, op modelOp) sptest.RecordedRequest {
	t.Helper()
	reqs := srv.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == op.method && reqs[i].Path == samplePath(op) {
			return reqs[i]
		}
	}
	t.Fatalf("sptest recorded no %s %s", op.method, samplePath(op))
	return sptest.RecordedRequest{}
}

// TestSandboxEveryOperation: every one of the 370 operations of Amazon's
// models, given its required parameters, answers the 2xx its model documents
// with a JSON body of the schema's top-level type; sptest sees the
// operation under the name the client gives it, and gets an RDT exactly for
// the restricted operations (getReportDocument for its specific path).
func TestSandboxEveryOperation(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	c, otel := sandboxClient(t, srv)
	ops := modelOps(t)
	if len(ops) != 370 {
		t.Fatalf("%d operations in api/models, want 370", len(ops))
	}
	restricted := 0
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			otel.spans.Reset()
			status, body := sandboxCall(t, c, srv, op, "")
			if status != op.status {
				t.Fatalf("%s %s: HTTP %d %.300s, want the documented %d", op.method, op.path, status, body, op.status)
			}
			trimmed := bytes.TrimSpace(body)
			switch {
			case status == http.StatusNoContent:
				if len(body) != 0 {
					t.Errorf("204 with a body: %.200s", body)
				}
			case !json.Valid(body):
				t.Errorf("body is not JSON: %.300s", body)
			case op.topType == "object" && trimmed[0] != '{', op.topType == "array" && trimmed[0] != '[':
				t.Errorf("body %.100s is not a JSON %s, as the schema says", body, op.topType)
			}
			rec := lastRecorded(t, srv, op)
			if rec.Op != op.name {
				t.Errorf("sptest saw %q, want %q", rec.Op, op.name)
			}
			var spans []string
			for _, s := range otel.spans.GetSpans() {
				spans = append(spans, s.Name)
			}
			if !slices.Contains(spans, op.name) {
				t.Errorf("client spans %q, want one named %q", spans, op.name)
			}
			gotRDT := strings.HasPrefix(rec.Header.Get("x-amz-access-token"), "Atz.sprdt|")
			if gotRDT != op.restricted {
				t.Errorf("sent an RDT: %v, want %v (restricted-operations.json)", gotRDT, op.restricted)
			}
			if gotRDT {
				restricted++
			}
		})
	}
	// 27 restricted operations, plus Orders v0's getOrders, getOrder and
	// getOrderItems, which take one because DataElements asks for PII.
	if restricted != 30 {
		t.Errorf("%d operations got an RDT, want 30", restricted)
	}
	// getReportDocument's RDT names its specific path.
	var specific bool
	for _, rdt := range srv.IssuedRDTs() {
		for _, r := range rdt.Resources {
			specific = specific || r.Path == "/reports/2021-06-30/documents/sptest-1"
		}
	}
	if !specific {
		t.Error("no RDT was minted for getReportDocument's specific path")
	}
}

// TestSandboxMissingParameter: for every operation answered from its model,
// a request without one of its required query parameters, headers or body
// gets 400 InvalidInput naming what is missing, before any 2xx.
func TestSandboxMissingParameter(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	c, _ := sandboxClient(t, srv)
	checked := 0
	for _, op := range modelOps(t) {
		if handledBySptest[op.name] {
			continue // a handler of its own: unchanged
		}
		var missing []string
		missing = append(missing, op.query...)
		missing = append(missing, op.header...)
		if op.body {
			missing = append(missing, "body")
		}
		for _, skip := range missing {
			checked++
			t.Run(op.name+"/"+skip, func(t *testing.T) {
				status, body := sandboxCall(t, c, srv, op, skip)
				var list struct {
					Errors []struct{ Code, Message string }
				}
				if err := json.Unmarshal(body, &list); err != nil || status != http.StatusBadRequest || len(list.Errors) != 1 {
					t.Fatalf("HTTP %d %.300s, want 400 with one error", status, body)
				}
				e := list.Errors[0]
				if e.Code != "InvalidInput" || !strings.Contains(e.Message, skip) {
					t.Errorf("error %+v, want InvalidInput naming %q", e, skip)
				}
			})
		}
	}
	if checked < 200 {
		t.Errorf("only %d required parameters checked", checked)
	}
}
