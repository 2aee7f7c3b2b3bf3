package telemetry

import (
	"runtime"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Telemetries on one MeterProvider and server share one set of
// instruments, and a provider no Telemetry uses any more is forgotten
// (issue 22: heap per seller; the set must not pin providers, as the
// Stores' healths once did).
func TestInstrumentsShared(t *testing.T) {
	count := func() int {
		insts.Lock()
		defer insts.Unlock()
		return len(insts.m)
	}
	before := count()
	mp := sdkmetric.NewMeterProvider()
	o := Options{MeterProvider: mp, Host: "sellingpartnerapi-na.amazon.com", Port: 443, Region: "na"}
	a, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if a.instruments != b.instruments {
		t.Error("two Telemetries on one provider and server have two sets of instruments")
	}
	o.Region = "eu"
	if c, err := New(o); err != nil || c.instruments == a.instruments {
		t.Errorf("another region shares the instruments (%v)", err)
	}
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	a, b = nil, nil
	for i := 0; count() > before && i < 1000; i++ {
		runtime.GC()
		runtime.Gosched()
	}
	if n := count() - before; n > 0 {
		t.Errorf("%d sets of instruments kept after every Telemetry was dropped, want 0", n)
	}
}
