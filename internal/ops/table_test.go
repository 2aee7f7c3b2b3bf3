package ops_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/internal/ops"
)

func TestTableMatchesJSON(t *testing.T) {
	want := expected(t)
	got := ops.All()
	if len(want) != wantCount {
		t.Fatalf("the JSON describes %d operations, want %d", len(want), wantCount)
	}
	if len(got) != len(want) {
		t.Fatalf("All() has %d operations, the JSON %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		g.Name = "" // checked in TestNames
		if !reflect.DeepEqual(g, w) {
			t.Errorf("All()[%d] =\n  %+v\nJSON says\n  %+v", i, g, w)
		}
	}
}

func TestRestrictedOnlyExtra(t *testing.T) {
	all := ops.All()
	last := all[len(all)-1]
	want := ops.Operation{
		Index: wantCount - 1, Name: "cancelShipmentOld", ID: "cancelShipmentOld",
		API: "Merchant Fulfillment", Model: "", Version: "v0",
		Method: "PUT", Path: "/mfn/v0/shipments/{shipmentId}/cancel", Restricted: true,
	}
	if !reflect.DeepEqual(last, want) {
		t.Fatalf("last operation = %+v, want %+v", last, want)
	}
}

// nameRule is the naming contract, written out independently of the
// generator: the operationId if unique; else model (without .json) + "." +
// operationId; else, where one model reuses an operationId, + "." + method.
func nameRule(all []ops.Operation) []string {
	byID := map[string]int{}
	for _, op := range all {
		byID[op.ID]++
	}
	names := make([]string, len(all))
	byQualified := map[string]int{}
	for i, op := range all {
		names[i] = op.ID
		if byID[op.ID] > 1 {
			names[i] = strings.TrimSuffix(op.Model, ".json") + "." + op.ID
			byQualified[names[i]]++
		}
	}
	for i, op := range all {
		if byQualified[names[i]] > 1 {
			names[i] += "." + op.Method
		}
	}
	return names
}

func TestNames(t *testing.T) {
	all := ops.All()
	want := nameRule(expected(t))
	seen := map[string]bool{}
	qualified := 0
	for i, op := range all {
		if op.Name != want[i] {
			t.Errorf("%s %s: Name = %q, want %q", op.Method, op.Path, op.Name, want[i])
		}
		if seen[op.Name] {
			t.Errorf("Name %q is not unique", op.Name)
		}
		seen[op.Name] = true
		if op.Name != op.ID {
			qualified++
		}
	}
	if qualified != 72 {
		t.Errorf("%d names are qualified, want 72 (did the usage plans change?)", qualified)
	}
	examples := []struct{ name, method, path string }{
		{"ordersV0.getOrder", "GET", "/orders/v0/orders/{orderId}"},
		{"orders_2026-01-01.getOrder", "GET", "/orders/2026-01-01/orders/{orderId}"},
		{"listingsItems_2021-08-01.putListingsItem", "PUT", "/listings/2021-08-01/items/{sellerId}/{sku}"},
		{"shippingV2.getRates", "POST", "/shipping/v2/shipments/rates"},
		{"shipping.getRates", "POST", "/shipping/v1/rates"},
		{"merchantFulfillmentV0.createShipment", "POST", "/mfn/v0/shipments"},
		{"shippingV2.linkCarrierAccount.POST", "POST", "/shipping/v2/carrierAccounts/{carrierId}"},
		{"shippingV2.linkCarrierAccount.PUT", "PUT", "/shipping/v2/carrierAccounts/{carrierId}"},
		{"getListingsItem", "GET", "/listings/2021-08-01/items/{sellerId}/{sku}"},
		{"getOrderAddress", "GET", "/orders/v0/orders/{orderId}/address"},
		{"createRestrictedDataToken", "POST", "/tokens/2021-03-01/restrictedDataToken"},
		{"getReportDocument", "GET", "/reports/2021-06-30/documents/{reportDocumentId}"},
		{"cancelShipmentOld", "PUT", "/mfn/v0/shipments/{shipmentId}/cancel"},
	}
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			op, ok := ops.Lookup(ex.name)
			if !ok {
				t.Fatalf("Lookup(%q): not found", ex.name)
			}
			if op.Method != ex.method || op.Path != ex.path {
				t.Fatalf("Lookup(%q) = %s %s, want %s %s", ex.name, op.Method, op.Path, ex.method, ex.path)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	for _, w := range ops.All() {
		op, ok := ops.Lookup(w.Name)
		if !ok || op.Index != w.Index || op.Name != w.Name {
			t.Errorf("Lookup(%q) = %+v, %v; want index %d", w.Name, op, ok, w.Index)
		}
	}
	for _, name := range []string{"", "getorder", "getOrder", "GETORDERADDRESS", "ordersV0.json.getOrder", "linkCarrierAccount", "shippingV2.linkCarrierAccount", " getOrderAddress"} {
		if op, ok := ops.Lookup(name); ok || op != nil {
			t.Errorf("Lookup(%q) = %s, want not found", name, op.Name)
		}
	}
}

func TestFlags(t *testing.T) {
	all := ops.All()
	restricted := readOps[restrictedJSON](t, "restricted-operations.json")
	restrictedKeys := map[string]restrictedJSON{}
	for _, r := range restricted {
		restrictedKeys[shapeKey(r.Method, r.Path)] = r
	}
	retrySafe := map[string]bool{}
	for _, s := range readOps[retrySafeJSON](t, "retry-safe-operations.json") {
		retrySafe[s.Model+" "+s.OperationID] = true
	}
	dataElements := map[string][]string{
		"ordersV0.getOrders": {"buyerInfo", "shippingAddress", "buyerTaxInformation"},
		"ordersV0.getOrder":  {"buyerInfo", "shippingAddress", "buyerTaxInformation"},
		"getOrderItems":      {"buyerInfo"},
	}
	nRestricted, nRetrySafe := 0, 0
	for _, op := range all {
		r, isRestricted := restrictedKeys[shapeKey(op.Method, op.Path)]
		if op.Restricted != isRestricted {
			t.Errorf("%s: Restricted = %v, want %v", op.Name, op.Restricted, isRestricted)
		}
		if isRestricted && r.Operation != op.ID {
			t.Errorf("%s: restricted JSON names %s for %s %s", op.Name, r.Operation, op.Method, op.Path)
		}
		if op.Restricted {
			nRestricted++
		}
		if want := dataElements[op.Name]; !reflect.DeepEqual(op.DataElements, want) {
			t.Errorf("%s: DataElements = %q, want %q", op.Name, op.DataElements, want)
		}
		if want := op.Name == "getReportDocument"; op.SpecificPath != want {
			t.Errorf("%s: SpecificPath = %v, want %v", op.Name, op.SpecificPath, want)
		}
		if want := retrySafe[op.Model+" "+op.ID]; op.RetrySafe != want {
			t.Errorf("%s: RetrySafe = %v, want %v", op.Name, op.RetrySafe, want)
		}
		if op.RetrySafe {
			nRetrySafe++
			if op.Method != "POST" && op.Method != "PATCH" {
				t.Errorf("%s: RetrySafe on a %s", op.Name, op.Method)
			}
		}
	}
	if nRestricted != 31 || nRestricted != len(restricted) {
		t.Errorf("%d operations are Restricted, want 31 (the restricted JSON has %d)", nRestricted, len(restricted))
	}
	if nRetrySafe != len(retrySafe) || nRetrySafe != 24 {
		t.Errorf("%d operations are RetrySafe, want the 24 of the list (%d)", nRetrySafe, len(retrySafe))
	}
	for _, name := range []string{"merchantFulfillmentV0.createShipment", "shipping.createShipment", "shippingV2.purchaseShipment", "createReport", "createFeedDocument", "createUploadDestinationForResource"} {
		op, ok := ops.Lookup(name)
		if !ok {
			t.Fatalf("Lookup(%q): not found", name)
		}
		if op.RetrySafe {
			t.Errorf("%s is RetrySafe: it creates or buys something", name)
		}
	}
	for _, name := range []string{"createRestrictedDataToken", "shippingV2.getRates", "shipping.getRates", "getItemOffersBatch"} {
		if op, ok := ops.Lookup(name); !ok || !op.RetrySafe {
			t.Errorf("%s is not RetrySafe", name)
		}
	}
}

func TestRDTPath(t *testing.T) {
	tests := []struct{ name, path, want string }{
		{"getOrderAddress", "/orders/v0/orders/902-3159896-1390916/address", "/orders/v0/orders/{orderId}/address"},
		{"ordersV0.getOrders", "/orders/v0/orders", "/orders/v0/orders"},
		{"getReportDocument", "/reports/2021-06-30/documents/amzn1.spdoc.1.4.na.0", "/reports/2021-06-30/documents/amzn1.spdoc.1.4.na.0"},
		{"cancelShipmentOld", "/mfn/v0/shipments/abc/cancel", "/mfn/v0/shipments/{shipmentId}/cancel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, ok := ops.Match(mustLookup(t, tt.name).Method, tt.path)
			if !ok || op.Name != tt.name {
				t.Fatalf("Match(%q) = %v, %v; want %s", tt.path, op, ok, tt.name)
			}
			if got := op.RDTPath(tt.path); got != tt.want {
				t.Errorf("RDTPath(%q) = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestAllIsACopy(t *testing.T) {
	all := ops.All()
	for i := range all {
		all[i].Method = "MUTATED"
		all[i].Name = "MUTATED"
		if all[i].DataElements != nil {
			all[i].DataElements[0] = "MUTATED"
		}
	}
	op, ok := ops.Match("GET", "/orders/v0/orders")
	if !ok || op.Method != "GET" || op.DataElements[0] != "buyerInfo" {
		t.Fatalf("mutating All() changed the table: %+v, %v", op, ok)
	}
	if again := ops.All(); again[0].Method == "MUTATED" || slices.ContainsFunc(again, func(o ops.Operation) bool { return o.Name == "MUTATED" }) {
		t.Fatal("mutating All() changed a later All()")
	}
}

func mustLookup(t testing.TB, name string) *ops.Operation {
	t.Helper()
	op, ok := ops.Lookup(name)
	if !ok {
		t.Fatalf("Lookup(%q): not found", name)
	}
	return op
}
