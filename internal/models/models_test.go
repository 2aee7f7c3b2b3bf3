package models

import (
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// loadRealOnce loads the committed models once for all tests (none
// modifies them).
var loadRealOnce = sync.OnceValues(func() ([]*Model, error) { return LoadDir("../../api/models") })

func loadReal(t *testing.T) []*Model {
	t.Helper()
	ms, err := loadRealOnce()
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestAgreesWithUsagePlans checks every operation against
// api/usage-plans.json, which was extracted from the same commit of the
// models by other means: same operations in the same order, same facts.
func TestAgreesWithUsagePlans(t *testing.T) {
	raw, err := os.ReadFile("../../api/usage-plans.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Operations []struct {
			API, Model, Version, OperationID, Method, Path, Note string
			Rate                                                 *float64
			Burst                                                *int
			Deprecated, Grantless                                bool
		}
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	ms := loadReal(t)
	if len(ms) != 66 {
		t.Errorf("%d models, want 66", len(ms))
	}
	all := All(ms)
	if len(all) != len(ref.Operations) {
		t.Fatalf("%d operations, want %d", len(all), len(ref.Operations))
	}
	for i, o := range all {
		r := ref.Operations[i]
		t.Run(o.Name, func(t *testing.T) {
			got := []any{o.Model.API, o.Model.Name + ".json", o.Model.Version, o.ID, o.Method, o.Path, o.Deprecated, o.Grantless, o.Note}
			want := []any{r.API, r.Model, r.Version, r.OperationID, r.Method, r.Path, r.Deprecated, r.Grantless, r.Note}
			for k := range got {
				if got[k] != want[k] {
					t.Errorf("field %d = %q, want %q", k, got[k], want[k])
				}
			}
			switch {
			case (o.Plan == nil) != (r.Rate == nil):
				t.Errorf("plan = %v, want rate %v", o.Plan, r.Rate)
			case o.Plan != nil && (o.Plan.Rate != *r.Rate || o.Plan.Burst != *r.Burst):
				t.Errorf("plan = %+v, want %v/%v", *o.Plan, *r.Rate, *r.Burst)
			}
		})
	}
}

func TestNames(t *testing.T) {
	ms := loadReal(t)
	byName := make(map[string]*Operation)
	for _, o := range All(ms) {
		byName[o.Name] = o
	}
	for name, want := range map[string]string{
		"getReportDocument":                  "reports-api-model/reports_2021-06-30.json",
		"ordersV0.getOrder":                  "orders-api-model/ordersV0.json",
		"orders_2026-01-01.getOrder":         "orders-api-model/orders_2026-01-01.json",
		"shippingV2.linkCarrierAccount.PUT":  "shipping-api-model/shippingV2.json",
		"shippingV2.linkCarrierAccount.POST": "shipping-api-model/shippingV2.json",
		"createRestrictedDataToken":          "tokens-api-model/tokens_2021-03-01.json",
	} {
		if o := byName[name]; o == nil || o.Model.File != want {
			t.Errorf("%s: %v, want an operation of %s", name, o, want)
		}
	}
	for name, want := range map[string]string{
		"shippingV2.linkCarrierAccount.PUT":  "linkCarrierAccountPUT",
		"shippingV2.linkCarrierAccount.POST": "linkCarrierAccountPOST",
		"ordersV0.getOrder":                  "getOrder",
	} {
		if got := byName[name].ConvertedID; got != want {
			t.Errorf("%s: ConvertedID %q, want %q", name, got, want)
		}
	}
}

func TestPackageName(t *testing.T) {
	for in, want := range map[string]string{
		"ordersV0.json":                     "ordersv0",
		"orders_2026-01-01.json":            "orders20260101",
		"x/appIntegrations-2024-04-01.json": "appintegrations20240401",
		"InvoicesApiModel_2024-06-19.json":  "invoicesapimodel20240619",
	} {
		if got := PackageName(in); got != want {
			t.Errorf("PackageName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParsePlan(t *testing.T) {
	tests := []struct {
		name, desc string
		rate       float64
		burst      int
		note       string
	}{
		{"plain", "x\n\n| Rate (requests per second) | Burst |\n| ---- | ---- |\n| 0.0167 | 15 |\n\nmore", 0.0167, 15, ""},
		{"literal newlines", `x\n\n| Rate (requests per second) | Burst |\n| ---- | ---- |\n| 2 | 6 |\n\n`, 2, 6, ""},
		{"none", "no table", 0, 0, noteNoTable},
		{"not a number", "| Rate (requests per second) | Burst |\n| ---- | ---- |\n| n | n |", 0, 0,
			"usage-plan value not a plain number (rate 'n', burst 'n'); table: | Rate (requests per second) | Burst |\n| ---- | ---- |\n| n | n |"},
		{"zero burst", "| Rate (requests per second) | Burst |\n| - | - |\n| 1 | 0 |", 0, 0,
			"usage-plan value not a plain number (rate '1', burst '0'); table: | Rate (requests per second) | Burst |\n| - | - |\n| 1 | 0 |"},
		{"header only", "| Rate (requests per second) | Burst |", 0, 0, "usage-plan table not understood; table: | Rate (requests per second) | Burst |"},
		{"default row", "| Plan type | Rate (requests per second) | Burst |\n| - | - | - |\n|Other| 1 | 1 |\n|Default| 5 | 10 |", 5, 10,
			"rate/burst are the table's Default plan row; full table: | Plan type | Rate (requests per second) | Burst |\n| - | - | - |\n|Other| 1 | 1 |\n|Default| 5 | 10 |"},
		{"no default row", "| Plan type | Rate (requests per second) | Burst |\n| - | - | - |\n|Other| 1 | 1 |", 0, 0,
			"usage-plan table has no Default row; table: | Plan type | Rate (requests per second) | Burst |\n| - | - | - |\n|Other| 1 | 1 |"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, note := parsePlan(tt.desc)
			if note != tt.note {
				t.Errorf("note = %q, want %q", note, tt.note)
			}
			if (p == nil) != (tt.burst == 0) || (p != nil && (p.Rate != tt.rate || p.Burst != tt.burst)) {
				t.Errorf("plan = %+v, want %v/%v", p, tt.rate, tt.burst)
			}
		})
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"empty", fstest.MapFS{"x/README.md": {Data: []byte("x")}}, "no .json model"},
		{"not swagger 2", fstest.MapFS{"x/a.json": {Data: []byte(`{"openapi":"3.0.0"}`)}}, "not a Swagger 2.0 model"},
		{"bad json", fstest.MapFS{"x/a.json": {Data: []byte(`{`)}}, "x/a.json"},
		{"no folder", fstest.MapFS{"a.json": {Data: []byte(`{"swagger":"2.0","info":{"version":"v1"}}`)}}, "API folder"},
		{"no version", fstest.MapFS{"x/a.json": {Data: []byte(`{"swagger":"2.0","info":{}}`)}}, "info.version"},
		{"no operationId", fstest.MapFS{"x/a.json": {Data: []byte(`{"swagger":"2.0","info":{"version":"v1"},"paths":{"/a":{"get":{"responses":{}}}}}`)}}, "no operationId"},
		{"package clash", fstest.MapFS{
			"x/a_1.json": {Data: []byte(`{"swagger":"2.0","info":{"version":"v1"}}`)},
			"y/a-1.json": {Data: []byte(`{"swagger":"2.0","info":{"version":"v1"}}`)},
		}, "both make package"},
		{"digit package", fstest.MapFS{"x/1a.json": {Data: []byte(`{"swagger":"2.0","info":{"version":"v1"}}`)}}, "valid package name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.files)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v, want one containing %q", err, tt.want)
			}
		})
	}

}
