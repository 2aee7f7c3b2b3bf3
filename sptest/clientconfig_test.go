package sptest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// ClientConfig gives the client the server's scaled plans, so that a 429
// scripted before any good reply costs a scaled drain (0.6 s for createReport
// at RateScale 100), not the published one (a minute).
func TestClientConfigMatchesScaledPlans(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{RateScale: 100, Plans: map[string]sptest.Plan{"getListingsItem": {Rate: 7, Burst: 3}}})
	cfg := srv.ClientConfig()
	if cfg.Endpoint != srv.URL() || cfg.LWAEndpoint != srv.LWAURL() || cfg.RefreshToken != sptest.RefreshToken {
		t.Fatal("ClientConfig does not point at the server with its credentials")
	}
	for _, op := range sptest.Operations() {
		want := client.Rate{}
		switch {
		case op.Name == "getListingsItem":
			want = client.Rate{PerSecond: 7, Burst: 3}
		case op.Plan.Rate > 0:
			want = client.Rate{PerSecond: op.Plan.Rate * 100, Burst: max(op.Plan.Burst, 1)}
		}
		got := cfg.Rates[op.Name]
		if got.Burst != want.Burst || got.PerSecond < want.PerSecond*0.999 || got.PerSecond > want.PerSecond*1.001 {
			t.Errorf("Rates[%s] = %+v, want %+v", op.Name, got, want)
		}
	}

	// A 429 before any good reply: the client drains to the scaled plan.
	// At the published plan (one a minute) this would take a minute.
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.Script("createReport", sptest.Fault{Status: http.StatusTooManyRequests})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/reports/2021-06-30/reports",
		strings.NewReader(`{"reportType":"GET_FLAT_FILE_OPEN_LISTINGS_DATA","marketplaceIds":["ATVPDKIKX0DER"]}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("createReport after a scripted 429: %v (the client waited at the published plan?)", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		t.Errorf("createReport: HTTP %d", resp.StatusCode)
	}
	if n := srv.Calls("createReport"); n != 2 {
		t.Errorf("createReport calls %d, want 2 (the 429 and the retry)", n)
	}
}
