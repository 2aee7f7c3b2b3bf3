package telemetry

import (
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// initialTracerProvider is OpenTelemetry's global default, as it is before
// anything registers an SDK.
var initialTracerProvider = otel.GetTracerProvider()

// With OpenTelemetry's global default provider no span is started (they
// would all be non-recording), and once an SDK is registered globally, even
// after New, calls are traced. The default is recognised by its type name:
// if OpenTelemetry renames it, this test fails rather than the client
// silently starting spans for nothing.
func TestTracingFollowsTheGlobalProvider(t *testing.T) {
	if !isDefaultTracerProvider(initialTracerProvider) {
		t.Fatalf("the global default TracerProvider is %T, not %s", initialTracerProvider, defaultTracerProviderType)
	}
	var global trace.TracerProvider = initialTracerProvider
	globalTracerProvider = func() trace.TracerProvider { return global }
	defer func() { globalTracerProvider = otel.GetTracerProvider }()

	tel, err := New(Options{Host: "sp.example", Port: 443, Region: "na"})
	if err != nil {
		t.Fatal(err)
	}
	if tel.Tracing() {
		t.Error("tracing with the global default provider")
	}
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(t.Context())
	global = tp // as otel.SetTracerProvider(tp) does, after New
	if !tel.Tracing() {
		t.Error("not tracing after an SDK was registered globally")
	}
	own, _ := New(Options{TracerProvider: tp, Host: "sp.example", Port: 443, Region: "na"})
	if !own.Tracing() {
		t.Error("not tracing with Config.TracerProvider")
	}
	_, span := own.StartCall(t.Context(), "getOrderAddress", "GET")
	if !span.IsRecording() {
		t.Error("a call's span does not record with an SDK")
	}
	span.End()
}
