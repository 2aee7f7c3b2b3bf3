package client_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// countingLimiter counts Wait calls and never waits.
type countingLimiter struct{ waits atomic.Int32 }

func (l *countingLimiter) Wait(context.Context, string) error { l.waits.Add(1); return nil }
func (l *countingLimiter) Observe(string, float64, bool)      {}

// heldLWA is a transport that holds every LWA request until released, and
// says when the first one arrived.
type heldLWA struct {
	lwaURL  string
	arrived chan struct{} // closed at the first LWA request
	release chan struct{} // closed to let LWA requests through
	once    sync.Once
}

func (h *heldLWA) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasPrefix(req.URL.String(), h.lwaURL) {
		h.once.Do(func() { close(h.arrived) })
		select {
		case <-h.release:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

// No limiter token is taken while a call waits for its credential: calls
// that queue while a slow LWA fetch (or an RDT mint behind it) is under way
// would all fire the moment it ends, a burst of 429s (measured: 4 429s after
// a 15 s fetch). So while the LWA request is held, no call has reached the
// limiter; once it comes, every call passes the limiter once and succeeds.
func TestNoLimiterTokenWhileWaitingForCredential(t *testing.T) {
	for _, tt := range []struct {
		name, path string
		ops        int32 // limiter waits per call: the call, and a mint's Tokens call for the first
	}{
		{"LWA token", "/sellers/v1/marketplaceParticipations", 0},
		{"RDT", "/orders/v0/orders/902-1845936-%07d/address", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const calls = 5
			srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
			held := &heldLWA{lwaURL: srv.LWAURL(), arrived: make(chan struct{}), release: make(chan struct{})}
			lim := &countingLimiter{}
			cfg := testConfig(srv)
			cfg.NoRateLimit, cfg.RateLimiter = false, lim
			cfg.HTTPClient = &http.Client{Transport: held}
			c, err := client.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, calls)
			for i := range calls {
				wg.Go(func() {
					path := tt.path
					if strings.Contains(path, "%") {
						path = fmt.Sprintf(path, i)
					}
					resp, err := c.HTTPClient().Get(srv.URL() + path)
					if err != nil {
						errs <- err
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						errs <- fmt.Errorf("HTTP %d", resp.StatusCode)
					}
				})
			}
			<-held.arrived
			if n := lim.waits.Load(); n != 0 {
				t.Errorf("%d limiter waits before the LWA token came, want 0", n)
			}
			close(held.release)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if n, want := lim.waits.Load(), calls+tt.ops; n != want {
				t.Errorf("%d limiter waits for %d calls, want %d", n, calls, want)
			}
		})
	}
}
