package ops_test

import (
	"strings"
	"testing"

	"github.com/spapi-go/spapi/internal/ops"
)

func TestMatchEveryOperation(t *testing.T) {
	want := expected(t)
	for i, w := range want {
		paths := map[string]string{"template": w.Path}
		for _, c := range concretes {
			paths[c.name] = fill(w.Path, c.val)
		}
		for kind, path := range paths {
			t.Run(w.Method+" "+w.Path+"/"+kind, func(t *testing.T) {
				op, ok := ops.Match(w.Method, path)
				if !ok || op == nil {
					t.Fatalf("Match(%q, %q) = no match, want %s %s", w.Method, path, w.Model, w.ID)
				}
				if op.Index != i || op.ID != w.ID || op.Model != w.Model || op.Method != w.Method || op.Path != w.Path {
					t.Fatalf("Match(%q, %q) = [%d] %s %s (%s %s), want [%d] %s %s (%s %s)",
						w.Method, path, op.Index, op.Model, op.ID, op.Method, op.Path, i, w.Model, w.ID, w.Method, w.Path)
				}
				if byName, ok := ops.Lookup(op.Name); !ok || byName != op {
					t.Fatalf("Lookup(%q) = %p, %v; Match returned %p", op.Name, byName, ok, op)
				}
			})
		}
	}
}

func TestMatchRealisticIDs(t *testing.T) {
	tests := []struct{ method, path, name string }{
		{"GET", "/orders/v0/orders/902-3159896-1390916/address", "getOrderAddress"},
		{"GET", "/orders/v0/orders/902-3159896-1390916/orderItems/buyerInfo", "getOrderItemsBuyerInfo"},
		{"GET", "/orders/v0/orders/902-3159896-1390916", "ordersV0.getOrder"},
		{"GET", "/orders/2026-01-01/orders/902-3159896-1390916", "orders_2026-01-01.getOrder"},
		{"GET", "/orders/v0/orders", "ordersV0.getOrders"},
		{"GET", "/listings/2021-08-01/items/A3EXAMPLE/blue-shirt-a", "getListingsItem"},
		{"PUT", "/listings/2021-08-01/items/A3EXAMPLE/blue%2Fshirt%20a", "listingsItems_2021-08-01.putListingsItem"},
		{"PATCH", "/listings/2020-09-01/items/A3EXAMPLE/sku-1", "listingsItems_2020-09-01.patchListingsItem"},
		{"GET", "/mfn/v0/shipments/abc", "merchantFulfillmentV0.getShipment"},
		{"DELETE", "/mfn/v0/shipments/abc", "merchantFulfillmentV0.cancelShipment"},
		{"PUT", "/mfn/v0/shipments/abc/cancel", "cancelShipmentOld"},
		{"POST", "/mfn/v0/shipments", "merchantFulfillmentV0.createShipment"},
		{"POST", "/tokens/2021-03-01/restrictedDataToken", "createRestrictedDataToken"},
		{"GET", "/reports/2021-06-30/documents/amzn1.spdoc.1.4.na.0", "getReportDocument"},
		{"GET", "/catalog/2022-04-01/items/B000000000", "catalogItems_2022-04-01.getCatalogItem"},
		{"GET", "/orders/v0/orders/a b/address", "getOrderAddress"},
		// A param is any non-empty segment, including one that looks like a literal.
		{"GET", "/orders/v0/orders/orderItems", "ordersV0.getOrder"},
		{"GET", "/orders/v0/orders/address/address", "getOrderAddress"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			op, ok := ops.Match(tt.method, tt.path)
			if !ok || op.Name != tt.name {
				t.Fatalf("Match(%q, %q) = %+v, %v; want %s", tt.method, tt.path, op, ok, tt.name)
			}
		})
	}
}

