package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/spapi-go/spapi/internal/models"
	"github.com/spapi-go/spapi/internal/paging"
)

var loadOnce = sync.OnceValues(func() ([]*models.Model, error) { return models.LoadDir("../../../api/models") })

func realOps(t *testing.T) ([]paged, []skipped) {
	t.Helper()
	ms, err := loadOnce()
	if err != nil {
		t.Fatal(err)
	}
	found, skip, err := find(ms)
	if err != nil {
		t.Fatal(err)
	}
	return found, skip
}

// TestFind: of the 370 operations, 73 paginate by token and 2 by offset;
// the keep/drop table is what the models' words give; the two operations
// with a reply token but no parameter to send it in are skipped, saying
// why.
func TestFind(t *testing.T) {
	found, skip := realOps(t)
	byOffset := 0
	for _, p := range found {
		if p.Offset != nil {
			byOffset++
			if got := strings.Join(p.Offset, ".") + " " + strings.Join(p.Limit, ".") + " " + strings.Join(p.Total, ".") + " " + strings.Join(p.Items, "."); got != "pagination.offset pagination.limit pagination.totalResults offers" {
				t.Errorf("%s: %s, want pagination.offset pagination.limit pagination.totalResults offers", p.Name, got)
			}
		}
	}
	if len(found) != 75 || byOffset != 2 {
		t.Errorf("%d paginated operations, %d by offset; want 75 and 2", len(found), byOffset)
	}
	got := map[string]paged{}
	for _, p := range found {
		got[p.Name] = p
	}
	for _, c := range []struct {
		name, param, token, items string
		others                    paging.Policy
		set                       string
	}{
		{"searchOrders", "paginationToken", "pagination.nextToken", "orders", paging.Keep, ""},
		{"ordersV0.getOrders", "NextToken", "payload.NextToken", "payload.Orders", paging.Keep, ""},
		{"getReports", "nextToken", "nextToken", "reports", paging.Drop, ""},
		{"getFeeds", "nextToken", "nextToken", "feeds", paging.Drop, ""},
		{"fulfillmentInboundV0.getShipments", "NextToken", "payload.NextToken", "payload.ShipmentData", paging.Drop, "QueryType=NEXT_TOKEN"},
		{"getShipmentItems", "NextToken", "payload.NextToken", "payload.ItemData", paging.Drop, "QueryType=NEXT_TOKEN"},
		{"getInventorySummaries", "nextToken", "pagination.nextToken", "payload.inventorySummaries", paging.Keep, ""},
		{"getQueries", "paginationToken", "pagination.nextToken", "queries", paging.Keep, ""},
		{"financesInvoices_2026-06-25.getInvoice", "nextTokenForLineItems", "nextTokenForLineItems", "", paging.Keep, ""},
		{"listOrders", "pageToken", "pagination.nextToken", "orders", paging.Keep, ""},
		{"getServiceJobs", "pageToken", "payload.nextPageToken", "payload.jobs", paging.Keep, ""},
		{"vendorDirectFulfillmentOrdersV1.getOrders", "nextToken", "payload.pagination.nextToken", "payload.orders", paging.Keep, ""},
		{"listFinancialEvents", "NextToken", "payload.NextToken", "", paging.Keep, ""},
		{"getRangeSlotCapacity", "nextPageToken", "nextPageToken", "capacities", paging.Keep, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, ok := got[c.name]
			if !ok {
				t.Fatal("not found")
			}
			var set []string
			for _, s := range p.Set {
				set = append(set, s.Name+"="+s.Value)
			}
			have := []any{p.Param, strings.Join(p.Token, "."), p.Others, strings.Join(set, ",")}
			want := []any{c.param, c.token, c.others, c.set}
			if fmt.Sprint(have) != fmt.Sprint(want) {
				t.Errorf("got %v, want %v (source %q)", have, want, p.Source)
			}
			if c.items != "" && strings.Join(p.Items, ".") != c.items {
				t.Errorf("items %v, want %s", p.Items, c.items)
			}
		})
	}
	var drop []string
	for _, p := range found {
		if p.Others == paging.Drop {
			drop = append(drop, p.Name)
		}
		if !strings.HasPrefix(p.Source, "model: ") && !strings.HasPrefix(p.Source, "default: ") && !strings.HasPrefix(p.Source, "override: ") && !strings.HasPrefix(p.Source, "offset: ") {
			t.Errorf("%s: source %q says not where the policy comes from", p.Name, p.Source)
		}
	}
	wantDrop := []string{"fulfillmentInboundV0.getShipments", "getFeeds", "getReports", "getShipmentItems"}
	if !slices.Equal(drop, wantDrop) {
		t.Errorf("drop: %v, want %v", drop, wantDrop)
	}
	var skipped []string
	for _, s := range skip {
		skipped = append(skipped, s.Name)
	}
	if want := []string{"getQuery", "getShipmentItemsByShipmentId"}; !slices.Equal(skipped, want) {
		t.Errorf("skipped %v, want %v", skip, want)
	}
}

