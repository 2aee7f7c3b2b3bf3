package client

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/spapi-go/spapi/gen"
	"github.com/spapi-go/spapi/internal/ratelimit"
	urlredact "github.com/spapi-go/spapi/internal/redact"
)

// tokensPath is the Tokens API operation's path.
const tokensPath = "/tokens/2021-03-01/restrictedDataToken"

// defaultAttemptTimeout bounds one attempt when Config.AttemptTimeout is 0.
const defaultAttemptTimeout = 30 * time.Second

// Client calls the Tokens API and, through HTTPClient, any SP-API operation.
// It is safe for concurrent use; make one per set of credentials and keep it,
// since it caches the LWA token, the RDTs and the rate limiter's state.
type Client struct {
	base    *url.URL // SP-API origin and base path
	lwa     *lwaSource
	limiter RateLimiter // nil when Config.NoRateLimit
	policy  retryPolicy
	baseRT  http.RoundTripper
	timeout time.Duration // per attempt
	logger  *slog.Logger
	now     func() time.Time
	tel     *telemetry

	tokensRT  *retryTransport // the Tokens call's stack
	tokensURL string
	gen       *gen.ClientWithResponses // for Gen

	lwaReject    func(string) // c.lwa.invalidate, made once
	ops          *opTable
	noRole       nameSet  // operations the Tokens call refused for want of the role
	refused      refusals // resources the Tokens call refused for want of the role, for refusalTTL
	rdts         *rdtCache
	dataElements []string
	targetApp    string
	httpClient   *http.Client // for HTTPClient
}

// New checks cfg and returns a Client. It does no I/O: the first LWA token
// is fetched by the first call.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withSecrets() // from HideSecrets, if used
	if cfg.Logger == nil {
		cfg.Logger = defaultLogger
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("config: ClientID and ClientSecret are required (LWA credentials)")
	}
	if cfg.RefreshToken == "" && cfg.Scope == "" {
		return nil, errors.New("config: RefreshToken is required (or Scope, for a grantless client)")
	}
	if err := checkCredentials(&cfg); err != nil {
		return nil, err
	}
	base, err := cfg.baseURL()
	if err != nil {
		return nil, urlredact.Error(err, cfg.Endpoint) // a password in the URL stays out of the error
	}
	lwaURL := cfg.LWAEndpoint
	if lwaURL == "" {
		lwaURL = DefaultLWAEndpoint
	}
	if _, err := checkURL("LWAEndpoint", lwaURL); err != nil {
		return nil, urlredact.Error(err, lwaURL)
	}
	if cfg.AttemptTimeout < 0 {
		return nil, fmt.Errorf("config: AttemptTimeout %v: must not be negative (0 means %v)", cfg.AttemptTimeout, defaultAttemptTimeout)
	}
	if err := checkTypedNil("Store", cfg.Store); err != nil {
		return nil, err
	}
	if err := checkTypedNil("RateLimiter", cfg.RateLimiter); err != nil {
		return nil, err
	}
	for i, d := range cfg.DataElements {
		if !isDataElement(d) {
			return nil, fmt.Errorf("config: DataElements[%d]: %q is not one of buyerInfo, shippingAddress, buyerTaxInformation", i, d)
		}
	}

	c := &Client{
		base:         base,
		policy:       newRetryPolicy(&cfg),
		baseRT:       http.DefaultTransport,
		timeout:      defaultAttemptTimeout,
		logger:       cfg.Logger,
		now:          time.Now,
		dataElements: append([]string(nil), cfg.DataElements...),
		targetApp:    cfg.TargetApplication,
	}
	if hc := cfg.HTTPClient; hc != nil && hc.Transport != nil {
		c.baseRT = hc.Transport
	}
	if cfg.AttemptTimeout > 0 {
		c.timeout = cfg.AttemptTimeout
	}
	if hc := cfg.HTTPClient; hc != nil && hc.Timeout != 0 {
		c.logger.Warn("sp-api: Config.HTTPClient.Timeout is not used; Config.AttemptTimeout bounds each attempt",
			slog.Duration("http_client_timeout", hc.Timeout), slog.Duration("attempt_timeout", c.timeout))
	}
	if c.ops, err = newOpTable(&cfg); err != nil {
		return nil, err
	}
	region, _ := ParseRegion(string(cfg.Region)) // checked by baseURL
	if c.tel, err = newTelemetry(&cfg, base, region); err != nil {
		return nil, fmt.Errorf("config: MeterProvider: %w", err)
	}
	c.policy.safeOp = c.ops.retrySafe
	c.lwa = newLWASource(&cfg, c.lwaHTTPClient(), lwaURL, c.tel)
	c.rdts = newRDTCache(cfg.RDTCacheSize, c.tel)
	var sh *shared
	if cfg.Store != nil {
		if cfg.StoreTimeout < 0 {
			return nil, fmt.Errorf("config: StoreTimeout %v: must not be negative (0 means %v)", cfg.StoreTimeout, defaultStoreTimeout)
		}
		seal, err := newSealer(&cfg, base.String())
		if err != nil {
			return nil, fmt.Errorf("config: Store: %w", err)
		}
		sh = &shared{st: cfg.Store, health: healthOf(cfg.Store), seal: seal, timeout: cmp.Or(cfg.StoreTimeout, defaultStoreTimeout), logger: c.logger, tel: c.tel}
		c.lwa.sh, c.rdts.sh = sh, sh
	}
	if !cfg.NoRateLimit {
		c.limiter = cfg.RateLimiter
		switch {
		case c.limiter != nil:
		case sh != nil:
			c.limiter = &sharedLimiter{sh: sh, local: ratelimit.New(limiterPlans(cfg.Rates))}
		default:
			c.limiter = NewRateLimiter(cfg.Rates)
		}
	}

	c.lwaReject = c.lwa.invalidate
	tokensRT := c.stack(func(ctx context.Context, _ *http.Request) (string, func(string), error) {
		return c.lwaToken(ctx)
	})
	c.tokensRT, c.tokensURL = tokensRT, base.String()+tokensPath
	// The generated client needs only a Do method: the stack's own, with
	// no http.Client around it, since redirects are followed inside.
	limited := roundTripDoer{&limitBodyTransport{next: tokensRT}}
	if c.gen, err = gen.NewClientWithResponses(base.String(), gen.WithHTTPClient(limited)); err != nil {
		return nil, fmt.Errorf("config: Endpoint: %w", err)
	}
	c.httpClient = &http.Client{Transport: &hostRouter{origin: base, sp: c.stack(c.operationToken), other: c.baseRT, logger: c.logger}}
	return c, nil
}

