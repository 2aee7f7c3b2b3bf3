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
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"time"

	"github.com/spapi-go/spapi/apis/listingsitems20210801"
	"github.com/spapi-go/spapi/apis/orders20260101"
	"github.com/spapi-go/spapi/apis/ordersv0"
	"github.com/spapi-go/spapi/apis/reports20210630"
	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/feed"
	"github.com/spapi-go/spapi/feed/listings"
	"github.com/spapi-go/spapi/flatfile"
	"github.com/spapi-go/spapi/report"
)

// job is what one night's run needs.
type job struct {
	Seller, Marketplace string
	Day                 time.Time     // the day whose orders are listed
	Poll                time.Duration // first wait between polls of the report and the feed
}

func main() {
	seller := flag.String("seller", os.Getenv("SP_API_SELLER_ID"), "selling partner id (for the listings calls)")
	market := flag.String("marketplace", "ATVPDKIKX0DER", "marketplace id")
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
	j := job{Seller: *seller, Marketplace: *market, Day: yesterday, Poll: 30 * time.Second}
	if err := run(ctx, c, j, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run is the job.
func run(ctx context.Context, c *client.Client, j job, out io.Writer) error {
	orders, err := orders20260101.New(c)
	if err != nil {
		return err
	}
	v0, err := ordersv0.New(c)
	if err != nil {
		return err
	}
	// 1. Yesterday's orders, every page, and where they ship.
	from, to := j.Day, j.Day.AddDate(0, 0, 1)
	params := &orders20260101.SearchOrdersParams{CreatedAfter: &from, CreatedBefore: &to, MarketplaceIds: &[]string{j.Marketplace}}
	for o, err := range orders.SearchOrdersAll(ctx, params) {
		if err != nil {
			return err
		}
		addr, err := client.Check(v0.GetOrderAddressWithResponse(ctx, o.OrderID))
		if err != nil {
			return err
		}
		if a := addr.JSON200.Payload; a != nil && a.ShippingAddress != nil && a.ShippingAddress.City != nil {
			fmt.Fprintf(out, "order %s ships to %s\n", o.OrderID, *a.ShippingAddress.City)
		}
	}

	// 2. The open listings: request the report, wait, read it by header name.
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
	var skus, restock []string
	for row, err := range flatfile.NewReader(doc).All() {
		if err != nil {
			return err
		}
		skus = append(skus, row.Get("sku"))
		if row.Get("quantity") == "0" {
			restock = append(restock, row.Get("sku"))
		}
	}
	if len(skus) == 0 {
		return fmt.Errorf("the listings report has no listing")
	}
	fmt.Fprintf(out, "%d listings, %d out of stock\n", len(skus), len(restock))

	// 3. A JSON_LISTINGS_FEED restocking them, and its processing report.
	lf := listings.Feed{Header: listings.Header{SellerID: j.Seller, Version: listings.Version20}}
	for i, sku := range restock {
		lf.Messages = append(lf.Messages, listings.Message{MessageID: int64(i + 1), SKU: sku,
			OperationType: listings.OperationTypePatch, ProductType: new("PRODUCT"),
			Patches: []listings.Patch{{Op: listings.OpReplace, Path: "/attributes/fulfillment_availability",
				Value: []map[string]any{{"fulfillment_channel_code": "DEFAULT", "quantity": 10}}}}})
	}
	body, err := json.Marshal(lf)
	if err != nil {
		return err
	}
	feeds, err := feed.New(c, feed.Options{PollInterval: j.Poll})
	if err != nil {
		return err
	}
	feedID, rep, err := feeds.Submit(ctx, feed.Feed{Type: "JSON_LISTINGS_FEED", MarketplaceIDs: []string{j.Marketplace},
		ContentType: feed.ContentTypeJSON, Body: bytes.NewReader(body)})
	if err != nil {
		return err
	}
	defer rep.Close()
	var pr listings.ProcessingReport
	if err := json.NewDecoder(rep).Decode(&pr); err != nil {
		return err
	}
	fmt.Fprintf(out, "feed %s: %d accepted, %d invalid\n", feedID, pr.Summary.MessagesAccepted, pr.Summary.MessagesInvalid)

	// 4. One listing's price, patched directly.
	items, err := listingsitems20210801.New(c)
	if err != nil {
		return err
	}
	price := []map[string]any{{"marketplace_id": j.Marketplace, "currency": "USD", "our_price": []map[string]any{{"schedule": []map[string]any{{"value_with_tax": 18.99}}}}}}
	patch, err := client.Check(items.PatchListingsItemWithResponse(ctx, j.Seller, skus[0],
		&listingsitems20210801.PatchListingsItemParams{MarketplaceIds: []string{j.Marketplace}},
		listingsitems20210801.ListingsItemPatchRequest{ProductType: "PRODUCT", Patches: []listingsitems20210801.PatchOperation{
			{Op: listingsitems20210801.PatchOperationOpReplace, Path: "/attributes/purchasable_offer", Value: &price}}}))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "patched %s: %s\n", skus[0], patch.JSON200.Status)
	return nil
}
