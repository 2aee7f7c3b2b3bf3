package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// LWAError is a refusal from Login with Amazon, such as invalid_grant (a
// revoked or wrong refresh token) or invalid_client (a wrong client ID or
// secret). It never carries the credentials that were sent.
type LWAError struct {
	StatusCode  int
	Code        string // "invalid_grant", "invalid_client", ...; "" if the reply had none
	Description string
}

func (e *LWAError) Error() string {
	code := e.Code
	if code == "" {
		code = "error"
	}
	msg := "lwa: " + code
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return fmt.Sprintf("%s (HTTP %d)%s", msg, e.StatusCode, lwaHints[e.Code])
}

// accessToken is one LWA access token and when to stop using it.
type accessToken struct {
	value     string
	expiry    time.Time
	refreshAt time.Time // before expiry, so no call races the expiry
	sealed    []byte    // as the Store holds it, for DeleteIf; nil when not shared
}

// sharedToken is an access token as the fleet shares it, sealed.
type sharedToken struct {
	Value     string `json:"v"`
	Expiry    int64  `json:"e"` // Unix nanoseconds
	RefreshAt int64  `json:"r"`
}

// lwaSource hands out LWA access tokens: one LWA call per token lifetime
// however many goroutines ask at once. It is a credentials cache in the shape
// of aws-sdk-go-v2's: an atomic pointer for the fast path and a single
// flight (flightGroup) for the refresh.
type lwaSource struct {
	fetch func(ctx context.Context) (*oauth2.Token, error)
	now   func() time.Time

	sh     *shared // nil: in-process only
	tel    *telemetry
	cur    atomic.Pointer[accessToken]
	flight flightGroup[*accessToken]
	// last is what the latest failed LWA attempt got ("HTTP 503
	// server_error", "dial tcp: ..."), for a caller whose context ends
	// while the fetch is backing off: its error names the cause, not only
	// "context deadline exceeded".
	last atomic.Pointer[string]
}

func newLWASource(cfg *Config, hc *http.Client, tokenURL string, tel *telemetry) *lwaSource {
	s := &lwaSource{now: time.Now, tel: tel}
	if tel != nil {
		s.flight.tracer, s.flight.spanName = tel.tracer, "lwa.fetch"
	}
	if cfg.RefreshToken == "" && cfg.Scope != "" {
		cc := &clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     tokenURL,
			Scopes:       []string{cfg.Scope},
			AuthStyle:    oauth2.AuthStyleInParams,
		}
		s.fetch = func(ctx context.Context) (*oauth2.Token, error) {
			return cc.Token(context.WithValue(ctx, oauth2.HTTPClient, hc))
		}
		return s
	}
	oc := &oauth2.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		Endpoint:     oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams},
	}
	refresh := cfg.RefreshToken
	s.fetch = func(ctx context.Context) (*oauth2.Token, error) {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
		return oc.TokenSource(ctx, &oauth2.Token{RefreshToken: refresh}).Token()
	}
	return s
}

// Token returns a valid access token, fetching one if none is cached or the
// cached one is due for refresh.
func (s *lwaSource) Token(ctx context.Context) (string, error) {
	cur := s.cur.Load()
	if cur != nil && s.now().Before(cur.refreshAt) {
		return cur.value, nil
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	tok, err := s.flight.do(ctx, "", s.refresh)
	if err != nil {
		// A refresh that failed early leaves the old token usable.
		if cur != nil && s.now().Before(cur.expiry) && ctx.Err() == nil {
			return cur.value, nil
		}
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			msg := "lwa: waiting for an access token: " + err.Error()
			if last := s.last.Load(); last != nil {
				msg += "; the last attempt got " + *last
			}
			return "", &lwaFetchError{msg: msg, err: err}
		}
		return "", err
	}
	return tok.value, nil
}

// noteFailure keeps what a failed LWA attempt got, before its retry.
func (s *lwaSource) noteFailure(ri RetryInfo, fail *APIError) {
	var what string
	switch {
	case fail != nil:
		what = fmt.Sprintf("HTTP %d", fail.StatusCode)
		var e struct {
			Code string `json:"error"`
		}
		if json.Unmarshal(fail.Body, &e) == nil && e.Code != "" {
			what += " " + e.Code
		}
	case ri.Err != nil:
		what = innerURLError(ri.Err).Error()
	default:
		return
	}
	s.last.Store(&what)
}

