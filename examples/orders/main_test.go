package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spapi-go/spapi/apis/ordersv0"
	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// addressTemplate is the resource one RDT must cover for every order.
const addressTemplate = "/orders/v0/orders/{orderId}/address"

// newOrdersClient returns a client for srv with dataElements, and the
// generated Orders client wired to its HTTPClient the way the README says.
func newOrdersClient(t *testing.T, srv *sptest.Server, dataElements ...string) (*client.Client, *ordersv0.ClientWithResponses) {
	t.Helper()
	c, err := client.New(client.Config{
		ClientID:     sptest.ClientID,
		ClientSecret: sptest.ClientSecret,
		RefreshToken: sptest.RefreshToken,
		Endpoint:     srv.URL(),
		LWAEndpoint:  srv.LWAURL(),
		DataElements: dataElements,
	})
	if err != nil {
		t.Fatal(err)
	}
	orders, err := ordersv0.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return c, orders
}

// tokensSent is the x-amz-access-token of every recorded request for op.
func tokensSent(srv *sptest.Server, op string) []string {
	var out []string
	for _, r := range srv.Requests() {
		if r.Op == op {
			out = append(out, r.Header.Get("X-Amz-Access-Token"))
		}
	}
	return out
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestFiftyAddressesOneRDT: 50 orders, 10 at a time, through the generated
// client: one RDT for the path template, one LWA token, no 429 although the
// first 30 calls spend the server's whole burst.
func TestFiftyAddressesOneRDT(t *testing.T) {
	// getOrderAddress is published at 0.5/s, burst 30: 10 times faster,
	// the 20 calls past the burst take 4 s. Not 100 times: the client keeps
	// one token of margin under the server's bucket, and at 50/s that is
	// 20 ms, less than a busy machine (-race, every core taken) can delay a
	// request on its way to the server, which can then meet an empty bucket
	// and answer 429 (TestTelemetryCardinality did, at 500/s); at 5/s it is
	// 200 ms.
	srv := sptest.Start(t, sptest.Options{RateScale: 10})
	_, orders := newOrdersClient(t, srv)
	ctx := ctxFor(t)

	const n, inFlight = 50, 10
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%03d-%07d-%07d", 100+i, 1234567, 7654321+i)
	}
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range inFlight {
		wg.Go(func() {
			for i := range next {
				errs[i] = checkAddress(ctx, orders, ids[i])
			}
		})
	}
	for i := range ids {
		next <- i
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start)
	t.Logf("%d calls, %d in flight: %v", n, inFlight, elapsed)

	for i, err := range errs {
		if err != nil {
			t.Errorf("order %d: %v", i, err)
		}
	}
	if got := srv.Calls("getOrderAddress"); got != n {
		t.Errorf("getOrderAddress calls = %d, want %d", got, n)
	}
	if got := srv.CallsByStatus("getOrderAddress", http.StatusTooManyRequests); got != 0 {
		t.Errorf("getOrderAddress 429s = %d, want 0", got)
	}
	if got := srv.RDTCalls(); got != 1 {
		t.Errorf("createRestrictedDataToken calls = %d, want 1", got)
	}
	if got := srv.LWACalls(); got != 1 {
		t.Errorf("LWA calls = %d, want 1", got)
	}
	rdts := srv.IssuedRDTs()
	if len(rdts) != 1 {
		t.Fatalf("issued RDTs = %+v, want 1", rdts)
	}
	want := []sptest.RestrictedResource{{Method: http.MethodGet, Path: addressTemplate}}
	if !resourcesEqual(rdts[0].Resources, want) {
		t.Errorf("RDT resources = %+v, want %+v", rdts[0].Resources, want)
	}
	for i, tok := range tokensSent(srv, "getOrderAddress") {
		if tok != rdts[0].Token {
			t.Errorf("getOrderAddress request %d did not carry the RDT", i)
			break
		}
	}
	// At the published 0.5/s the calls past the burst would take 40 s:
	// the client must have followed the rate header.
	if elapsed > 5*time.Second {
		t.Errorf("took %v, want about half a second at the scaled plan", elapsed)
	}
}

