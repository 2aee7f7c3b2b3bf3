package restricted_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/spapi-go/tokens/api"
	"github.com/spapi-go/tokens/internal/restricted"
)

// jsonOperation is read from the embedded JSON independently of the
// generator, so that a generator bug cannot hide itself.
type jsonOperation struct {
	API          string   `json:"api"`
	Version      string   `json:"version"`
	Operation    string   `json:"operation"`
	Method       string   `json:"method"`
	Path         string   `json:"path"`
	DataElements []string `json:"dataElements"`
}

func loadJSON(t testing.TB) []jsonOperation {
	t.Helper()
	var doc struct {
		Operations []jsonOperation `json:"operations"`
	}
	if err := json.Unmarshal(api.RestrictedOperations, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Operations) == 0 {
		t.Fatal("no operations in api.RestrictedOperations")
	}
	return doc.Operations
}

const testID = "123-1234567-1234567"

// concrete replaces every {param} segment of a template with testID.
func concrete(template string) string {
	segs := strings.Split(template, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = testID
		}
	}
	return strings.Join(segs, "/")
}

func TestOperationsMatchJSON(t *testing.T) {
	want := loadJSON(t)
	got := restricted.Operations()
	if len(got) != len(want) {
		t.Fatalf("Operations() has %d entries, JSON has %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.API != w.API || g.Version != w.Version || g.Name != w.Operation || g.Method != w.Method || g.Path != w.Path ||
			!reflect.DeepEqual(g.DataElements, w.DataElements) {
			t.Errorf("Operations()[%d] = %+v, JSON has %+v", i, g, w)
		}
	}
}

func TestOperationsIsACopy(t *testing.T) {
	ops := restricted.Operations()
	for i := range ops {
		ops[i].Method = "MUTATED"
		if ops[i].DataElements != nil {
			ops[i].DataElements[0] = "MUTATED"
		}
	}
	op, ok := restricted.Match("GET", "/orders/v0/orders")
	if !ok || op.Method != "GET" || op.DataElements[0] == "MUTATED" {
		t.Fatalf("mutating Operations() changed the table: %+v, %v", op, ok)
	}
	if again := restricted.Operations(); again[0].Method == "MUTATED" {
		t.Fatal("mutating Operations() changed a later Operations()")
	}
}

func TestMatchEveryOperation(t *testing.T) {
	for _, w := range loadJSON(t) {
		for _, path := range []string{concrete(w.Path), w.Path} {
			t.Run(w.Method+" "+path, func(t *testing.T) {
				op, ok := restricted.Match(w.Method, path)
				if !ok || op == nil {
					t.Fatalf("Match(%q, %q) = no match, want %s %s %s", w.Method, path, w.API, w.Version, w.Operation)
				}
				if op.API != w.API || op.Version != w.Version || op.Name != w.Operation || op.Method != w.Method || op.Path != w.Path {
					t.Fatalf("Match(%q, %q) = %s %s %s (%s %s), want %s %s %s (%s %s)",
						w.Method, path, op.API, op.Version, op.Name, op.Method, op.Path,
						w.API, w.Version, w.Operation, w.Method, w.Path)
				}
			})
		}
	}
}

func TestMatchRealisticIDs(t *testing.T) {
	tests := []struct {
		method, path, name string
	}{
		{"GET", "/orders/v0/orders/902-3159896-1390916/address", "getOrderAddress"},
		{"GET", "/orders/v0/orders/902-3159896-1390916/orderItems", "getOrderItems"},
		{"GET", "/orders/v0/orders/902-3159896-1390916/orderItems/buyerInfo", "getOrderItemsBuyerInfo"},
		{"GET", "/orders/v0/orders/902-3159896-1390916", "getOrder"},
		{"GET", "/orders/v0/orders", "getOrders"},
		{"GET", "/mfn/v0/shipments/abc", "getShipment"},
		{"DELETE", "/mfn/v0/shipments/abc", "cancelShipment"},
		{"PUT", "/mfn/v0/shipments/abc/cancel", "cancelShipmentOld"},
		{"POST", "/mfn/v0/shipments", "createShipment"},
		{"GET", "/reports/2021-06-30/documents/amzn1.spdoc.1.4.na.0", "getReportDocument"},
		// Escaped and unescaped ids are both just one segment.
		{"GET", "/orders/v0/orders/a%2Fb/address", "getOrderAddress"},
		{"GET", "/orders/v0/orders/a b/address", "getOrderAddress"},
		// A param is any non-empty segment, including one that looks like a literal.
		{"GET", "/orders/v0/orders/orderItems", "getOrder"},
		{"GET", "/orders/v0/orders/address/address", "getOrderAddress"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			op, ok := restricted.Match(tt.method, tt.path)
			if !ok || op.Name != tt.name {
				t.Fatalf("Match(%q, %q) = %+v, %v; want %s", tt.method, tt.path, op, ok, tt.name)
			}
		})
	}
}

