package client

import (
	"fmt"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	urlredact "github.com/spapi-go/spapi/internal/redact"
)

// DefaultLWAEndpoint is the Login with Amazon token URL.
const DefaultLWAEndpoint = "https://api.amazon.com/auth/o2/token"

// DefaultMaxRetries is how many times a call is retried when Config.MaxRetries is 0.
const DefaultMaxRetries = 4

// Config configures a Client. The zero value of every field but the LWA
// credentials is a sensible default. Config never prints its secrets: %v,
// %+v, %#v and slog show them redacted. There is one place fmt cannot call
// Format: a Config in an unexported struct field (or in a reflection-based
// dumper) prints its string fields raw. A Config a program keeps should be
// c.HideSecrets(), which leaves nothing printable.
type Config struct {
	ClientID, ClientSecret, RefreshToken string // LWA credentials

	// Scope, with no RefreshToken, makes the client grantless: it asks LWA
	// for a client_credentials token with this scope (for example
	// "sellingpartnerapi::notifications").
	Scope string

	Region      Region // default RegionNA; any spelling ParseRegion (and so SP_API_REGION) accepts, such as "EU" or "eu-west-1"
	Sandbox     bool   // use the region's sandbox host
	Endpoint    string // base URL override, e.g. "http://127.0.0.1:8080"; wins over Region/Sandbox
	LWAEndpoint string // token URL override; default DefaultLWAEndpoint
	// HTTPClient supplies the base transport (proxies, TLS); nil means
	// http.DefaultTransport. Only its Transport is used: its Timeout would
	// count limiter waits and token fetches against a request, so the
	// per-attempt bound is AttemptTimeout.
	HTTPClient *http.Client

	// AttemptTimeout bounds each attempt to the SP-API, from sending it to
	// the end of its reply body; 0 means 30 s. There is always one: a hung
	// attempt would otherwise hold its call, and as an operation's probe,
	// every other call to the operation. Requests to other hosts (report
	// documents, feed uploads) are not bounded by it.
	AttemptTimeout time.Duration

	MaxRetries int             // 0 means DefaultMaxRetries; negative means no retries; at most 100
	RetryWait  time.Duration   // base of the exponential backoff; 0 means 500 ms
	MaxWait    time.Duration   // cap on one backoff wait; 0 means 30 s
	OnRetry    func(RetryInfo) // called before each backoff wait

	// RetrySafeOperations names POST and PATCH operations (for example
	// "merchantFulfillmentV0.createShipment") that the client may send
	// again after they may have reached the server: a 5xx, a timeout or a
	// reset once the request was written. By default only the Tokens call
	// and the read-only POSTs (batch reads, fee estimates, rate quotes) are;
	// any other POST or PATCH is retried only on a 429 or when nothing
	// reached the server, because it may have taken effect (createShipment
	// buys a label). GET, PUT and DELETE are always retried.
	RetrySafeOperations []string

	// RateLimiter decides when each request may be sent. Nil means a
	// token bucket per operation (NewRateLimiter(Rates)), shared through
	// Store when one is set: every operation starts at its published usage
	// plan (DefaultRates) and follows x-amzn-RateLimit-Limit.
	RateLimiter RateLimiter
	// Rates overrides published plans, by operation name (see
	// Operations), for the default limiter: a seller whose plan is higher
	// than published, say. Merged with DefaultRates, not replacing them.
	Rates map[string]Rate
	// NoRateLimit turns the client-side limiter off (benchmarks, or a
	// caller with a limiter of its own).
	NoRateLimit bool

	// DataElements are the dataElements asked for when HTTPClient mints
	// RDTs for the Orders operations that take them (getOrders, getOrder,
	// getOrderItems). An application may ask only for the elements it is
	// approved for, so there is no default.
	DataElements []string
	// RDTOperations overrides, or adds to, which operations HTTPClient
	// mints an RDT for. A key is an operation name from the table
	// ("orders_2026-01-01.getOrder"; see Operations) or, for an operation
	// the table lacks (Amazon adds restricted operations), "METHOD
	// /path/template". Amazon's models do not say, for example, whether
	// Orders 2026-01-01 with includedData BUYER or RECIPIENT needs an RDT;
	// set it here rather than fork the client.
	RDTOperations map[string]RDTPolicy
	// TargetApplication, when set, is the application RDTs minted by
	// HTTPClient are delegated to.
	TargetApplication string
	// RDTCacheSize bounds the RDT cache (entries); 0 means 1024.
	RDTCacheSize int

	// Store shares the client's state with the other processes working
	// for the same seller: the LWA access token, the RDT cache and the
	// rate-limit buckets (see Store, and package redisstore). Nil means
	// in-process state only. A Store that fails or hangs never fails a
	// call: the client falls back to in-process state and tries the store
	// again later. A custom RateLimiter is used as it is, not shared.
	Store Store
	// StoreTimeout bounds each Store call; 0 means 100 ms.
	StoreTimeout time.Duration
	// PreviousClientSecret, during a client-secret rotation, is the LWA
	// client secret being replaced (SP-API rotates it every 180 days; the
	// old one works 7 more days). The client never sends it: with a Store,
	// it opens the tokens that processes still on the old secret sealed,
	// so the old and the new processes of a rolling restart keep sharing
	// one LWA token and one RDT per path. Give it to the processes that get
	// the new ClientSecret; drop it once no process runs with the old one.
	PreviousClientSecret string

	// Logger receives the client's log records. Nil means warnings only
	// (a request for an SP-API operation sent to another host, an ignored
	// HTTPClient.Timeout, a Store that failed), to slog.Default(); set
	// slog.New(slog.DiscardHandler) to silence the client.
	Logger *slog.Logger

	// MeterProvider and TracerProvider receive the client's metrics and
	// spans (see the README's Observability section); nil means the
	// global providers (otel.GetMeterProvider, otel.GetTracerProvider), as
	// otelhttp does, so an application that set up OpenTelemetry gets
	// them with no code. Nothing secret is ever an attribute.
	MeterProvider  metric.MeterProvider
	TracerProvider trace.TracerProvider

	// hidden holds ClientSecret, PreviousClientSecret and RefreshToken
	// after HideSecrets: a func, whose contents no formatter or dumper can
	// reach.
	hidden func() (clientSecret, previousSecret, refreshToken string)
}

