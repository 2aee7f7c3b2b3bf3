package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/feed/listings"
	"github.com/spapi-go/spapi/internal/jsonschema"
	"github.com/spapi-go/spapi/report/accounthealth"
	"github.com/spapi-go/spapi/report/b2bproductopportunitiesnotyetonamazon"
	"github.com/spapi-go/spapi/report/b2bproductopportunitiesrecommendedforyou"
	"github.com/spapi-go/spapi/report/enduserdata"
	"github.com/spapi-go/spapi/report/marketplaceasinpageviewmetrics"
	"github.com/spapi-go/spapi/report/promotion"
	"github.com/spapi-go/spapi/report/sellercoupon"
	"github.com/spapi-go/spapi/report/sellersalesandtraffic"
	"github.com/spapi-go/spapi/report/sellingpartnermarketbasketanalysis"
	"github.com/spapi-go/spapi/report/sellingpartnerrepeatpurchase"
	"github.com/spapi-go/spapi/report/sellingpartnersearchcatalogperformance"
	"github.com/spapi-go/spapi/report/sellingpartnersearchqueryperformance"
	"github.com/spapi-go/spapi/report/sellingpartnersearchterms"
	"github.com/spapi-go/spapi/report/vendorcoupon"
	"github.com/spapi-go/spapi/report/vendorforecasting"
	"github.com/spapi-go/spapi/report/vendorinventory"
	"github.com/spapi-go/spapi/report/vendornetpureproductmargin"
	"github.com/spapi-go/spapi/report/vendorrealtimeinventory"
	"github.com/spapi-go/spapi/report/vendorrealtimesales"
	"github.com/spapi-go/spapi/report/vendorrealtimetraffic"
	"github.com/spapi-go/spapi/report/vendorsales"
	"github.com/spapi-go/spapi/report/vendortraffic"
)

// reportTypes is the root type of every JSON report schema's package.
var reportTypes = []struct {
	file string
	new  func() any
}{
	{"accountHealthReport-2020-11-18.json", func() any { return new(accounthealth.Report) }},
	{"b2bProductOpportunitiesNotYetOnAmazonReport-2020-11-19.json", func() any { return new(b2bproductopportunitiesnotyetonamazon.Report) }},
	{"b2bProductOpportunitiesRecommendedForYouReport-2020-11-19.json", func() any { return new(b2bproductopportunitiesrecommendedforyou.Report) }},
	{"endUserDataReport.json", func() any { return new(enduserdata.Report) }},
	{"marketplaceAsinPageViewMetrics.json", func() any { return new(marketplaceasinpageviewmetrics.Report) }},
	{"promotionReport.json", func() any { return new(promotion.Report) }},
	{"sellerCouponReport.json", func() any { return new(sellercoupon.Report) }},
	{"sellerSalesAndTrafficReport.json", func() any { return new(sellersalesandtraffic.Report) }},
	{"sellingPartnerMarketBasketAnalysisReport.json", func() any { return new(sellingpartnermarketbasketanalysis.Report) }},
	{"sellingPartnerRepeatPurchaseReport.json", func() any { return new(sellingpartnerrepeatpurchase.Report) }},
	{"sellingPartnerSearchCatalogPerformanceReport.json", func() any { return new(sellingpartnersearchcatalogperformance.Report) }},
	{"sellingPartnerSearchQueryPerformanceReport.json", func() any { return new(sellingpartnersearchqueryperformance.Report) }},
	{"sellingPartnerSearchTermsReport.json", func() any { return new(sellingpartnersearchterms.Report) }},
	{"vendorCouponReport.json", func() any { return new(vendorcoupon.Report) }},
	{"vendorForecastingReport.json", func() any { return new(vendorforecasting.Report) }},
	{"vendorInventoryReport.json", func() any { return new(vendorinventory.Report) }},
	{"vendorNetPureProductMarginReport.json", func() any { return new(vendornetpureproductmargin.Report) }},
	{"vendorRealTimeInventoryReport.json", func() any { return new(vendorrealtimeinventory.Report) }},
	{"vendorRealTimeSalesReport.json", func() any { return new(vendorrealtimesales.Report) }},
	{"vendorRealTimeTrafficReport.json", func() any { return new(vendorrealtimetraffic.Report) }},
	{"vendorSalesReport.json", func() any { return new(vendorsales.Report) }},
	{"vendorTrafficReport.json", func() any { return new(vendortraffic.Report) }},
}

// TestReportTypesCoverEverySchema fails when a report schema has no
// package in reportTypes (a new schema needs genpayloads run once and a
// line here).
func TestReportTypesCoverEverySchema(t *testing.T) {
	files, err := filepath.Glob("../../../api/schemas/reports/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no report schemas: %v", err)
	}
	for _, f := range files {
		if !slices.ContainsFunc(reportTypes, func(r struct {
			file string
			new  func() any
		}) bool {
			return r.file == filepath.Base(f)
		}) {
			t.Errorf("%s has no generated package in reportTypes", f)
		}
	}
}

// TestReportExamplesRoundTrip decodes every example of every JSON report
// schema into its generated type and encodes it again: the JSON is the same
// value, no key lost or added.
func TestReportExamplesRoundTrip(t *testing.T) {
	for _, rt := range reportTypes {
		t.Run(rt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("../../../api/schemas/reports", rt.file))
			if err != nil {
				t.Fatal(err)
			}
			var s struct {
				Examples []json.RawMessage `json:"examples"`
			}
			if err := json.Unmarshal(data, &s); err != nil {
				t.Fatal(err)
			}
			if len(s.Examples) == 0 {
				t.Fatal("the schema has no examples")
			}
			for i, ex := range s.Examples {
				roundTrip(t, fmt.Sprintf("example %d", i), ex, rt.new(), schemaViolations[rt.file]...)
			}
		})
	}
}

