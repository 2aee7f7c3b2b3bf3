package sptest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/sptest"
)

const (
	otherOrderID = "113-7293021-4462645"
	itemBuyer    = `,"BuyerInfo":{"GiftMessageText":"Happy birthday, Jane!","GiftWrapLevel":"Classic"}`
)

// orderJSON is the Order the fake sends for id, with pii (a JSON fragment
// starting with a comma) at the end.
func orderJSON(id, pii string) string {
	return `{"AmazonOrderId":"` + id + `","PurchaseDate":"2025-01-01T10:00:00Z","LastUpdateDate":"2025-01-02T03:04:05Z",` +
		`"OrderStatus":"Shipped","FulfillmentChannel":"MFN","OrderTotal":{"CurrencyCode":"USD","Amount":"25.98"},` +
		`"NumberOfItemsShipped":2,"NumberOfItemsUnshipped":0,"MarketplaceId":"ATVPDKIKX0DER"` + pii + `}`
}

func orderItemsJSON(id, buyer string) string {
	return `{"payload":{"OrderItems":[` +
		`{"ASIN":"B00EXAMPLE1","SellerSKU":"SKU-MUG-01","OrderItemId":"68828574383266","Title":"Coffee mug","QuantityOrdered":1,"QuantityShipped":1,"ItemPrice":{"CurrencyCode":"USD","Amount":"12.99"}` + buyer + `},` +
		`{"ASIN":"B00EXAMPLE2","SellerSKU":"SKU-TEA-02","OrderItemId":"68828574383267","Title":"Tea sampler","QuantityOrdered":1,"QuantityShipped":1,"ItemPrice":{"CurrencyCode":"USD","Amount":"12.99"}` + buyer + `}],` +
		`"AmazonOrderId":"` + id + `"}}`
}

// TestOrdersPII checks getOrders and getOrderItems: PII only for the
// dataElements an RDT names, none with the LWA access token.
func TestOrdersPII(t *testing.T) {
	// One page: the bodies below are the last page's, with no NextToken.
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true, Pages: 1})
	tok := accessToken(t, srv)
	const ordersPath = "/orders/v0/orders"
	itemsPath := ordersPath + "/" + orderID + "/orderItems"
	buyer := `,"BuyerInfo":{"BuyerEmail":"jane@example.com","BuyerName":"Jane Doe"}`
	ship := `,"ShippingAddress":` + janeAddrJSON
	tax := `,"BuyerTaxInformation":{"BuyerTaxRegistrationId":"DE123"}`
	orders := func(pii string) string {
		return `{"payload":{"Orders":[` + orderJSON(orderID, pii) + `,` + orderJSON(otherOrderID, pii) +
			`],"CreatedBefore":"2025-01-02T03:04:05Z"}}`
	}

	tests := []struct {
		name, path, token string
		status            int
		body              string
	}{
		{"getOrders/LWA token", ordersPath, tok, 200, orders("")},
		{"getOrders/buyerInfo", ordersPath, rdtFor(t, srv, tok, get(ordersPath, "buyerInfo")), 200, orders(buyer)},
		{"getOrders/shippingAddress", ordersPath, rdtFor(t, srv, tok, get(ordersPath, "shippingAddress")), 200, orders(ship)},
		{"getOrders/all", ordersPath, rdtFor(t, srv, tok, get(ordersPath, "buyerInfo", "shippingAddress", "buyerTaxInformation")),
			200, orders(tax + ship + buyer)},
		{"getOrders/RDT without dataElements", ordersPath, rdtFor(t, srv, tok, get(ordersPath)), 200, orders("")},
		{"getOrders/RDT for getOrder", ordersPath, rdtFor(t, srv, tok, get(ordersPath+"/{orderId}", "buyerInfo")), 403, errUnauthorized},
		{"getOrderItems/LWA token", itemsPath, tok, 200, orderItemsJSON(orderID, "")},
		{"getOrderItems/buyerInfo template", itemsPath,
			rdtFor(t, srv, tok, get(ordersPath+"/{orderId}/orderItems", "buyerInfo")), 200, orderItemsJSON(orderID, itemBuyer)},
		{"getOrderItems/buyerInfo specific", itemsPath, rdtFor(t, srv, tok, get(itemsPath, "buyerInfo")), 200, orderItemsJSON(orderID, itemBuyer)},
		{"getOrderItems/RDT without dataElements", itemsPath, rdtFor(t, srv, tok, get(itemsPath)), 200, orderItemsJSON(orderID, "")},
		{"getOrderItems/other order", itemsPath,
			rdtFor(t, srv, tok, get(ordersPath+"/"+otherOrderID+"/orderItems", "buyerInfo")), 403, errUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path == ordersPath {
				path += "?MarketplaceIds=ATVPDKIKX0DER" // required by the model
			}
			wantReply(t, do(t, srv, http.MethodGet, path, tt.token, nil), tt.status, tt.body)
		})
	}
	if srv.Calls("ordersV0.getOrders") != 6 || srv.Calls("getOrderItems") != 5 {
		t.Errorf("Calls: getOrders %d, getOrderItems %d", srv.Calls("ordersV0.getOrders"), srv.Calls("getOrderItems"))
	}
}

