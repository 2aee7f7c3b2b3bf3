// Command typed calls two SP-API operations through this module's typed
// clients, apis/ordersv0 and apis/reports20210630, against sptest: no
// credentials, no network. It is the README's "Typed clients" program, and
// apis/outside_test.go builds and runs it from a module of its own (as a
// user's program is), with a replace directive to this module.
package main

import (
	"context"
	"fmt"
	"log"

	"github.com/spapi-go/spapi/apis/ordersv0"
	"github.com/spapi-go/spapi/apis/reports20210630"
	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

func main() {
	srv := sptest.NewServer(sptest.Options{}) // a fake LWA and SP-API
	defer srv.Close()
	c, err := client.New(client.Config{
		ClientID: sptest.ClientID, ClientSecret: sptest.ClientSecret, RefreshToken: sptest.RefreshToken,
		Endpoint: srv.URL(), LWAEndpoint: srv.LWAURL(),
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	orders, err := ordersv0.New(c) // c.Endpoint(), c.HTTPClient(): tokens and rate limits
	if err != nil {
		log.Fatal(err)
	}
	after := "2026-01-01T00:00:00Z"
	list, err := client.Check(orders.GetOrdersWithResponse(ctx, &ordersv0.GetOrdersParams{
		MarketplaceIds: []string{"ATVPDKIKX0DER"}, CreatedAfter: &after,
	}))
	if err != nil {
		log.Fatal(err) // an *client.APIError for a reply that is not 2xx
	}
	for _, o := range list.JSON200.Payload.Orders {
		fmt.Println("order", o.AmazonOrderID)
	}

	reports, err := reports20210630.New(c)
	if err != nil {
		log.Fatal(err)
	}
	// A restricted operation: HTTPClient mints the RDT by itself.
	doc, err := client.Check(reports.GetReportDocumentWithResponse(ctx, "DOC-1", nil))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("report document", doc.JSON200.ReportDocumentID, "RDTs minted:", srv.RDTCalls())
}
