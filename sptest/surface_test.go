package sptest_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/api"
	"github.com/spapi-go/spapi/sptest"
)

const errUnauthorized = `{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":""}]}`

// factOp is one operation as this test reads the embedded facts, on its own,
// so that the package is checked against the facts and not against itself.
type factOp struct {
	name, method, path string
	rate               float64 // 0 where no plan is published
	burst              int
	restricted         bool
}

func facts(t *testing.T) []factOp {
	t.Helper()
	var plans struct {
		Operations []struct {
			Model, OperationID, Method, Path string
			Rate                             *float64
			Burst                            *int
		}
	}
	var restricted struct {
		Operations []struct{ Operation, Method, Path string }
	}
	if err := json.Unmarshal(api.UsagePlans, &plans); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(api.RestrictedOperations, &restricted); err != nil {
		t.Fatal(err)
	}
	ids, inModel := map[string]int{}, map[string]int{}
	for _, o := range plans.Operations {
		ids[o.OperationID]++
		inModel[o.Model+" "+o.OperationID]++
	}
	var out []factOp
	index := map[string]int{}
	for _, o := range plans.Operations {
		name := o.OperationID
		if ids[name] > 1 {
			name = strings.TrimSuffix(o.Model, ".json") + "." + name
		}
		if inModel[o.Model+" "+o.OperationID] > 1 { // shippingV2's linkCarrierAccount, POST and PUT
			name += "." + o.Method
		}
		f := factOp{name: name, method: o.Method, path: o.Path}
		if o.Rate != nil {
			f.rate, f.burst = *o.Rate, *o.Burst
		}
		index[o.Method+" "+o.Path] = len(out)
		out = append(out, f)
	}
	for _, r := range restricted.Operations {
		i, ok := index[r.Method+" "+r.Path]
		if !ok {
			i = len(out)
			out = append(out, factOp{name: r.Operation, method: r.Method, path: r.Path})
		}
		out[i].restricted = true
	}
	return out
}

var paramRE = regexp.MustCompile(`\{([^}]+)\}`)

// concrete is a path for template: each {param} becomes sptest-param.
func concrete(template string) string { return paramRE.ReplaceAllString(template, "sptest-$1") }

