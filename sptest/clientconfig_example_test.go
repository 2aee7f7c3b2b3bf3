package sptest_test

import (
	"context"
	"fmt"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// ExampleServer_ClientConfig makes a client for the fake in one line: the
// credentials, both endpoints, and the server's plans 100 times faster.
func ExampleServer_ClientConfig() {
	srv := sptest.NewServer(sptest.Options{RateScale: 100})
	defer srv.Close()

	cfg := srv.ClientConfig()
	fmt.Println("getOrderAddress plan:", cfg.Rates["getOrderAddress"].PerSecond, "/s, burst", cfg.Rates["getOrderAddress"].Burst)
	c, err := client.New(cfg)
	if err != nil {
		panic(err)
	}
	_, err = c.RestrictedDataToken(context.Background(), client.CreateRestrictedDataTokenRequest{
		RestrictedResources: []client.RestrictedResource{{Method: client.MethodGET, Path: "/orders/v0/orders/{orderId}/address"}},
	})
	fmt.Println("minted:", err == nil, "Tokens calls:", srv.Calls("createRestrictedDataToken"))
	// Output:
	// getOrderAddress plan: 50 /s, burst 30
	// minted: true Tokens calls: 1
}

// ExampleOperationName shows the one rule for names: a full or unambiguous
// name works, an ambiguous one is an error that lists the candidates.
func ExampleOperationName() {
	for _, name := range []string{"getOrderAddress", "ordersV0.getOrders", "getOrders"} {
		full, err := sptest.OperationName(name)
		fmt.Printf("%s: %q %v\n", name, full, err)
	}
	// Output:
	// getOrderAddress: "getOrderAddress" <nil>
	// ordersV0.getOrders: "ordersV0.getOrders" <nil>
	// getOrders: "" "getOrders" is ambiguous: it names ordersV0.getOrders, vendorDirectFulfillmentOrdersV1.getOrders, vendorDirectFulfillmentOrders_2021-12-28.getOrders; use the full name
}