func TestMatchNearMisses(t *testing.T) {
	tests := []struct {
		name, method, path string
	}{
		{"trailing slash", "GET", "/orders/v0/orders/123/address/"},
		{"trailing slash on collection", "GET", "/orders/v0/orders/"},
		{"trailing slash on getReportDocument", "GET", "/reports/2021-06-30/documents/123/"},
		{"extra segment", "GET", "/orders/v0/orders/123/address/extra"},
		{"extra segment after param", "GET", "/mfn/v0/shipments/123/456"},
		{"missing segment", "GET", "/orders/v0"},
		{"missing segment in prefix", "GET", "/vendor/directFulfillment/orders/purchaseOrders"},
		{"empty param segment", "GET", "/orders/v0/orders//address"},
		{"empty param at end", "GET", "/mfn/v0/shipments//cancel"},
		{"double slash", "GET", "//orders/v0/orders"},
		{"POST on a GET op", "POST", "/orders/v0/orders/123/address"},
		{"GET on a PUT op", "GET", "/mfn/v0/shipments/123/cancel"},
		{"PATCH on GET/DELETE path", "PATCH", "/mfn/v0/shipments/123"},
		{"lowercase method", "get", "/orders/v0/orders/123/address"},
		{"mixed-case method", "Get", "/orders/v0/orders"},
		{"empty method", "", "/orders/v0/orders"},
		{"POST shipment", "POST", "/orders/v0/orders/123/shipment"},
		{"GET shipment", "GET", "/orders/v0/orders/123/shipment"},
		{"prefix of literal", "GET", "/orders/v0/ordersX"},
		{"literal prefix", "GET", "/orders/v0/order"},
		{"case of literal", "GET", "/Orders/v0/orders"},
		{"sellers", "GET", "/sellers/v1/marketplaceParticipations"},
		{"reports documents without id", "GET", "/reports/2021-06-30/documents"},
		{"reports other version", "GET", "/reports/2020-09-04/documents/123"},
		{"reports report not document", "GET", "/reports/2021-06-30/reports/123"},
		{"orders other version", "GET", "/orders/v1/orders/123/address"},
		{"no leading slash", "GET", "orders/v0/orders"},
		{"with query", "GET", "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER"},
		{"empty path", "GET", ""},
		{"root", "GET", "/"},
		{"slashes", "GET", "///"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if op, ok := restricted.Match(tt.method, tt.path); ok || op != nil {
				t.Fatalf("Match(%q, %q) = %s %s (%s %s), want no match", tt.method, tt.path, op.API, op.Name, op.Method, op.Path)
			}
		})
	}
}

func TestSpecificPathOnly(t *testing.T) {
	for _, w := range loadJSON(t) {
		t.Run(w.API+" "+w.Version+" "+w.Operation, func(t *testing.T) {
			path := concrete(w.Path)
			op, ok := restricted.Match(w.Method, path)
			if !ok {
				t.Fatalf("Match(%q, %q): no match", w.Method, path)
			}
			wantSpecific := w.API == "Reports" && w.Operation == "getReportDocument"
			if got := op.SpecificPathOnly(); got != wantSpecific {
				t.Errorf("SpecificPathOnly() = %v, want %v", got, wantSpecific)
			}
			wantPath := w.Path
			if wantSpecific {
				wantPath = path
			}
			if got := op.RDTPath(path); got != wantPath {
				t.Errorf("RDTPath(%q) = %q, want %q", path, got, wantPath)
			}
		})
	}
}

