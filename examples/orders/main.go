// Command orders prints the shipping address of orders with the typed
// Orders v0 client of this module (apis/ordersv0, generated from Amazon's
// model), wired to client.HTTPClient by ordersv0.New. The generated client
// knows nothing of tokens: HTTPClient gives getOrderAddress, a restricted
// operation, a Restricted Data Token minted once for
// /orders/v0/orders/{orderId}/address and reused for every order, keeps
// each operation under its rate limit and retries throttled calls.
//
// Usage:
//
//	go run ./examples/orders -local
//	go run ./examples/orders [-data-elements] ORDER_ID...
//
// Credentials come from the environment, as client.ConfigFromEnv reads them
// (LWA_CLIENT_ID, LWA_CLIENT_SECRET, LWA_REFRESH_TOKEN, SP_API_REGION, ...).
// With -local the program runs against an in-process fake of LWA and the
// SP-API (sptest), with sample orders, and needs neither credentials nor a
// network. With -data-elements it also prints each order's buyer, from
// getOrder with an RDT for the buyerInfo and shippingAddress dataElements
// (Config.DataElements), which the application must be approved for.
//
// apis/ordersv0 is generated from api/models by go generate. Amazon has
// marked these Orders v0 reads deprecated in favour of Orders 2026-01-01;
// the recipe is the same for any model.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/spapi-go/spapi/apis/ordersv0"
	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

const usage = "usage: orders [-local] [-data-elements] ORDER_ID..."

// sampleOrderIDs are the orders -local shows when none is given.
var sampleOrderIDs = []string{"902-1845936-5435065", "113-7293021-4462645", "114-3941689-8772232"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the command line: it parses args, builds the configuration and
// calls printOrders. It returns the exit status: 0, 1 on an error, 2 on bad
// usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("orders", flag.ContinueOnError)
	fs.SetOutput(stderr)
	local := fs.Bool("local", false, "run against an in-process fake of LWA and the SP-API (no credentials, no network)")
	withBuyer := fs.Bool("data-elements", false, "also print each order's buyer (getOrder with the buyerInfo and shippingAddress dataElements)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2 // flag has said why
	}
	ids := fs.Args()

	var cfg client.Config
	if *local {
		srv := sptest.NewServer(sptest.Options{})
		defer srv.Close()
		cfg = client.Config{
			ClientID:     sptest.ClientID,
			ClientSecret: sptest.ClientSecret,
			RefreshToken: sptest.RefreshToken,
			Endpoint:     srv.URL(),
			LWAEndpoint:  srv.LWAURL(),
		}
		if len(ids) == 0 {
			ids = sampleOrderIDs
		}
	} else {
		var err error
		if cfg, err = client.ConfigFromEnv(); err != nil {
			fmt.Fprintf(stderr, "orders: %v (or try -local)\n", err)
			return 2
		}
	}
	if len(ids) == 0 {
		fmt.Fprintln(stderr, "orders: no order id: give one or more (or try -local)")
		fmt.Fprintln(stderr, usage)
		return 2
	}
	if *withBuyer {
		cfg.DataElements = []string{"buyerInfo", "shippingAddress"}
	}
	if err := printOrders(ctx, cfg, ids, *withBuyer, stdout); err != nil {
		fmt.Fprintln(stderr, "orders:", err)
		return 1
	}
	return 0
}

// printOrders prints the shipping address of each order, and with
// withBuyer its buyer, with the generated Orders client wired to
// HTTPClient.
func printOrders(ctx context.Context, cfg client.Config, ids []string, withBuyer bool, out io.Writer) error {
	c, err := client.New(cfg)
	if err != nil {
		return err
	}
	// New wires the client to c.Endpoint() and c.HTTPClient(), which puts a
	// token only on requests to that endpoint.
	orders, err := ordersv0.New(c)
	if err != nil {
		return err
	}

	for _, id := range ids {
		resp, err := orders.GetOrderAddressWithResponse(ctx, id)
		if err != nil {
			return err
		}
		if resp.JSON200 == nil || resp.JSON200.Payload == nil {
			return replyError("getOrderAddress", id, resp.HTTPResponse.Status, resp.Body)
		}
		fmt.Fprintf(out, "%s  %s\n", id, formatAddress(resp.JSON200.Payload.ShippingAddress))

		if withBuyer {
			resp, err := orders.GetOrderWithResponse(ctx, id)
			if err != nil {
				return err
			}
			if resp.JSON200 == nil || resp.JSON200.Payload == nil {
				return replyError("getOrder", id, resp.HTTPResponse.Status, resp.Body)
			}
			fmt.Fprintf(out, "%s  buyer: %s\n", id, formatBuyer(resp.JSON200.Payload.BuyerInfo))
		}
	}
	return nil
}

// replyError describes a reply that is not the 200 the program needs.
func replyError(op, id, status string, body []byte) error {
	return fmt.Errorf("%s %s: %s: %s", op, id, status, strings.TrimSpace(string(body)))
}

// formatAddress writes an address on one line: name, street, city, state
// and postal code, country.
func formatAddress(a *ordersv0.Address) string {
	if a == nil {
		return "(no address)"
	}
	var parts []string
	for _, s := range []*string{a.Name, a.AddressLine1, a.City, a.StateOrRegion, a.PostalCode, a.CountryCode} {
		if s != nil && *s != "" {
			parts = append(parts, *s)
		}
	}
	return strings.Join(parts, ", ")
}

// formatBuyer writes the buyer's name and email.
func formatBuyer(b *ordersv0.BuyerInfo) string {
	if b == nil || (b.BuyerName == nil && b.BuyerEmail == nil) {
		return "(no buyer info)"
	}
	var s []string
	if b.BuyerName != nil {
		s = append(s, *b.BuyerName)
	}
	if b.BuyerEmail != nil {
		s = append(s, "<"+*b.BuyerEmail+">")
	}
	return strings.Join(s, " ")
}