// fakeModel is a one-operation model whose token parameter says desc.
func fakeModel(desc string) fstest.MapFS {
	return fstest.MapFS{"x-api-model/x.json": {Data: []byte(`{"swagger":"2.0","info":{"title":"X","version":"v1"},"paths":{"/x":{"get":{
		"operationId":"listX",
		"parameters":[{"name":"filter","in":"query","type":"string"},{"name":"pageToken","in":"query","type":"string","description":` + fmt.Sprintf("%q", desc) + `}],
		"responses":{"200":{"description":"ok","schema":{"$ref":"#/definitions/R"}}}}}},
		"definitions":{"R":{"type":"object","properties":{"items":{"type":"array","items":{"type":"string"}},"errors":{"type":"array","items":{"type":"string"}},"pagination":{"type":"object","properties":{"nextPageToken":{"type":"string"}}}}}}}`)}}
}

// TestPolicyFromWords: each phrase that refuses other parameters makes an
// operation drop them; a description without one keeps them.
func TestPolicyFromWords(t *testing.T) {
	cases := map[string]paging.Policy{
		"A token. Include this token as the only parameter.":                   paging.Drop,
		"Specifying the token with any other parameters will cause a failure.": paging.Drop,
		"Other filters must not be included with it.":                          paging.Drop,
		"Send only the nextToken.":                                             paging.Drop,
		"With a token, no other parameters are read.":                          paging.Drop,
		"Include the same arguments as the call that produced the token.":      paging.Keep,
		"": paging.Keep,
	}
	for desc, want := range cases {
		t.Run(desc, func(t *testing.T) {
			ms, err := models.Load(fakeModel(desc))
			if err != nil {
				t.Fatal(err)
			}
			found, _, err := find(ms)
			if err != nil || len(found) != 1 {
				t.Fatalf("%v, %v", found, err)
			}
			p := found[0]
			if p.Others != want || p.Param != "pageToken" || strings.Join(p.Token, ".") != "pagination.nextPageToken" {
				t.Errorf("got %v %s %v, want %v pageToken pagination.nextPageToken", p.Others, p.Param, p.Token, want)
			}
			if strings.Join(p.Items, ".") != "items" {
				t.Errorf("items %v, want [items] (errors is no list of items)", p.Items)
			}
		})
	}
}

// TestOverrides: an override wins over the model's words, says why, and
// one that names no paginated operation is an error, not ignored.
func TestOverrides(t *testing.T) {
	saved := maps()
	defer func() { overrides = saved }()
	ms, err := models.Load(fakeModel("Include the same arguments."))
	if err != nil {
		t.Fatal(err)
	}
	overrides = map[string]override{"listX": {paging.Drop, "Amazon's guide says so"}}
	found, _, err := find(ms)
	if err != nil || found[0].Others != paging.Drop || found[0].Source != "override: Amazon's guide says so" {
		t.Errorf("%+v, %v", found, err)
	}
	overrides = map[string]override{"listY": {paging.Drop, "typo"}}
	if _, _, err := find(ms); err == nil || !strings.Contains(err.Error(), "listY") {
		t.Errorf("err = %v, want one naming listY", err)
	}
	// The committed overrides each name a paginated operation and change
	// what the model's words give.
	overrides = saved
	found, _ = realOps(t)
	for name, ov := range saved {
		i := slices.IndexFunc(found, func(p paged) bool { return p.Name == name })
		if i < 0 {
			t.Errorf("override %s names no paginated operation", name)
			continue
		}
		if derived, _ := policy(found[i].op, found[i].token); derived == ov.Others {
			t.Errorf("override %s gives what the model already says", name)
		}
	}
}

func maps() map[string]override {
	m := map[string]override{}
	for k, v := range overrides {
		m[k] = v
	}
	return m
}

// TestUpToDate: the committed table, iterators and test cases are what
// genpages writes from the committed models and apis/.
func TestUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 34 generated packages")
	}
	found, _ := realOps(t)
	files, err := generate(found, "../../../apis")
	if err != nil {
		t.Fatal(err)
	}
	table, err := renderTable(found)
	if err != nil {
		t.Fatal(err)
	}
	files["../../paging/paging.gen.go"] = table
	files["../../../test/pages_gen_test.go"] = files["test"]
	delete(files, "test")
	if n := len(files); n != 34+2 {
		t.Errorf("%d files, want 34 packages, the table and the test", n)
	}
	for name, want := range files {
		got, err := os.ReadFile(name)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale (err %v): run go generate ./apis", filepath.Clean(name), err)
		}
	}
}
