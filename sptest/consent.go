package sptest

import (
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// The application and selling partner of the fake's consent page.
const (
	// ApplicationID is the fake's application: the id the consent page
	// accepts (application_id), the ApplicationId of the notifications it
	// sends, and the name of their EventBridge sources.
	ApplicationID = "amzn1.sp.solution.sptest"
	// SellingPartnerID is the selling partner who consents on the fake's
	// consent page (selling_partner_id).
	SellingPartnerID = "ASPTESTSELLER1"
)

// consentPath is the consent page's path, as on Seller Central and Vendor
// Central.
const consentPath = "/apps/authorize/consent"

// defaultAuthCodeLifetime is how long an authorization code works when
// Options.AuthCodeLifetime is 0: Amazon's five minutes.
const defaultAuthCodeLifetime = 5 * time.Minute

// consentBook is what the consent page and the authorization-code grant
// share: the codes issued, and the refresh tokens they were traded for.
// Its zero value is ready.
type consentBook struct {
	mu      sync.Mutex
	codes   map[string]*authCode
	refresh map[string]bool // refresh tokens issued by the grant
	seq     int
}

// authCode is one spapi_oauth_code.
type authCode struct {
	redirectURI string
	expires     time.Time
	used        bool
}

// ConsentURL is the fake's consent page, URL() + "/apps/authorize/consent":
// the page a consent URL built with URL() as its Seller Central (or Vendor
// Central) base leads to.
func (s *Server) ConsentURL() string { return s.ts.URL + consentPath }

// handleConsent plays the consent page with a seller who confirms at once:
// GET with application_id (ApplicationID), state and redirect_uri (the fake
// knows no registered redirect URIs, so it is required here), and version
// (accepted, as for a draft application). It redirects (302) to
// redirect_uri with spapi_oauth_code, state and selling_partner_id
// (SellingPartnerID). The code works once, for Options.AuthCodeLifetime,
// with the same redirect_uri. A bad request gets a 400 page, as the real
// page shows an error rather than redirect.
func (s *Server) handleConsent(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "sptest consent: method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	state, redirect := q.Get("state"), q.Get("redirect_uri")
	switch app := q.Get("application_id"); {
	case app == "":
		http.Error(w, "sptest consent: missing application_id", http.StatusBadRequest)
		return
	case app != ApplicationID:
		http.Error(w, "sptest consent: unknown application_id "+strconv.Quote(app)+"; the fake knows "+ApplicationID, http.StatusBadRequest)
		return
	case state == "":
		http.Error(w, "sptest consent: missing state", http.StatusBadRequest)
		return
	case redirect == "":
		http.Error(w, "sptest consent: missing redirect_uri (the fake knows no registered redirect URI)", http.StatusBadRequest)
		return
	}
	target, err := url.Parse(redirect)
	if err != nil || !target.IsAbs() || (target.Scheme != "https" && target.Scheme != "http") {
		http.Error(w, "sptest consent: redirect_uri must be an absolute http(s) URL", http.StatusBadRequest)
		return
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	code := "ANsptest" + randomHex(16)
	lifetime := s.opts.AuthCodeLifetime
	if lifetime <= 0 {
		lifetime = defaultAuthCodeLifetime
	}
	b := &s.consent
	b.mu.Lock()
	if b.codes == nil {
		b.codes = map[string]*authCode{}
	}
	b.codes[code] = &authCode{redirectURI: redirect, expires: s.opts.Now().Add(lifetime)}
	b.mu.Unlock()

	v := target.Query()
	v.Set("state", state)
	v.Set("selling_partner_id", SellingPartnerID)
	v.Set("spapi_oauth_code", code)
	target.RawQuery = v.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// exchangeCode answers LWA's grant_type=authorization_code (the client
// already authenticated): a known, unused, unexpired code with the
// redirect_uri given at consent gets a new refresh token, which then works
// with grant_type=refresh_token, as a selling partner with budgets of its
// own.
func (s *Server) exchangeCode(form url.Values) reply {
	code := form.Get("code")
	if code == "" {
		return lwaError(http.StatusBadRequest, "invalid_request", "The request is missing a required parameter : code")
	}
	b := &s.consent
	b.mu.Lock()
	c, ok := b.codes[code]
	switch {
	case !ok || c.used || !s.opts.Now().Before(c.expires):
		b.mu.Unlock()
		return lwaError(http.StatusBadRequest, "invalid_grant", "The request has an invalid grant parameter : code")
	case form.Get("redirect_uri") != c.redirectURI:
		b.mu.Unlock()
		return lwaError(http.StatusBadRequest, "invalid_grant", "The request has an invalid grant parameter : redirect_uri")
	}
	c.used = true
	b.seq++
	refresh := "Atzr|sptest-consent-" + strconv.Itoa(b.seq) + "-" + randomHex(16)
	if b.refresh == nil {
		b.refresh = map[string]bool{}
	}
	b.refresh[refresh] = true
	b.mu.Unlock()
	return s.issueAccessToken(refresh, "")
}

// consented reports whether rt is a refresh token the authorization-code
// grant issued.
func (s *Server) consented(rt string) bool {
	s.consent.mu.Lock()
	defer s.consent.mu.Unlock()
	return s.consent.refresh[rt]
}
