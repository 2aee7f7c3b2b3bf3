package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/spapi-go/spapi/gen"
	"github.com/spapi-go/spapi/internal/lwa"
	"github.com/spapi-go/spapi/internal/neterr"
	"github.com/spapi-go/spapi/internal/ops"
	"github.com/spapi-go/spapi/internal/optable"
	"github.com/spapi-go/spapi/internal/ratelimit"
	"github.com/spapi-go/spapi/internal/rdt"
	urlredact "github.com/spapi-go/spapi/internal/redact"
	"github.com/spapi-go/spapi/internal/shared"
	"github.com/spapi-go/spapi/internal/telemetry"
	"github.com/spapi-go/spapi/internal/transport"
)

// defaultAttemptTimeout bounds one attempt when Config.AttemptTimeout is 0.
const defaultAttemptTimeout = 30 * time.Second

// Client calls the Tokens API and, through HTTPClient, any SP-API operation.
// It is safe for concurrent use; make one per set of credentials and keep it,
// since it caches the LWA token, the RDTs and the rate limiter's state.
//
// It is a façade: New builds each part (internal/...) from its own options,
// once, and the parts meet only through the functions given to them there.
type Client struct {
	base       *url.URL // SP-API origin and base path
	limiter    RateLimiter
	tr         *transport.Transport
	lwa        *lwa.Source
	tokens     *tokensAPI
	rdt        *rdt.Source
	gen        *gen.ClientWithResponses // for Gen
	httpClient *http.Client             // for HTTPClient
}

// New checks cfg and returns a Client. It does no I/O: the first LWA token
// is fetched by the first call.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withSecrets() // from HideSecrets, if used
	if cfg.Logger == nil {
		cfg.Logger = defaultLogger
	}
	base, lwaURL, err := checkConfig(&cfg)
	if err != nil {
		return nil, err
	}
	timeout := cmpOr(cfg.AttemptTimeout, defaultAttemptTimeout)
	var baseRT http.RoundTripper
	if hc := cfg.HTTPClient; hc != nil {
		baseRT = hc.Transport
		if hc.Timeout != 0 {
			cfg.Logger.Warn("sp-api: Config.HTTPClient.Timeout is not used; Config.AttemptTimeout bounds each attempt",
				slog.Duration("http_client_timeout", hc.Timeout), slog.Duration("attempt_timeout", timeout))
		}
	}
	rates := limiterPlans(cfg.Rates)
	policies := make(map[string]optable.Policy, len(cfg.RDTOperations))
	for k, p := range cfg.RDTOperations {
		policies[k] = optable.Policy(p)
	}
	table, err := optable.New(policies, ratesOnly(cfg.Rates), cfg.RetrySafeOperations)
	if err != nil {
		return nil, err
	}
	region, _ := ParseRegion(string(cfg.Region)) // checked by checkConfig
	port, _ := strconv.Atoi(transport.Port(base))
	tel, err := telemetry.New(telemetry.Options{MeterProvider: cfg.MeterProvider, TracerProvider: cfg.TracerProvider,
		Host: base.Hostname(), Port: port, Region: string(region), Classify: errorTypeOf})
	if err != nil {
		return nil, fmt.Errorf("config: MeterProvider: %w", err)
	}
	var sh *shared.Shared
	if cfg.Store != nil {
		seal, err := shared.NewSealer(shared.Credentials{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			PreviousClientSecret: cfg.PreviousClientSecret, RefreshToken: cfg.RefreshToken, Scope: cfg.Scope}, base.String())
		if err != nil {
			return nil, fmt.Errorf("config: Store: %w", err)
		}
		sh = shared.New(cfg.Store, seal, cfg.StoreTimeout, cfg.Logger, tel)
	}
	var limiter RateLimiter
	switch {
	case cfg.NoRateLimit:
	case cfg.RateLimiter != nil:
		limiter = cfg.RateLimiter
	case sh != nil:
		limiter = shared.NewLimiter(sh, ratelimit.New(rates))
	default:
		limiter = &TokenBucketLimiter{ratelimit.New(rates)}
	}
	var onRetry func(transport.RetryInfo)
	if f := cfg.OnRetry; f != nil {
		onRetry = func(ri transport.RetryInfo) { f(RetryInfo(ri)) }
	}
	tr := transport.New(transport.Options{Base: base, Transport: baseRT, Timeout: timeout, Limiter: limiter, Table: table,
		Policy: transport.NewPolicy(transport.PolicyOptions{MaxRetries: cfg.MaxRetries, RetryWait: cfg.RetryWait,
			MaxWait: cfg.MaxWait, OnRetry: onRetry, Logger: cfg.Logger, SafeOp: table.RetrySafe}),
		Tel: tel, Logger: cfg.Logger, ReplyError: replyError})

	last := &lwa.LastFailure{}
	lwaSrc := lwa.New(lwa.Options{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RefreshToken: cfg.RefreshToken,
		Scope: cfg.Scope, TokenURL: lwaURL, HTTPClient: tr.LWAClient(last.Note), Shared: sh, Tel: tel,
		Refusal: newLWAError, Last: last})
	reject := lwaSrc.Invalidate
	lwaToken := func(ctx context.Context) (string, func(string), error) {
		tok, err := lwaSrc.Token(ctx)
		return tok, reject, err
	}
	// One stack serves HTTPClient, Gen and the mint: rdtSrc's token
	// function gives the Tokens API's call the LWA token. The mint needs
	// the stack and the stack needs rdtSrc, so tokens gets it last.
	tokens := &tokensAPI{base: base, tel: tel, now: time.Now}
	rdtSrc := rdt.NewSource(rdt.Options{BasePath: base.Path, Table: table, DataElements: append([]string(nil), cfg.DataElements...),
		TargetApp: cfg.TargetApplication, Cache: rdt.NewCache(cfg.RDTCacheSize, sh, tel), Logger: cfg.Logger,
		Mint: tokens.mint, LWA: lwaToken, LacksRole: noRestrictedRole,
		Refused: func(cause error, until time.Time) error { return &RefusedError{err: cause, Until: until} }})
	tokens.rt = tr.Stack(rdtSrc.OperationToken)
	// The generated client needs only a Do method: the stack's own, with
	// no http.Client around it, since redirects are followed inside.
	genClient, err := gen.NewClientWithResponses(base.String(),
		gen.WithHTTPClient(transport.RoundTripDoer{RT: &transport.LimitBody{Next: tokens.rt}}))
	if err != nil {
		return nil, fmt.Errorf("config: Endpoint: %w", err)
	}
	return &Client{base: base, limiter: limiter, tr: tr, lwa: lwaSrc, tokens: tokens, rdt: rdtSrc, gen: genClient,
		httpClient: &http.Client{Transport: tr.Router(tokens.rt)}}, nil
}

