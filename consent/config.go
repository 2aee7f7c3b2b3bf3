package consent

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spapi-go/spapi/client"

	"github.com/spapi-go/spapi/internal/redact"
)

// DefaultStateTTL is how long a state stays usable when Config.StateTTL is
// 0: time for a seller to sign in to Seller Central and confirm.
const DefaultStateTTL = 15 * time.Minute

// MinStateKeyLen is the shortest Config.StateKey accepted: 32 bytes, the
// size of the HMAC-SHA256 output.
const MinStateKeyLen = 32

// exchangeTimeout bounds one code exchange at LWA: the code lives about
// five minutes, and a user waits on the callback page.
const exchangeTimeout = 30 * time.Second

// Config configures an Authorizer. Its secrets (ClientSecret, StateKey)
// never print: %v, %+v, %#v and slog show them redacted.
type Config struct {
	// ApplicationID is the application's id in Developer Central
	// ("amzn1.sp.solution.<uuid>"): the consent URL's application_id.
	ApplicationID string
	// ClientID and ClientSecret are the application's LWA credentials
	// ("amzn1.application-oa2-client.<id>"), for the code exchange.
	ClientID, ClientSecret string
	// RedirectURI is where Amazon sends the seller back with the code: the
	// URL Handler serves, one of the application's registered OAuth
	// redirect URIs. It is sent to the consent page and again to LWA,
	// which refuses an exchange whose redirect_uri differs. Empty means the
	// application's first registered redirect URI, and none is sent. An
	// absolute https URL (plain http only on a loopback address, for
	// tests).
	RedirectURI string
	// Draft adds version=beta to consent URLs: an application that is not
	// yet published in the Appstore can be authorized only with it.
	Draft bool

	// StateKey signs states (HMAC-SHA256): at least MinStateKeyLen random
	// bytes, kept secret, the same on every instance that serves the
	// callback. Changing it invalidates the states outstanding.
	StateKey []byte
	// StateTTL is how long a consent URL's state is accepted; 0 means
	// DefaultStateTTL.
	StateTTL time.Duration
	// States makes each state single use. Nil means a MemoryStore in this
	// process: enough for one instance, and a restart only makes the
	// outstanding states fail (as replayed), never work twice. Where the
	// instance that makes the URL may not be the one that serves the
	// callback, give a store they share (Redis, SQL).
	States StateStore
	// Session names the user session a callback request belongs to: the
	// sessionID given to SellerURL or VendorURL when the URL was made. It
	// must come from something an attacker cannot set in the victim's
	// browser (the application's session cookie; see CookieSession).
	// Required by Complete and Handler.
	Session func(r *http.Request) (string, error)

	// ConsentBaseURL, when set, replaces the marketplace's Seller Central
	// or Vendor Central base URL in consent URLs (for tests: an sptest
	// Server's URL).
	ConsentBaseURL string
	// LWAEndpoint is the token URL; "" means client.DefaultLWAEndpoint.
	LWAEndpoint string
	// HTTPClient supplies the transport for the exchange (proxies, TLS);
	// nil means http.DefaultTransport. Redirects are never followed (the
	// client secret goes to the token URL only), and each exchange is
	// bounded to 30 s and by the request's context.
	HTTPClient *http.Client
	// Logger receives one record per callback (authorized, or refused and
	// why), never a code or a token. Nil means silent.
	Logger *slog.Logger
	// Now is the clock for states; nil means time.Now.
	Now func() time.Time
}

// safeConfig is Config with its secrets redacted.
type safeConfig struct {
	ApplicationID  string
	ClientID       string
	ClientSecret   string
	RedirectURI    string
	Draft          bool
	StateKey       string
	StateTTL       time.Duration
	ConsentBaseURL string
	LWAEndpoint    string
}

const redacted = "[REDACTED]"

