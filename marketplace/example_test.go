package marketplace_test

import (
	"fmt"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/marketplace"
)

// A marketplace knows its id, region and consent hosts.
func Example() {
	m := marketplace.DE
	fmt.Println(m.ID(), m.Country(), m.Name(), m.Region())
	fmt.Println(m.SellerCentralURL())
	fmt.Println(m.VendorCentralURL())
	// Output:
	// A1PA6795UKMFR9 DE Germany eu
	// https://sellercentral-europe.amazon.com
	// https://vendorcentral.amazon.de
}

// Config points a client at the host that serves the marketplace.
func ExampleMarketplace_Config() {
	cfg := marketplace.JP.Config(client.Config{
		ClientID:     "amzn1.application-oa2-client.example",
		ClientSecret: "secret",
		RefreshToken: "Atzr|example",
	})
	endpoint, _ := cfg.Region.Endpoint(cfg.Sandbox)
	fmt.Println(cfg.Region, endpoint)
	// Output: fe https://sellingpartnerapi-fe.amazon.com
}

// Parse reads what a user types: an id or a country code.
func ExampleParse() {
	for _, s := range []string{"GB", "es", "A2Q3Y263D00KWC", "XX"} {
		m, err := marketplace.Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(m, m.Name())
	}
	// Output:
	// UK (A1F83G8C2ARO7P) United Kingdom
	// ES (A1RKKUPIHCS9HS) Spain
	// BR (A2Q3Y263D00KWC) Brazil
	// marketplace: "XX" is neither a marketplace id (such as ATVPDKIKX0DER) nor a country code of one (such as US, DE, JP)
}

// All lists every marketplace of a region.
func ExampleAll() {
	for _, m := range marketplace.All() {
		if m.Region() == client.RegionFE {
			fmt.Println(m.Country(), m.ID())
		}
	}
	// Output:
	// SG A19VAU5U5O7RUS
	// AU A39IBJ37TRP1C6
	// JP A1VC38T7YXB528
}
