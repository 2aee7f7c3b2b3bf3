package main

import (
	"bytes"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// readReal reads the committed models and JSON files once, as go generate
// does: loading the 66 models is the slow part of these tests.
var readReal = sync.OnceValues(func() (inputs, error) {
	in, _, err := readInputs("../../../api/models", "../../../api/restricted-operations.json", "../../../api/retry-safe-operations.json")
	return in, err
})

// realInputs returns the committed inputs (render does not modify them).
func realInputs(t testing.TB) inputs {
	t.Helper()
	in, err := readReal()
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TestModelsAgreeWithUsagePlans builds the table twice, from the models and
// from api/usage-plans.json (the reference extracted from the same commit
// by other means), and wants the same table: every operation in the same
// order with the same name, method, template, plan, note and flags.
func TestModelsAgreeWithUsagePlans(t *testing.T) {
	fromModels := realInputs(t)
	raw, err := os.ReadFile("../../../api/usage-plans.json")
	if err != nil {
		t.Fatal(err)
	}
	var pd plansDoc
	if err := decodeStrict(raw, &pd); err != nil {
		t.Fatal(err)
	}
	fromRef := fromModels
	fromRef.plans = pd.Operations
	fromRef.source = pd.Source.Repository + " at " + pd.Source.Commit
	a, err := buildTable(fromModels)
	if err != nil {
		t.Fatal(err)
	}
	b, err := buildTable(fromRef)
	if err != nil {
		t.Fatal(err)
	}
	if a.source != b.source {
		t.Errorf("source = %q, want %q", a.source, b.source)
	}
	if len(a.entries) != len(b.entries) {
		t.Fatalf("%d entries, want %d", len(a.entries), len(b.entries))
	}
	for i := range a.entries {
		if !reflect.DeepEqual(a.entries[i], b.entries[i]) {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, a.entries[i], b.entries[i])
		}
	}
	if !slices.Equal(a.literals, b.literals) {
		t.Error("literals differ")
	}
}

// TestRenderUpToDate fails when operations.gen.go was not regenerated after
// a change to the JSON or to the generator.
func TestRenderUpToDate(t *testing.T) {
	want, err := render(realInputs(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../ops/operations.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("internal/ops/operations.gen.go is stale; run go generate ./internal/ops/")
	}
	if !bytes.HasPrefix(got, []byte(header+"\n")) {
		t.Fatalf("generated file does not start with %q", header)
	}
}

func TestRenderDeterministic(t *testing.T) {
	in := realInputs(t)
	a, err := render(in)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, err := render(in)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatal("render is not deterministic")
		}
	}
}

