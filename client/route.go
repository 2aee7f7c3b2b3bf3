package client

import (
	"log/slog"
	"net/http"
	"net/url"
	"sync"

	"github.com/spapi-go/tokens/internal/ops"
)

// maxWarnedHosts bounds the hosts hostRouter remembers having warned about.
const maxWarnedHosts = 64

// hostRouter is HTTPClient's transport: requests to the SP-API origin go
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
type hostRouter struct {
	origin *url.URL
	sp     http.RoundTripper
	other  http.RoundTripper
	logger *slog.Logger

	mu     sync.Mutex
	warned map[string]bool
}

func (h *hostRouter) RoundTrip(req *http.Request) (*http.Response, error) {
	if sameOrigin(req.URL, h.origin) {
		return h.sp.RoundTrip(req)
	}
	if h.logger != nil && h.logger.Enabled(req.Context(), slog.LevelWarn) {
		if op, ok := ops.Match(req.Method, req.URL.EscapedPath()); ok {
			h.warnOnce(req, op.Name)
		}
	}
	if req.Header.Get(headerAccessToken) != "" {
		// An SP-API token is for the SP-API only, even one the caller set.
		r := *req
		r.Header = req.Header.Clone()
		r.Header.Del(headerAccessToken)
		req = &r
	}
	return h.other.RoundTrip(req)
}

// warnOnce logs, once per host, that an SP-API operation went elsewhere.
func (h *hostRouter) warnOnce(req *http.Request, op string) {
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