// checkAddress calls getOrderAddress for id and checks the decoded reply.
func checkAddress(ctx context.Context, orders *ordersv0.ClientWithResponses, id string) error {
	resp, err := orders.GetOrderAddressWithResponse(ctx, id)
	switch {
	case err != nil:
		return err
	case resp.StatusCode() != http.StatusOK:
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode(), resp.Body)
	case resp.JSON200 == nil || resp.JSON200.Payload == nil:
		return fmt.Errorf("not decoded: %s", resp.Body)
	}
	p := resp.JSON200.Payload
	if p.AmazonOrderID != id {
		return fmt.Errorf("AmazonOrderId = %q, want %q", p.AmazonOrderID, id)
	}
	if a := p.ShippingAddress; a == nil || a.Name == nil || *a.Name != "Jane Doe" || a.City == nil || *a.City != "Seattle" {
		return fmt.Errorf("ShippingAddress = %+v, want Jane Doe's in Seattle", a)
	}
	return nil
}

// TestGetOrderWithDataElements: with Config.DataElements, getOrder gets an
// RDT for exactly those elements, and the order has the PII they name.
func TestGetOrderWithDataElements(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{RateScale: 100})
	_, orders := newOrdersClient(t, srv, "buyerInfo", "shippingAddress")

	const id = "902-1845936-5435065"
	resp, err := orders.GetOrderWithResponse(ctxFor(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != http.StatusOK || resp.JSON200 == nil || resp.JSON200.Payload == nil {
		t.Fatalf("HTTP %d, body %s: want a decoded 200", resp.StatusCode(), resp.Body)
	}
	o := resp.JSON200.Payload
	if o.AmazonOrderID != id {
		t.Errorf("AmazonOrderId = %q, want %q", o.AmazonOrderID, id)
	}
	if b := o.BuyerInfo; b == nil || b.BuyerEmail == nil || *b.BuyerEmail != "jane@example.com" {
		t.Errorf("BuyerInfo = %+v, want jane@example.com", b)
	}
	if a := o.ShippingAddress; a == nil || a.Name == nil || *a.Name != "Jane Doe" {
		t.Errorf("ShippingAddress = %+v, want Jane Doe's", a)
	}
	if o.BuyerTaxInformation != nil {
		t.Errorf("BuyerTaxInformation = %+v, want none: not asked for", o.BuyerTaxInformation)
	}

	if got := srv.RDTCalls(); got != 1 {
		t.Errorf("createRestrictedDataToken calls = %d, want 1", got)
	}
	rdts := srv.IssuedRDTs()
	if len(rdts) != 1 {
		t.Fatalf("issued RDTs = %+v, want 1", rdts)
	}
	want := []sptest.RestrictedResource{{
		Method:       http.MethodGet,
		Path:         "/orders/v0/orders/{orderId}",
		DataElements: []string{"buyerInfo", "shippingAddress"},
	}}
	if !resourcesEqual(rdts[0].Resources, want) {
		t.Errorf("RDT resources = %+v, want %+v", rdts[0].Resources, want)
	}
	if toks := tokensSent(srv, "ordersV0.getOrder"); len(toks) != 1 || toks[0] != rdts[0].Token {
		t.Errorf("getOrder did not carry the RDT (%d requests)", len(toks))
	}
}

// TestGetOrderWithoutDataElements: without Config.DataElements getOrder
// takes the LWA access token, no Tokens call is made, and the order has no
// PII.
func TestGetOrderWithoutDataElements(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{RateScale: 100})
	_, orders := newOrdersClient(t, srv)

	resp, err := orders.GetOrderWithResponse(ctxFor(t), "902-1845936-5435065")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != http.StatusOK || resp.JSON200 == nil || resp.JSON200.Payload == nil {
		t.Fatalf("HTTP %d, body %s: want a decoded 200", resp.StatusCode(), resp.Body)
	}
	o := resp.JSON200.Payload
	if o.BuyerInfo != nil || o.ShippingAddress != nil || o.BuyerTaxInformation != nil {
		t.Errorf("PII without dataElements: BuyerInfo %+v, ShippingAddress %+v, BuyerTaxInformation %+v",
			o.BuyerInfo, o.ShippingAddress, o.BuyerTaxInformation)
	}
	if o.OrderTotal == nil || o.OrderTotal.Amount == nil || *o.OrderTotal.Amount != "25.98" {
		t.Errorf("OrderTotal = %+v, want the order's non-PII fields decoded", o.OrderTotal)
	}
	if got := srv.RDTCalls(); got != 0 {
		t.Errorf("createRestrictedDataToken calls = %d, want 0", got)
	}
	if got := srv.LWACalls(); got != 1 {
		t.Errorf("LWA calls = %d, want 1", got)
	}
	if toks := tokensSent(srv, "ordersV0.getOrder"); len(toks) != 1 || toks[0] == "" || strings.HasPrefix(toks[0], "Atz.sprdt|") {
		t.Errorf("getOrder tokens = %d, want one LWA access token", len(toks))
	}
}

