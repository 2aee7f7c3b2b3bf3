package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// TestNightly runs the whole job against sptest: no fake of its own, no
// scripted reply. sptest plays the report and the feed through their states
// and serves their documents from its document host.
func TestNightly(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{RateScale: 100})
	c, err := client.New(srv.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	j := job{Seller: "A1SELLER", Marketplace: "ATVPDKIKX0DER", Day: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), Poll: time.Millisecond}
	if err := run(ctx, c, j, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"order 250-1234567-8901234 ships to ",
		"3 listings, 1 out of stock\n",
		": 1 accepted, 0 invalid\n",
		"patched SPTEST-SKU-1: ACCEPTED\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	for op, want := range map[string]int{
		"searchOrders": 2, "createReport": 1, "getReport": 3, "getReportDocument": 1,
		"createFeedDocument": 1, "createFeed": 1, "getFeed": 3, "getFeedDocument": 1,
		"listingsItems_2021-08-01.patchListingsItem": 1,
	} {
		if n := srv.Calls(op); n != want {
			t.Errorf("Calls(%s) = %d, want %d", op, n, want)
		}
	}
	if srv.Calls("getOrderAddress") == 0 {
		t.Error("no getOrderAddress call")
	}
	reqs := srv.DocumentRequests()
	if len(reqs) != 3 { // the report, the feed's PUT, its processing report
		t.Fatalf("document requests %d, want 3", len(reqs))
	}
	for _, r := range reqs {
		if r.Header.Get("X-Amz-Access-Token") != "" {
			t.Errorf("%s %s carried the SP-API token", r.Method, r.Path)
		}
		if r.Method == "PUT" && r.Header.Get("Content-Type") != "application/json; charset=UTF-8" {
			t.Errorf("feed PUT Content-Type %q", r.Header.Get("Content-Type"))
		}
	}
}
