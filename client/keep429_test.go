package client_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// Issue 23: a 429, then the limiter refusing to wait past the context's
// deadline for the retry, returned only "would pass the context deadline":
// the 429's *APIError, which README says a caller whose context ends keeps,
// was gone.
func TestLimiterRefusalAfter429KeepsTheAPIError(t *testing.T) {
	c, srv := setup(t, sptest.Options{NoRateLimit: true}, func(cfg *client.Config) {
		cfg.NoRateLimit = false // the Tokens plan: 1/s, burst 10; a 429 empties the bucket
	})
	srv.Script("createRestrictedDataToken", sptest.Fault{Status: http.StatusTooManyRequests,
		Body: []byte(`{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota for the requested resource."}]}`)})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond) // less than the second the retry waits for
	defer cancel()
	_, err := c.CreateRestrictedDataToken(ctx, addressRequest())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want one matching context.DeadlineExceeded", err)
	}
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusTooManyRequests || ae.Code() != "QuotaExceeded" {
		t.Fatalf("err = %v; want it to carry the 429's *APIError (QuotaExceeded)", err)
	}
}
