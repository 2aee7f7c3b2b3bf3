// Package marketplace names every SP-API marketplace, so a program writes
// marketplace.DE rather than "A1PA6795UKMFR9", and knows from it the region
// whose host serves it and the Seller Central and Vendor Central hosts whose
// consent page a seller or vendor authorizes an application on.
//
// The table is generated from one facts file, api/marketplaces.json (from
// Amazon's "Marketplace IDs", "SP-API endpoints", "Seller Central URLs" and
// "Vendor Central URLs" pages), by internal/cmd/genmarketplaces.
package marketplace

import (
	"fmt"
	"strings"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/internal/marketplaces"
)

// Marketplace is an SP-API marketplace. Its value is the marketplace id
// Amazon's APIs take (string(marketplace.US) is "ATVPDKIKX0DER"), so a
// Marketplace goes wherever an id is wanted; the named constants (US, DE,
// JP, ...) are every marketplace Amazon documents. A Marketplace made from
// another string is not Known, and its accessors return zero values.
type Marketplace string

// info is m's row of the table.
func (m Marketplace) info() (marketplaces.Marketplace, bool) {
	return marketplaces.ByID(string(m))
}

// ID is the marketplace id, such as "ATVPDKIKX0DER".
func (m Marketplace) ID() string { return string(m) }

// Known reports whether m is a marketplace of the table.
func (m Marketplace) Known() bool {
	_, ok := m.info()
	return ok
}

// Country is the country code Amazon uses for the marketplace, such as
// "US" or "UK" (Amazon writes UK, not ISO's GB).
func (m Marketplace) Country() string {
	i, _ := m.info()
	return i.Country
}

// Name is the marketplace's country name, such as "Germany".
func (m Marketplace) Name() string {
	i, _ := m.info()
	return i.Name
}

// Region is the SP-API region whose host serves the marketplace: a seller's
// refresh token works on that host only.
func (m Marketplace) Region() client.Region {
	i, _ := m.info()
	return client.Region(i.Region)
}

// SellerCentralURL is the base URL of the marketplace's Seller Central,
// such as "https://sellercentral.amazon.de": a seller authorizes an
// application at SellerCentralURL()+"/apps/authorize/consent".
func (m Marketplace) SellerCentralURL() string {
	i, _ := m.info()
	return i.SellerCentral
}

// VendorCentralURL is the base URL of the marketplace's Vendor Central,
// such as "https://vendorcentral.amazon.de", or "" where Amazon documents
// none (Ireland, South Africa).
func (m Marketplace) VendorCentralURL() string {
	i, _ := m.info()
	return i.VendorCentral
}

// String is the country code and the id, such as "DE (A1PA6795UKMFR9)", for
// logs and errors; ID is the id alone.
func (m Marketplace) String() string {
	if i, ok := m.info(); ok {
		return i.Country + " (" + i.ID + ")"
	}
	return fmt.Sprintf("unknown marketplace %q", string(m))
}

// Config is base with Region set to the marketplace's region, so a Client
// built from it calls the host that serves the marketplace. For a
// Marketplace that is not Known, Region is set to a value client.New
// refuses (naming the marketplace), rather than left to default to NA.
// Endpoint, when base sets it, still wins over Region.
func (m Marketplace) Config(base client.Config) client.Config {
	if i, ok := m.info(); ok {
		base.Region = client.Region(i.Region)
	} else {
		base.Region = client.Region(fmt.Sprintf("(region of unknown marketplace %q)", string(m)))
	}
	return base
}

// All is every marketplace, in Amazon's order (North America, Europe, Far
// East). The slice is the caller's.
func All() []Marketplace { return append([]Marketplace(nil), all[:]...) }

// ByID is the marketplace with this id, such as "A1PA6795UKMFR9".
func ByID(id string) (Marketplace, bool) {
	if _, ok := marketplaces.ByID(id); !ok {
		return "", false
	}
	return Marketplace(id), true
}

// ByCountry is the marketplace of a country code, in any case: "DE", "de",
// and both "UK" and "GB" for the United Kingdom.
func ByCountry(code string) (Marketplace, bool) {
	i, ok := marketplaces.ByCountry(strings.ToUpper(strings.TrimSpace(code)))
	if !ok {
		return "", false
	}
	return Marketplace(i.ID), true
}

// Parse reads a marketplace as a user types it in a flag or an environment
// variable: an id ("A1PA6795UKMFR9") or a country code ("DE", "uk"). The
// error names the input and what is accepted.
func Parse(s string) (Marketplace, error) {
	t := strings.TrimSpace(s)
	if m, ok := ByID(t); ok {
		return m, nil
	}
	if m, ok := ByCountry(t); ok {
		return m, nil
	}
	return "", fmt.Errorf("marketplace: %q is neither a marketplace id (such as ATVPDKIKX0DER) nor a country code of one (such as US, DE, JP)", s)
}
