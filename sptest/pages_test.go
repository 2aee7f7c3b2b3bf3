package sptest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/internal/paging"
	"github.com/spapi-go/spapi/sptest"
)

// tokenAt reads the string at a dotted path of a JSON reply, "" if absent.
func tokenAt(t *testing.T, body []byte, path string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("reply is not JSON: %s", body)
	}
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

// TestPagesThenStop: a list operation gives Options.Pages pages (2 by
// default) and then no token, so that a loop that follows tokens ends; the
// hand-written getOrders handler and the model-answered searchOrders alike.
func TestPagesThenStop(t *testing.T) {
	ops := []struct {
		name, path, param, token string
	}{
		{"searchOrders", "/orders/2026-01-01/orders?marketplaceIds=ATVPDKIKX0DER&createdAfter=2025-01-01T00:00:00Z", "paginationToken", "pagination.nextToken"},
		{"ordersV0.getOrders", "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2025-01-01T00:00:00Z", "NextToken", "payload.NextToken"},
		{"getReports", "/reports/2021-06-30/reports?reportTypes=GET_FLAT_FILE_OPEN_LISTINGS_DATA", "nextToken", "nextToken"},
	}
	for _, pages := range []int{0, 1, 3} {
		want := pages
		if want == 0 {
			want = 2
		}
		srv := sptest.Start(t, sptest.Options{NoRateLimit: true, Pages: pages})
		tok := accessToken(t, srv)
		for _, op := range ops {
			t.Run(op.name+"/"+string(rune('0'+pages)), func(t *testing.T) {
				path, got, seen := op.path, 0, map[string]bool{}
				for got < 10 {
					r := do(t, srv, http.MethodGet, path, tok, nil)
					if r.status != http.StatusOK {
						t.Fatalf("page %d: %v", got+1, r)
					}
					got++
					next := tokenAt(t, r.body, op.token)
					if next == "" {
						if strings.Contains(string(r.body), `"pagination"`) {
							t.Errorf("last page still has a pagination object: %s", r.body)
						}
						break
					}
					if seen[next] {
						t.Fatalf("token %q given twice", next)
					}
					seen[next] = true
					u, _ := url.Parse(op.path)
					q := u.Query()
					if op.name == "getReports" {
						q = url.Values{} // the token alone, as getReports asks
					}
					q.Set(op.param, next)
					path = u.Path + "?" + q.Encode()
				}
				if got != want {
					t.Errorf("%d pages, want %d", got, want)
				}
			})
		}
	}
}

// TestPagesRefuse: a token the fake did not issue, parameters an operation
// refuses beside a token, and other arguments than the token was issued
// for get 400 InvalidInput; what the models allow gets 200.
func TestPagesRefuse(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true, Pages: 3})
	tok := accessToken(t, srv)
	first := func(path, token string) string {
		r := do(t, srv, http.MethodGet, path, tok, nil)
		next := tokenAt(t, r.body, token)
		if r.status != http.StatusOK || next == "" {
			t.Fatalf("first page: %v", r)
		}
		return url.QueryEscape(next)
	}
	so := "/orders/2026-01-01/orders?marketplaceIds=ATVPDKIKX0DER&createdAfter=2025-01-01T00:00:00Z"
	soTok := first(so, "pagination.nextToken")
	rep := first("/reports/2021-06-30/reports?reportTypes=GET_FLAT_FILE_OPEN_LISTINGS_DATA", "nextToken")
	shp := first("/fba/inbound/v0/shipments?QueryType=SHIPMENT&MarketplaceId=ATVPDKIKX0DER&ShipmentStatusList=WORKING", "payload.NextToken")
	for _, c := range []struct {
		name, path string
		status     int
		msg        string
	}{
		{"same arguments", so + "&paginationToken=" + soTok, 200, ""},
		{"page size changed", so + "&maxResultsPerPage=5&paginationToken=" + soTok, 200, ""},
		{"other arguments", "/orders/2026-01-01/orders?marketplaceIds=ATVPDKIKX0DER&createdAfter=2025-02-01T00:00:00Z&paginationToken=" + soTok, 400, "issued for other parameters"},
		{"token not issued", so + "&paginationToken=abc", 400, "Invalid paginationToken"},
		{"token past the last page", so + "&paginationToken=sptest-page-4-00000000", 400, "Invalid paginationToken"},
		{"getReports token alone", "/reports/2021-06-30/reports?nextToken=" + rep, 200, ""},
		{"getReports token and filter", "/reports/2021-06-30/reports?reportTypes=GET_FLAT_FILE_OPEN_LISTINGS_DATA&nextToken=" + rep, 400, "without the other parameters (reportTypes)"},
		{"getShipments NEXT_TOKEN", "/fba/inbound/v0/shipments?QueryType=NEXT_TOKEN&MarketplaceId=ATVPDKIKX0DER&NextToken=" + shp, 200, ""},
		{"getShipments wrong QueryType", "/fba/inbound/v0/shipments?QueryType=SHIPMENT&MarketplaceId=ATVPDKIKX0DER&NextToken=" + shp, 400, "QueryType must be NEXT_TOKEN"},
		{"getShipments filter kept", "/fba/inbound/v0/shipments?QueryType=NEXT_TOKEN&MarketplaceId=ATVPDKIKX0DER&ShipmentStatusList=WORKING&NextToken=" + shp, 400, "(ShipmentStatusList)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, srv, http.MethodGet, c.path, tok, nil)
			if r.status != c.status || !strings.Contains(string(r.body), c.msg) {
				t.Errorf("%v, want %d with %q", r, c.status, c.msg)
			}
			if c.status == 400 && !strings.Contains(string(r.body), `"InvalidInput"`) {
				t.Errorf("%s, want code InvalidInput", r.body)
			}
		})
	}
}

