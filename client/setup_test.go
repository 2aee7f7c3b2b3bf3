package client_test

import (
	"testing"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// setup returns a client wired to a fresh sptest server. Options change the
// config before New; the client's limiter is off unless an option turns it
// back on, so tests that are not about the limiter run at full speed.
func setup(t *testing.T, opts sptest.Options, mods ...func(*client.Config)) (*client.Client, *sptest.Server) {
	t.Helper()
	srv := sptest.Start(t, opts)
	cfg := testConfig(srv)
	for _, m := range mods {
		m(&cfg)
	}
	c, err := client.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, srv
}

func testConfig(srv *sptest.Server) client.Config {
	return client.Config{
		ClientID:     sptest.ClientID,
		ClientSecret: sptest.ClientSecret,
		RefreshToken: sptest.RefreshToken,
		Endpoint:     srv.URL(),
		LWAEndpoint:  srv.LWAURL(),
		NoRateLimit:  true,
		RetryWait:    1e6, // 1 ms: tests are about counts, not waits
	}
}

// addressRequest asks for an RDT for getOrderAddress of any order.
func addressRequest() client.CreateRestrictedDataTokenRequest {
	return client.CreateRestrictedDataTokenRequest{
		RestrictedResources: []client.RestrictedResource{{
			Method: client.MethodGET,
			Path:   "/orders/v0/orders/{orderId}/address",
		}},
	}
}
