// Package marketplaces is the table of SP-API marketplaces, generated from
// api/marketplaces.json, with no dependency: package client can map a
// marketplace id to its region from it without importing the public package
// marketplace (which imports client).
package marketplaces

//go:generate go tool genmarketplaces -in ../../api/marketplaces.json -public ../../marketplace/marketplaces.gen.go -internal table.gen.go

// Marketplace is one row of the table.
type Marketplace struct {
	ID            string   // e.g. "ATVPDKIKX0DER"
	Country       string   // the code Amazon's Marketplace IDs page uses, e.g. "US", "UK"
	Aliases       []string // other country codes for it, e.g. "GB" for UK
	Name          string   // e.g. "United States of America"
	Region        string   // "na", "eu" or "fe": the SP-API host that serves it
	SellerCentral string   // e.g. "https://sellercentral.amazon.com"
	VendorCentral string   // e.g. "https://vendorcentral.amazon.com"; "" where Amazon lists none
}

// byID and byCountry index Table; built once, read-only after.
var byID, byCountry = index()

func index() (map[string]int, map[string]int) {
	ids := make(map[string]int, len(Table))
	countries := make(map[string]int, len(Table))
	for i, m := range Table {
		ids[m.ID] = i
		countries[m.Country] = i
		for _, a := range m.Aliases {
			countries[a] = i
		}
	}
	return ids, countries
}

// ByID is the marketplace with this id.
func ByID(id string) (Marketplace, bool) {
	i, ok := byID[id]
	if !ok {
		return Marketplace{}, false
	}
	return Table[i], true
}

// ByCountry is the marketplace of this country code (upper case, an alias
// such as "GB" included).
func ByCountry(code string) (Marketplace, bool) {
	i, ok := byCountry[code]
	if !ok {
		return Marketplace{}, false
	}
	return Table[i], true
}

// Region is the region ("na", "eu", "fe") whose host serves the marketplace
// id: what client's marketplaceRegions map holds.
func Region(id string) (string, bool) {
	m, ok := ByID(id)
	return m.Region, ok
}
