package test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/redistest"
	"github.com/spapi-go/spapi/redisstore"
	"github.com/spapi-go/spapi/sptest"
)

// histogramBounds is the bucket boundaries of histogram name.
func histogramBounds(t *testing.T, ms map[string]metricdata.Metrics, name string) []float64 {
	t.Helper()
	h, ok := ms[name].Data.(metricdata.Histogram[float64])
	if !ok || len(h.DataPoints) == 0 {
		t.Fatalf("%s: no histogram points", name)
	}
	return h.DataPoints[0].Bounds
}

// Three processes share one RDT through the Store: one mints (miss), two
// read it from the Store (shared), and a second call of each is a hit; the
// store histogram has buckets for a 1 ms Redis.
func TestRDTCacheLookupsShared(t *testing.T) {
	rds := redistest.Start(t)
	srv := sptest.Start(t, sptest.Options{RateScale: 100})
	otel := newOTelCapture(t)
	req := client.CreateRestrictedDataTokenRequest{RestrictedResources: []client.RestrictedResource{{Method: client.MethodGET, Path: "/orders/v0/orders/{orderId}/address"}}}
	for i := range 3 {
		cfg := srv.ClientConfig()
		cfg.Store = redisstore.New(rds.Client(t))
		cfg.Logger = slog.New(slog.DiscardHandler)
		otel.use(&cfg)
		c, err := client.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := c.RestrictedDataToken(context.Background(), req); err != nil {
				t.Fatalf("process %d: %v", i, err)
			}
		}
	}
	if n := srv.RDTCalls(); n != 1 {
		t.Fatalf("%d mints, want 1", n)
	}
	ms := otel.metrics(t)
	for _, c := range []struct {
		result string
		want   int64
	}{{"miss", 1}, {"shared", 2}, {"hit", 3}} {
		if got := otelSum(t, ms, "spapi.client.rdt.cache.lookups", "spapi.rdt.cache.result="+c.result); got != c.want {
			t.Errorf("rdt cache lookups %s: %d, want %d", c.result, got, c.want)
		}
	}
	if b := histogramBounds(t, ms, "spapi.client.store.duration"); b[0] > 0.0005 {
		t.Errorf("store duration buckets start at %v s: a 1 ms Redis falls in the first bucket", b[0])
	}
}

// A call's span holds its limiter and probe-gate waits as events with their
// duration; the limiter histogram reaches past a minute.
func TestSpanHoldsWaits(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{Plans: map[string]sptest.Plan{"getMarketplaceParticipations": {Rate: 2, Burst: 1}}})
	otel := newOTelCapture(t)
	cfg := srv.ClientConfig()
	otel.use(&cfg)
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Three at once at 2/s, burst 1: the limiter makes the later ones
	// wait, whatever the scheduling.
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			resp, err := c.HTTPClient().Get(srv.URL() + "/sellers/v1/marketplaceParticipations")
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	var waits int
	for _, s := range otel.spans.GetSpans() {
		if s.Name != "getMarketplaceParticipations" {
			continue
		}
		for _, e := range s.Events {
			if e.Name != "rate_limit.wait" {
				continue
			}
			waits++
			set := attribute.NewSet(e.Attributes...)
			kind, _ := set.Value("spapi.wait.kind")
			d, ok := set.Value("spapi.wait.duration")
			if k := kind.AsString(); (k != "limiter" && k != "probe_gate") || !ok || d.AsFloat64() <= 0 {
				t.Errorf("wait event %v: want a kind and a positive duration", e.Attributes)
			}
		}
	}
	if waits == 0 {
		t.Error("no rate_limit.wait event in any call's span, though the limiter made calls wait")
	}
	if b := histogramBounds(t, otel.metrics(t), "spapi.client.rate_limit.wait.duration"); b[len(b)-1] < 60 {
		t.Errorf("limiter wait buckets stop at %v s: a plan of one a minute waits a minute", b[len(b)-1])
	}
}

// The conventions: http.request.resend_count on a retried call's span,
// error.type (never spapi.outcome) on failures, no spaces in enum values.
func TestTelemetryConventions(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{RateScale: 1000})
	otel := newOTelCapture(t)
	cfg := srv.ClientConfig()
	cfg.Logger = slog.New(slog.DiscardHandler)
	otel.use(&cfg)
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.Script("getMarketplaceParticipations", sptest.Fault{Status: http.StatusServiceUnavailable})
	resp, err := c.HTTPClient().Get(srv.URL() + "/sellers/v1/marketplaceParticipations")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// A rejected token: a retry for reason token_rejected.
	srv.RevokeAccessTokens()
	if resp, err = c.HTTPClient().Get(srv.URL() + "/sellers/v1/marketplaceParticipations"); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// An LWA refusal: error.type invalid_grant.
	bad := srv.ClientConfig()
	bad.RefreshToken = "Atzr|wrong"
	bad.Logger = cfg.Logger
	otel.use(&bad)
	bc, err := client.New(bad)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := bc.HTTPClient().Get(srv.URL() + "/sellers/v1/marketplaceParticipations"); err == nil {
		resp.Body.Close()
		t.Fatal("a wrong refresh token worked")
	}

	var resent bool
	for _, s := range otel.spans.GetSpans() {
		set := attribute.NewSet(s.Attributes...)
		if v, ok := set.Value("http.request.resend_count"); ok && v.AsInt64() == 1 && s.Name == "getMarketplaceParticipations" {
			resent = true
		}
	}
	if !resent {
		t.Error("no getMarketplaceParticipations span with http.request.resend_count=1 after one retry")
	}
	ms := otel.metrics(t)
	if n := otelSum(t, ms, "spapi.client.retries", "spapi.retry.reason=token_rejected"); n != 1 {
		t.Errorf("retries for token_rejected: %d, want 1", n)
	}
	if n := otelSum(t, ms, "spapi.client.lwa.fetches", "error.type=invalid_grant"); n != 1 {
		t.Errorf("LWA fetches with error.type=invalid_grant: %d, want 1", n)
	}
	for _, line := range otel.texts(t) {
		if strings.Contains(line, "spapi.outcome") {
			t.Errorf("spapi.outcome is gone for error.type: %s", line)
		}
		if strings.Contains(line, "token rejected") {
			t.Errorf("an enum value with a space: %s", line)
		}
	}
}
