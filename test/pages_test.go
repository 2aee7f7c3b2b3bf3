package test

// Issue 23 item 3: every paginated operation's iterator (apis/<pkg>/
// pages.gen.go, one case each in the generated pages_gen_test.go) against
// sptest playing pages from the same table (internal/paging).

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spapi-go/spapi/apis/orders20260101"
	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/paging"
	"github.com/spapi-go/spapi/sptest"
)

// pageSample is sptest's valid request for the operation whose iterator
// runs (nil: none), and pagePathNext the next of its path parameters to
// use; set before each case's run (the cases run one after another).
var (
	pageSample   *sptest.ValidRequest
	pagePathNext int
)

// usePageSample sets pageSample for the operation named name.
func usePageSample(name string) {
	pageSample, pagePathNext = nil, 0
	if v, err := sptest.ValidRequestFor(name); err == nil {
		pageSample = &v
	}
}

// pagedCase runs one generated iterator: run builds its arguments.
type pagedCase struct {
	name string
	run  func(ctx context.Context, c *client.Client) (pagedRun, error)
}

// pagedRun is an iterator's pages (each reply's raw body) and, where the
// operation has one, its item iterator.
type pagedRun struct {
	pages iter.Seq2[[]byte, error]
	items iter.Seq2[any, error]
}

// fillPageParams fills a params struct: every required (non-pointer) field,
// and one optional time other than the token parameter, if there is one,
// so that a test sees whether the
// other parameters are kept or dropped with the token.
//
// sptest answers 400 to a request its model refuses, so the values that
// sptest's sample of a valid request (pageSample) names win over these
// placeholders: path parameters in order, query parameters by name, the
// body whole.
func fillPageParams(p any, tokenParam string) {
	s := reflect.ValueOf(p).Elem()
	defer func() {
		if pageSample != nil {
			tok := s.FieldByNameFunc(func(n string) bool {
				sf, _ := s.Type().FieldByName(n)
				form, _, _ := strings.Cut(sf.Tag.Get("form"), ",")
				return form == tokenParam
			})
			var saved reflect.Value
			if tok.IsValid() {
				saved = reflect.New(tok.Type()).Elem()
				saved.Set(tok)
			}
			fillFromSample(s, *pageSample)
			if tok.IsValid() {
				tok.Set(saved)
			}
		}
	}()
	var optional []reflect.Value
	for i := range s.NumField() {
		f, sf := s.Field(i), s.Type().Field(i)
		form, _, _ := strings.Cut(sf.Tag.Get("form"), ",")
		switch {
		case !f.CanSet() || form == tokenParam:
		case f.Kind() != reflect.Pointer:
			pageFill(f)
		default:
			optional = append(optional, f)
		}
	}
	// Only a time: sptest refuses placeholders where a model states an
	// enum, a pattern or bounds, which strings and numbers mostly have;
	// the operations that drop parameters beside a token (getReports,
	// getFeeds, getShipments, getShipmentItems) each take an optional time.
	for _, kinds := range [][]reflect.Kind{{reflect.Struct}} {
		for _, f := range optional {
			if slices.Contains(kinds, f.Type().Elem().Kind()) && (f.Type().Elem().Kind() != reflect.Struct || f.Type().Elem() == timeType) {
				v := reflect.New(f.Type().Elem())
				pageFill(v.Elem())
				f.Set(v)
				return
			}
		}
	}
}

// fillPageArg fills a path parameter ("sptest-1") or a body's required
// fields.
func fillPageArg(p any) {
	v := reflect.ValueOf(p).Elem()
	if pageSample != nil {
		if v.Kind() == reflect.String && pagePathNext < len(pageSample.PathParams) {
			v.SetString(pageSample.PathParams[pagePathNext])
			pagePathNext++
			return
		}
		if v.Kind() == reflect.Struct && pageSample.Body != nil && json.Unmarshal(pageSample.Body, p) == nil {
			return
		}
	}
	if v.Kind() == reflect.Struct && v.Type() != timeType {
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() && f.Kind() != reflect.Pointer {
				pageFill(f)
			}
		}
		return
	}
	pageFill(v)
}

func pageFill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("sptest-1")
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		pageFill(s.Index(0))
		v.Set(s)
	case reflect.Struct:
		if v.Type() == timeType {
			v.Set(reflect.ValueOf(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)))
		} else if f := v.FieldByName("Time"); f.IsValid() && f.Type() == timeType { // openapi_types.Date
			f.Set(reflect.ValueOf(time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)))
		}
	}
}