// stack composes the layers for calls to the SP-API host, outermost first:
// retry -> rate limiter -> auth -> attempt telemetry -> per-attempt timeout
// -> base transport. Redirects are followed inside retry, so that every hop
// passes the limiter and auth, and only within the SP-API origin
// (checkRedirect). The limiter first gets the request's credential ready
// (credentialReady), so that no limiter token is spent while a call waits
// for an LWA fetch or an RDT mint; auth then takes it from the cache.
func (c *Client) stack(token tokenFunc) *retryTransport {
	var rt http.RoundTripper = &timeoutTransport{next: hideCloseIdle{c.baseRT}, d: c.timeout}
	rt = &attemptTelemetry{next: rt, tel: c.tel, opName: c.telemetryName}
	rt = &authTransport{next: rt, origin: c.base, token: token, logger: c.logger}
	if c.limiter != nil {
		rt = &limitTransport{next: rt, lim: c.limiter, opName: c.operationName, gateTimeout: defaultGateTimeout, tel: c.tel,
			ready: c.credentialReady(token)}
	}
	return &retryTransport{
		inner:  &http.Client{Transport: rt, CheckRedirect: checkRedirect},
		policy: c.policy,
		opName: c.operationName,
		tel:    c.tel,
	}
}

// credentialReady returns the limiter's ready hook for token: it fetches
// the request's credential (into its cache) before the request takes a
// place in the queue, and fails the request as auth would when it cannot.
// A request with a token of its own, or to another origin, needs none.
func (c *Client) credentialReady(token tokenFunc) func(*http.Request) error {
	return func(req *http.Request) error {
		if !sameOrigin(req.URL, c.base) || req.Header.Get(headerAccessToken) != "" {
			return nil
		}
		if _, _, err := token(req.Context(), req); err != nil {
			return &tokenError{err}
		}
		return nil
	}
}

// lwaHTTPClient is the client LWA requests go through: the base transport
// with retries on 429, 5xx and network errors, and no redirects, since the
// form carries the client secret and refresh token.
//
// Its reply bodies are read here, through MaxResponseBytes, since x/oauth2
// cuts a longer body short without saying so. The base transport is hidden
// behind a wrapper, because go-retryablehttp closes its client's idle
// connections whenever it gives up, and those are the caller's, to every
// host.
func (c *Client) lwaHTTPClient() *http.Client {
	inner := &http.Client{Transport: &timeoutTransport{next: hideCloseIdle{c.baseRT}, d: c.timeout}, CheckRedirect: noRedirect}
	policy := c.policy
	policy.safeOp = func(string) bool { return true } // a token request changes nothing: repeat it
	return &http.Client{
		Transport: &readBodyTransport{next: &retryTransport{
			inner:     inner,
			policy:    policy,
			opName:    func(*http.Request) string { return "lwa" },
			onBackoff: func(ri RetryInfo, fail *APIError) { c.lwa.noteFailure(ri, fail) },
		}},
		CheckRedirect: noRedirect,
	}
}

// roundTripDoer is a gen.HttpRequestDoer that is just a RoundTripper.
type roundTripDoer struct{ rt http.RoundTripper }

func (d roundTripDoer) Do(req *http.Request) (*http.Response, error) { return d.rt.RoundTrip(req) }

// hideCloseIdle passes requests on but not CloseIdleConnections.
type hideCloseIdle struct{ rt http.RoundTripper }

func (h hideCloseIdle) RoundTrip(req *http.Request) (*http.Response, error) {
	return h.rt.RoundTrip(req)
}

