package consent_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/marketplace"
	"github.com/spapi-go/spapi/sptest"
)

// TestWorkflowOverHTTP runs the whole workflow over real HTTP against
// sptest: the consent URL, the browser following Amazon's redirect to the
// callback, the state check and the code exchange, and a first SP-API call
// with a client built from the refresh token.
func TestWorkflowOverHTTP(t *testing.T) {
	ap := newApp(t, nil, nil)
	u, err := ap.a.SellerURL(ctx, "session-1", marketplace.US)
	if err != nil {
		t.Fatal(err)
	}
	status, body := visit(t, ap.browser(t, "session-1"), u)
	if status != http.StatusOK || body != "authorized" {
		t.Fatalf("callback: HTTP %d %q (errors %v)", status, body, ap.lastErr())
	}
	auths := ap.authorizations()
	if len(auths) != 1 {
		t.Fatalf("%d authorizations, want 1", len(auths))
	}
	auth := auths[0]
	if auth.SellingPartnerID != sptest.SellingPartnerID || !strings.HasPrefix(auth.RefreshToken, "Atzr|") ||
		auth.Marketplace != marketplace.US || auth.Vendor {
		t.Fatalf("authorization %+v (refresh token %d bytes)", auth, len(auth.RefreshToken))
	}

	// A first call for the seller, with the refresh token the workflow gave.
	cfg := auth.Config(ap.srv.ClientConfig())
	if cfg.RefreshToken != auth.RefreshToken || cfg.Region != client.RegionNA {
		t.Fatalf("Authorization.Config: region %q", cfg.Region)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ap.srv.URL()+"/sellers/v1/marketplaceParticipations", nil)
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Payload []json.RawMessage `json:"payload"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || len(out.Payload) == 0 {
		t.Fatalf("getMarketplaceParticipations: HTTP %d, %d participations, %v", resp.StatusCode, len(out.Payload), err)
	}
	// Two LWA calls: the code exchange, and the client's refresh_token grant.
	if got := ap.srv.LWACalls(); got != 2 {
		t.Errorf("LWA calls = %d, want 2", got)
	}
}

// TestVendorWorkflow: a vendor's consent comes back marked as one, for the
// marketplace it was made for.
func TestVendorWorkflow(t *testing.T) {
	ap := newApp(t, nil, nil)
	u, err := ap.a.VendorURL(ctx, "s", marketplace.JP)
	if err != nil {
		t.Fatal(err)
	}
	if status, body := visit(t, ap.browser(t, "s"), u); status != http.StatusOK {
		t.Fatalf("callback: HTTP %d %q", status, body)
	}
	auth := ap.authorizations()[0]
	if !auth.Vendor || auth.Marketplace != marketplace.JP || auth.Config(client.Config{}).Region != client.RegionFE {
		t.Fatalf("authorization %v", auth)
	}
}