// checkConfig checks what New cannot build from, and returns the SP-API
// base URL and the LWA token URL.
func checkConfig(cfg *Config) (base *url.URL, lwaURL string, err error) {
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, "", errors.New("config: ClientID and ClientSecret are required (LWA credentials)")
	}
	if cfg.RefreshToken == "" && cfg.Scope == "" {
		return nil, "", errors.New("config: RefreshToken is required (or Scope, for a grantless client)")
	}
	if err := checkCredentials(cfg); err != nil {
		return nil, "", err
	}
	if base, err = cfg.baseURL(); err != nil {
		return nil, "", urlredact.Error(err, cfg.Endpoint) // a password in the URL stays out of the error
	}
	lwaURL = cmpOr(cfg.LWAEndpoint, DefaultLWAEndpoint)
	if _, err := checkURL("LWAEndpoint", lwaURL); err != nil {
		return nil, "", urlredact.Error(err, lwaURL)
	}
	if cfg.AttemptTimeout < 0 {
		return nil, "", fmt.Errorf("config: AttemptTimeout %v: must not be negative (0 means %v)", cfg.AttemptTimeout, defaultAttemptTimeout)
	}
	if err := checkTypedNil("Store", cfg.Store); err != nil {
		return nil, "", err
	}
	if err := checkTypedNil("RateLimiter", cfg.RateLimiter); err != nil {
		return nil, "", err
	}
	for i, d := range cfg.DataElements {
		if !isDataElement(d) {
			return nil, "", fmt.Errorf("config: DataElements[%d]: %q is not one of buyerInfo, shippingAddress, buyerTaxInformation", i, d)
		}
	}
	if cfg.Store != nil && cfg.StoreTimeout < 0 {
		return nil, "", fmt.Errorf("config: StoreTimeout %v: must not be negative (0 means %v)", cfg.StoreTimeout, shared.DefaultTimeout)
	}
	return base, lwaURL, nil
}

