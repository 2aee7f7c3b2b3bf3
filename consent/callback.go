package consent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
)

// maxParamLen bounds each callback parameter read (codes and ids are tens
// of characters).
const maxParamLen = 2048

// Complete handles the callback request r (the browser's GET to
// Config.RedirectURI): it checks the state against r's session (Config.Session),
// its expiry and its single use, then exchanges spapi_oauth_code at LWA.
// It is Handler's work, for an application that routes the callback
// itself. The error wraps one of this package's Err values, or is an
// *ExchangeError.
//
// The state check and the exchange keep r's context values but not its
// cancellation, and are bounded to 30 s: the code works once, so a browser that leaves while
// LWA answers must not lose the refresh token the code was traded for.
func (a *Authorizer) Complete(r *http.Request) (Authorization, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), exchangeTimeout)
	defer cancel()
	q := r.URL.Query()
	param := func(name string) (string, error) {
		v := q.Get(name)
		switch {
		case v == "":
			return "", fmt.Errorf("consent: %w: %s", ErrMissingParameter, name)
		case len(v) > maxParamLen && name != "state": // a state is judged by openState
			return "", fmt.Errorf("consent: %w: %s is %d bytes, longer than %d", ErrInvalidParameter, name, len(v), maxParamLen)
		}
		return v, nil
	}
	rawState, err := param("state")
	if err != nil {
		return Authorization{}, err
	}
	session, err := a.cfg.Session(r)
	if err == nil && session == "" {
		err = errors.New("empty session id")
	}
	if err != nil {
		return Authorization{}, fmt.Errorf("consent: %w: %v", ErrNoSession, err)
	}
	st, err := a.openState(rawState, session)
	if err != nil {
		return Authorization{}, err
	}
	code, err := param("spapi_oauth_code")
	if err != nil {
		return Authorization{}, err
	}
	spid, err := param("selling_partner_id")
	if err != nil {
		return Authorization{}, err
	}
	if !printable(spid) {
		return Authorization{}, fmt.Errorf("consent: %w: selling_partner_id has a space or a control character", ErrInvalidParameter)
	}
	fresh, err := a.states.Consume(ctx, st.nonce)
	if err != nil {
		return Authorization{}, fmt.Errorf("consent: checking the state: %w", err)
	}
	if !fresh {
		return Authorization{}, fmt.Errorf("consent: %w (or unknown to the state store)", ErrStateReplayed)
	}
	refresh, err := a.exchange(ctx, code)
	if err != nil {
		return Authorization{}, err
	}
	return Authorization{
		SellingPartnerID: spid,
		RefreshToken:     refresh,
		MWSAuthToken:     q.Get("mws_auth_token"),
		Marketplace:      st.marketplace,
		Vendor:           st.vendor,
	}, nil
}

// printable reports whether s is printable ASCII with no space: what an id
// is, and nothing that could forge a log line.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// Handler is the callback as an http.Handler, to serve at
// Config.RedirectURI. On success it calls onAuthorized with the
// Authorization, whose refresh token the application stores; it should
// then redirect the user on (so the code's URL leaves the address bar).
// On failure it calls onError with an error that wraps one of this
// package's Err values or is an *ExchangeError; a nil onError answers 400
// (the request's fault) or 502 (LWA's) with the error's text, which holds
// no secret. Only GET is accepted.
func (a *Authorizer) Handler(onAuthorized func(http.ResponseWriter, *http.Request, Authorization), onError func(http.ResponseWriter, *http.Request, error)) http.Handler {
	if onError == nil {
		onError = DefaultError
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			http.Error(w, "consent: the callback takes GET", http.StatusMethodNotAllowed)
			return
		}
		if onAuthorized == nil {
			a.log.ErrorContext(r.Context(), "consent: Handler was given no onAuthorized func")
			http.Error(w, "consent: the application cannot receive authorizations", http.StatusInternalServerError)
			return
		}
		auth, err := a.Complete(r)
		if err != nil {
			a.log.WarnContext(r.Context(), "consent: authorization refused", slog.String("error", err.Error()))
			onError(w, r, err)
			return
		}
		a.log.InfoContext(r.Context(), "consent: authorized", slog.Any("authorization", auth))
		onAuthorized(w, r, auth)
	})
}

// DefaultError is Handler's onError when none is given: 400 for a request
// at fault (a missing parameter, a bad, expired or replayed state, no
// session), 502 for LWA's refusal or failure, with the error's text.
func DefaultError(w http.ResponseWriter, _ *http.Request, err error) {
	msg := strings.TrimPrefix(err.Error(), "consent: ")
	http.Error(w, "authorization failed: "+msg, status(err))
}
