// Package lwa is the client's Login with Amazon token source: one LWA call
// per token lifetime however many goroutines ask, refreshed early, shared
// with the fleet through a Store when there is one.
package lwa

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

	"github.com/spapi-go/spapi/internal/flight"
	"github.com/spapi-go/spapi/internal/neterr"
	"github.com/spapi-go/spapi/internal/shared"
	"github.com/spapi-go/spapi/internal/telemetry"
)

// Options are what New builds a Source from.
type Options struct {
	ClientID, ClientSecret, RefreshToken string
	Scope                                string // with no RefreshToken: a grantless client_credentials token
	TokenURL                             string
	// HTTPClient sends the token requests (with its retries, no redirects).
	HTTPClient *http.Client
	// Shared, if not nil, shares the token with the fleet.
	Shared *shared.Shared
	Tel    *telemetry.Telemetry
	// Refusal makes the error for an LWA refusal (client.LWAError).
	Refusal func(status int, code, description string) error
	// Last is where HTTPClient's retries note each failed attempt (nil: nowhere).
	Last *LastFailure
}

// accessToken is one LWA access token and when to stop using it.
type accessToken struct {
	value     string
	expiry    time.Time
	refreshAt time.Time   // before expiry, so no call races the expiry
	mark      shared.Mark // the Store's copy, for DropLWA; 0 when not shared
}

// sharedToken is an access token as the fleet shares it, sealed.
type sharedToken struct {
	Value     string `json:"v"`
	Expiry    int64  `json:"e"` // Unix nanoseconds
	RefreshAt int64  `json:"r"`
}

// Source hands out LWA access tokens: one LWA call per token lifetime
// however many goroutines ask at once. It is a credentials cache in the shape
// of aws-sdk-go-v2's: an atomic pointer for the fast path and a single
// flight (flight.Group) for the refresh.
type Source struct {
	fetch func(ctx context.Context) (*oauth2.Token, error)
	now   func() time.Time

	sh      *shared.Shared // nil: in-process only
	tel     *telemetry.Telemetry
	refusal func(status int, code, description string) error
	cur     atomic.Pointer[accessToken]
	flight  flight.Group[*accessToken]
	last    *LastFailure
}

// LastFailure is what the latest failed LWA attempt got ("HTTP 503
// server_error", "dial tcp: ..."), for a caller whose context ends while
// the fetch is backing off: its error names the cause, not only "context
// deadline exceeded". The token requests' retry layer notes it (Note is its
// backoff hook) and the Source reads it; a nil *LastFailure keeps nothing.
type LastFailure struct{ p atomic.Pointer[string] }

// Note keeps what a failed attempt got, before its retry: its status and
// the OAuth error code of its body, or its transport error.
func (l *LastFailure) Note(status int, body []byte, err error) {
	if l == nil {
		return
	}
	var what string
	switch {
	case status != 0:
		what = fmt.Sprintf("HTTP %d", status)
		var e struct {
			Code string `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Code != "" {
			what += " " + e.Code
		}
	case err != nil:
		what = neterr.InnerURLError(err).Error()
	default:
		return
	}
	l.p.Store(&what)
}

func (l *LastFailure) load() *string {
	if l == nil {
		return nil
	}
	return l.p.Load()
}

func (l *LastFailure) clear() {
	if l != nil {
		l.p.Store(nil)
	}
}

// New is the token source of o's credentials.
func New(o Options) *Source {
	cfg, hc, tokenURL := &o, o.HTTPClient, o.TokenURL
	s := &Source{now: time.Now, tel: o.Tel, sh: o.Shared, refusal: o.Refusal, last: o.Last}
	if o.Tel != nil {
		s.flight.Tracer, s.flight.SpanName = o.Tel.Tracer(), "lwa.fetch"
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
func (s *Source) Token(ctx context.Context) (string, error) {
	cur := s.cur.Load()
	if cur != nil && s.now().Before(cur.refreshAt) {
		return cur.value, nil
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	tok, err := s.flight.Do(ctx, "", s.refresh)
	if err != nil {
		// A refresh that failed early leaves the old token usable.
		if cur != nil && s.now().Before(cur.expiry) && ctx.Err() == nil {
			return cur.value, nil
		}
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			msg := "lwa: waiting for an access token: " + err.Error()
			if last := s.last.load(); last != nil {
				msg += "; the last attempt got " + *last
			}
			return "", &FetchError{msg: msg, err: err}
		}
		return "", err
	}
	return tok.value, nil
}

// refresh fetches a token and caches it: from the fleet's Store when one
// is configured and holds a good token, else from LWA (once across the
// fleet, see shared.Shared.FetchLWA).
func (s *Source) refresh(ctx context.Context) (*accessToken, error) {
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
	plain, mark, err := s.sh.FetchLWA(ctx,
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
	tok.mark = mark
	s.keep(tok)
	return tok, nil
}

// keep makes tok the cached token.
func (s *Source) keep(tok *accessToken) {
	s.cur.Store(tok)
	s.last.clear()
}

// fetchLWA asks LWA for a token.
func (s *Source) fetchLWA(ctx context.Context) (*accessToken, error) {
	t, err := s.fetch(ctx)
	if err != nil {
		err = s.lwaErr(err)
		s.tel.LWAFetch(ctx, err)
		return nil, err
	}
	tok, err := s.accept(t)
	s.tel.LWAFetch(ctx, err)
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
func (s *Source) accept(t *oauth2.Token) (*accessToken, error) {
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
		refreshAt: now.Add(life - RefreshMargin(life)),
	}, nil
}

// RefreshMargin is how long before expiry a token is replaced.
func RefreshMargin(life time.Duration) time.Duration {
	return min(time.Minute, life/10)
}

// Invalidate drops the cached token if it is still the one the API
// rejected, so the next call fetches a new one; a token already replaced by
// another goroutine is kept. A shared token is dropped from the Store too,
// unless another process has already replaced it.
func (s *Source) Invalidate(value string) {
	cur := s.cur.Load()
	if cur != nil && cur.value == value && s.cur.CompareAndSwap(cur, nil) && s.sh != nil {
		s.sh.DropLWA(cur.mark)
	}
}

// lwaErr turns x/oauth2's errors into ours: Refusal's error for a refusal, a
// message starting "lwa:" for the rest, with the cause kept for errors.Is.
func (s *Source) lwaErr(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		if s.refusal == nil {
			return fmt.Errorf("lwa: %s: %s (HTTP %d)", re.ErrorCode, re.ErrorDescription, status)
		}
		return s.refusal(status, re.ErrorCode, re.ErrorDescription)
	}
	if strings.HasPrefix(err.Error(), "lwa:") {
		return err
	}
	msg := strings.TrimPrefix(err.Error(), "oauth2: ")
	cause := neterr.InnerURLError(err)
	if cause != err {
		msg = cause.Error() // drop `Post "https://...":`, keep the cause
	}
	return &FetchError{msg: "lwa: " + msg, err: cause}
}

// FetchError is an LWA failure that is not a refusal: the network, a
// timeout, a malformed reply. It unwraps to the cause (context errors
// included).
type FetchError struct {
	msg string
	err error
}

func (e *FetchError) Error() string { return e.msg }
func (e *FetchError) Unwrap() error { return e.err }

// Retryable reports false: the fetch had retries of its own.
func (e *FetchError) Retryable() bool { return false }