func TestMatchNearMisses(t *testing.T) {
	tests := []struct{ name, method, path string }{
		{"trailing slash", "GET", "/orders/v0/orders/123/address/"},
		{"trailing slash on collection", "GET", "/orders/v0/orders/"},
		{"trailing slash on getReportDocument", "GET", "/reports/2021-06-30/documents/123/"},
		{"extra segment", "GET", "/orders/v0/orders/123/address/extra"},
		{"extra segment after param", "GET", "/mfn/v0/shipments/123/456"},
		{"missing segment", "GET", "/orders/v0"},
		{"missing segment in prefix", "GET", "/vendor/directFulfillment/orders/purchaseOrders"},
		{"empty param segment", "GET", "/orders/v0/orders//address"},
		{"empty param at end", "PUT", "/mfn/v0/shipments//cancel"},
		{"empty last param", "GET", "/listings/2021-08-01/items/A3EXAMPLE/"},
		{"double slash", "GET", "//orders/v0/orders"},
		{"double slash inside", "GET", "/orders//v0/orders"},
		{"POST on a GET op", "POST", "/orders/v0/orders/123/address"},
		{"GET on a PUT op", "GET", "/mfn/v0/shipments/123/cancel"},
		{"PATCH on GET/DELETE path", "PATCH", "/mfn/v0/shipments/123"},
		{"HEAD", "HEAD", "/orders/v0/orders"},
		{"lowercase method", "get", "/orders/v0/orders/123/address"},
		{"lowercase post", "post", "/tokens/2021-03-01/restrictedDataToken"},
		{"mixed-case method", "Get", "/orders/v0/orders"},
		{"empty method", "", "/orders/v0/orders"},
		{"prefix of literal", "GET", "/orders/v0/ordersX"},
		{"literal prefix", "GET", "/orders/v0/order"},
		{"case of literal", "GET", "/Orders/v0/orders"},
		{"escaped literal", "GET", "/orders/v0/%6Frders"},
		{"unknown version", "GET", "/orders/v9/orders/123/address"},
		{"reports documents without id", "GET", "/reports/2021-06-30/documents"},
		{"reports old version", "GET", "/reports/2020-09-04/documents/123"},
		{"no leading slash", "GET", "orders/v0/orders"},
		{"query on collection", "GET", "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER"},
		{"query after param", "GET", "/orders/v0/orders/123?x=1"},
		{"query after sku", "GET", "/listings/2021-08-01/items/A3EXAMPLE/sku?marketplaceIds=ATVPDKIKX0DER"},
		{"empty query", "GET", "/orders/v0/orders/123?"},
		{"fragment", "GET", "/orders/v0/orders/123#x"},
		{"empty path", "GET", ""},
		{"root", "GET", "/"},
		{"slashes", "GET", "///"},
		{"full URL", "GET", "https://sellingpartnerapi-na.amazon.com/orders/v0/orders"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if op, ok := ops.Match(tt.method, tt.path); ok || op != nil {
				t.Fatalf("Match(%q, %q) = %s (%s %s), want no match", tt.method, tt.path, op.Name, op.Method, op.Path)
			}
		})
	}
}

// TestMatchNearMissesEveryOperation derives near misses from every
// template: none of them may match the operation, and the ones that could
// only match by ignoring a rule may match nothing at all.
func TestMatchNearMissesEveryOperation(t *testing.T) {
	all := ops.All()
	for _, w := range all {
		path := fill(w.Path, concretes[0].val)
		t.Run(w.Name, func(t *testing.T) {
			noMatch := map[string]string{
				"trailing slash":  path + "/",
				"query":           path + "?MarketplaceIds=ATVPDKIKX0DER",
				"double slash":    strings.Replace(path, "/", "//", 1),
				"inner empty seg": "/" + strings.Replace(path[1:], "/", "//", 1),
			}
			for kind, p := range noMatch {
				if op, ok := ops.Match(w.Method, p); ok {
					t.Errorf("%s: Match(%q, %q) = %s, want no match", kind, w.Method, p, op.Name)
				}
			}
			if op, ok := ops.Match(strings.ToLower(w.Method), path); ok {
				t.Errorf("lower-case method: Match(%q, %q) = %s, want no match", strings.ToLower(w.Method), path, op.Name)
			}
			// An extra or a missing segment may be another operation, but
			// never this one, and only the one the reference matcher picks.
			others := map[string]string{
				"extra segment":   path + "/extra",
				"missing segment": path[:strings.LastIndexByte(path, '/')],
			}
			for kind, p := range others {
				op, ok := ops.Match(w.Method, p)
				if ok && op.Index == w.Index {
					t.Errorf("%s: Match(%q, %q) = the operation itself", kind, w.Method, p)
				}
				ref := refMatch(all, w.Method, p)
				if got := index(op, ok); got != ref {
					t.Errorf("%s: Match(%q, %q) = [%d], reference matcher says [%d]", kind, w.Method, p, got, ref)
				}
			}
		})
	}
}