// jsonAt is the value at path in a JSON body, nil if absent.
func jsonAt(body []byte, path []string) any {
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

// TestPagesEveryIterator: each of the 75 paginated operations' iterators,
// against sptest giving 3 pages, yields exactly 3 pages and stops; for the
// 73 that page by token, each request after the first sends the token of
// the reply before it in the operation's parameter, and its other
// parameters are those of the first request (keep) or only the required
// ones (drop), as the table says; for the 2 that page by offset, the
// offsets are 0, the limit, twice the limit; an item iterator yields every
// item of every page.
func TestPagesEveryIterator(t *testing.T) {
	const pages = 3
	ops := paging.Ops()
	if len(ops) != 75 || len(pagedCases) != len(ops) {
		t.Fatalf("%d paginated operations, %d iterators; want 75 of each", len(ops), len(pagedCases))
	}
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true, Pages: pages})
	c := opClient(t, srv, func(cfg *client.Config) { cfg.NoRateLimit = true })
	byName := map[string]paging.Op{}
	for _, op := range ops {
		byName[op.Name] = op
	}
	var withItems, itemsSeen int
	for _, pc := range pagedCases {
		op, ok := byName[pc.name]
		if !ok {
			t.Errorf("iterator for %s, which the table does not list", pc.name)
			continue
		}
		delete(byName, pc.name)
		t.Run(pc.name, func(t *testing.T) {
			srv.Reset()
			usePageSample(op.Name)
			defer usePageSample("")
			run, err := pc.run(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			var bodies [][]byte
			for body, err := range run.pages {
				if err != nil {
					t.Fatalf("page %d: %v", len(bodies)+1, err)
				}
				bodies = append(bodies, body)
				if len(bodies) > pages+2 {
					t.Fatal("the iterator does not stop")
				}
			}
			if len(bodies) != pages {
				t.Fatalf("%d pages, want %d", len(bodies), pages)
			}
			var qs []url.Values
			var sent [][]byte
			for _, r := range srv.Requests() {
				if r.Op == op.Name {
					q, _ := url.ParseQuery(r.RawQuery)
					qs = append(qs, q)
					sent = append(sent, r.Body)
				}
			}
			if len(qs) != pages {
				t.Fatalf("sptest saw %d requests, want %d", len(qs), pages)
			}
			if op.Offset != nil {
				for i, b := range sent {
					if got := jsonAt(b, op.Offset); got != float64(i*pageLimit) || jsonAt(b, op.Limit) != float64(pageLimit) {
						t.Errorf("request %d: offset %v limit %v, want %d and %d", i+1, got, jsonAt(b, op.Limit), i*pageLimit, pageLimit)
					}
				}
				checkItems(t, op, run, bodies, &withItems, &itemsSeen)
				return
			}
			if qs[0].Has(op.Param) {
				t.Errorf("first request sends %s", op.Param)
			}
			allowed := append([]string{op.Param}, op.Required...)
			var others []string
			for k := range qs[0] {
				if !slices.Contains(allowed, k) {
					others = append(others, k)
				}
			}
			if op.Others == paging.Drop && len(others) == 0 {
				t.Fatalf("first request %v has no optional parameter: nothing to drop", qs[0])
			}
			for i := 1; i < pages; i++ {
				tok, _ := jsonAt(bodies[i-1], op.Token).(string)
				if got := qs[i].Get(op.Param); tok == "" || got != tok {
					t.Errorf("request %d: %s=%q, want the token of page %d, %q", i+1, op.Param, got, i, tok)
				}
				rest := maps(qs[i], op.Param)
				switch op.Others {
				case paging.Keep:
					if want := maps(qs[0], op.Param); rest.Encode() != want.Encode() {
						t.Errorf("request %d sends %v, want the first request's %v kept", i+1, rest, want)
					}
				case paging.Drop:
					for k := range rest {
						if !slices.Contains(op.Required, k) {
							t.Errorf("request %d sends %s beside the token, which %s refuses", i+1, k, op.Name)
						}
					}
					for _, s := range op.Set {
						if rest.Get(s.Name) != s.Value {
							t.Errorf("request %d: %s=%q, want %q", i+1, s.Name, rest.Get(s.Name), s.Value)
						}
					}
				}
			}
			if jsonAt(bodies[pages-1], op.Token) != nil {
				t.Errorf("last page has a token: %.300s", bodies[pages-1])
			}
			checkItems(t, op, run, bodies, &withItems, &itemsSeen)
		})
	}
	for name := range byName {
		t.Errorf("%s paginates, but has no iterator", name)
	}
	// 71 operations have one list per page; getSupplySources' is a list of
	// an inline struct, which has no type name to yield.
	if withItems != 70 || itemsSeen == 0 {
		t.Errorf("%d item iterators yielding %d items, want 70 yielding some", withItems, itemsSeen)
	}
}