func hide(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

func (c Config) safe() safeConfig {
	key := ""
	if len(c.StateKey) > 0 {
		key = redacted
	}
	return safeConfig{
		ApplicationID:  c.ApplicationID,
		ClientID:       c.ClientID,
		ClientSecret:   hide(c.ClientSecret),
		RedirectURI:    c.RedirectURI,
		Draft:          c.Draft,
		StateKey:       key,
		StateTTL:       c.StateTTL,
		ConsentBaseURL: c.ConsentBaseURL,
		LWAEndpoint:    c.LWAEndpoint,
	}
}

// String shows the configuration with its secrets redacted.
func (c Config) String() string { return fmt.Sprintf("%+v", c.safe()) }

// Format makes every verb print the redacted form.
func (c Config) Format(f fmt.State, verb rune) { redact.Format(f, verb, "consent.Config", c.safe()) }

// LogValue makes slog print the redacted form.
func (c Config) LogValue() slog.Value {
	s := c.safe()
	return slog.GroupValue(
		slog.String("application_id", s.ApplicationID),
		slog.String("client_id", s.ClientID),
		slog.String("client_secret", s.ClientSecret),
		slog.String("redirect_uri", s.RedirectURI),
		slog.Bool("draft", s.Draft),
	)
}

// validate checks cfg before anything is sent, naming every field that is
// wrong and the rule it breaks.
func (c *Config) validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if strings.TrimSpace(c.ApplicationID) == "" {
		add("ApplicationID is empty: want the application's id from Developer Central (amzn1.sp.solution.<uuid>)")
	}
	if strings.TrimSpace(c.ClientID) == "" {
		add("ClientID is empty: want the application's LWA client id")
	}
	if c.ClientSecret == "" {
		add("ClientSecret is empty: want the application's LWA client secret")
	}
	if len(c.StateKey) < MinStateKeyLen {
		add("StateKey has %d bytes: want at least %d random bytes", len(c.StateKey), MinStateKeyLen)
	}
	if c.StateTTL < 0 {
		add("StateTTL %v is negative", c.StateTTL)
	}
	if c.Session == nil {
		add("Session is nil: want the function that names the user session of a request (see CookieSession)")
	}
	if c.RedirectURI != "" {
		if err := checkURL(c.RedirectURI, true); err != nil {
			add("RedirectURI: %v", err)
		}
	}
	if c.ConsentBaseURL != "" {
		if err := checkURL(c.ConsentBaseURL, false); err != nil {
			add("ConsentBaseURL: %v", err)
		}
	}
	if c.LWAEndpoint != "" {
		if err := checkURL(c.LWAEndpoint, false); err != nil {
			add("LWAEndpoint: %v", err)
		}
	}
	if len(problems) > 0 {
		return errors.New("consent: config: " + strings.Join(problems, "; "))
	}
	return nil
}

// checkURL accepts an absolute https URL, or plain http on a loopback
// address (tests), with no user info or fragment; a query only where
// query is true (a redirect URI may have one).
func checkURL(raw string, query bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	switch {
	case u.Host == "":
		return fmt.Errorf("%q: want an absolute URL such as https://host/path", raw)
	case u.User != nil:
		return fmt.Errorf("%q: user info in the URL is not allowed", raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Errorf("%q: must not have a fragment (#...)", raw)
	case !query && (u.RawQuery != "" || u.ForceQuery):
		return fmt.Errorf("%q: must not have a query (?...)", raw)
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return fmt.Errorf("%q: scheme must be https (plain http only on a loopback address such as 127.0.0.1)", raw)
	}
	return nil
}

// isLoopback reports whether host is a loopback IP literal (not a name,
// which a resolver may send anywhere).
func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// lwaEndpoint is the token URL.
func (c *Config) lwaEndpoint() string {
	if c.LWAEndpoint != "" {
		return c.LWAEndpoint
	}
	return client.DefaultLWAEndpoint
}

// CookieSession is a Config.Session that reads the session id from the
// named cookie, such as the application's own session cookie (which must be
// HttpOnly and, for the callback's top-level GET from Amazon to carry it,
// SameSite=Lax or None).
func CookieSession(name string) func(*http.Request) (string, error) {
	return func(r *http.Request) (string, error) {
		c, err := r.Cookie(name)
		if err != nil || c.Value == "" {
			return "", fmt.Errorf("no %s cookie", name)
		}
		return c.Value, nil
	}
}
