package feed_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/feed"
	"github.com/spapi-go/spapi/sptest"
)

// Example submits a JSON_LISTINGS_FEED and reads its processing report,
// against sptest: one call creates the feed document, uploads it with the
// same Content-Type, creates the feed and waits for it.
func Example() {
	srv := sptest.NewServer(sptest.Options{RateScale: 100})
	defer srv.Close()
	c, err := client.New(srv.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}
	feeds, err := feed.New(c, feed.Options{PollInterval: time.Millisecond}) // default 1 s, growing to 30 s
	if err != nil {
		log.Fatal(err)
	}
	payload := `{"header":{"sellerId":"A1SELLER","version":"2.0"},"messages":[
		{"messageId":1,"sku":"SKU-1","operationType":"PATCH","productType":"PRODUCT","patches":[
			{"op":"replace","path":"/attributes/fulfillment_availability","value":[{"fulfillment_channel_code":"DEFAULT","quantity":10}]}]}]}`
	_, report, err := feeds.Submit(context.Background(), feed.Feed{
		Type:           "JSON_LISTINGS_FEED",
		MarketplaceIDs: []string{"ATVPDKIKX0DER"},
		ContentType:    feed.ContentTypeJSON,
		Body:           strings.NewReader(payload),
	})
	if err != nil {
		log.Fatal(err) // a *feed.ProcessingError (with the report) if the feed ended FATAL
	}
	defer report.Close()
	var r struct {
		Summary struct{ MessagesProcessed, MessagesAccepted, MessagesInvalid int }
	}
	if err := json.NewDecoder(report).Decode(&r); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%+v\n", r.Summary)
	// Output:
	// {MessagesProcessed:1 MessagesAccepted:1 MessagesInvalid:0}
}