// TestServerURLMustBeEndpoint: the generated client's server URL must be
// c.Endpoint(). The same server under another name is another host, whose
// requests get no token (403), no limiter and no retries.
func TestServerURLMustBeEndpoint(t *testing.T) {
	if _, err := net.LookupHost("localhost"); err != nil {
		t.Skipf("localhost does not resolve: %v", err)
	}
	srv := sptest.Start(t, sptest.Options{RateScale: 100})
	c, _ := newOrdersClient(t, srv)
	ctx := ctxFor(t)
	u, err := url.Parse(c.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	if u.Hostname() != "127.0.0.1" {
		t.Fatalf("sptest endpoint %s: want 127.0.0.1, so that localhost names another host", c.Endpoint())
	}
	elsewhere := "http://localhost:" + u.Port()
	wrong, err := ordersv0.NewClientWithResponses(elsewhere, ordersv0.WithHTTPClient(c.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}

	// A connection reset, which the client would retry: to another host, it
	// is not. (A scripted 503 would not do: sptest answers a request without
	// a token 403 before any fault, as Amazon does.)
	srv.Script("getOrderAddress", sptest.Fault{Reset: true})
	if _, err := wrong.GetOrderAddressWithResponse(ctx, "902-1845936-5435065"); err == nil || srv.Calls("getOrderAddress") != 1 {
		t.Errorf("a reset via %s: err %v after %d calls, want an error after 1 (no retries)",
			elsewhere, err, srv.Calls("getOrderAddress"))
	}

	resp, err := wrong.GetOrderAddressWithResponse(ctx, "902-1845936-5435065")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != http.StatusForbidden || resp.JSON403 == nil {
		t.Errorf("via %s: HTTP %d, want 403 (no token)", elsewhere, resp.StatusCode())
	}
	for i, tok := range tokensSent(srv, "getOrderAddress") {
		if tok != "" {
			t.Errorf("request %d to %s carried a token", i, elsewhere)
		}
	}
	if srv.LWACalls() != 0 || srv.RDTCalls() != 0 {
		t.Errorf("LWA calls %d, Tokens calls %d: want none for another host", srv.LWACalls(), srv.RDTCalls())
	}

	// The same call to c.Endpoint() works.
	right, err := ordersv0.NewClientWithResponses(c.Endpoint(), ordersv0.WithHTTPClient(c.HTTPClient()))
	if err != nil {
		t.Fatal(err)
	}
	if err := checkAddress(ctx, right, "902-1845936-5435065"); err != nil {
		t.Errorf("via c.Endpoint(): %v", err)
	}
}

// TestGetOrdersListParameters: the generated client sends array query
// parameters comma-separated, as the Swagger model's default collectionFormat
// (csv) says; cmd/oas3conv keeps that through the conversion.
func TestGetOrdersListParameters(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{RateScale: 100})
	_, orders := newOrdersClient(t, srv)

	createdAfter := "2025-01-01T00:00:00Z"
	resp, err := orders.GetOrdersWithResponse(ctxFor(t), &ordersv0.GetOrdersParams{
		MarketplaceIds: []string{"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"},
		CreatedAfter:   &createdAfter,
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != http.StatusOK || resp.JSON200 == nil || resp.JSON200.Payload == nil {
		t.Fatalf("HTTP %d, body %s: want a decoded 200", resp.StatusCode(), resp.Body)
	}
	if got := len(resp.JSON200.Payload.Orders); got != 2 {
		t.Errorf("orders = %d, want 2", got)
	}
	var query string
	for _, r := range srv.Requests() {
		if r.Op == "ordersV0.getOrders" {
			query = r.RawQuery
		}
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := q["MarketplaceIds"], []string{"ATVPDKIKX0DER,A2EUQ1WTGCTBG2"}; !slices.Equal(got, want) {
		t.Errorf("MarketplaceIds = %q (query %q), want %q", got, query, want)
	}
}

// TestRunLocal runs the command's code as main does, with -local.
func TestRunLocal(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-local"}, "" +
			"902-1845936-5435065  Jane Doe, 1 Main St, Seattle, WA, 98101, US\n" +
			"113-7293021-4462645  Jane Doe, 1 Main St, Seattle, WA, 98101, US\n" +
			"114-3941689-8772232  Jane Doe, 1 Main St, Seattle, WA, 98101, US\n"},
		{[]string{"-local", "-data-elements", "111-2222222-3333333"}, "" +
			"111-2222222-3333333  Jane Doe, 1 Main St, Seattle, WA, 98101, US\n" +
			"111-2222222-3333333  buyer: Jane Doe <jane@example.com>\n"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(ctxFor(t), tc.args, &stdout, &stderr); code != 0 {
			t.Errorf("run %q = %d, want 0; stderr: %s", tc.args, code, &stderr)
		}
		if got := stdout.String(); got != tc.want {
			t.Errorf("run %q printed\n%s\nwant\n%s", tc.args, got, tc.want)
		}
		if stderr.Len() != 0 {
			t.Errorf("run %q: stderr %q, want nothing", tc.args, &stderr)
		}
	}
}

// TestRunUsage: bad usage exits 2 and says why; nothing is printed on
// stdout.
func TestRunUsage(t *testing.T) {
	for _, v := range []string{"LWA_CLIENT_ID", "LWA_CLIENT_SECRET", "LWA_REFRESH_TOKEN", "SP_API_REGION", "SP_API_SANDBOX"} {
		t.Setenv(v, "")
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{nil, "LWA_CLIENT_ID is not set"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(ctxFor(t), tc.args, &stdout, &stderr); code != 2 {
			t.Errorf("run %q = %d, want 2", tc.args, code)
		}
		if !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("run %q: stderr %q, want it to say %q", tc.args, &stderr, tc.want)
		}
		if stdout.Len() != 0 {
			t.Errorf("run %q: stdout %q, want nothing", tc.args, &stdout)
		}
	}

	// With credentials but no order id, nothing is sent either.
	t.Setenv("LWA_CLIENT_ID", sptest.ClientID)
	t.Setenv("LWA_CLIENT_SECRET", sptest.ClientSecret)
	t.Setenv("LWA_REFRESH_TOKEN", sptest.RefreshToken)
	var stdout, stderr bytes.Buffer
	if code := run(ctxFor(t), nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "no order id") {
		t.Errorf("run with no order id = %d, stderr %q; want 2 and \"no order id\"", code, &stderr)
	}
}

// resourcesEqual compares RDT resources, dataElements in any order.
func resourcesEqual(got, want []sptest.RestrictedResource) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Method != w.Method || g.Path != w.Path {
			return false
		}
		gd, wd := slices.Sorted(slices.Values(g.DataElements)), slices.Sorted(slices.Values(w.DataElements))
		if !slices.Equal(gd, wd) {
			return false
		}
	}
	return true
}