// TestGetOrderAlias: "getOrder", the name the fake used before it knew every
// operation, still names Orders v0's getOrder in every method that takes a
// name.
func TestGetOrderAlias(t *testing.T) {
	// Burst 3: the two faults spend a token each, as the real API would.
	srv := sptest.Start(t, sptest.Options{Plans: map[string]sptest.Plan{"getOrder": {Rate: 0.001, Burst: 3}}})
	tok := accessToken(t, srv)
	path := "/orders/v0/orders/" + orderID
	srv.Script("getOrder", sptest.Fault{Status: 500})
	if r := do(t, srv, http.MethodGet, path, tok, nil); r.status != 500 {
		t.Errorf("Script(getOrder): %v", r)
	}
	r := do(t, srv, http.MethodGet, path, tok, nil)
	if r.status != 200 || r.header.Get("x-amzn-RateLimit-Limit") != "0.001" {
		t.Errorf("Plans[getOrder]: %v %v", r, r.header)
	}
	srv.Always("getOrder", &sptest.Fault{Status: 503})
	if r := do(t, srv, http.MethodGet, path, tok, nil); r.status != 503 {
		t.Errorf("Always(getOrder): %v", r)
	}
	srv.Always("ordersV0.getOrder", nil)
	if r := do(t, srv, http.MethodGet, path, tok, nil); r.status != 429 {
		t.Errorf("Always(ordersV0.getOrder, nil) then a spent bucket: %v", r)
	}
	// Orders 2026-01-01's getOrder is another operation.
	do(t, srv, http.MethodGet, "/orders/2026-01-01/orders/"+orderID, tok, nil)
	for _, name := range []string{"getOrder", "ordersV0.getOrder"} {
		if srv.Calls(name) != 4 || srv.CallsByStatus(name, 500) != 1 || srv.CallsByStatus(name, 429) != 1 {
			t.Errorf("Calls(%q) = %d, 500s %d, 429s %d", name, srv.Calls(name), srv.CallsByStatus(name, 500), srv.CallsByStatus(name, 429))
		}
	}
	if srv.Calls("orders_2026-01-01.getOrder") != 1 {
		t.Errorf("Calls(orders_2026-01-01.getOrder) = %d", srv.Calls("orders_2026-01-01.getOrder"))
	}
	if op := srv.Requests()[1].Op; op != "ordersV0.getOrder" {
		t.Errorf("RecordedRequest.Op = %q, want the operation's name", op)
	}
}