// ConfigFromEnv reads the variables the other SP-API SDKs use:
// LWA_CLIENT_ID, LWA_CLIENT_SECRET, LWA_REFRESH_TOKEN (required),
// LWA_PREVIOUS_CLIENT_SECRET (during a client-secret rotation), SP_API_REGION (na, eu, fe), SP_API_SANDBOX (a boolean), SP_API_ENDPOINT
// and LWA_ENDPOINT. The error names every variable that is missing or wrong.
// Whitespace around a value (the newline a value read from a file keeps) is
// trimmed.
func ConfigFromEnv() (Config, error) {
	env := func(name string) string { return strings.TrimSpace(os.Getenv(name)) }
	cfg := Config{
		ClientID:     env("LWA_CLIENT_ID"),
		ClientSecret: env("LWA_CLIENT_SECRET"),
		RefreshToken: env("LWA_REFRESH_TOKEN"),

		PreviousClientSecret: env("LWA_PREVIOUS_CLIENT_SECRET"),
		Endpoint:             env("SP_API_ENDPOINT"),
		LWAEndpoint:          env("LWA_ENDPOINT"),
	}
	var problems []EnvProblem
	for _, v := range [...]struct{ name, val string }{
		{"LWA_CLIENT_ID", cfg.ClientID},
		{"LWA_CLIENT_SECRET", cfg.ClientSecret},
		{"LWA_REFRESH_TOKEN", cfg.RefreshToken},
	} {
		if v.val == "" {
			problems = append(problems, EnvProblem{v.name, "is not set"})
		}
	}
	if s := env("SP_API_REGION"); s != "" {
		r, err := ParseRegion(s)
		if err != nil {
			problems = append(problems, EnvProblem{"SP_API_REGION", err.Error()})
		}
		cfg.Region = r
	}
	if s := env("SP_API_SANDBOX"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			problems = append(problems, EnvProblem{"SP_API_SANDBOX", fmt.Sprintf("%q is not a boolean", s)})
		}
		cfg.Sandbox = b
	}
	if len(problems) > 0 {
		return cfg, &EnvError{Problems: problems}
	}
	return cfg, nil
}

// EnvProblem is one environment variable that is missing or wrong.
type EnvProblem struct {
	Var     string // e.g. "SP_API_REGION"
	Problem string // e.g. "is not set"
}

// EnvError is ConfigFromEnv's error: every variable that is missing or
// wrong, so that a caller (a command whose flags override some of them) can
// drop the ones it replaces.
type EnvError struct{ Problems []EnvProblem }

func (e *EnvError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		sep := ": "
		if p.Problem == "is not set" {
			sep = " "
		}
		parts[i] = p.Var + sep + p.Problem
	}
	return "config from environment: " + strings.Join(parts, "; ")
}