func TestOperationsList(t *testing.T) {
	want := facts(t)
	got := sptest.Operations()
	if len(got) != 371 || len(want) != 371 {
		t.Fatalf("Operations() = %d, facts %d, want 371", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || g.Method != w.method || g.Path != w.path ||
			g.Plan != (sptest.Plan{Rate: w.rate, Burst: w.burst}) || g.Restricted != w.restricted {
			t.Errorf("Operations()[%d] = %+v, want %+v", i, g, w)
		}
	}
}

// TestEveryOperation calls each of the 371 operations on a concrete path with
// a suitable token: it must be answered (200), counted under its name, and
// state its published rate.
func TestEveryOperation(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	tok := accessToken(t, srv)
	ops := facts(t)
	// Each operation is called with a request its model accepts.
	valid := map[string]sptest.ValidRequest{}
	for _, op := range ops {
		if v, err := sptest.ValidRequestFor(op.name); err == nil {
			valid[op.name] = v
		}
	}
	pathOf := func(name, template string) string {
		if v, ok := valid[name]; ok {
			return v.Path
		}
		return concrete(template)
	}
	var res []sptest.RestrictedResource
	for _, op := range ops {
		if op.restricted {
			res = append(res, sptest.RestrictedResource{Method: op.method, Path: pathOf(op.name, op.path)})
		}
	}
	rdt := rdtFor(t, srv, tok, res...)
	for _, op := range ops {
		t.Run(op.method+" "+op.path, func(t *testing.T) {
			token, body := tok, []byte(`{}`)
			if op.restricted {
				token = rdt
			}
			if op.name == "createRestrictedDataToken" {
				body = []byte(`{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders"}]}`)
			}
			if op.method == http.MethodGet || op.method == http.MethodDelete {
				body = nil
			}
			// Every operation answers the 2xx its model documents, given
			// its required parameters.
			path, status := concrete(op.path), 200
			var header http.Header
			if e, ok := modelReplyOf(t, op.method, op.path); ok && !handled[op.name] {
				path, header = withRequired(e, path)
				status = e.Status
			}
			if v, ok := valid[op.name]; ok {
				path, header = v.URL(), v.Header
				if v.Body != nil {
					body = v.Body
				}
			}
			before := srv.Calls(op.name)
			r := doWith(t, srv, op.method, path, token, body, header)
			if r.status != status || (len(r.body) > 0 || status != 204) && !json.Valid(r.body) {
				t.Errorf("%s: reply = %v, want %d", op.name, r, status)
			}
			if got := srv.Calls(op.name) - before; got != 1 {
				t.Errorf("Calls(%q) went up by %d, want 1", op.name, got)
			}
			reqs := srv.Requests()
			if last := reqs[len(reqs)-1]; last.Op != op.name {
				t.Errorf("RecordedRequest.Op = %q, want %q", last.Op, op.name)
			}
			wantRate := ""
			if op.rate > 0 {
				wantRate = strconv.FormatFloat(op.rate, 'f', -1, 64)
			}
			if got := r.header.Get("x-amzn-RateLimit-Limit"); got != wantRate {
				t.Errorf("x-amzn-RateLimit-Limit = %q, want %q", got, wantRate)
			}
		})
	}
	if got := srv.Calls("other"); got != 0 {
		t.Errorf("Calls(other) = %d, want 0", got)
	}
}

// TestGenericReply: an operation without a handler of its own answers the
// status and body of the generated table (its model's), whatever its method.
func TestGenericReply(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	tok := accessToken(t, srv)
	const listing = "/listings/2021-08-01/items/{sellerId}/{sku}"
	for _, tt := range []struct{ method, template, path, op string }{
		{http.MethodGet, listing, "/listings/2021-08-01/items/A1SELLER/SKU-1?marketplaceIds=ATVPDKIKX0DER", "getListingsItem"},
		{http.MethodPut, listing, "/listings/2021-08-01/items/A1SELLER/SKU-1?marketplaceIds=ATVPDKIKX0DER", "listingsItems_2021-08-01.putListingsItem"},
		{http.MethodPatch, listing, "/listings/2021-08-01/items/A1SELLER/SKU-1?marketplaceIds=ATVPDKIKX0DER", "listingsItems_2021-08-01.patchListingsItem"},
		{http.MethodDelete, listing, "/listings/2021-08-01/items/A1SELLER/SKU-1?marketplaceIds=ATVPDKIKX0DER", "listingsItems_2021-08-01.deleteListingsItem"},
		{http.MethodPost, "/reports/2021-06-30/schedules", "/reports/2021-06-30/schedules", "createReportSchedule"},
		{http.MethodGet, "/orders/2026-01-01/orders/{orderId}", "/orders/2026-01-01/orders/" + orderID, "orders_2026-01-01.getOrder"},
	} {
		t.Run(tt.op, func(t *testing.T) {
			e, _ := modelReplyOf(t, tt.method, tt.template)
			body := []byte(`{}`)
			if v, err := sptest.ValidRequestFor(tt.op); err == nil && v.Body != nil {
				body = v.Body // a body the model accepts
			}
			wantReply(t, do(t, srv, tt.method, tt.path, tok, body), e.Status, string(e.Reply))
			if srv.Calls(tt.op) != 1 {
				t.Errorf("Calls(%q) = %d", tt.op, srv.Calls(tt.op))
			}
		})
	}
}

// TestMatching checks the matcher's rules: method exact, a {param} is one
// non-empty segment (escaped, so %2F does not split it), a literal segment
// beats a {param} for the same method, and anything else is "other".
func TestMatching(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	tok := accessToken(t, srv)
	const outbound = "/fba/outbound/2020-07-01/fulfillmentOrders/"
	tests := []struct {
		name, method, path, op string
	}{
		{"literal beats param", http.MethodPost, outbound + "preview", "getFulfillmentPreview"},
		{"param where the literal has another method", http.MethodGet, outbound + "preview", "getFulfillmentOrder"},
		{"param, PUT", http.MethodPut, outbound + "preview", "updateFulfillmentOrder"},
		{"literal in a deeper segment", http.MethodPost, "/notifications/v1/subscriptions/ANY_OFFER_CHANGED/testNotification", "sendTestNotification"},
		{"param in a deeper segment", http.MethodGet, "/notifications/v1/subscriptions/ANY_OFFER_CHANGED/testNotification", "getSubscriptionById"},
		{"escaped slash in a SKU", http.MethodGet, "/listings/2021-08-01/items/A1SELLER/red%2Fmug", "getListingsItem"},
		{"query string ignored", http.MethodGet, "/listings/2021-08-01/items/A1SELLER/SKU?marketplaceIds=ATVPDKIKX0DER", "getListingsItem"},
		{"unknown path", http.MethodGet, "/no/such/path", "other"},
		{"unknown method", http.MethodPatch, "/orders/v0/orders/" + orderID, "other"},
		{"empty param segment", http.MethodGet, "/orders/v0/orders//address", "other"},
		{"trailing slash", http.MethodGet, "/orders/v0/orders/", "other"},
		{"extra segment", http.MethodGet, "/orders/v0/orders/" + orderID + "/address/x", "other"},
		{"unescaped slash in a SKU", http.MethodGet, "/listings/2021-08-01/items/A1SELLER/red/mug", "other"},
		{"root", http.MethodGet, "/", "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.Calls(tt.op)
			r := do(t, srv, tt.method, tt.path, tok, nil)
			if got := srv.Calls(tt.op) - before; got != 1 {
				reqs := srv.Requests()
				t.Fatalf("Calls(%q) went up by %d; the request was counted as %q", tt.op, got, reqs[len(reqs)-1].Op)
			}
			if tt.op == "other" {
				wantReply(t, r, 404, errNotFound)
				if h := r.header.Values("x-amzn-RateLimit-Limit"); h != nil {
					t.Errorf("404 has rate header %q", h)
				}
			} else if r.status == http.StatusNotFound {
				t.Errorf("reply = %v", r) // a 400 for a missing parameter is fine here
			}
		})
	}
}

