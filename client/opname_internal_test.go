package client

import (
	"net/http"
	"testing"
)

// Every request gets its operation's name from the table; a path that is
// no operation gets its method and shape, in which no id appears.
func TestOperationName(t *testing.T) {
	c, err := New(Config{ClientID: "id", ClientSecret: "secret", RefreshToken: "Atzr|r", Endpoint: "https://sp.example"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ method, url, want string }{
		{"GET", "https://sp.example/orders/v0/orders/123-1234567-1234567/address", "getOrderAddress"},
		{"GET", "https://sp.example/orders/v0/orders/123-1234567-1234567", "ordersV0.getOrder"},
		{"GET", "https://sp.example/orders/2026-01-01/orders/123-1234567-1234567", "orders_2026-01-01.getOrder"},
		{"GET", "https://sp.example:443/listings/2021-08-01/items/SELLER/blue-shirt-a", "getListingsItem"},
		{"GET", "https://sp.example/listings/2021-08-01/items/SELLER/red%2Fshirt?marketplaceIds=X", "getListingsItem"},
		{"POST", "https://sp.example/tokens/2021-03-01/restrictedDataToken", OpCreateRestrictedDataToken},
		{"GET", "https://sp.example/sellers/v1/marketplaceParticipations", "getMarketplaceParticipations"},
		{"GET", "https://sp.example/reports/2021-06-30/reports/55", "getReport"},
		{"GET", "https://sp.example/vendor/directFulfillment/orders/v1/purchaseOrders/A1", "vendorDirectFulfillmentOrdersV1.getOrder"},
		{"PUT", "https://sp.example/shipping/v2/carrierAccounts/UPS", "shippingV2.linkCarrierAccount.PUT"},
		{"GET", "https://sp.example/orders/v0/orders/123-1234567-1234567/shipment", "GET /orders/v0/orders/{}/shipment"},
		{"GET", "https://sp.example/widgets/v9/gadgets/blue-shirt-a", "GET /{}/v9/{}/{}"},
		{"GET", "https://sp.example/widgets/v9/gadgets/green-shirt-b", "GET /{}/v9/{}/{}"},
		{"GET", "https://other.example/orders/v0/orders/1/address", ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, tt.url, nil)
		if got := c.tr.OperationName(req); got != tt.want {
			t.Errorf("operationName(%s %s) = %q, want %q", tt.method, tt.url, got, tt.want)
		}
	}
}