// checkItems checks that an item iterator yields every item of bodies, the
// pages its page iterator gave.
func checkItems(t *testing.T, op paging.Op, run pagedRun, bodies [][]byte, withItems, itemsSeen *int) {
	t.Helper()
	if run.items == nil {
		return
	}
	*withItems++
	want := 0
	for _, b := range bodies {
		list, _ := jsonAt(b, op.Items).([]any)
		want += len(list)
	}
	got := 0
	for _, err := range run.items {
		if err != nil {
			t.Fatalf("items: %v", err)
		}
		got++
	}
	if got != want {
		t.Errorf("%d items, want %d (%s of %d pages)", got, want, strings.Join(op.Items, "."), len(bodies))
	}
	*itemsSeen += got
}

// pageLimit is the page size of the operations that page by offset.
const pageLimit = 10

// maps is q without key.
func maps(q url.Values, key string) url.Values {
	out := url.Values{}
	for k, v := range q {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// searchOrders is the iterator the failure tests use.
func searchOrders(t *testing.T, srv *sptest.Server) *orders20260101.ClientWithResponses {
	t.Helper()
	c := opClient(t, srv, func(cfg *client.Config) { cfg.NoRateLimit = true; cfg.MaxRetries = -1 })
	o, err := orders20260101.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

var searchParams = &orders20260101.SearchOrdersParams{MarketplaceIds: &[]string{"ATVPDKIKX0DER"}}

// TestPagesStop: an iterator stops with an error after the last good page
// when a reply repeats a token (no endless loop), when a page is a non-2xx
// (*client.APIError), and when the context ends between pages; and it
// stops calling when the loop breaks.
func TestPagesStop(t *testing.T) {
	page := func(tok string) sptest.Fault {
		return sptest.Fault{Status: 200, Header: map[string][]string{"Content-Type": {"application/json"}},
			Body: []byte(`{"orders":[],"pagination":{"nextToken":"` + tok + `"}}`)}
	}
	for _, c := range []struct {
		name   string
		faults []sptest.Fault
		cancel bool // cancel the context after the first page
		brk    bool // break after the first page
		pages  int  // good pages before the end
		calls  int
		check  func(error) bool
	}{
		{"repeated token", []sptest.Fault{page("A"), page("B"), page("A")}, false, false, 3, 3,
			func(err error) bool { return errors.Is(err, orders20260101.ErrRepeatedPageToken) }},
		{"token of the first page again", []sptest.Fault{page("A"), page("A")}, false, false, 2, 2,
			func(err error) bool { return errors.Is(err, orders20260101.ErrRepeatedPageToken) }},
		{"error page", []sptest.Fault{{}, {Status: 400}}, false, false, 1, 2,
			func(err error) bool {
				var e *client.APIError
				return errors.As(err, &e) && e.StatusCode == 400
			}},
		{"context cancelled", nil, true, false, 1, 1,
			func(err error) bool { return errors.Is(err, context.Canceled) }},
		{"break", nil, false, true, 1, 1, func(err error) bool { return err == nil }},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := sptest.Start(t, sptest.Options{NoRateLimit: true, Pages: 5})
			o := searchOrders(t, srv)
			srv.Script("searchOrders", c.faults...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var good int
			var last error
			for p, err := range o.SearchOrdersPages(ctx, searchParams) {
				if err != nil {
					if p != nil {
						t.Error("a page with the error")
					}
					last = err
					continue // the iterator must end by itself
				}
				good++
				if good > 10 {
					t.Fatal("no end")
				}
				if c.cancel {
					cancel()
				}
				if c.brk {
					break
				}
			}
			if good != c.pages || !c.check(last) {
				t.Errorf("%d pages, then %v; want %d pages and the right error", good, last, c.pages)
			}
			if n := srv.Calls("searchOrders"); n != c.calls {
				t.Errorf("%d calls, want %d", n, c.calls)
			}
		})
	}
}

// TestPagesStartAtToken: a token already in params is where the pages
// start, and the All iterator gives each page's orders.
func TestPagesStartAtToken(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true, Pages: 3})
	o := searchOrders(t, srv)
	var tokens []string
	for p, err := range o.SearchOrdersPages(context.Background(), searchParams) {
		if err != nil {
			t.Fatal(err)
		}
		if p.JSON200.Pagination != nil {
			tokens = append(tokens, *p.JSON200.Pagination.NextToken)
		}
	}
	if len(tokens) != 2 {
		t.Fatalf("tokens %q, want 2", tokens)
	}
	resume := *searchParams
	resume.PaginationToken = &tokens[1]
	n := 0
	for _, err := range o.SearchOrdersPages(context.Background(), &resume) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("%d pages from the last token, want 1", n)
	}
}
