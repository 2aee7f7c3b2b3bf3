package consent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spapi-go/spapi/marketplace"
)

// consentPath is the consent page's path on Seller Central and Vendor
// Central.
const consentPath = "/apps/authorize/consent"

// Authorizer runs the authorization workflow for one application: it makes
// consent URLs and completes their callbacks. It is safe for concurrent use.
type Authorizer struct {
	cfg    Config
	key    []byte
	ttl    time.Duration
	states StateStore
	hc     *http.Client
	log    *slog.Logger
	now    func() time.Time
}

// New checks cfg (every field that is wrong is named, before anything is
// sent) and returns an Authorizer. It does no I/O.
func New(cfg Config) (*Authorizer, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	a := &Authorizer{
		cfg:    cfg,
		key:    append([]byte(nil), cfg.StateKey...),
		ttl:    cfg.StateTTL,
		states: cfg.States,
		now:    cfg.Now,
		log:    cfg.Logger,
	}
	a.cfg.StateKey = nil // kept once, in key
	if a.ttl == 0 {
		a.ttl = DefaultStateTTL
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.states == nil {
		a.states = &MemoryStore{Now: a.now}
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	var transport http.RoundTripper
	if cfg.HTTPClient != nil {
		transport = cfg.HTTPClient.Transport
	}
	a.hc = &http.Client{
		Transport: transport,
		// The form carries the client secret and the code: it goes to
		// the token URL and nowhere else.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return a, nil
}

// SellerURL is the consent URL of m's Seller Central for the user whose
// session is sessionID: send the user's browser there (a 302 or a link).
// Its state is saved in Config.States, valid for Config.StateTTL, and only
// for a callback in that session.
func (a *Authorizer) SellerURL(ctx context.Context, sessionID string, m marketplace.Marketplace) (string, error) {
	if !m.Known() {
		return "", fmt.Errorf("consent: SellerURL: %v: not a marketplace (use the marketplace package's constants)", m)
	}
	return a.consentURL(ctx, sessionID, m, m.SellerCentralURL(), false)
}

// VendorURL is the consent URL of m's Vendor Central, for a vendor, as
// SellerURL is for a seller. Amazon documents no Vendor Central for some
// marketplaces (Ireland, South Africa): their VendorURL is an error.
func (a *Authorizer) VendorURL(ctx context.Context, sessionID string, m marketplace.Marketplace) (string, error) {
	if !m.Known() {
		return "", fmt.Errorf("consent: VendorURL: %v: not a marketplace (use the marketplace package's constants)", m)
	}
	if m.VendorCentralURL() == "" {
		return "", fmt.Errorf("consent: VendorURL: %s (%s) has no Vendor Central: Amazon documents none", m.Name(), m)
	}
	return a.consentURL(ctx, sessionID, m, m.VendorCentralURL(), true)
}

func (a *Authorizer) consentURL(ctx context.Context, sessionID string, m marketplace.Marketplace, base string, vendor bool) (string, error) {
	if strings.TrimSpace(sessionID) == "" {
		return "", errors.New("consent: sessionID is empty: a state must be bound to the user's session")
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("consent: %w", err)
	}
	raw, st, err := a.newState(sessionID, m, vendor)
	if err != nil {
		return "", err
	}
	if err := a.states.Save(ctx, st.nonce, st.expires); err != nil {
		return "", fmt.Errorf("consent: saving the state: %w", err)
	}
	if a.cfg.ConsentBaseURL != "" {
		base = a.cfg.ConsentBaseURL
	}
	q := url.Values{}
	q.Set("application_id", a.cfg.ApplicationID)
	q.Set("state", raw)
	if a.cfg.RedirectURI != "" {
		q.Set("redirect_uri", a.cfg.RedirectURI)
	}
	if a.cfg.Draft {
		q.Set("version", "beta")
	}
	return strings.TrimRight(base, "/") + consentPath + "?" + q.Encode(), nil
}

// String names the Authorizer's application, and nothing secret.
func (a *Authorizer) String() string {
	return fmt.Sprintf("consent.Authorizer{ApplicationID:%s ClientID:%s RedirectURI:%s}", a.cfg.ApplicationID, a.cfg.ClientID, a.cfg.RedirectURI)
}

// Format makes every verb print String, so no formatter reaches the state
// key or the client secret.
func (a *Authorizer) Format(f fmt.State, _ rune) { fmt.Fprint(f, a.String()) }
