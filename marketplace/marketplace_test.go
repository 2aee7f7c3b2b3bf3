package marketplace_test

import (
	"strings"
	"testing"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/marketplace"
)

// TestRegionsAgreeWithClient pins the table to client's own map, in both
// directions, so that client can switch its marketplaceRegions to
// internal/marketplaces without a change of behaviour.
func TestRegionsAgreeWithClient(t *testing.T) {
	for _, m := range marketplace.All() {
		t.Run(m.Country(), func(t *testing.T) {
			got, ok := client.RegionForMarketplace(m.ID())
			if !ok || got != m.Region() {
				t.Errorf("client.RegionForMarketplace(%s) = %q, %v; the table says %q", m.ID(), got, ok, m.Region())
			}
		})
	}
	// Every id client knows is in the table: the ids of DESIGN.md's Facts.
	facts := []string{
		"A2EUQ1WTGCTBG2", "ATVPDKIKX0DER", "A1AM78C64UM0Y8", "A2Q3Y263D00KWC",
		"A28R8C7NBKEWEA", "A1RKKUPIHCS9HS", "A1F83G8C2ARO7P", "A13V1IB3VIYZZH", "AMEN7PMS3EDWL",
		"A1805IZSGTT6HS", "A1PA6795UKMFR9", "APJ6JRA9NG5V4", "A2NODRKZP88ZB9", "AE08WJ6YKNBMC",
		"A1C3SOZRARQ6R3", "ARBP9OOSHTCHU", "A33AVAJ2PDY3EV", "A17E79C6D8DWNP", "A2VIGQ35RCS4UG",
		"A21TJRUUN4KGV", "A19VAU5U5O7RUS", "A39IBJ37TRP1C6", "A1VC38T7YXB528",
	}
	if len(marketplace.All()) != len(facts) {
		t.Errorf("All() has %d marketplaces, DESIGN.md's Facts %d", len(marketplace.All()), len(facts))
	}
	for _, id := range facts {
		if _, ok := marketplace.ByID(id); !ok {
			t.Errorf("ByID(%s): not in the table", id)
		}
	}
}

func TestMarketplaceFacts(t *testing.T) {
	tests := []struct {
		m                      marketplace.Marketplace
		id, country, name      string
		region                 client.Region
		sellerCentral, vendorC string
	}{
		{marketplace.US, "ATVPDKIKX0DER", "US", "United States of America", client.RegionNA, "https://sellercentral.amazon.com", "https://vendorcentral.amazon.com"},
		{marketplace.DE, "A1PA6795UKMFR9", "DE", "Germany", client.RegionEU, "https://sellercentral-europe.amazon.com", "https://vendorcentral.amazon.de"},
		{marketplace.IE, "A28R8C7NBKEWEA", "IE", "Ireland", client.RegionEU, "https://sellercentral.amazon.ie", ""},
		{marketplace.BE, "AMEN7PMS3EDWL", "BE", "Belgium", client.RegionEU, "https://sellercentral.amazon.com.be", "https://vendorcentral.amazon.com.be"},
		{marketplace.SA, "A17E79C6D8DWNP", "SA", "Saudi Arabia", client.RegionEU, "https://sellercentral.amazon.sa", "https://vendorcentral.amazon.me"},
		{marketplace.IN, "A21TJRUUN4KGV", "IN", "India", client.RegionEU, "https://sellercentral.amazon.in", "https://www.vendorcentral.in"},
		{marketplace.JP, "A1VC38T7YXB528", "JP", "Japan", client.RegionFE, "https://sellercentral.amazon.co.jp", "https://vendorcentral.amazon.co.jp"},
	}
	for _, tt := range tests {
		t.Run(tt.country, func(t *testing.T) {
			m := tt.m
			if m.ID() != tt.id || m.Country() != tt.country || m.Name() != tt.name || m.Region() != tt.region ||
				m.SellerCentralURL() != tt.sellerCentral || m.VendorCentralURL() != tt.vendorC || !m.Known() {
				t.Errorf("%s: got %s %s %q %s %s %q known=%v", tt.country, m.ID(), m.Country(), m.Name(), m.Region(),
					m.SellerCentralURL(), m.VendorCentralURL(), m.Known())
			}
		})
	}
}

// TestEveryMarketplaceIsWhole checks each row: a region client knows, an
// https Seller Central, a country code, and lookups that come back to it.
func TestEveryMarketplaceIsWhole(t *testing.T) {
	seen := map[marketplace.Marketplace]bool{}
	for _, m := range marketplace.All() {
		t.Run(m.Country(), func(t *testing.T) {
			if seen[m] {
				t.Fatalf("%s twice in All()", m)
			}
			seen[m] = true
			if _, err := m.Region().Endpoint(false); err != nil {
				t.Errorf("region %q: %v", m.Region(), err)
			}
			if !strings.HasPrefix(m.SellerCentralURL(), "https://") {
				t.Errorf("SellerCentralURL %q", m.SellerCentralURL())
			}
			if v := m.VendorCentralURL(); v != "" && !strings.HasPrefix(v, "https://") {
				t.Errorf("VendorCentralURL %q", v)
			}
			if got, ok := marketplace.ByCountry(strings.ToLower(m.Country())); !ok || got != m {
				t.Errorf("ByCountry(%q) = %v, %v", strings.ToLower(m.Country()), got, ok)
			}
			if got, err := marketplace.Parse(" " + m.ID() + " "); err != nil || got != m {
				t.Errorf("Parse(id) = %v, %v", got, err)
			}
		})
	}
}

func TestLookups(t *testing.T) {
	tests := []struct {
		in   string
		want marketplace.Marketplace
		ok   bool
	}{
		{"GB", marketplace.UK, true},
		{"uk", marketplace.UK, true},
		{"ATVPDKIKX0DER", marketplace.US, true},
		{"jp", marketplace.JP, true},
		{"", "", false},
		{"XX", "", false},
		{"atvpdkikx0der", "", false}, // ids are case-sensitive
		{"AXXXXXXXXXXXX", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := marketplace.Parse(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("Parse(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "country code") {
				t.Errorf("error %q does not say what is accepted", err)
			}
		})
	}
	if _, ok := marketplace.ByID("DE"); ok {
		t.Error("ByID accepted a country code")
	}
}

func TestConfig(t *testing.T) {
	base := client.Config{ClientID: "id", ClientSecret: "secret", RefreshToken: "Atzr|x"}
	cfg := marketplace.JP.Config(base)
	if cfg.Region != client.RegionFE || cfg.ClientID != "id" || cfg.RefreshToken != "Atzr|x" {
		t.Fatalf("JP.Config: Region %q, ClientID %q", cfg.Region, cfg.ClientID)
	}
	if _, err := client.New(cfg); err != nil {
		t.Fatalf("client.New(JP.Config(base)): %v", err)
	}
	// An unknown marketplace must not quietly become NA.
	bad := marketplace.Marketplace("AXXXXXXXXXXXX")
	if bad.Known() || bad.Region() != "" || bad.Country() != "" {
		t.Errorf("unknown marketplace: Known %v, Region %q, Country %q", bad.Known(), bad.Region(), bad.Country())
	}
	_, err := client.New(bad.Config(base))
	if err == nil || !strings.Contains(err.Error(), "AXXXXXXXXXXXX") {
		t.Fatalf("client.New(unknown.Config(base)) = %v; want an error naming the marketplace", err)
	}
}