// TestOrdersMatchModel checks the Orders v0 replies against the model
// (../shared/spec/ordersV0.json, beside the repository): every field is
// in the schema with the right JSON type, every required field is there.
func TestOrdersMatchModel(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "shared", "spec", "ordersV0.json"))
	if err != nil {
		t.Skipf("the Orders v0 model is not beside the repository: %v", err)
	}
	var model struct {
		Definitions map[string]schema `json:"definitions"`
	}
	if err := json.Unmarshal(b, &model); err != nil {
		t.Fatal(err)
	}
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	tok := accessToken(t, srv)
	all := []string{"buyerInfo", "shippingAddress", "buyerTaxInformation"}
	rdt := rdtFor(t, srv, tok, get("/orders/v0/orders", all...), get("/orders/v0/orders/{orderId}", all...),
		get("/orders/v0/orders/{orderId}/orderItems", "buyerInfo"), get("/orders/v0/orders/{orderId}/address"))
	for _, tt := range []struct{ path, response string }{
		{"/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2026-01-01T00:00:00Z", "GetOrdersResponse"},
		{"/orders/v0/orders/" + orderID, "GetOrderResponse"},
		{"/orders/v0/orders/" + orderID + "/orderItems", "GetOrderItemsResponse"},
		{"/orders/v0/orders/" + orderID + "/address", "GetOrderAddressResponse"},
	} {
		t.Run(tt.response, func(t *testing.T) {
			r := do(t, srv, http.MethodGet, tt.path, rdt, nil)
			var v any
			if err := json.Unmarshal(r.body, &v); err != nil || r.status != 200 {
				t.Fatalf("reply %v: %v", r, err)
			}
			for _, problem := range checkSchema(model.Definitions, schema{Ref: "#/definitions/" + tt.response}, v, "$") {
				t.Error(problem)
			}
		})
	}
}

// schema is the part of a Swagger schema object that checkSchema reads.
type schema struct {
	Ref        string            `json:"$ref"`
	Type       string            `json:"type"`
	Enum       []any             `json:"enum"`
	Required   []string          `json:"required"`
	Properties map[string]schema `json:"properties"`
	Items      *schema           `json:"items"`
}

func checkSchema(defs map[string]schema, s schema, v any, at string) []string {
	if s.Ref != "" {
		d, ok := defs[strings.TrimPrefix(s.Ref, "#/definitions/")]
		if !ok {
			return []string{at + ": unknown $ref " + s.Ref}
		}
		return checkSchema(defs, d, v, at)
	}
	var out []string
	if len(s.Enum) > 0 && !contains(s.Enum, v) {
		out = append(out, fmt.Sprintf("%s: %v is not one of %v", at, v, s.Enum))
	}
	switch x := v.(type) {
	case map[string]any:
		if s.Type != "" && s.Type != "object" {
			return append(out, fmt.Sprintf("%s: object, want %s", at, s.Type))
		}
		for _, req := range s.Required {
			if _, ok := x[req]; !ok {
				out = append(out, fmt.Sprintf("%s: required field %s missing", at, req))
			}
		}
		for k, val := range x {
			p, ok := s.Properties[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s: field %s not in the model", at, k))
				continue
			}
			out = append(out, checkSchema(defs, p, val, at+"."+k)...)
		}
	case []any:
		if s.Type != "array" || s.Items == nil {
			return append(out, fmt.Sprintf("%s: array, want %s", at, s.Type))
		}
		for i, e := range x {
			out = append(out, checkSchema(defs, *s.Items, e, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case string:
		if s.Type != "string" {
			out = append(out, fmt.Sprintf("%s: string, want %s", at, s.Type))
		}
	case float64:
		if s.Type != "integer" && s.Type != "number" {
			out = append(out, fmt.Sprintf("%s: number, want %s", at, s.Type))
		}
	case bool:
		if s.Type != "boolean" {
			out = append(out, fmt.Sprintf("%s: boolean, want %s", at, s.Type))
		}
	}
	return out
}

func contains(list []any, v any) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