func index(op *ops.Operation, ok bool) int {
	if !ok {
		return -1
	}
	return op.Index
}

// TestLiteralBeatsParam uses the places in the table where a literal and a
// {param} are siblings: a literal segment wins, and a dead end after it
// (wrong method, wrong depth) backtracks to the {param}.
func TestLiteralBeatsParam(t *testing.T) {
	tests := []struct{ method, path, name string }{
		{"POST", "/fba/inventory/v1/items/inventory", "addInventory"},
		{"DELETE", "/fba/inventory/v1/items/inventory", "deleteInventoryItem"},
		{"DELETE", "/fba/inventory/v1/items/blue-shirt-a", "deleteInventoryItem"},
		{"POST", "/fba/outbound/2020-07-01/fulfillmentOrders/preview", "getFulfillmentPreview"},
		{"GET", "/fba/outbound/2020-07-01/fulfillmentOrders/preview", "getFulfillmentOrder"},
		{"PUT", "/fba/outbound/2020-07-01/fulfillmentOrders/preview/cancel", "cancelFulfillmentOrder"},
		{"POST", "/appIntegrations/2024-04-01/notifications/deletion", "deleteNotifications"},
		{"POST", "/appIntegrations/2024-04-01/notifications/deletion/feedback", "recordActionFeedback"},
		{"POST", "/notifications/v1/subscriptions/ANY_OFFER_CHANGED/testNotification", "sendTestNotification"},
		{"GET", "/notifications/v1/subscriptions/ANY_OFFER_CHANGED/testNotification", "getSubscriptionById"},
		{"POST", "/shipping/v2/shipments/rates", "shippingV2.getRates"},
		{"GET", "/shipping/v2/shipments/rates/documents", "getShipmentDocuments"},
		{"PUT", "/shipping/v2/shipments/rates/cancel", "shippingV2.cancelShipment"},
		{"GET", "/shipping/v2/collectionForms/history", "getCollectionForm"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			op, ok := ops.Match(tt.method, tt.path)
			if !ok || op.Name != tt.name {
				t.Fatalf("Match(%q, %q) = %v, %v; want %s", tt.method, tt.path, op, ok, tt.name)
			}
		})
	}
}