func TestRealTable(t *testing.T) {
	tab, err := buildTable(realInputs(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.entries) != 371 {
		t.Fatalf("%d entries, want 370 usage plans + cancelShipmentOld", len(tab.entries))
	}
	if last := tab.entries[370]; last.Name != "cancelShipmentOld" || last.Model != "" || last.API != "Merchant Fulfillment" || !last.Restricted {
		t.Fatalf("last entry = %+v", last)
	}
}

// fixture builds small documents: each field is the body of one file's
// "operations" array.
type fixture struct{ plans, restricted, retrySafe string }

func (f fixture) inputs() inputs {
	var pd plansDoc
	if err := decodeStrict([]byte(`{"_about":"a","operations":[`+f.plans+`]}`), &pd); err != nil {
		panic(err)
	}
	return inputs{
		source:     "r at c",
		plans:      pd.Operations,
		restricted: []byte(`{"_about":"a","operations":[` + f.restricted + `]}`),
		retrySafe:  []byte(`{"_about":"a","operations":[` + f.retrySafe + `]}`),
	}
}

const (
	planDoc   = `{"api":"reports-api-model","model":"reports_2021-06-30.json","version":"2021-06-30","operationId":"getReportDocument","method":"GET","path":"/reports/2021-06-30/documents/{reportDocumentId}","rate":0.0167,"burst":15,"deprecated":false,"grantless":false}`
	planRates = `{"api":"shipping-api-model","model":"shippingV2.json","version":"v2","operationId":"getRates","method":"POST","path":"/shipping/v2/shipments/rates","rate":80,"burst":100,"deprecated":false,"grantless":false}`
	planNone  = `{"api":"x","model":"x_2024-01-01.json","version":"2024-01-01","operationId":"getX","method":"GET","path":"/x/2024-01-01/x/{id}","rate":null,"burst":null,"deprecated":true,"grantless":true,"note":"no usage-plan table in description"}`
	resDoc    = `{"api":"Reports","version":"2021-06-30","operation":"getReportDocument","method":"GET","path":"/reports/2021-06-30/documents/{reportDocumentId}","dataElements":null}`
	resOld    = `{"api":"Old","version":"v0","operation":"oldOne","method":"PUT","path":"/old/v0/things/{id}/cancel","dataElements":["buyerInfo"]}`
	safeRates = `{"model":"shippingV2.json","operationId":"getRates","why":"quotes"}`
)

var valid = fixture{plans: planDoc + "," + planRates + "," + planNone, restricted: resDoc + "," + resOld, retrySafe: safeRates}

func TestRenderValidFixture(t *testing.T) {
	src, err := render(valid.inputs())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "operations.gen.go", src, parser.ParseComments); err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, src)
	}
	// gofmt aligns the values; compare with runs of blanks collapsed.
	flat := strings.Join(strings.Fields(string(src)), " ")
	for _, want := range []string{
		header,
		"// note: no usage-plan table in description {",
		`Name: "getReportDocument"`,
		"SpecificPath: true",
		"Rate: 0.0167, Burst: 15,",
		"Rate: 0, Burst: 0, Deprecated: true, Grantless: true,",
		"RetrySafe: true",
		`Restricted: true, DataElements: []string{"buyerInfo"}`,
		`Model: "",`,
		"r at c",
		`"shipments",`,
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("output lacks %q:\n%s", want, src)
		}
	}
}

func TestNames(t *testing.T) {
	plan := func(model, id, method, path string) string {
		return `{"api":"a","model":"` + model + `","version":"v1","operationId":"` + id + `","method":"` + method + `","path":"` + path + `","rate":1,"burst":1,"deprecated":false,"grantless":false}`
	}
	f := fixture{
		plans: strings.Join([]string{
			planDoc,
			plan("ordersV0.json", "getOrder", "GET", "/orders/v0/orders/{orderId}"),
			plan("orders_2026-01-01.json", "getOrder", "GET", "/orders/2026-01-01/orders/{orderId}"),
			plan("shippingV2.json", "link", "POST", "/shipping/v2/carrierAccounts/{carrierId}"),
			plan("shippingV2.json", "link", "PUT", "/shipping/v2/carrierAccounts/{carrierId}"),
			plan("shipping.json", "link", "POST", "/shipping/v1/link"),
			plan("shipping.json", "getRates", "POST", "/shipping/v1/rates"),
		}, ","),
		restricted: resDoc + "," + resOld,
		retrySafe:  `{"model":"shipping.json","operationId":"getRates","why":"quotes"}`,
	}
	tab, err := buildTable(f.inputs())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tab.entries {
		got = append(got, e.Name)
	}
	want := []string{
		"getReportDocument",
		"ordersV0.getOrder",
		"orders_2026-01-01.getOrder",
		"shippingV2.link.POST",
		"shippingV2.link.PUT",
		"shipping.link",
		"getRates",
		"oldOne",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("names = %q, want %q", got, want)
	}
}