// TestListingsExamplesRoundTrip does the same for Amazon's example feed and
// processing report.
func TestListingsExamplesRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		file string
		v    any
	}{
		{"listings-feed-schema-v2.example.json", new(listings.Feed)},
		{"listings-feed-processing-report-schema-v2.example.json", new(listings.ProcessingReport)},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("../../../api/schemas/feeds", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, tc.file, data, tc.v)
		})
	}
}

// schemaViolations are keys that Amazon's examples leave out although the
// schema requires them; the Go type writes the zero value, which the
// round trip then reports as added. Each is checked to be a required key
// (TestSchemaViolationsAreRequired): only a key added can be excused, never
// one lost.
var schemaViolations = map[string][]string{
	// The example's performanceMetrics[0] omits five of the keys its
	// schema requires (it names prefulfillmentCancelRate, kept in Extra).
	"accountHealthReport-2020-11-18.json": {
		"$.performanceMetrics[*].documentRequests",
		"$.performanceMetrics[*].preFulfillmentCancellationRate",
		"$.performanceMetrics[*].restrictedProductPolicyViolations",
		"$.performanceMetrics[*].suspectedIntellectualPropertyViolations",
		"$.performanceMetrics[*].warningStates",
	},
	// The example spells browserPageViews "browerPageViews" in some days
	// (kept in Extra).
	"sellerSalesAndTrafficReport.json": {"$.salesAndTrafficByDate[*].trafficByDate.browserPageViews"},
}

// roundTrip decodes data into v, encodes v, and compares the two documents
// as generic JSON; excused are the paths (indexes as [*]) where a key added
// is Amazon's example violating its schema.
func roundTrip(t *testing.T, name string, data []byte, v any, excused ...string) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: decoding into %T: %v", name, v, err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: encoding %T: %v", name, v, err)
	}
	var want, got any
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	for _, d := range jsonDiff("$", want, got, nil) {
		if d.added && slices.Contains(excused, starIndexes.ReplaceAllString(d.path, "[*]")) {
			continue
		}
		t.Errorf("%s: %T changed the document: %s", name, v, d)
	}
}

var starIndexes = regexp.MustCompile(`\[[0-9]+\]`)

// diff is one difference between two generic JSON values.
type diff struct {
	path  string
	added bool // a key the encoding added
	what  string
}

func (d diff) String() string { return d.path + ": " + d.what }

// jsonDiff appends every place where two generic JSON values differ.
func jsonDiff(path string, want, got any, out []diff) []diff {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return append(out, diff{path: path, what: fmt.Sprintf("want an object, got %T", got)})
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			wv, wok := w[k]
			gv, gok := g[k]
			switch {
			case !gok:
				out = append(out, diff{path: path + "." + k, what: "key lost"})
			case !wok:
				out = append(out, diff{path: path + "." + k, added: true, what: fmt.Sprintf("key added (%v)", gv)})
			default:
				out = jsonDiff(path+"."+k, wv, gv, out)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return append(out, diff{path: path, what: fmt.Sprintf("want %d elements, got %v", len(w), got)})
		}
		for i := range w {
			out = jsonDiff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], out)
		}
		return out
	}
	if !reflect.DeepEqual(want, got) {
		out = append(out, diff{path: path, what: fmt.Sprintf("want %v, got %v", want, got)})
	}
	return out
}

// TestSchemaViolationsAreRequired checks each excused key: the schema
// requires it at that path, so the example (not the type) is wrong.
func TestSchemaViolationsAreRequired(t *testing.T) {
	for file, paths := range schemaViolations {
		data, err := os.ReadFile(filepath.Join("../../../api/schemas/reports", file))
		if err != nil {
			t.Fatal(err)
		}
		s, err := jsonschema.Parse(file, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			t.Run(file+p, func(t *testing.T) {
				cur := s
				segs := strings.Split(strings.TrimPrefix(p, "$."), ".")
				for i, seg := range segs {
					name, arr := strings.CutSuffix(seg, "[*]")
					if cur, _, err = s.Resolve(cur); err != nil {
						t.Fatal(err)
					}
					if i == len(segs)-1 {
						if !cur.IsRequired(name) {
							t.Fatalf("%s is not required at %s", name, p)
						}
						return
					}
					next := cur.Properties.Get(name)
					if next == nil {
						t.Fatalf("no property %s on the way to %s", name, p)
					}
					if arr {
						if next, _, err = s.Resolve(next); err != nil {
							t.Fatal(err)
						}
						next = next.Items
					}
					cur = next
				}
			})
		}
	}
}

// TestExtraKeepsUnknownKeys shows where the unknown keys of Amazon's example
// go: sellerSalesAndTraffic's example spells browserPageViews
// "browerPageViews" on some days, which lands in Extra and is written back.
func TestExtraKeepsUnknownKeys(t *testing.T) {
	data, err := os.ReadFile("../../../api/schemas/reports/sellerSalesAndTrafficReport.json")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Examples []json.RawMessage `json:"examples"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	var r sellersalesandtraffic.Report
	if err := json.Unmarshal(s.Examples[0], &r); err != nil {
		t.Fatal(err)
	}
	kept := 0
	for _, d := range r.SalesAndTrafficByDate {
		if v, ok := d.TrafficByDate.Extra["browerPageViews"]; ok {
			kept++
			out, err := json.Marshal(d.TrafficByDate)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), `"browerPageViews":`+string(v)) {
				t.Errorf("encoded %s lacks browerPageViews", out)
			}
		}
	}
	if kept == 0 {
		t.Fatal("no day kept browerPageViews in Extra")
	}
}
