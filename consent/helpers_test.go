package consent_test

import (
	"bytes"
	"context"
	"github.com/spapi-go/spapi/internal/testclock"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/spapi-go/spapi/consent"
	"github.com/spapi-go/spapi/sptest"
)

// testKey is a StateKey for tests.
var testKey = bytes.Repeat([]byte("k"), consent.MinStateKeyLen)

// newClock is a clock a test moves by hand.
func newClock() *testclock.Clock {
	return testclock.New(time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
}

// app is an application's web server with its callback at /callback, a
// session cookie "sid", and a log it writes to.
type app struct {
	srv  *sptest.Server
	web  *httptest.Server
	a    *consent.Authorizer
	cfg  consent.Config
	logs *syncBuffer

	mu    sync.Mutex
	auths []consent.Authorization
	errs  []error
}

// syncBuffer is a bytes.Buffer safe for the handler's and the test's
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// newApp starts an sptest server (unless srv is given) and an application
// whose Authorizer uses it; edit changes the Config before New.
func newApp(t *testing.T, srv *sptest.Server, edit func(*consent.Config)) *app {
	t.Helper()
	if srv == nil {
		srv = sptest.Start(t, sptest.Options{RateScale: 100})
	}
	ap := &app{srv: srv, logs: &syncBuffer{}}
	mux := http.NewServeMux()
	ap.web = httptest.NewServer(mux)
	t.Cleanup(ap.web.Close)
	ap.cfg = consent.Config{
		ApplicationID:  sptest.ApplicationID,
		ClientID:       sptest.ClientID,
		ClientSecret:   sptest.ClientSecret,
		RedirectURI:    ap.web.URL + "/callback",
		StateKey:       testKey,
		Session:        consent.CookieSession("sid"),
		ConsentBaseURL: srv.URL(),
		LWAEndpoint:    srv.LWAURL(),
		Logger:         slog.New(slog.NewTextHandler(ap.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(&ap.cfg)
	}
	a, err := consent.New(ap.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ap.a = a
	mux.Handle("/callback", a.Handler(
		func(w http.ResponseWriter, r *http.Request, auth consent.Authorization) {
			ap.mu.Lock()
			ap.auths = append(ap.auths, auth)
			ap.mu.Unlock()
			io.WriteString(w, "authorized")
		},
		func(w http.ResponseWriter, r *http.Request, err error) {
			ap.mu.Lock()
			ap.errs = append(ap.errs, err)
			ap.mu.Unlock()
			consent.DefaultError(w, r, err)
		}))
	return ap
}

// browser is a user's browser: a cookie jar holding session sid.
func (ap *app) browser(t *testing.T, sid string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(ap.web.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "sid", Value: sid, Path: "/"}})
	return &http.Client{Jar: jar}
}

// consentRedirect visits a consent URL without following the redirect, and
// returns the callback URL Amazon (sptest) sends the browser to.
func consentRedirect(t *testing.T, consentURL string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(consentURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("consent page: HTTP %d", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// visit GETs u with the browser b and returns the status and body.
func visit(t *testing.T, b *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// lastErr is the last error the callback reported.
func (ap *app) lastErr() error {
	ap.mu.Lock()
	defer ap.mu.Unlock()
	if len(ap.errs) == 0 {
		return nil
	}
	return ap.errs[len(ap.errs)-1]
}

func (ap *app) authorizations() []consent.Authorization {
	ap.mu.Lock()
	defer ap.mu.Unlock()
	return append([]consent.Authorization(nil), ap.auths...)
}

// withQuery is u with its query parameter k set to v ("" deletes it).
func withQuery(t *testing.T, u, k, v string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := p.Query()
	if v == "" {
		q.Del(k)
	} else {
		q.Set(k, v)
	}
	p.RawQuery = q.Encode()
	return p.String()
}

func query(t *testing.T, u, k string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Query().Get(k)
}

var ctx = context.Background()
