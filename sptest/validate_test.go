package sptest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/sptest"
)

// TestModelRefusesRequest: a request its model refuses gets 400 with
// Amazon's error body, code InvalidInput and a message naming the value and
// the rule, for every rule kind and for the operations with hand-written
// handlers too (ordersV0.getOrders used to answer 200 to any request).
func TestModelRefusesRequest(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	tok := accessToken(t, srv)
	const (
		plan       = "/inbound/fba/2024-03-20/inboundPlans/"
		shipments  = "/awd/2024-05-09/inboundShipments"
		reports    = "/reports/2021-06-30/reports"
		offers     = "/products/pricing/v0/items/B00EXAMPLE/offers?MarketplaceId=ATVPDKIKX0DER"
		validPlan  = "wf1234abcd-1234-abcd-5678-1234abcd5678" // 38 characters of [a-zA-Z0-9-]
		marketIDs  = "MarketplaceIds=ATVPDKIKX0DER"
		goodReport = `"reportType":"GET_FLAT_FILE_OPEN_LISTINGS_DATA"`
	)
	offersBody := `{"items":[{}],"origin":{"countryCode":"US"}}`
	for _, tc := range []struct {
		name, method, path, body string
		header                   http.Header
		want                     []string // in the one error's message
	}{
		{"getOrders without MarketplaceIds (hand-written handler)", "GET", "/orders/v0/orders", "", nil,
			[]string{"Missing required query parameter", `"MarketplaceIds"`}},
		{"createReport without marketplaceIds", "POST", reports, `{"reportType":""}`, nil,
			[]string{"Missing required property", `"marketplaceIds"`}},
		{"createReport without a body", "POST", reports, "", nil, []string{"Missing required request body"}},
		{"createReport, body not JSON", "POST", reports, `{"reportType":`, nil, []string{"not valid JSON"}},
		{"body: wrong type", "POST", reports, `{"reportType":5,"marketplaceIds":["ATVPDKIKX0DER"]}`, nil,
			[]string{`"reportType"`, "want a string"}},
		{"body: minItems", "POST", reports, `{` + goodReport + `,"marketplaceIds":[]}`, nil,
			[]string{`"marketplaceIds"`, "fewer than the minimum 1"}},
		{"body: maxItems", "POST", reports, `{` + goodReport + `,"marketplaceIds":[` + strings.Repeat(`"A",`, 25) + `"A"]}`, nil,
			[]string{`"marketplaceIds"`, "more than the maximum 25"}},
		{"body: date-time", "POST", reports, `{` + goodReport + `,"marketplaceIds":["A"],"dataStartTime":"yesterday"}`, nil,
			[]string{`"dataStartTime"`, "not an ISO 8601 date-time"}},
		{"query: enum", "GET", offers + "&ItemCondition=Mint", "", nil,
			[]string{`query parameter "ItemCondition"`, `"Mint" is not one of [New, Used, Collectible, Refurbished, Club]`}},
		{"query array: enum of an item", "GET", "/listings/2021-08-01/items/A1SELLER/SKU-1?marketplaceIds=ATVPDKIKX0DER&includedData=summaries,everything", "", nil,
			[]string{`query parameter "includedData"`, `"everything" is not one of`}},
		{"query array: maxItems", "GET", "/orders/v0/orders?MarketplaceIds=" + strings.Repeat("A,", 50) + "A", "", nil,
			[]string{`query parameter "MarketplaceIds"`, "51 items, more than the maximum 50"}},
		{"query: integer minimum", "GET", shipments + "?maxResults=0", "", nil,
			[]string{`query parameter "maxResults"`, "less than the minimum 1"}},
		{"query: integer maximum", "GET", shipments + "?maxResults=500", "", nil,
			[]string{`query parameter "maxResults"`, "greater than the maximum 200"}},
		{"query: not an integer", "GET", shipments + "?maxResults=ten", "", nil,
			[]string{`query parameter "maxResults"`, "not an integer"}},
		{"query: date-time", "GET", shipments + "?updatedAfter=2024-13-45", "", nil,
			[]string{`query parameter "updatedAfter"`, "not an ISO 8601 date-time"}},
		{"path: pattern", "GET", plan + strings.Replace(validPlan, "-", "_", 1), "", nil,
			[]string{`path parameter "inboundPlanId"`, "does not match the pattern ^[a-zA-Z0-9-]*$"}},
		{"path: minLength", "GET", plan + "wf1234", "", nil,
			[]string{`path parameter "inboundPlanId"`, "shorter than the minimum length 38"}},
		{"path: maxLength", "GET", plan + validPlan + "x", "", nil,
			[]string{`path parameter "inboundPlanId"`, "longer than the maximum length 38"}},
		{"header: maxLength", "POST", "/fulfillment/outbound/2026-07-04/offers", offersBody,
			http.Header{"X-Amzn-Fulfillment-Service-Id": {strings.Repeat("s", 41)}},
			[]string{`header parameter "x-amzn-fulfillment-service-id"`, "longer than the maximum length 40"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			r := doWith(t, srv, tc.method, tc.path, tok, body, tc.header)
			var list struct {
				Errors []struct {
					Code, Message string
					Details       *string
				}
			}
			if err := json.Unmarshal(r.body, &list); err != nil || r.status != http.StatusBadRequest || len(list.Errors) != 1 {
				t.Fatalf("reply %v, want 400 with one error", r)
			}
			e := list.Errors[0]
			if e.Code != "InvalidInput" || e.Details == nil || *e.Details != "" {
				t.Errorf("error %+v, want code InvalidInput and empty details", e)
			}
			for _, w := range tc.want {
				if !strings.Contains(e.Message, w) {
					t.Errorf("message %q lacks %q", e.Message, w)
				}
			}
		})
	}
}

