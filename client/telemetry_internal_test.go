package client

import (
	"net/url"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// With OpenTelemetry's global default provider no span is started (they
// would all be non-recording), and once an SDK is registered globally, even
// after New, calls are traced. The default is recognised by its type name:
// if OpenTelemetry renames it, this test fails rather than the client
// silently starting spans for nothing (or, worse, never tracing).
func TestTracingFollowsTheGlobalProvider(t *testing.T) {
	if !isDefaultTracerProvider(otel.GetTracerProvider()) {
		t.Fatalf("the global default TracerProvider is %T, not %s", otel.GetTracerProvider(), defaultTracerProviderType)
	}
	tel, err := newTelemetry(&Config{}, mustURL(t, "https://sp.example"), RegionNA)
	if err != nil {
		t.Fatal(err)
	}
	if tel.tracing() {
		t.Error("tracing with the global default provider")
	}
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(t.Context())
	otel.SetTracerProvider(tp) // for the rest of this test binary: the global default cannot be put back
	if !tel.tracing() {
		t.Error("not tracing after an SDK was registered globally")
	}
	_, span := tel.startCall(t.Context(), "getOrderAddress", "GET", "/orders/v0/orders/{orderId}/address")
	if !span.IsRecording() {
		t.Error("the call's span does not record after an SDK was registered")
	}
	span.End()
	own, _ := newTelemetry(&Config{TracerProvider: tp}, mustURL(t, "https://sp.example"), RegionNA)
	if !own.tracing() {
		t.Error("not tracing with Config.TracerProvider")
	}
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
