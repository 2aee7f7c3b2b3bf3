package transport

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"

	"github.com/spapi-go/spapi/internal/ops"
)

// maxWarnedHosts bounds the hosts Router remembers having warned about.
const maxWarnedHosts = 64

// Router is HTTPClient's transport: requests to the SP-API origin go
// through the client's stack (retry, limiter, auth), and requests to any
// other host go to the base transport as they are. Those are report
// documents on S3, feed uploads and the like: they take no SP-API token,
// count against no SP-API budget, and can be large, so they must stream, in
// either direction, for as long as they take.
//
// A request to another host whose path is an SP-API operation is most
// likely a generated client pointed at the wrong base URL (another region,
// or the production host while the client is on the sandbox): it gets no
// token and ends in a 403 that speaks of an invalid token. So the router
// says so, once per host.
type Router struct {
	origin *url.URL
	sp     http.RoundTripper
	other  http.RoundTripper
	logger *slog.Logger

	mu     sync.Mutex
	warned map[string]bool
}

func (h *Router) RoundTrip(req *http.Request) (*http.Response, error) {
	if SameOrigin(req.URL, h.origin) {
		if from := h.redirectedFrom(req); from != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, fmt.Errorf("%w: will not follow a redirect from %s://%s into the SP-API endpoint %s://%s: "+
				"only a request the application sends to the endpoint itself gets a token",
				errRedirect, from.Scheme, from.Host, h.origin.Scheme, h.origin.Host)
		}
		return h.sp.RoundTrip(req)
	}
	if h.logger != nil && h.logger.Enabled(req.Context(), slog.LevelWarn) {
		if op, ok := ops.Match(req.Method, req.URL.EscapedPath()); ok {
			h.warnOnce(req, op.Name)
		}
	}
	if req.Header.Get(HeaderAccessToken) != "" {
		// An SP-API token is for the SP-API only, even one the caller set.
		r := *req
		r.Header = req.Header.Clone()
		r.Header.Del(HeaderAccessToken)
		req = &r
	}
	resp, err := h.other.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	// The reply names its request, as http.Transport's do, so that a
	// redirect's chain can be traced back to where it started whatever
	// the base transport.
	if resp.Request == nil {
		resp.Request = req
	}
	return resp, nil
}

// redirectedFrom is the URL of the first request of req's redirect chain
// when that chain started at another origin, else nil. http.Client sets
// req.Response on each request it makes to follow a redirect, and that
// reply's Request is the hop before. A URL the application fetches (a
// report document, a webhook's link) must not be able to send it, with a
// token, to the SP-API: 307 and 308 keep the method and the body, so a PUT
// or POST would go through as well.
//
// A hop whose origin is unknown (a reply with no Request, which the router
// never hands back) counts as another origin.
func (h *Router) redirectedFrom(req *http.Request) *url.URL {
	var from *url.URL
	for r, hops := req, 0; r.Response != nil; hops++ {
		if r = r.Response.Request; r == nil || r.URL == nil || hops >= maxChain {
			return &url.URL{Scheme: "unknown", Host: "unknown"}
		}
		if !SameOrigin(r.URL, h.origin) {
			from = r.URL
		}
	}
	return from
}

// maxChain bounds the redirect chain redirectedFrom walks (http.Client
// stops at 10).
const maxChain = 100

// warnOnce logs, once per host, that an SP-API operation went elsewhere.
func (h *Router) warnOnce(req *http.Request, op string) {
	h.mu.Lock()
	seen := h.warned[req.URL.Host] || len(h.warned) >= maxWarnedHosts // past the bound: said enough
	if !seen {
		if h.warned == nil {
			h.warned = map[string]bool{}
		}
		h.warned[req.URL.Host] = true
	}
	h.mu.Unlock()
	if seen {
		return
	}
	h.logger.LogAttrs(req.Context(), slog.LevelWarn,
		"sp-api: a request for an SP-API operation goes to another host than the client's endpoint, so it gets no token (and will likely fail with 403); point the generated client at Client.Endpoint()",
		slog.String("operation", op), slog.String("host", req.URL.Host), slog.String("endpoint", h.origin.Host))
}
