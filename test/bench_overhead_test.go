package test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/gen"
)

// stubTransport answers LWA and the Tokens call at once, in process, with
// no connection, no server and no goroutine, so that a benchmark through
// it measures only the client's own work per call.
type stubTransport struct{}

func (stubTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	body := `{"restrictedDataToken":"Atz.sprdt|stub","expiresIn":3600}`
	if req.URL.Path == "/auth/o2/token" {
		body = `{"access_token":"Atza|stub","token_type":"bearer","expires_in":3600}`
	}
	return &http.Response{StatusCode: http.StatusOK, ProtoMajor: 1, ProtoMinor: 1, Request: req,
		Header: http.Header{"Content-Type": {"application/json"}, "X-Amzn-Requestid": {"stub"}},
		Body:   io.NopCloser(bytes.NewReader([]byte(body)))}, nil
}

// benchCPU starts counting the process's CPU time (user and system, every
// thread: the garbage collector's share included); the function it returns
// reports it per op as cpu-ns/op. On a machine that other jobs keep busy
// the wall clock (ns/op) counts the time this process waited for a core;
// the CPU time mostly does not.
func benchCPU(b *testing.B) func() {
	start := processCPU()
	return func() {
		if b.N > 0 && start > 0 {
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

// BenchmarkCreateRDTOverhead is the Tokens call through a stub transport:
// ours (the client's layers, limiter off) and raw (bare net/http, as
// benchRaw makes it). Without a network or a server in the measure, ours
// minus raw is the client's own cost per call, steady enough to compare
// two builds where BenchmarkCreateRDTRatio's noise hides a few hundred ns;
// cpu-ns/op is the steadier figure on a busy machine.
func BenchmarkCreateRDTOverhead(b *testing.B) {
	const origin = "http://127.0.0.1:9"
	b.Run("ours", func(b *testing.B) {
		c, err := client.New(client.Config{ClientID: "amzn1.application-oa2-client.stub", ClientSecret: "stub",
			RefreshToken: "Atzr|stub", Endpoint: origin, LWAEndpoint: origin + "/auth/o2/token", NoRateLimit: true,
			HTTPClient: &http.Client{Transport: stubTransport{}}})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ReportAllocs()
		defer benchCPU(b)()
		for b.Loop() {
			if rdt, err := c.CreateRestrictedDataToken(ctx, loadRequest()); err != nil || rdt.Token == "" {
				b.Fatalf("%v, %+v", err, rdt)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		hc := &http.Client{Transport: stubTransport{}}
		ctx := context.Background()
		b.ReportAllocs()
		defer benchCPU(b)()
		for b.Loop() {
			body, err := json.Marshal(loadRequest())
			if err != nil {
				b.Fatal(err)
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, origin+"/tokens/2021-03-01/restrictedDataToken", bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("x-amz-access-token", "Atza|stub")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			data, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			var out gen.CreateRestrictedDataTokenResponse
			if err != nil || json.Unmarshal(data, &out) != nil || out.RestrictedDataToken == nil {
				b.Fatalf("%v, %s", err, data)
			}
		}
	})
}