func TestRDTPathExamples(t *testing.T) {
	tests := []struct {
		method, path, want string
	}{
		{"GET", "/orders/v0/orders/902-3159896-1390916/address", "/orders/v0/orders/{orderId}/address"},
		{"GET", "/orders/v0/orders", "/orders/v0/orders"},
		{"GET", "/reports/2021-06-30/documents/amzn1.spdoc.1.4.na.0", "/reports/2021-06-30/documents/amzn1.spdoc.1.4.na.0"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			op, ok := restricted.Match(tt.method, tt.path)
			if !ok {
				t.Fatal("no match")
			}
			if got := op.RDTPath(tt.path); got != tt.want {
				t.Errorf("RDTPath = %q, want %q", got, tt.want)
			}
		})
	}
}

// matchInputs mixes hits (short and deep, with and without params) and
// misses (early, late, wrong method) for the allocation test and benchmark.
var matchInputs = []struct{ method, path string }{
	{"GET", "/orders/v0/orders/902-3159896-1390916/address"},
	{"GET", "/orders/v0/orders/902-3159896-1390916/orderItems/buyerInfo"},
	{"GET", "/orders/v0/orders"},
	{"GET", "/reports/2021-06-30/documents/amzn1.spdoc.1.4.na.0"},
	{"POST", "/vendor/directFulfillment/shipping/2021-12-28/shippingLabels/PO123"},
	{"GET", "/orders/v0/orders/902-3159896-1390916/shipment"},
	{"GET", "/sellers/v1/marketplaceParticipations"},
	{"POST", "/orders/v0/orders/902-3159896-1390916/address"},
	{"GET", "/catalog/2022-04-01/items/B000000000"},
	{"GET", "/orders/v0/orders/902-3159896-1390916/address/"},
}

func TestMatchAllocs(t *testing.T) {
	for _, in := range matchInputs {
		if n := testing.AllocsPerRun(100, func() { restricted.Match(in.method, in.path) }); n != 0 {
			t.Errorf("Match(%q, %q) allocates %v times per call, want 0", in.method, in.path, n)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	b.ReportAllocs()
	hits := 0
	for i := 0; b.Loop(); i++ {
		in := matchInputs[i%len(matchInputs)]
		if _, ok := restricted.Match(in.method, in.path); ok {
			hits++
		}
	}
	if hits == 0 {
		b.Fatal("no hits")
	}
}

func FuzzMatch(f *testing.F) {
	for _, in := range matchInputs {
		f.Add(in.method, in.path)
	}
	f.Add("GET", "")
	f.Add("DELETE", "/mfn/v0/shipments/{shipmentId}")
	f.Fuzz(func(t *testing.T, method, path string) {
		op, ok := restricted.Match(method, path)
		if ok != (op != nil) {
			t.Fatalf("Match(%q, %q) = %v, %v: ok disagrees with op", method, path, op, ok)
		}
		if !ok {
			return
		}
		if op.Method != method {
			t.Fatalf("Match(%q, %q) = %s %s: method differs", method, path, op.Method, op.Path)
		}
		got, tmpl := strings.Split(path, "/"), strings.Split(op.Path, "/")
		if len(got) != len(tmpl) {
			t.Fatalf("Match(%q, %q) = %s: %d segments, template has %d", method, path, op.Path, len(got), len(tmpl))
		}
		for i, s := range tmpl {
			if strings.HasPrefix(s, "{") {
				if got[i] == "" {
					t.Fatalf("Match(%q, %q) = %s: empty segment %d for %s", method, path, op.Path, i, s)
				}
				if strings.Contains(got[i], "/") {
					t.Fatalf("impossible: segment contains '/'")
				}
			} else if got[i] != s {
				t.Fatalf("Match(%q, %q) = %s: segment %d is %q, want %q", method, path, op.Path, i, got[i], s)
			}
		}
	})
}