// Without is the error less the problems of the variables named, or nil
// when none is left.
func (e *EnvError) Without(vars ...string) error {
	var left []EnvProblem
	for _, p := range e.Problems {
		if !slices.Contains(vars, p.Var) {
			left = append(left, p)
		}
	}
	if len(left) == 0 {
		return nil
	}
	return &EnvError{Problems: left}
}

// baseURL resolves the SP-API base URL: Endpoint, else the region's host.
func (c *Config) baseURL() (*url.URL, error) {
	raw := c.Endpoint
	if raw == "" {
		var err error
		if raw, err = c.Region.Endpoint(c.Sandbox); err != nil {
			return nil, fmt.Errorf("config: Region: %w", err)
		}
	}
	u, err := checkURL("Endpoint", raw)
	if err != nil {
		return nil, err
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// checkURL accepts https URLs, and plain http only for a loopback address
// (tests), so no token crosses a network in the clear. A base URL has no
// user info, query or fragment: "https://attacker.example?@sellingpartnerapi-na.amazon.com"
// reads as the SP-API host and is another.
func checkURL(field, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", field, err)
	}
	switch {
	case u.Host == "":
		return nil, fmt.Errorf("config: %s %q: want an absolute URL such as https://host", field, raw)
	case u.User != nil:
		return nil, fmt.Errorf("config: %s: user info (credentials) in the URL is not allowed", field)
	case u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("config: %s %q: must not have a query (?...): want scheme://host[:port][/path]", field, raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, fmt.Errorf("config: %s %q: must not have a fragment (#...): want scheme://host[:port][/path]", field, raw)
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	case u.Scheme == "http":
		return nil, fmt.Errorf("config: %s %q: plain http is allowed only for a loopback address (127.0.0.0/8 or [::1], not a name such as localhost); use https", field, raw)
	default:
		return nil, fmt.Errorf("config: %s %q: scheme must be https", field, raw)
	}
	return u, nil
}

// isLoopback reports whether host is a loopback IP literal: 127.0.0.0/8 or
// ::1. Not the name "localhost": Go resolves it through /etc/hosts and then
// DNS, and a custom resolver or dialer may send it anywhere, so the name is
// no proof that plain http stays on the machine. An address is.
func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redacted is how every secret prints.
const redacted = "[REDACTED]"

// redact keeps a token's well-known prefix ("Atza|", "Atzr|",
// "Atz.sprdt|"), which helps debugging, and hides the rest.
func redact(s string) string {
	if s == "" {
		return ""
	}
	if i := strings.IndexByte(s, '|'); i > 0 && i < 12 {
		return s[:i+1] + redacted
	}
	return redacted
}

// safeConfig is Config with its secrets redacted; it exists so that formatting
// never has a chance to reach the real values.
type safeConfig struct {
	ClientID          string
	ClientSecret      string
	RefreshToken      string
	Scope             string
	PreviousSecret    string
	Region            Region
	Sandbox           bool
	Endpoint          string
	LWAEndpoint       string
	MaxRetries        int
	DataElements      []string
	TargetApplication string
}

func (c Config) safe() safeConfig {
	secret, previous, refresh := c.secrets()
	return safeConfig{
		ClientID:          c.ClientID,
		ClientSecret:      redact(secret),
		RefreshToken:      redact(refresh),
		Scope:             c.Scope,
		PreviousSecret:    redact(previous),
		Region:            c.Region,
		Sandbox:           c.Sandbox,
		Endpoint:          c.Endpoint,
		LWAEndpoint:       c.LWAEndpoint,
		MaxRetries:        c.MaxRetries,
		DataElements:      c.DataElements,
		TargetApplication: c.TargetApplication,
	}
}

// String shows the configuration with secrets redacted.
func (c Config) String() string { return fmt.Sprintf("%+v", c.safe()) }

// Format makes every verb (%v, %+v, %#v, %s, %q, %x...) print the redacted form.
func (c Config) Format(f fmt.State, verb rune) { urlredact.Format(f, verb, "client.Config", c.safe()) }

// LogValue makes slog print the redacted form.
func (c Config) LogValue() slog.Value {
	s := c.safe()
	return slog.GroupValue(
		slog.String("client_id", s.ClientID),
		slog.String("client_secret", s.ClientSecret),
		slog.String("refresh_token", s.RefreshToken),
		slog.String("region", string(s.Region)),
		slog.Bool("sandbox", s.Sandbox),
		slog.String("endpoint", s.Endpoint),
		slog.String("lwa_endpoint", s.LWAEndpoint),
	)
}