func TestRenderRejects(t *testing.T) {
	tests := []struct {
		name    string
		f       fixture
		wantErr string
	}{
		{"unknown field in restricted", fixture{valid.plans, strings.Replace(resDoc, `"dataElements"`, `"pii":true,"dataElements"`, 1), safeRates}, "unknown field"},
		{"unknown field in retry-safe", fixture{valid.plans, resDoc, `{"model":"shippingV2.json","operationId":"getRates","why":"q","idempotent":true}`}, "unknown field"},
		{"lower-case method", fixture{valid.plans + "," + strings.Replace(planRates, `"POST"`, `"post"`, 1), resDoc, safeRates}, "method"},
		{"no leading slash", fixture{strings.Replace(valid.plans, `"/shipping/v2/shipments/rates"`, `"shipping/v2/shipments/rates"`, 1), resDoc, safeRates}, "must start"},
		{"trailing slash", fixture{strings.Replace(valid.plans, `"/shipping/v2/shipments/rates"`, `"/shipping/v2/shipments/rates/"`, 1), resDoc, safeRates}, "empty segment"},
		{"partial param", fixture{strings.Replace(valid.plans, `"/x/2024-01-01/x/{id}"`, `"/x/2024-01-01/x/x{id}"`, 1), resDoc, safeRates}, "whole {param}"},
		{"empty operationId", fixture{strings.Replace(valid.plans, `"getX"`, `""`, 1), resDoc, safeRates}, "empty operationId"},
		{"model not .json", fixture{strings.Replace(valid.plans, `"x_2024-01-01.json"`, `"x_2024-01-01"`, 1), resDoc, safeRates}, ".json"},
		{"rate without burst", fixture{strings.Replace(valid.plans, `"burst":100`, `"burst":null`, 1), resDoc, safeRates}, "both"},
		{"zero rate", fixture{strings.Replace(valid.plans, `"rate":80`, `"rate":0`, 1), resDoc, safeRates}, "positive"},
		{"indistinguishable", fixture{valid.plans + "," + strings.NewReplacer(`{id}`, `{other}`, `"getX"`, `"getY"`).Replace(planNone), resDoc, safeRates}, "same requests"},
		{"no plans", fixture{"", resDoc, safeRates}, "no operations"},
		{"trailing data", fixture{}, "trailing data"}, // replaced below
		{
			"duplicate name impossible to resolve",
			fixture{valid.plans + "," + strings.NewReplacer(`"/x/2024-01-01/x/{id}"`, `"/x/2024-01-01/y/{id}"`).Replace(planNone) + "," +
				strings.NewReplacer(`"/x/2024-01-01/x/{id}"`, `"/x/2024-01-01/z/{id}"`).Replace(planNone), resDoc, safeRates},
			"not unique",
		},
		{
			"restricted-only operation needing a model",
			fixture{valid.plans, resDoc + "," + strings.Replace(resOld, `"oldOne"`, `"getRates"`, 1), safeRates},
			"no model",
		},
		{
			"restricted entry resolving to another operation",
			fixture{valid.plans, resDoc + `,{"api":"S","version":"v2","operation":"getShipment","method":"POST","path":"/shipping/v2/shipments/rates","dataElements":null}`, safeRates},
			"whose operationId is getRates",
		},
		{"restricted entry twice", fixture{valid.plans, resDoc + "," + resDoc, safeRates}, "earlier entry"},
		{"restricted bad path", fixture{valid.plans, resDoc + "," + strings.Replace(resOld, "{id}", "{id", 1), safeRates}, "whole {param}"},
		{"restricted empty data element", fixture{valid.plans, resDoc + "," + strings.Replace(resOld, `["buyerInfo"]`, `[""]`, 1), safeRates}, "empty dataElements"},
		{"no specific-path operation", fixture{valid.plans, resOld, safeRates}, "getReportDocument"},
		{"retry-safe entry unknown", fixture{valid.plans, resDoc, `{"model":"shippingV2.json","operationId":"getRatez","why":"q"}`}, "resolves to 0 operations"},
		{"retry-safe entry wrong model", fixture{valid.plans, resDoc, `{"model":"shipping.json","operationId":"getRates","why":"q"}`}, "resolves to 0 operations"},
		{
			"retry-safe entry ambiguous",
			fixture{valid.plans + "," + strings.NewReplacer(`"POST"`, `"PUT"`).Replace(planRates), resDoc, safeRates},
			"resolves to 2 operations",
		},
		{"retry-safe GET", fixture{valid.plans, resDoc, `{"model":"x_2024-01-01.json","operationId":"getX","why":"q"}`}, "only POST and PATCH"},
		{"retry-safe twice", fixture{valid.plans, resDoc, safeRates + "," + safeRates}, "listed twice"},
		{"retry-safe without why", fixture{valid.plans, resDoc, `{"model":"shippingV2.json","operationId":"getRates","why":""}`}, "required"},
		{"retry-safe empty", fixture{valid.plans, resDoc, ""}, "no operations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.f.inputs()
			switch tt.name {
			case "trailing data":
				in = valid.inputs()
				in.retrySafe = append(in.retrySafe, []byte(` {}`)...)
			}
			_, err := render(in)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("render error = %v, want one containing %q", err, tt.wantErr)
			}
			t.Log(err)
		})
	}
}
