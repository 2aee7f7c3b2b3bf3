package client

import (
	"fmt"
	"strings"
)

// Region is an SP-API region; each has its own host, and a seller's
// authorization is valid only in the regions of its marketplaces.
type Region string

// The SP-API regions.
const (
	RegionNA Region = "na" // North America: CA, US, MX, BR
	RegionEU Region = "eu" // Europe, Middle East, India: IE, ES, UK, FR, BE, NL, DE, IT, SE, ZA, PL, EG, TR, SA, AE, IN
	RegionFE Region = "fe" // Far East: SG, AU, JP
)

var regionHosts = map[Region]string{
	RegionNA: "sellingpartnerapi-na.amazon.com",
	RegionEU: "sellingpartnerapi-eu.amazon.com",
	RegionFE: "sellingpartnerapi-fe.amazon.com",
}

// Endpoint is the base URL of the region's production host, or of its
// sandbox (the same host with a "sandbox." prefix). Region("") is NA, as
// everywhere, and any spelling ParseRegion accepts ("EU", "eu-west-1") works.
func (r Region) Endpoint(sandbox bool) (string, error) {
	r, err := ParseRegion(string(r))
	if err != nil {
		return "", err
	}
	host := regionHosts[r]
	if sandbox {
		host = "sandbox." + host
	}
	return "https://" + host, nil
}

// ParseRegion accepts the region names users of the other SDKs know: "na",
// "eu", "fe" in any case, and the AWS region names of their hosts
// (us-east-1, eu-west-1, us-west-2). The empty string is NA, the default
// everywhere a Region is taken.
func ParseRegion(s string) (Region, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "na", "us-east-1":
		return RegionNA, nil
	case "eu", "eu-west-1":
		return RegionEU, nil
	case "fe", "us-west-2":
		return RegionFE, nil
	}
	return "", fmt.Errorf("unknown region %q: want na, eu or fe", s)
}

// marketplaceRegions maps every marketplace ID to the region whose host
// serves it.
var marketplaceRegions = map[string]Region{
	// North America
	"A2EUQ1WTGCTBG2": RegionNA, // CA
	"ATVPDKIKX0DER":  RegionNA, // US
	"A1AM78C64UM0Y8": RegionNA, // MX
	"A2Q3Y263D00KWC": RegionNA, // BR
	// Europe
	"A28R8C7NBKEWEA": RegionEU, // IE
	"A1RKKUPIHCS9HS": RegionEU, // ES
	"A1F83G8C2ARO7P": RegionEU, // UK
	"A13V1IB3VIYZZH": RegionEU, // FR
	"AMEN7PMS3EDWL":  RegionEU, // BE
	"A1805IZSGTT6HS": RegionEU, // NL
	"A1PA6795UKMFR9": RegionEU, // DE
	"APJ6JRA9NG5V4":  RegionEU, // IT
	"A2NODRKZP88ZB9": RegionEU, // SE
	"AE08WJ6YKNBMC":  RegionEU, // ZA
	"A1C3SOZRARQ6R3": RegionEU, // PL
	"ARBP9OOSHTCHU":  RegionEU, // EG
	"A33AVAJ2PDY3EV": RegionEU, // TR
	"A17E79C6D8DWNP": RegionEU, // SA
	"A2VIGQ35RCS4UG": RegionEU, // AE
	"A21TJRUUN4KGV":  RegionEU, // IN
	// Far East
	"A19VAU5U5O7RUS": RegionFE, // SG
	"A39IBJ37TRP1C6": RegionFE, // AU
	"A1VC38T7YXB528": RegionFE, // JP
}

// RegionForMarketplace is the region that serves a marketplace ID, so a
// caller that knows only its marketplace picks the right host.
func RegionForMarketplace(marketplaceID string) (Region, bool) {
	r, ok := marketplaceRegions[marketplaceID]
	return r, ok
}