// TestTokenCoverage: a valid token that does not cover the request gets the
// real 403 with empty details (a client must not refresh its token on it).
func TestTokenCoverage(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true}) // mfn getShipment has burst 1
	tok := accessToken(t, srv)
	const (
		shipment = "/mfn/v0/shipments/0b7a0a53-00c3-4f6f-a63a-639f76ee9253" // shipmentId is a UUID (the model's pattern)
		dfOrder  = "/vendor/directFulfillment/orders/v1/purchaseOrders/PO-1"
		listing  = "/listings/2021-08-01/items/A1SELLER/SKU-1?marketplaceIds=ATVPDKIKX0DER"
		cancel   = "/mfn/v0/shipments/0b7a0a53-00c3-4f6f-a63a-639f76ee9253/cancel"
	)
	model := func(method, template string) string {
		e, _ := modelReplyOf(t, method, template)
		return string(e.Reply)
	}
	shipmentRDT := rdtFor(t, srv, tok, get("/mfn/v0/shipments/{shipmentId}"))
	dfRDT := rdtFor(t, srv, tok, get(dfOrder))
	otherShipment := rdtFor(t, srv, tok, get("/mfn/v0/shipments/1c8b1b64-00c3-4f6f-a63a-639f76ee9253"))
	cancelRDT := rdtFor(t, srv, tok, sptest.RestrictedResource{Method: http.MethodPut, Path: "/mfn/v0/shipments/{shipmentId}/cancel"})
	deleteRDT := rdtFor(t, srv, tok, sptest.RestrictedResource{Method: http.MethodDelete, Path: shipment})

	tests := []struct {
		name, method, path, token string
		status                    int
		body                      string
	}{
		{"LWA token on a restricted op", http.MethodGet, shipment, tok, 403, errUnauthorized},
		{"LWA token on a restricted vendor op", http.MethodGet, dfOrder, tok, 403, errUnauthorized},
		{"LWA token on cancelShipmentOld", http.MethodPut, cancel, tok, 403, errUnauthorized},
		{"RDT for another path", http.MethodGet, shipment, otherShipment, 403, errUnauthorized},
		{"RDT for another operation", http.MethodGet, shipment, dfRDT, 403, errUnauthorized},
		{"RDT for another method", http.MethodGet, shipment, deleteRDT, 403, errUnauthorized},
		{"RDT on a non-restricted op", http.MethodGet, listing, shipmentRDT, 403, errUnauthorized},
		{"RDT on the Tokens call", http.MethodPost, rdtPath, shipmentRDT, 403, errUnauthorized},
		{"RDT template", http.MethodGet, shipment, shipmentRDT, 200, model(http.MethodGet, "/mfn/v0/shipments/{shipmentId}")},
		{"RDT specific path", http.MethodGet, dfOrder, dfRDT, 200, model(http.MethodGet, "/vendor/directFulfillment/orders/v1/purchaseOrders/{purchaseOrderNumber}")},
		{"RDT for DELETE", http.MethodDelete, shipment, deleteRDT, 200, model(http.MethodDelete, "/mfn/v0/shipments/{shipmentId}")},
		{"RDT on cancelShipmentOld", http.MethodPut, cancel, cancelRDT, 200, `{"payload":{}}`}, // in no model
		{"LWA token on a non-restricted op", http.MethodGet, listing, tok, 200, model(http.MethodGet, "/listings/2021-08-01/items/{sellerId}/{sku}")},
		{"rejected token on an unknown path", http.MethodGet, "/no/such/path", "Atza|made-up", 403, errDenied},
		{"RDT on an unknown path", http.MethodGet, "/no/such/path", shipmentRDT, 404, errNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.method == http.MethodPost || tt.method == http.MethodPut {
				body = []byte(`{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders"}]}`)
			}
			wantReply(t, do(t, srv, tt.method, tt.path, tt.token, body), tt.status, tt.body)
		})
	}
	if got := srv.CallsByStatus("merchantFulfillmentV0.getShipment", 403); got != 4 {
		t.Errorf("CallsByStatus(merchantFulfillmentV0.getShipment, 403) = %d, want 4", got)
	}
	if got := srv.CallsByStatus("cancelShipmentOld", 200); got != 1 {
		t.Errorf("CallsByStatus(cancelShipmentOld, 200) = %d, want 1", got)
	}
}

// TestGrantlessToken: a grantless LWA token calls non-restricted operations.
func TestGrantlessToken(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{})
	f := refreshForm()
	f.Set("grant_type", "client_credentials")
	f.Del("refresh_token")
	f.Set("scope", "sellingpartnerapi::notifications")
	r := postForm(t, srv, f)
	var lwa struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(r.body, &lwa); err != nil || r.status != 200 {
		t.Fatalf("grantless LWA: %v", r)
	}
	e, _ := modelReplyOf(t, http.MethodGet, "/notifications/v1/destinations")
	wantReply(t, do(t, srv, http.MethodGet, "/notifications/v1/destinations", lwa.AccessToken, nil), 200, string(e.Reply))
	if srv.Calls("getDestinations") != 1 {
		t.Errorf("Calls(getDestinations) = %d", srv.Calls("getDestinations"))
	}
}
