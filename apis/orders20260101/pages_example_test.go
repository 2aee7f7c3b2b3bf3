package orders20260101_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/spapi-go/spapi/apis/orders20260101"
	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// ExampleClientWithResponses_SearchOrdersPages lists every page of orders
// without writing the token loop: the iterator sends each reply's
// pagination.nextToken back as paginationToken, with the same filters, and
// stops after the last page. sptest stands in for the SP-API with three
// pages; a non-2xx page would end the loop with a *client.APIError.
func ExampleClientWithResponses_SearchOrdersPages() {
	srv := sptest.NewServer(sptest.Options{NoRateLimit: true, Pages: 3})
	defer srv.Close()
	c, err := client.New(srv.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}
	orders, err := orders20260101.New(c)
	if err != nil {
		log.Fatal(err)
	}
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	params := &orders20260101.SearchOrdersParams{
		MarketplaceIds: &[]string{"ATVPDKIKX0DER"},
		CreatedAfter:   &since,
	}
	n := 0
	for page, err := range orders.SearchOrdersPages(context.Background(), params) {
		if err != nil {
			log.Fatal(err)
		}
		n++
		fmt.Printf("page %d: %d orders, next page: %v\n", n, len(page.JSON200.Orders), page.JSON200.Pagination != nil)
	}
	// Each order of every page, one by one.
	for order, err := range orders.SearchOrdersAll(context.Background(), params) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(order.OrderID)
	}
	// Output:
	// page 1: 1 orders, next page: true
	// page 2: 1 orders, next page: true
	// page 3: 1 orders, next page: false
	// 250-1234567-8901234
	// 250-1234567-8901234
	// 250-1234567-8901234
}