// TestMatchAgreesWithReference fills {params} of every template with the
// literals that are their siblings in the table (same method-independent
// prefix), the paths where precedence and backtracking matter, and compares
// Match with the brute-force matcher for every method.
func TestMatchAgreesWithReference(t *testing.T) {
	all := ops.All()
	siblings := map[string]map[string]bool{} // erased prefix -> literals that follow it
	for _, op := range all {
		segs := strings.Split(op.Path, "/")
		for k := 1; k < len(segs); k++ {
			if isParam(segs[k]) {
				continue
			}
			prefix := paramRE.ReplaceAllString(strings.Join(segs[:k], "/"), "{}")
			if siblings[prefix] == nil {
				siblings[prefix] = map[string]bool{}
			}
			siblings[prefix][segs[k]] = true
		}
	}
	methods := []string{"GET", "POST", "PUT", "PATCH", "DELETE"}
	n := 0
	for _, w := range all {
		segs := strings.Split(w.Path, "/")
		for k := 1; k < len(segs); k++ {
			if !isParam(segs[k]) {
				continue
			}
			prefix := paramRE.ReplaceAllString(strings.Join(segs[:k], "/"), "{}")
			for lit := range siblings[prefix] {
				p := strings.Split(fill(w.Path, func(int) string { return "id-1" }), "/")
				p[k] = lit
				path := strings.Join(p, "/")
				for _, m := range methods {
					op, ok := ops.Match(m, path)
					if got, ref := index(op, ok), refMatch(all, m, path); got != ref {
						t.Errorf("Match(%q, %q) = [%d], reference matcher says [%d]", m, path, got, ref)
					}
					n++
				}
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d paths checked", n)
	}
	t.Logf("%d paths checked", n)
}

func TestNewMatcher(t *testing.T) {
	user := []ops.Operation{
		{Index: 1000, Name: "getSecretThing", Method: "GET", Path: "/secret/2027-01-01/things/{thingId}", Restricted: true, Rate: 1, Burst: 5},
		{Index: 1001, Name: "listSecretThings", Method: "GET", Path: "/secret/2027-01-01/things", Restricted: true, DataElements: []string{"buyerInfo"}},
		{Index: 1002, Name: "searchSecretThings", Method: "GET", Path: "/secret/2027-01-01/things/search"},
		{Index: 1003, Name: "deleteSecretThing", Method: "DELETE", Path: "/secret/2027-01-01/things/{id}"},
	}
	m, err := ops.NewMatcher(user)
	if err != nil {
		t.Fatal(err)
	}
	// The Matcher has its own copy.
	user[0].Name, user[1].DataElements[0] = "MUTATED", "MUTATED"
	tests := []struct{ method, path, name string }{
		{"GET", "/secret/2027-01-01/things/t-1", "getSecretThing"},
		{"GET", "/secret/2027-01-01/things/a%2Fb", "getSecretThing"},
		{"GET", "/secret/2027-01-01/things", "listSecretThings"},
		{"GET", "/secret/2027-01-01/things/search", "searchSecretThings"},
		{"DELETE", "/secret/2027-01-01/things/search", "deleteSecretThing"},
		{"GET", "/secret/2027-01-01/things/", ""},
		{"GET", "/secret/2027-01-01/things/t-1?x=1", ""},
		{"get", "/secret/2027-01-01/things/t-1", ""},
		{"GET", "/orders/v0/orders", ""}, // only the caller's operations
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			op, ok := m.Match(tt.method, tt.path)
			got := ""
			if ok {
				got = op.Name
			}
			if got != tt.name {
				t.Fatalf("Match(%q, %q) = %q, want %q", tt.method, tt.path, got, tt.name)
			}
		})
	}
	if op, _ := m.Match("GET", "/secret/2027-01-01/things"); op.DataElements[0] != "buyerInfo" || op.Index != 1001 {
		t.Errorf("Matcher kept %+v, want the operation as given (DataElements buyerInfo, Index 1001)", op)
	}
	if _, ok := ops.Match("GET", "/secret/2027-01-01/things/t-1"); ok {
		t.Error("NewMatcher changed the package table")
	}
	empty, err := ops.NewMatcher(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := empty.Match("GET", "/a"); ok {
		t.Error("an empty Matcher matched")
	}
}

func TestNewMatcherRejects(t *testing.T) {
	ok := ops.Operation{Name: "op", Method: "GET", Path: "/a/{id}"}
	with := func(f func(*ops.Operation)) ops.Operation { o := ok; f(&o); return o }
	tests := []struct {
		name    string
		ops     []ops.Operation
		wantErr string
	}{
		{"same shape", []ops.Operation{ok, with(func(o *ops.Operation) { o.Name, o.Path = "other", "/a/{other}" })}, "same requests"},
		{"same template", []ops.Operation{ok, with(func(o *ops.Operation) { o.Name = "other" })}, "same requests"},
		{"same name", []ops.Operation{ok, with(func(o *ops.Operation) { o.Method = "POST" })}, "both named"},
		{"empty name", []ops.Operation{with(func(o *ops.Operation) { o.Name = "" })}, "empty Name"},
		{"lower-case method", []ops.Operation{with(func(o *ops.Operation) { o.Method = "get" })}, "method"},
		{"no leading slash", []ops.Operation{with(func(o *ops.Operation) { o.Path = "a/{id}" })}, "must start"},
		{"trailing slash", []ops.Operation{with(func(o *ops.Operation) { o.Path = "/a/{id}/" })}, "empty segment"},
		{"partial param", []ops.Operation{with(func(o *ops.Operation) { o.Path = "/a/x{id}" })}, "whole {param}"},
		{"query in template", []ops.Operation{with(func(o *ops.Operation) { o.Path = "/a?x=1" })}, "'?'"},
		{"negative rate", []ops.Operation{with(func(o *ops.Operation) { o.Rate = -1 })}, "rate"},
		{"negative burst", []ops.Operation{with(func(o *ops.Operation) { o.Burst = -1 })}, "burst"},
		{"empty data element", []ops.Operation{with(func(o *ops.Operation) { o.DataElements = []string{""} })}, "DataElements"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ops.NewMatcher(tt.ops)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewMatcher error = %v, want one containing %q", err, tt.wantErr)
			}
			if m != nil {
				t.Fatal("NewMatcher returned a Matcher with its error")
			}
		})
	}
	// The whole table is valid input, as the generator guarantees.
	if _, err := ops.NewMatcher(ops.All()); err != nil {
		t.Fatalf("NewMatcher(All()): %v", err)
	}
}