// refresh fetches a token and caches it: from the fleet's Store when one
// is configured and holds a good token, else from LWA (once across the
// fleet, see shared.fetchShared).
func (s *lwaSource) refresh(ctx context.Context) (*accessToken, error) {
	// A caller that found no token just before another's refresh finished
	// must not start a second fetch.
	if cur := s.cur.Load(); cur != nil && s.now().Before(cur.refreshAt) {
		return cur, nil
	}
	if s.sh == nil {
		tok, err := s.fetchLWA(ctx)
		if err != nil {
			return nil, err
		}
		s.keep(tok)
		return tok, nil
	}
	plain, sealed, err := s.sh.fetchShared(ctx, "lwa",
		func(plain []byte) bool {
			t, ok := decodeSharedToken(plain)
			return ok && s.now().Before(t.refreshAt)
		},
		func(ctx context.Context) ([]byte, time.Duration, error) {
			tok, err := s.fetchLWA(ctx)
			if err != nil {
				return nil, 0, err
			}
			plain, err := json.Marshal(sharedToken{Value: tok.value, Expiry: tok.expiry.UnixNano(), RefreshAt: tok.refreshAt.UnixNano()})
			return plain, tok.expiry.Sub(s.now()), err
		})
	if err != nil {
		return nil, err
	}
	tok, ok := decodeSharedToken(plain)
	if !ok {
		return nil, errors.New("lwa: the shared token does not decode")
	}
	tok.sealed = sealed
	s.keep(tok)
	return tok, nil
}

// keep makes tok the cached token.
func (s *lwaSource) keep(tok *accessToken) {
	s.cur.Store(tok)
	s.last.Store(nil)
}

// fetchLWA asks LWA for a token.
func (s *lwaSource) fetchLWA(ctx context.Context) (*accessToken, error) {
	t, err := s.fetch(ctx)
	if err != nil {
		err = lwaErr(err)
		s.tel.lwaFetch(ctx, err)
		return nil, err
	}
	tok, err := s.accept(t)
	s.tel.lwaFetch(ctx, err)
	return tok, err
}

func decodeSharedToken(plain []byte) (*accessToken, bool) {
	var st sharedToken
	if json.Unmarshal(plain, &st) != nil || st.Value == "" {
		return nil, false
	}
	return &accessToken{value: st.Value, expiry: time.Unix(0, st.Expiry), refreshAt: time.Unix(0, st.RefreshAt)}, true
}

// accept turns an LWA reply into a cached token with its refresh time: a
// minute before expiry, or a tenth of the lifetime for short-lived tokens,
// so that a 2 s test token is not refetched on every call.
func (s *lwaSource) accept(t *oauth2.Token) (*accessToken, error) {
	if t.AccessToken == "" {
		return nil, errors.New("lwa: reply has no access_token")
	}
	now := s.now()
	life := time.Duration(t.ExpiresIn) * time.Second
	if t.ExpiresIn == 0 && !t.Expiry.IsZero() {
		life = t.Expiry.Sub(now)
	}
	if life <= 0 {
		return nil, errors.New("lwa: reply has no positive expires_in")
	}
	return &accessToken{
		value:     t.AccessToken,
		expiry:    now.Add(life),
		refreshAt: now.Add(life - refreshMargin(life)),
	}, nil
}

// refreshMargin is how long before expiry a token is replaced.
func refreshMargin(life time.Duration) time.Duration {
	return min(time.Minute, life/10)
}

// invalidate drops the cached token if it is still the one the API
// rejected, so the next call fetches a new one; a token already replaced by
// another goroutine is kept. A shared token is dropped from the Store too,
// unless another process has already replaced it.
func (s *lwaSource) invalidate(value string) {
	cur := s.cur.Load()
	if cur != nil && cur.value == value && s.cur.CompareAndSwap(cur, nil) && s.sh != nil {
		s.sh.deleteIf(context.Background(), s.sh.seal.key("lwa"), cur.sealed)
	}
}

// lwaErr turns x/oauth2's errors into ours: *LWAError for a refusal, a
// message starting "lwa:" for the rest, with the cause kept for errors.Is.
func lwaErr(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		e := &LWAError{Code: re.ErrorCode, Description: re.ErrorDescription}
		if re.Response != nil {
			e.StatusCode = re.Response.StatusCode
		}
		return e
	}
	if strings.HasPrefix(err.Error(), "lwa:") {
		return err
	}
	msg := strings.TrimPrefix(err.Error(), "oauth2: ")
	cause := innerURLError(err)
	if cause != err {
		msg = cause.Error() // drop `Post "https://...":`, keep the cause
	}
	return &lwaFetchError{msg: "lwa: " + msg, err: cause}
}

// lwaFetchError is an LWA failure that is not a refusal: the network, a
// timeout, a malformed reply. It unwraps to the cause (context errors
// included).
type lwaFetchError struct {
	msg string
	err error
}

func (e *lwaFetchError) Error() string { return e.msg }
func (e *lwaFetchError) Unwrap() error { return e.err }
