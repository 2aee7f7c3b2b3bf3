package test

// Issue 11: the client's metrics and spans, read back through the
// OpenTelemetry SDK, against sptest's own counters.

import (
	"fmt"
	"io"
	"strings"
	"testing"

	otelglobal "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// A load run of 100 getOrderAddress calls through HTTPClient, with 429s
// and a 503 scripted and one rejected RDT: every instrument is there, and
// its counts are the server's.
func TestTelemetryMatchesTheServer(t *testing.T) {
	c, srv, otel := otelClient(t, func(cfg *client.Config) { cfg.RetryWait = 1e6 })
	const calls = 100
	for i := range calls {
		switch i {
		case 5: // once the client has learned the (scaled) rates: 429s after the published plan would be slow
			srv.Script("getOrderAddress", sptest.Fault{Status: 429}, sptest.Fault{Status: 429}, sptest.Fault{Status: 503})
		case calls / 2:
			srv.RevokeRDTs() // the next call's RDT is rejected: dropped, minted again, resent
			srv.Script("createRestrictedDataToken", sptest.Fault{Status: 429})
		}
		resp, err := c.HTTPClient().Get(fmt.Sprintf("%s/orders/v0/orders/902-1845936-%07d/address", srv.URL(), i))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("call %d: HTTP %d", i, resp.StatusCode)
		}
	}

	// The server's view.
	served := map[string]int{} // op -> requests
	status := map[string]int{} // "op status" -> replies
	total := 0
	for _, r := range srv.Requests() {
		if r.Op == "lwa" {
			continue
		}
		served[r.Op]++
		status[fmt.Sprintf("%s %d", r.Op, r.Status)]++
		total++
	}
	served429 := status["getOrderAddress 429"] + status["createRestrictedDataToken 429"]
	if served429 != 3 || status["getOrderAddress 403"] != 1 || status["getOrderAddress 503"] != 1 {
		t.Fatalf("the run did not go as scripted: %v", status)
	}

	ms := otel.metrics(t)
	checks := []struct {
		what      string
		got, want int64
	}{
		{"http.client.request.duration: every attempt", otelSum(t, ms, "http.client.request.duration"), int64(total)},
		{"... getOrderAddress 200s", otelSum(t, ms, "http.client.request.duration", "spapi.operation=getOrderAddress", "http.response.status_code=200"), int64(status["getOrderAddress 200"])},
		{"... getOrderAddress 403s", otelSum(t, ms, "http.client.request.duration", "spapi.operation=getOrderAddress", "http.response.status_code=403"), 1},
		{"... Tokens calls", otelSum(t, ms, "http.client.request.duration", "spapi.operation=createRestrictedDataToken"), int64(served["createRestrictedDataToken"])},
		{"spapi.client.throttled = 429s served", otelSum(t, ms, "spapi.client.throttled"), int64(served429)},
		{"spapi.client.retries, status", otelSum(t, ms, "spapi.client.retries", "spapi.retry.reason=status"), int64(served429 + 1)},
		{"spapi.client.retries, token rejected", otelSum(t, ms, "spapi.client.retries", "spapi.retry.reason=token_rejected"), 1},
		{"spapi.client.retries, network", otelSum(t, ms, "spapi.client.retries", "spapi.retry.reason=network"), 0},
		{"limiter waits: one per attempt", otelSum(t, ms, "spapi.client.rate_limit.wait.duration", "spapi.wait.kind=limiter"), int64(total)},
		{"probe gate waits: one per attempt", otelSum(t, ms, "spapi.client.rate_limit.wait.duration", "spapi.wait.kind=probe_gate"), int64(total)},
		{"lwa fetches = LWA calls", otelSum(t, ms, "spapi.client.lwa.fetches", "!error.type"), int64(srv.LWACalls())},
		{"rdt mints = Tokens 200s", otelSum(t, ms, "spapi.client.rdt.mints", "!error.type"), int64(status["createRestrictedDataToken 200"])},
		{"rdt mints failed", otelSum(t, ms, "spapi.client.rdt.mints") - otelSum(t, ms, "spapi.client.rdt.mints", "!error.type"), 0},
		{"rdt cache misses: the first and after the revocation", otelSum(t, ms, "spapi.client.rdt.cache.lookups", "spapi.rdt.cache.result=miss"), 2},
		{"rdt cache lookups: one per getOrderAddress attempt", otelSum(t, ms, "spapi.client.rdt.cache.lookups"), int64(served["getOrderAddress"])},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.what, c.got, c.want)
		}
	}

	// Spans: one per call, named after its operation, with its attempts;
	// the LWA fetch and the mints as spans of their own, linked.
	spans := otel.spans.GetSpans()
	byName := map[string][]tracetest.SpanStub{}
	for _, s := range spans {
		byName[s.Name] = append(byName[s.Name], s)
	}
	if n := len(byName["getOrderAddress"]); n != calls {
		t.Errorf("%d getOrderAddress spans, want %d", n, calls)
	}
	var attempts int64
	for _, s := range byName["getOrderAddress"] {
		for _, a := range s.Attributes {
			switch a.Key {
			case "spapi.attempts":
				attempts += a.Value.AsInt64()
			}
		}
		if !hasAttr(s.Attributes, "aws.request_id") || !hasAttr(s.Attributes, "http.response.status_code") ||
			!hasAttr(s.Attributes, "url.template") {
			t.Errorf("span %s lacks the request id, the status or the template: %v", s.Name, s.Attributes)
			break
		}
	}
	if attempts != int64(served["getOrderAddress"]) {
		t.Errorf("getOrderAddress spans say %d attempts, the server saw %d", attempts, served["getOrderAddress"])
	}
	if n := len(byName["lwa.fetch"]); n != srv.LWACalls() {
		t.Errorf("%d lwa.fetch spans, want %d (the LWA calls)", n, srv.LWACalls())
	}
	if n := len(byName["rdt.mint"]); n != 2 {
		t.Errorf("%d rdt.mint spans, want 2", n)
	}
	for _, s := range append(byName["rdt.mint"], byName["lwa.fetch"]...) {
		if len(s.Links) == 0 {
			t.Errorf("%s span has no link to the call that waited on it", s.Name)
		}
	}
	if n := len(byName["createRestrictedDataToken"]); n != 2 {
		t.Errorf("%d createRestrictedDataToken spans, want 2 (one per mint, its 429 an attempt within)", n)
	}
	for _, s := range byName["createRestrictedDataToken"] {
		if !s.Parent.IsValid() {
			t.Errorf("a mint's Tokens call has no parent span; want the rdt.mint span")
		}
	}
}