// matchInputs mixes hits (short and deep, with and without params) and
// misses (early, late, wrong method, query) for the allocation test.
var matchInputs = []struct{ method, path string }{
	{"GET", "/orders/v0/orders/902-3159896-1390916/address"},
	{"GET", "/orders/v0/orders/902-3159896-1390916/orderItems/buyerInfo"},
	{"GET", "/orders/v0/orders"},
	{"GET", "/reports/2021-06-30/documents/amzn1.spdoc.1.4.na.0"},
	{"PUT", "/listings/2021-08-01/items/A3EXAMPLE/blue%2Fshirt"},
	{"POST", "/inbound/fba/2024-03-20/inboundPlans/p1/shipments/s1/deliveryWindowOptions/d1/confirmation"},
	{"DELETE", "/fba/inventory/v1/items/inventory"},
	{"GET", "/orders/v0/orders/902-3159896-1390916/shipment"},
	{"GET", "/nothing/v1/here"},
	{"POST", "/orders/v0/orders/902-3159896-1390916/address"},
	{"GET", "/orders/v0/orders/902-3159896-1390916/address/"},
	{"GET", "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER"},
}

func TestMatchAllocs(t *testing.T) {
	for _, in := range matchInputs {
		if n := testing.AllocsPerRun(100, func() { ops.Match(in.method, in.path) }); n != 0 {
			t.Errorf("Match(%q, %q) allocates %v times per call, want 0", in.method, in.path, n)
		}
	}
	for _, name := range []string{"getOrderAddress", "ordersV0.getOrder", "shippingV2.linkCarrierAccount.PUT", "noSuchOperation", ""} {
		if n := testing.AllocsPerRun(100, func() { ops.Lookup(name) }); n != 0 {
			t.Errorf("Lookup(%q) allocates %v times per call, want 0", name, n)
		}
	}
	m, err := ops.NewMatcher(ops.All())
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range matchInputs {
		if n := testing.AllocsPerRun(100, func() { m.Match(in.method, in.path) }); n != 0 {
			t.Errorf("Matcher.Match(%q, %q) allocates %v times per call, want 0", in.method, in.path, n)
		}
	}
}

// benchInputs is a concrete path for every operation of the table, plus a
// miss for every tenth one (trailing slash, wrong method, unknown path).
func benchInputs() []struct{ method, path string } {
	var in []struct{ method, path string }
	for i, op := range ops.All() {
		p := fill(op.Path, concretes[i%len(concretes)].val)
		in = append(in, struct{ method, path string }{op.Method, p})
		switch i % 30 {
		case 0:
			in = append(in, struct{ method, path string }{op.Method, p + "/"})
		case 10:
			in = append(in, struct{ method, path string }{"OPTIONS", p})
		case 20:
			in = append(in, struct{ method, path string }{op.Method, "/unknown/v1" + p})
		}
	}
	return in
}

func BenchmarkMatch(b *testing.B) {
	in := benchInputs()
	b.ReportAllocs()
	hits := 0
	for i := 0; b.Loop(); i++ {
		x := in[i%len(in)]
		if _, ok := ops.Match(x.method, x.path); ok {
			hits++
		}
	}
	if hits == 0 {
		b.Fatal("no hits")
	}
}

func BenchmarkLookup(b *testing.B) {
	all := ops.All()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, ok := ops.Lookup(all[i%len(all)].Name); !ok {
			b.Fatal("miss")
		}
	}
}