// TestModelAcceptsValidRequest: the same operations with valid values
// pass, including a value Amazon's own example sends although the model's
// enum lacks it (getShipmentItems' QueryType=SHIPMENT: the example wins),
// and getOrders and createReport with what their models require.
func TestModelAcceptsValidRequest(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	tok := accessToken(t, srv)
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
	}{
		{"getOrders", "GET", "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER,A1F83G8C2ARO7P", "", 200},
		{"createReport", "POST", "/reports/2021-06-30/reports", `{"reportType":"GET_FLAT_FILE_OPEN_LISTINGS_DATA","marketplaceIds":["ATVPDKIKX0DER"],"dataStartTime":"2025-01-01T00:00:00Z"}`, 202},
		{"excused enum value of Amazon's example", "GET", "/fba/inbound/v0/shipmentItems?QueryType=SHIPMENT&MarketplaceId=ATVPDKIKX0DER", "", 200},
		{"integer bounds", "GET", "/awd/2024-05-09/inboundShipments?maxResults=200&updatedAfter=2025-01-01T00:00:00.5Z", "", 200},
		{"query enum", "GET", "/products/pricing/v0/items/B00EXAMPLE/offers?MarketplaceId=ATVPDKIKX0DER&ItemCondition=New", "", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			if r := do(t, srv, tc.method, tc.path, tok, body); r.status != tc.status {
				t.Fatalf("reply %v, want %d", r, tc.status)
			}
		})
	}
}

// TestValidRequestFor: the sample of every operation a model describes is
// a request the fake accepts (TestEveryOperation sends each); an unknown
// name is an error.
func TestValidRequestFor(t *testing.T) {
	v, err := sptest.ValidRequestFor("getInboundPlan")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.PathParams) != 1 || len(v.PathParams[0]) != 38 || !strings.HasSuffix(v.Path, "/"+v.PathParams[0]) {
		t.Errorf("getInboundPlan sample %+v: want a 38-character inboundPlanId in the path", v)
	}
	v, err = sptest.ValidRequestFor("ordersV0.getOrders")
	if err != nil || v.Query.Get("MarketplaceIds") == "" || !strings.HasPrefix(v.URL(), "/orders/v0/orders?") {
		t.Errorf("getOrders sample %+v, %v: want MarketplaceIds", v, err)
	}
	if _, err := sptest.ValidRequestFor("noSuchOperation"); err == nil {
		t.Error("ValidRequestFor(noSuchOperation): no error")
	}
}
