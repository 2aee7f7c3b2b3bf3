package client

import (
	"net/http"
	"net/url"
)

// hostRouter is HTTPClient's transport: requests to the SP-API origin go
// through the client's stack (retry, limiter, auth), and requests to any
// other host go to the base transport as they are. Those are report
// documents on S3, feed uploads and the like: they take no SP-API token,
// count against no SP-API budget, and can be large, so they must stream, in
// either direction, for as long as they take.
type hostRouter struct {
	origin *url.URL
	sp     http.RoundTripper
	other  http.RoundTripper
}

func (h *hostRouter) RoundTrip(req *http.Request) (*http.Response, error) {
	if sameOrigin(req.URL, h.origin) {
		return h.sp.RoundTrip(req)
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
