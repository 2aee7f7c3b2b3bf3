package transport

import (
	"errors"
	"fmt"
	"net/http"
)

// errRedirect is matched by the error for a redirect the client refuses.
var errRedirect = errors.New("redirect refused")

// maxRedirects is how many redirects one attempt follows.
const maxRedirects = 5

// checkRedirect follows a redirect only to the same origin, and only a few
// times. The SP-API never redirects: a redirect to another origin comes from
// something in between (a proxy, a captive portal), and following it would
// send the request, and accept the reply (an RDT, say), from a host the
// client never authenticated. So it is refused, with the target named.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("%w: stopped after %d redirects", errRedirect, maxRedirects)
	}
	if from := via[0].URL; !SameOrigin(req.URL, from) {
		return fmt.Errorf("%w: the SP-API never redirects; will not follow a redirect from %s://%s to %s://%s",
			errRedirect, from.Scheme, from.Host, req.URL.Scheme, req.URL.Host)
	}
	return nil
}

// noRedirect hands a redirect to the caller as it is: the outer clients
// already see the result of the inner client's redirects, and LWA requests
// must never be sent on.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