// ratesOnly is Config.Rates as the operations table checks them.
func ratesOnly(rates map[string]Rate) map[string]ratelimit.Rate {
	if len(rates) == 0 {
		return nil
	}
	out := make(map[string]ratelimit.Rate, len(rates))
	for k, r := range rates {
		out[k] = ratelimit.Rate(r)
	}
	return out
}

// cmpOr is v, or def when v is zero.
func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
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
func (c *Client) CreateRestrictedDataToken(ctx context.Context, req CreateRestrictedDataTokenRequest) (*RestrictedDataToken, error) {
	return c.tokens.create(ctx, req)
}

// tokensAPI is the Tokens call: its stack, its origin, its telemetry.
type tokensAPI struct {
	rt   *transport.Retry
	base *url.URL // the URL is made per mint, not kept: 80 bytes a seller
	tel  *telemetry.Telemetry
	now  func() time.Time
}

// mint is create for the RDT cache.
func (a *tokensAPI) mint(ctx context.Context, req gen.CreateRestrictedDataTokenRequest) (*rdt.Token, error) {
	t, err := a.create(ctx, req)
	return (*rdt.Token)(t), err
}

// create is CreateRestrictedDataToken.
func (a *tokensAPI) create(ctx context.Context, req CreateRestrictedDataTokenRequest) (rdt *RestrictedDataToken, err error) {
	if err := ValidateRequest(req); err != nil {
		return nil, err
	}
	defer func() { a.tel.RDTMint(ctx, err) }()
	resp, err := a.send(ctx, req)
	if err != nil {
		return nil, callError(ctx, OpCreateRestrictedDataToken, err)
	}
	body, err := transport.ReadBody(resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("sp-api %s: reading the HTTP %d reply [request id %s]: %w",
			OpCreateRestrictedDataToken, resp.StatusCode, resp.Header.Get(headerRequestIDKey), err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newAPIError(OpCreateRestrictedDataToken, resp, body)
	}
	return a.decodeRDT(resp, body)
}

// send sends the Tokens call through its stack. It builds the
// request itself rather than through the generated builder, which parses
// the base URL twice per call; the body is the generated type.
func (a *tokensAPI) send(ctx context.Context, req gen.CreateRestrictedDataTokenJSONRequestBody) (*http.Response, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	// The URL is the origin's with the Tokens path added, set on the
	// request's own URL rather than written out and parsed again: no
	// string per Client and no allocation per call.
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, "", nil)
	if err != nil {
		return nil, err
	}
	*hreq.URL = *a.base
	hreq.URL.Path = a.base.Path + ops.TokensPath
	if a.base.RawPath != "" {
		hreq.URL.RawPath = a.base.RawPath + ops.TokensPath
	}
	hreq.Host = a.base.Host
	hreq.Header.Set("Content-Type", "application/json")
	return a.rt.Send(hreq, body)
}

// decodeRDT checks a 2xx reply against the model: a token and a lifetime.
func (a *tokensAPI) decodeRDT(resp *http.Response, body []byte) (*RestrictedDataToken, error) {
	reqID := resp.Header.Get(headerRequestIDKey)
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
		ExpiresAt: a.now().Add(time.Duration(*out.ExpiresIn) * time.Second),
		RequestID: reqID,
	}, nil
}

// callError turns what net/http returns into an error whose message starts
// with its cause: an LWA refusal or an invalid request comes back as is,
// anything else names the operation and keeps its cause for errors.Is.
func callError(ctx context.Context, op string, err error) error {
	cause := neterr.UnwrapURLError(err)
	var (
		lwaErr *LWAError
		fetch  *lwa.FetchError
		inv    *InvalidRequestError
	)
	if errors.As(cause, &lwaErr) || errors.As(cause, &fetch) || errors.As(cause, &inv) {
		return cause
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(cause, ctxErr) {
		cause = fmt.Errorf("%w (%v)", ctxErr, cause)
	}
	return fmt.Errorf("sp-api %s: %w", op, cause)
}

// Format prints a Client without anything secret: %v of a struct with
// unexported fields would otherwise print them raw.
func (c *Client) Format(f fmt.State, verb rune) {
	urlredact.Format(f, verb, "*client.Client", struct {
		Endpoint string
		Limiter  bool
	}{c.base.String(), c.limiter != nil})
}

// LogValue makes slog print the same.
func (c *Client) LogValue() slog.Value {
	return slog.GroupValue(slog.String("endpoint", c.base.String()), slog.Bool("rate_limited", c.limiter != nil))
}
