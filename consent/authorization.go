package consent

import (
	"fmt"
	"log/slog"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/marketplace"

	"github.com/spapi-go/spapi/internal/redact"
)

// Authorization is what a completed workflow gives the application: the
// selling partner and the refresh token that calls the SP-API for them.
// Store the refresh token as the secret it is (it lives until the seller
// revokes it, or a year for an application that is not re-authorized). It
// never prints: %v, %+v, %#v and slog show the tokens redacted.
type Authorization struct {
	// SellingPartnerID is the seller's or vendor's id (selling_partner_id).
	// It comes from the callback URL as Amazon sends it, which the user's
	// browser carries and could edit: nothing from Amazon binds it to the
	// code. Use it to name the authorization, not to replace another
	// user's authorization of that id without more proof.
	SellingPartnerID string
	// RefreshToken is the LWA refresh token ("Atzr|..."): client.Config's
	// RefreshToken.
	RefreshToken string
	// MWSAuthToken is the MWS authorization token, sent only for a hybrid
	// application (mws_auth_token); "" otherwise.
	MWSAuthToken string
	// Marketplace is the marketplace whose consent page the state was made
	// for; the refresh token works on its Region's host.
	Marketplace marketplace.Marketplace
	// Vendor reports whether the consent was on Vendor Central.
	Vendor bool
}

// Config is base with the refresh token and the marketplace's region set:
// a client.Config that calls the SP-API for this selling partner.
func (a Authorization) Config(base client.Config) client.Config {
	base = a.Marketplace.Config(base)
	base.RefreshToken = a.RefreshToken
	return base
}

// safeAuthorization is Authorization with its tokens redacted.
type safeAuthorization struct {
	SellingPartnerID string
	RefreshToken     string
	MWSAuthToken     string
	Marketplace      string
	Vendor           bool
}

func (a Authorization) safe() safeAuthorization {
	rt := ""
	if a.RefreshToken != "" {
		rt = redacted
		if len(a.RefreshToken) > 5 && a.RefreshToken[:5] == "Atzr|" {
			rt = "Atzr|" + redacted
		}
	}
	m := ""
	if a.Marketplace != "" {
		m = a.Marketplace.String()
	}
	return safeAuthorization{
		SellingPartnerID: a.SellingPartnerID,
		RefreshToken:     rt,
		MWSAuthToken:     hide(a.MWSAuthToken),
		Marketplace:      m,
		Vendor:           a.Vendor,
	}
}

// String shows the authorization with its tokens redacted.
func (a Authorization) String() string { return fmt.Sprintf("%+v", a.safe()) }

// Format makes every verb print the redacted form.
func (a Authorization) Format(f fmt.State, verb rune) {
	redact.Format(f, verb, "consent.Authorization", a.safe())
}

// LogValue makes slog print the redacted form.
func (a Authorization) LogValue() slog.Value {
	s := a.safe()
	return slog.GroupValue(
		slog.String("selling_partner_id", s.SellingPartnerID),
		slog.String("refresh_token", s.RefreshToken),
		slog.String("marketplace", s.Marketplace),
		slog.Bool("vendor", s.Vendor),
	)
}