// otelClient is a client recording into an OpenTelemetry SDK, on a fresh
// sptest at plans scaled 1000 times.
func otelClient(t *testing.T, mod func(*client.Config)) (*client.Client, *sptest.Server, *otelCapture) {
	t.Helper()
	otel := newOTelCapture(t)
	srv := sptest.Start(t, sptest.Options{RateScale: 1000})
	cfg := loadConfig(srv)
	otel.use(&cfg)
	if mod != nil {
		mod(&cfg)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv, otel
}

func hasAttr(kvs []attribute.KeyValue, key string) bool {
	for _, a := range kvs {
		if string(a.Key) == key {
			return true
		}
	}
	return false
}

// 1,000 calls for 1,000 order ids: one time series per instrument and
// operation, and no id anywhere in the telemetry.
//
// The rate is not what this tests, so neither end enforces one: sptest
// without buckets (and so without rate headers), and a limiter that lets
// getOrderAddress through until a reply states a rate (none will). Both
// still run, so the wait series are there. With the plan scaled 1000 times
// (500/s, burst 30) at both ends, the client's one-token margin was 2 ms:
// requests delayed longer than that on their way to the server (any busy
// machine, -race, 20 in flight) met an empty server bucket, were answered
// 429 and retried, and the run measured 1004-1020 attempts and a second,
// status 429, series. That was the test's setup, not the client: every
// call succeeded and every 429 was a counted, retried attempt.
func TestTelemetryCardinality(t *testing.T) {
	otel := newOTelCapture(t)
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	cfg := loadConfig(srv)
	otel.use(&cfg)
	cfg.RateLimiter = client.NewRateLimiter(map[string]client.Rate{"getOrderAddress": {}})
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for i := range 1000 {
		urls = append(urls, fmt.Sprintf("%s/orders/v0/orders/902-1845936-%07d/address", srv.URL(), i))
	}
	if _, failed := opRun(t, c, urls, 20); failed != 0 {
		t.Fatalf("%d calls failed", failed)
	}
	ms := otel.metrics(t)
	for name, m := range ms {
		series := 0
		for _, p := range otelPoints(t, m) {
			if v, ok := p.attrs.Value("spapi.operation"); ok && v.AsString() == "getOrderAddress" {
				series++
			}
		}
		want := 1
		if name == "spapi.client.rate_limit.wait.duration" {
			want = 2 // limiter and probe_gate
		}
		if name == "spapi.client.rdt.cache.lookups" || name == "spapi.client.lwa.fetches" || name == "spapi.client.rdt.mints" {
			continue // not per operation
		}
		if series != want {
			t.Errorf("%s: %d series for getOrderAddress, want %d", name, series, want)
		}
	}
	for _, text := range otel.texts(t) {
		if strings.Contains(text, "902-1845936") {
			t.Errorf("an order id in telemetry: %.200s", text)
			break
		}
	}
	if got := otelSum(t, ms, "http.client.request.duration", "spapi.operation=getOrderAddress"); got != 1000 {
		t.Errorf("%d getOrderAddress attempts measured, want 1000", got)
	}
	if calls, ok := srv.Calls("getOrderAddress"), srv.CallsByStatus("getOrderAddress", 200); calls != 1000 || ok != 1000 {
		t.Errorf("the server saw %d getOrderAddress requests, %d of them 200s; want 1000 and 1000", calls, ok)
	}
}

// Trace context goes out on SP-API requests only when the application's
// propagator says so (the SP-API ignores it), and never to LWA.
func TestTracePropagationOnlyWithAPropagator(t *testing.T) {
	otel := newOTelCapture(t)
	srv := sptest.Start(t, sptest.Options{RateScale: 1000})
	cfg := loadConfig(srv)
	otel.use(&cfg)
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	get := func(c *client.Client) {
		t.Helper()
		resp, err := c.HTTPClient().Get(srv.URL() + "/sellers/v1/marketplaceParticipations")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	get(c)
	for _, r := range srv.Requests() {
		if r.Header.Get("Traceparent") != "" {
			t.Errorf("%s got a traceparent with no propagator set", r.Op)
		}
	}
	srv.Reset()
	otelglobal.SetTextMapPropagator(propagation.TraceContext{})
	defer otelglobal.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator())
	fresh, err := client.New(cfg) // fetches its LWA token too
	if err != nil {
		t.Fatal(err)
	}
	get(fresh)
	if srv.LWACalls() != 1 {
		t.Fatalf("LWA calls = %d, want the fresh client's 1", srv.LWACalls())
	}
	for _, r := range srv.Requests() {
		if got := r.Header.Get("Traceparent") != ""; got != (r.Op != "lwa") {
			t.Errorf("%s: traceparent sent %v", r.Op, got)
		}
	}
}
