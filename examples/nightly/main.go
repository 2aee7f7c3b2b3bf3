// Command nightly is a seller's nightly job, written with this module's
// everyday-job packages: it lists yesterday's orders (Orders 2026-01-01
// searchOrders) with their shipping addresses (Orders v0 getOrderAddress,
// whose RDT the client mints by itself), requests the open-listings report,
// waits for it and reads it, submits a JSON_LISTINGS_FEED that restocks the
// listings out of stock and reads its processing report, and patches one
// listing's price (Listings Items 2021-08-01). main_test.go runs all of it
// against sptest, offline, with no fake of its own and no scripted reply.
//
// Usage (credentials from LWA_CLIENT_ID, LWA_CLIENT_SECRET, LWA_REFRESH_TOKEN
// and the other variables client.ConfigFromEnv reads):
//
//	nightly -seller A1SELLERID -marketplace ATVPDKIKX0DER
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/spapi-go/spapi/apis/listingsitems20210801"
	"github.com/spapi-go/spapi/apis/orders20260101"
	"github.com/spapi-go/spapi/apis/ordersv0"
	"github.com/spapi-go/spapi/apis/reports20210630"
	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/feed"
	"github.com/spapi-go/spapi/report"
)

// job is what one night's run needs.
type job struct {
	Seller, Marketplace string
	Day                 time.Time     // the day whose orders are listed
	MaxPages            int           // a bound on searchOrders pages, so a night always ends
	Poll                time.Duration // first wait between polls of the report and the feed
}

func main() {
	seller := flag.String("seller", os.Getenv("SP_API_SELLER_ID"), "selling partner id (for the listings calls)")
	market := flag.String("marketplace", "ATVPDKIKX0DER", "marketplace id")
	pages := flag.Int("max-pages", 100, "at most this many pages of orders")
	flag.Parse()
	cfg, err := client.ConfigFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	c, err := client.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	yesterday := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	j := job{Seller: *seller, Marketplace: *market, Day: yesterday, MaxPages: *pages, Poll: 30 * time.Second}
	if err := run(ctx, c, j, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run is the job.
func run(ctx context.Context, c *client.Client, j job, out io.Writer) error {
	hc := orders20260101.WithHTTPClient(c.HTTPClient())
	orders, err := orders20260101.NewClientWithResponses(c.Endpoint(), hc)
	if err != nil {
		return err
	}
	v0, err := ordersv0.NewClientWithResponses(c.Endpoint(), ordersv0.WithHTTPClient(c.HTTPClient()))
	if err != nil {
		return err
	}
	// 1. Yesterday's orders and where they ship. The nextToken loop by hand
	// until the typed page iterators land (apis/..., issue 23 item 3).
	from, to := j.Day, j.Day.AddDate(0, 0, 1)
	params := &orders20260101.SearchOrdersParams{CreatedAfter: &from, CreatedBefore: &to, MarketplaceIds: &[]string{j.Marketplace}}
	for page := 0; page < j.MaxPages; page++ {
		resp, err := client.Check(orders.SearchOrdersWithResponse(ctx, params))
		if err != nil {
			return err
		}
		for _, o := range resp.JSON200.Orders {
			addr, err := client.Check(v0.GetOrderAddressWithResponse(ctx, o.OrderID))
			if err != nil {
				return err
			}
			if a := addr.JSON200.Payload; a != nil && a.ShippingAddress != nil && a.ShippingAddress.City != nil {
				fmt.Fprintf(out, "order %s ships to %s\n", o.OrderID, *a.ShippingAddress.City)
			}
		}
		if p := resp.JSON200.Pagination; p == nil || p.NextToken == nil {
			break
		}
		params.PaginationToken = resp.JSON200.Pagination.NextToken
	}

	// 2. The open listings: request the report, wait, read it by header
	// name (encoding/csv until the TSV reader lands, issue 23 item 4).
	reports, err := report.New(c, report.Options{PollInterval: j.Poll})
	if err != nil {
		return err
	}
	doc, err := reports.Run(ctx, reports20210630.CreateReportSpecification{
		ReportType: "GET_FLAT_FILE_OPEN_LISTINGS_DATA", MarketplaceIds: []string{j.Marketplace},
	})
	if err != nil {
		return err
	}
	defer doc.Close()
	tsv := csv.NewReader(doc)
	tsv.Comma, tsv.LazyQuotes, tsv.FieldsPerRecord = '\t', true, -1
	rows, err := tsv.ReadAll()
	if err != nil || len(rows) < 2 {
		return fmt.Errorf("reading the listings report: %v (%d rows)", err, len(rows))
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	var restock []string
	for _, r := range rows[1:] {
		if r[col["quantity"]] == "0" {
			restock = append(restock, r[col["sku"]])
		}
	}
	fmt.Fprintf(out, "%d listings, %d out of stock\n", len(rows)-1, len(restock))

	// 3. A JSON_LISTINGS_FEED restocking them, and its processing report.
	msgs := []map[string]any{}
	for i, sku := range restock {
		msgs = append(msgs, map[string]any{"messageId": i + 1, "sku": sku, "operationType": "PATCH", "productType": "PRODUCT",
			"patches": []map[string]any{{"op": "replace", "path": "/attributes/fulfillment_availability",
				"value": []map[string]any{{"fulfillment_channel_code": "DEFAULT", "quantity": 10}}}}})
	}
	body, _ := json.Marshal(map[string]any{"header": map[string]string{"sellerId": j.Seller, "version": "2.0"}, "messages": msgs})
	feeds, err := feed.New(c, feed.Options{PollInterval: j.Poll})
	if err != nil {
		return err
	}
	feedID, rep, err := feeds.Submit(ctx, feed.Feed{Type: "JSON_LISTINGS_FEED", MarketplaceIDs: []string{j.Marketplace},
		ContentType: feed.ContentTypeJSON, Body: strings.NewReader(string(body))})
	if err != nil {
		return err
	}
	defer rep.Close()
	var pr struct {
		Summary struct{ MessagesAccepted, MessagesInvalid int }
	}
	if err := json.NewDecoder(rep).Decode(&pr); err != nil {
		return err
	}
	fmt.Fprintf(out, "feed %s: %d accepted, %d invalid\n", feedID, pr.Summary.MessagesAccepted, pr.Summary.MessagesInvalid)

	// 4. One listing's price, patched directly.
	listings, err := listingsitems20210801.NewClientWithResponses(c.Endpoint(), listingsitems20210801.WithHTTPClient(c.HTTPClient()))
	if err != nil {
		return err
	}
	price := []map[string]any{{"marketplace_id": j.Marketplace, "currency": "USD", "our_price": []map[string]any{{"schedule": []map[string]any{{"value_with_tax": 18.99}}}}}}
	patch, err := client.Check(listings.PatchListingsItemWithResponse(ctx, j.Seller, rows[1][col["sku"]],
		&listingsitems20210801.PatchListingsItemParams{MarketplaceIds: []string{j.Marketplace}},
		listingsitems20210801.ListingsItemPatchRequest{ProductType: "PRODUCT", Patches: []listingsitems20210801.PatchOperation{
			{Op: listingsitems20210801.PatchOperationOpReplace, Path: "/attributes/purchasable_offer", Value: &price}}}))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "patched %s: %s\n", rows[1][col["sku"]], patch.JSON200.Status)
	return nil
}
