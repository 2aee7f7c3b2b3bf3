package client

import (
	"fmt"
	"strings"

	"github.com/spapi-go/spapi/internal/marketplaces"
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

// RegionForMarketplace is the region that serves a marketplace ID, so a
// caller that knows only its marketplace picks the right host.
func RegionForMarketplace(marketplaceID string) (Region, bool) {
	r, ok := marketplaces.Region(marketplaceID)
	return Region(r), ok
}