// Endpoint is the SP-API base URL the client calls, such as
// https://sellingpartnerapi-na.amazon.com: the URL a generated client wired
// to HTTPClient must use, since only requests to it get a token.
func (c *Client) Endpoint() string { return c.base.String() }

// Gen returns the generated client with auth, rate limiting, retries and
// the base URL wired in, for callers who want the raw generated API. Reply
// bodies are read through the MaxResponseBytes limit. A non-2xx reply is not
// an error: the generated response holds it (HTTPResponse, JSON429, ...),
// the final one after the retries; see APIError for every path.
func (c *Client) Gen() gen.ClientWithResponsesInterface { return c.gen }

// CreateRestrictedDataToken mints a new RDT for the resources in req. It
// always calls the API; RestrictedDataToken is the cached variant.
func (c *Client) CreateRestrictedDataToken(ctx context.Context, req CreateRestrictedDataTokenRequest) (rdt *RestrictedDataToken, err error) {
	if err := ValidateRequest(req); err != nil {
		return nil, err
	}
	defer func() { c.tel.rdtMint(ctx, err) }()
	resp, err := c.sendTokens(ctx, req)
	if err != nil {
		return nil, callError(ctx, OpCreateRestrictedDataToken, err)
	}
	body, err := readBody(resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("sp-api %s: reading the HTTP %d reply [request id %s]: %w",
			OpCreateRestrictedDataToken, resp.StatusCode, resp.Header.Get(headerRequestID), err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newAPIError(OpCreateRestrictedDataToken, resp, body)
	}
	return c.decodeRDT(resp, body)
}

// sendTokens sends the Tokens call through its stack. It builds the
// request itself rather than through the generated builder, which parses
// the base URL twice per call; the body is the generated type.
func (c *Client) sendTokens(ctx context.Context, req gen.CreateRestrictedDataTokenJSONRequestBody) (*http.Response, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.tokensURL, nil)
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	return c.tokensRT.send(hreq, body)
}

// decodeRDT checks a 2xx reply against the model: a token and a lifetime.
func (c *Client) decodeRDT(resp *http.Response, body []byte) (*RestrictedDataToken, error) {
	reqID := resp.Header.Get(headerRequestID)
	var out gen.CreateRestrictedDataTokenResponse
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("sp-api %s: %w: HTTP %d reply is not the model's JSON (%v) [request id %s]",
			OpCreateRestrictedDataToken, ErrMalformedResponse, resp.StatusCode, err, reqID)
	}
	if out.RestrictedDataToken == nil || *out.RestrictedDataToken == "" {
		return nil, fmt.Errorf("sp-api %s: %w: reply has no restrictedDataToken [request id %s]",
			OpCreateRestrictedDataToken, ErrMalformedResponse, reqID)
	}
	if out.ExpiresIn == nil || *out.ExpiresIn <= 0 {
		return nil, fmt.Errorf("sp-api %s: %w: reply has no positive expiresIn [request id %s]",
			OpCreateRestrictedDataToken, ErrMalformedResponse, reqID)
	}
	return &RestrictedDataToken{
		Token:     *out.RestrictedDataToken,
		ExpiresIn: *out.ExpiresIn,
		ExpiresAt: c.now().Add(time.Duration(*out.ExpiresIn) * time.Second),
		RequestID: reqID,
	}, nil
}

// callError turns what net/http returns into an error whose message starts
// with its cause: an LWA refusal or an invalid request comes back as is,
// anything else names the operation and keeps its cause for errors.Is.
func callError(ctx context.Context, op string, err error) error {
	cause := unwrapURLError(err)
	var (
		lwa   *LWAError
		fetch *lwaFetchError
		inv   *InvalidRequestError
	)
	if errors.As(cause, &lwa) || errors.As(cause, &fetch) || errors.As(cause, &inv) {
		return cause
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(cause, ctxErr) {
		cause = fmt.Errorf("%w (%v)", ctxErr, cause)
	}
	return fmt.Errorf("sp-api %s: %w", op, cause)
}

// unwrapURLError strips the *url.Error layers net/http adds on top of an
// error, whose text starts with `Post "https://..."` and hides the cause.
// Only the outer layers: an error of ours that wraps one (a request not
// retried, say) keeps what it says.
func unwrapURLError(err error) error {
	for {
		ue, ok := err.(*url.Error)
		if !ok {
			return err
		}
		err = ue.Err
	}
}

// innerURLError is the cause inside the first *url.Error anywhere in err's
// chain, or err: x/oauth2 wraps net/http's error in its own.
func innerURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return unwrapURLError(ue.Err)
	}
	return err
}

// Format prints a Client without anything secret: %v of a struct with
// unexported fields would otherwise print them raw.
func (c *Client) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, "*client.Client", struct {
		Endpoint string
		Limiter  bool
	}{c.base.String(), c.limiter != nil})
}

// LogValue makes slog print the same.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("endpoint", c.base.String()), slog.Bool("rate_limited", c.limiter != nil))
}
