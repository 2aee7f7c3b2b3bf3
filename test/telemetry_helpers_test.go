package test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/spapi-go/spapi/client"
)

// otelCapture is an OpenTelemetry SDK whose metrics and spans a test reads:
// a ManualReader and an in-memory span exporter.
type otelCapture struct {
	reader *sdkmetric.ManualReader
	spans  *tracetest.InMemoryExporter
	mp     *sdkmetric.MeterProvider
	tp     *sdktrace.TracerProvider
}

func newOTelCapture(t *testing.T) *otelCapture {
	c := &otelCapture{reader: sdkmetric.NewManualReader(), spans: tracetest.NewInMemoryExporter()}
	c.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(c.reader))
	c.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(c.spans))
	t.Cleanup(func() {
		_ = c.mp.Shutdown(context.Background())
		_ = c.tp.Shutdown(context.Background())
	})
	return c
}

// use wires the capture into cfg.
func (c *otelCapture) use(cfg *client.Config) {
	cfg.MeterProvider, cfg.TracerProvider = c.mp, c.tp
}

// metrics collects every instrument of the client's scope, by name.
func (c *otelCapture) metrics(t *testing.T) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := c.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != "github.com/spapi-go/spapi" {
			t.Errorf("instrumentation scope %q, want the module path", sm.Scope.Name)
		}
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// otelPoint is one data point: its attributes and its count (a sum's value,
// a histogram's count).
type otelPoint struct {
	attrs attribute.Set
	n     int64
}

func otelPoints(t *testing.T, m metricdata.Metrics) []otelPoint {
	t.Helper()
	var out []otelPoint
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			out = append(out, otelPoint{p.Attributes, p.Value})
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			out = append(out, otelPoint{p.Attributes, int64(p.Count)})
		}
	default:
		t.Fatalf("%s: unexpected data %T", m.Name, m.Data)
	}
	return out
}

// otelSum is the total count of m's points whose attributes include every
// one of want ("key=value"), and lack every "!key".
func otelSum(t *testing.T, ms map[string]metricdata.Metrics, name string, want ...string) int64 {
	t.Helper()
	m, ok := ms[name]
	if !ok {
		t.Errorf("no instrument %s", name)
		return 0
	}
	var n int64
	for _, p := range otelPoints(t, m) {
		match := true
		for _, w := range want {
			if k, absent := strings.CutPrefix(w, "!"); absent {
				if _, ok := p.attrs.Value(attribute.Key(k)); ok {
					match = false
				}
				continue
			}
			k, v, _ := strings.Cut(w, "=")
			got, ok := p.attrs.Value(attribute.Key(k))
			if !ok || got.String() != v {
				match = false
			}
		}
		if match {
			n += p.n
		}
	}
	return n
}

// texts renders every name, attribute, event, link and status of the
// captured telemetry, for the secrets test.
func (c *otelCapture) texts(t *testing.T) []string {
	t.Helper()
	var out []string
	for name, m := range c.metrics(t) {
		for _, p := range otelPoints(t, m) {
			out = append(out, fmt.Sprintf("metric %s %s", name, p.attrs.Encoded(attribute.DefaultEncoder())))
		}
	}
	for _, s := range c.spans.GetSpans() {
		var b strings.Builder
		fmt.Fprintf(&b, "span %s status %v %q", s.Name, s.Status.Code, s.Status.Description)
		for _, a := range s.Attributes {
			fmt.Fprintf(&b, " %s=%s", a.Key, a.Value.String())
		}
		for _, e := range s.Events {
			fmt.Fprintf(&b, " event %s", e.Name)
			for _, a := range e.Attributes {
				fmt.Fprintf(&b, " %s=%s", a.Key, a.Value.String())
			}
		}
		for _, l := range s.Links {
			for _, a := range l.Attributes {
				fmt.Fprintf(&b, " link %s=%s", a.Key, a.Value.String())
			}
		}
		out = append(out, b.String())
	}
	return out
}
