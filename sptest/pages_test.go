package sptest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
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
// gives a total of Pages times the limit, and refuses a limit of 0. Every
// request is the one sptest.ValidRequestFor gives (path parameters,
// required query and headers, body), since the fake refuses what the model
// refuses; a second page sends, beside the token, what the table says the
// operation keeps (all of it, or only its required parameters). The fake
// has made no report, feed or query here, so getReports, getFeeds and
// getQueries play Options.Pages pages too (TestJobListPages has them with
// jobs).
func TestPagesEveryOperation(t *testing.T) {
	ops := paging.Ops()
	if len(ops) != 75 {
		t.Fatalf("%d paginated operations, want 75", len(ops))
	}
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	tok := accessToken(t, srv)
	call := func(v sptest.ValidRequest, q url.Values, body []byte) response {
		t.Helper()
		path := v.Path
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
		send1 := func(token string) response {
			req := mustRequest(t, v.Method, srv.URL()+path, token, string(body))
			for k, vals := range v.Header {
				req.Header[k] = vals
			}
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			return send(t, srv, req)
		}
		r := send1(tok)
		if r.status == http.StatusForbidden { // restricted: an RDT for this path
			r = send1(rdtFor(t, srv, tok, sptest.RestrictedResource{Method: v.Method, Path: v.Path}))
		}
		return r
	}
	byOffset := 0
	for _, op := range ops {
		t.Run(op.Name, func(t *testing.T) {
			v, err := sptest.ValidRequestFor(op.Name)
			if err != nil {
				t.Fatal(err)
			}
			if op.Offset != nil {
				byOffset++
				r := call(v, v.Query, withPageLimit(t, v.Body, op, 7))
				total := jsonPath(r.body, op.Total)
				if r.status != op.Status || total != float64(14) {
					t.Errorf("%v: total %v, want %d and 2 pages of 7 (14)", r, total, op.Status)
				}
				r = call(v, v.Query, withPageLimit(t, v.Body, op, 0))
				if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "pagination.limit") {
					t.Errorf("limit 0: %v, want 400 naming pagination.limit", r)
				}
				return
			}
			r := call(v, v.Query, v.Body)
			next := tokenAt(t, r.body, strings.Join(op.Token, "."))
			if r.status != op.Status || next == "" {
				t.Fatalf("first page: %v, want %d with a token at %s", r, op.Status, strings.Join(op.Token, "."))
			}
			q := url.Values{}
			for k, vals := range v.Query {
				if op.Others != paging.Drop || slices.Contains(op.Required, k) {
					q[k] = vals
				}
			}
			for _, s := range op.Set {
				q.Set(s.Name, s.Value)
			}
			q.Set(op.Param, next)
			if r := call(v, q, v.Body); r.status != op.Status || tokenAt(t, r.body, strings.Join(op.Token, ".")) != "" {
				t.Errorf("second (last) page: %v, want %d without a token", r, op.Status)
			}
			q.Set(op.Param, "bogus")
			r = call(v, q, v.Body)
			if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"InvalidInput"`) || !strings.Contains(string(r.body), op.Param) {
				t.Errorf("a token not issued: %v, want 400 InvalidInput naming %s", r, op.Param)
			}
		})
	}
	if byOffset != 2 {
		t.Errorf("%d operations page by offset, want 2", byOffset)
	}
}

// withPageLimit is body (a JSON object) with op's limit set to limit and
// its offset to 0, the rest as it is.
func withPageLimit(t *testing.T, body []byte, op paging.Op, limit int) []byte {
	t.Helper()
	var v map[string]any
	if len(body) > 0 {
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("the sample body is not a JSON object: %s", body)
		}
	}
	if v == nil {
		v = map[string]any{}
	}
	set := func(path []string, val any) {
		m := v
		for _, k := range path[:len(path)-1] {
			child, ok := m[k].(map[string]any)
			if !ok {
				child = map[string]any{}
				m[k] = child
			}
			m = child
		}
		m[path[len(path)-1]] = val
	}
	set(op.Limit, limit)
	set(op.Offset, 0)
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// jsonPath is the value at path in a JSON reply, nil where the reply has
// none (or is no JSON object on the way).
func jsonPath(body []byte, path []string) any {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