// TestPagesEveryOperation: each of the 73 operations of the table that
// page by token gives a token on its first page, takes it back for the
// second (the last, by default), and refuses a token it did not issue, with
// 400 InvalidInput naming the parameter; each of the 2 that page by offset
// gives a total of Pages times the limit, and refuses a limit of 0.
func TestPagesEveryOperation(t *testing.T) {
	ops := paging.Ops()
	if len(ops) != 75 {
		t.Fatalf("%d paginated operations, want 75", len(ops))
	}
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	tok := accessToken(t, srv)
	call := func(op paging.Op, path string, h http.Header, body string) response {
		t.Helper()
		if op.Method != http.MethodGet && body == "" {
			body = `{}`
		}
		req := mustRequest(t, op.Method, srv.URL()+path, tok, body)
		for k, v := range h {
			req.Header[k] = v
		}
		r := send(t, srv, req)
		if r.status == http.StatusForbidden { // restricted: an RDT for this path
			rdt := rdtFor(t, srv, tok, sptest.RestrictedResource{Method: op.Method, Path: strings.Split(path, "?")[0]})
			req = mustRequest(t, op.Method, srv.URL()+path, rdt, body)
			for k, v := range h {
				req.Header[k] = v
			}
			r = send(t, srv, req)
		}
		return r
	}
	byOffset := 0
	for _, op := range ops {
		t.Run(op.Name, func(t *testing.T) {
			e, ok := modelReplyOf(t, op.Method, op.Path)
			if !ok {
				t.Fatal("not in the sandbox table")
			}
			path, h := withRequired(e, concrete(op.Path))
			if op.Offset != nil {
				byOffset++
				r := call(op, path, h, `{"filters":{},"pagination":{"limit":7,"offset":0}}`)
				var v any
				_ = json.Unmarshal(r.body, &v)
				for _, k := range op.Total {
					v, _ = v.(map[string]any)[k]
				}
				if r.status != op.Status || v != float64(14) {
					t.Errorf("%v: total %v, want %d and 2 pages of 7 (14)", r, v, op.Status)
				}
				r = call(op, path, h, `{"filters":{},"pagination":{"limit":0,"offset":0}}`)
				if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "pagination.limit") {
					t.Errorf("limit 0: %v, want 400 naming pagination.limit", r)
				}
				return
			}
			join := "?"
			if strings.Contains(path, "?") {
				join = "&"
			}
			r := call(op, path, h, "")
			next := tokenAt(t, r.body, strings.Join(op.Token, "."))
			if r.status != op.Status || next == "" {
				t.Fatalf("first page: %v, want %d with a token at %s", r, op.Status, strings.Join(op.Token, "."))
			}
			second := path + join + url.QueryEscape(op.Param) + "=" + url.QueryEscape(next)
			for _, s := range op.Set {
				second = strings.Replace(second, s.Name+"=ATVPDKIKX0DER", s.Name+"="+s.Value, 1)
			}
			if r := call(op, second, h, ""); r.status != op.Status || tokenAt(t, r.body, strings.Join(op.Token, ".")) != "" {
				t.Errorf("second (last) page: %v, want %d without a token", r, op.Status)
			}
			r = call(op, path+join+url.QueryEscape(op.Param)+"=bogus", h, "")
			if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"InvalidInput"`) || !strings.Contains(string(r.body), op.Param) {
				t.Errorf("a token not issued: %v, want 400 InvalidInput naming %s", r, op.Param)
			}
		})
	}
	if byOffset != 2 {
		t.Errorf("%d operations page by offset, want 2", byOffset)
	}
}
