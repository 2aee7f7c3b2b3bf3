package sptest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Test credentials the fake accepts. Any other client id, secret or refresh
// token is rejected the way LWA rejects it.
const (
	ClientID     = "amzn1.application-oa2-client.sptest"
	ClientSecret = "sptest-client-secret"
	RefreshToken = "Atzr|sptest-refresh-token"
)

// Operation names, as used by Calls, CallsByStatus, Script and Always.
const (
	opLWA                          = "lwa"
	opCreateRestrictedDataToken    = "createRestrictedDataToken"
	opGetOrderAddress              = "getOrderAddress"
	opGetOrders                    = "ordersV0.getOrders"
	opGetOrder                     = "ordersV0.getOrder"
	opGetOrderItems                = "getOrderItems"
	opGetReportDocument            = "getReportDocument"
	opGetMarketplaceParticipations = "getMarketplaceParticipations"
	opOther                        = "other"
)

// Paths served outside the operation table.
const (
	lwaPath = "/auth/o2/token"
	rdtPath = "/tokens/2021-03-01/restrictedDataToken"
)

// maxBody bounds how much of a request body the fake reads.
const maxBody = 8 << 20

// Options configure a Server; the zero value gives the real API's defaults,
// including every operation's published usage plan, which is slow for tests
// (getOrderAddress: 0.5 requests/s, burst 30; getReportDocument: one a
// minute, burst 15): set RateScale (or NoRateLimit, or Plans) to go faster.
//
// An operation's rate-limit plan is, first match wins: its entry in Plans;
// none if NoRateLimit; for createRestrictedDataToken, Rate and Burst
// (defaults: the published 1/s times RateScale, burst 10); for every other
// operation, OperationRate and OperationBurst when OperationRate > 0; else
// the published plan, its rate times RateScale. An operation without a
// published plan is unlimited. Each operation has its own bucket, and every
// reply of a limited operation but a 429 states its rate in
// x-amzn-RateLimit-Limit.
type Options struct {
	TokenLifetime time.Duration // LWA access-token lifetime (expires_in); default 1h
	RDTLifetime   time.Duration // RDT lifetime (expiresIn); default 1h

	Rate        float64 // createRestrictedDataToken bucket, requests/s; default the published 1 times RateScale
	Burst       int     // createRestrictedDataToken burst; default the published 10
	NoRateLimit bool    // no bucket (and no rate header) for any operation not in Plans

	// RateScale multiplies every published rate (bursts are unchanged), and
	// the rate header states the scaled rate; 0 means 1. Use e.g. 100 to make
	// tests fast while keeping each operation's relative plan and its burst.
	RateScale float64

	// Plans overrides the plan of operations by name (as for Calls; the
	// alias "getOrder" included) and wins over every other option; a Plan
	// with Rate 0 means unlimited. Names follow OperationName's rule (an
	// unambiguous short name works); NewServer panics on a name that is no
	// operation or is ambiguous.
	Plans map[string]Plan

	// OperationRate, when > 0, replaces the published plan of every operation
	// other than createRestrictedDataToken by one plan of this many
	// requests/s (each operation still has its own bucket); RateScale does
	// not apply to it.
	OperationRate  float64
	OperationBurst int // default 1 when OperationRate > 0

	// NoRestrictedRole makes the server act as for an application without
	// the restricted role (see SetRestrictedRole).
	NoRestrictedRole bool

	// Sellers are more refresh tokens LWA accepts besides RefreshToken,
	// each a selling partner of its own: the SP-API's usage plans are per
	// selling partner and application, so each spends its own token
	// buckets (at the same plans), as the real API counts them.
	Sellers []string

	// ClientSecrets are more client secrets LWA accepts besides
	// ClientSecret, as during a rotation (SP-API's old secret works 7 days
	// after the new one is issued).
	ClientSecrets []string

	// Latency is added before every SP-API reply (not LWA replies); a request
	// whose context ends first gets no reply.
	Latency time.Duration

	// AuthCodeLifetime is how long a consent page's spapi_oauth_code
	// works at LWA (see ConsentURL); default Amazon's 5 minutes.
	AuthCodeLifetime time.Duration
	// Pages is how many pages every paginated list operation gives (0
	// means 2): the reply of each page but the last carries a token for the
	// next, in the operation's token field (searchOrders'
	// pagination.nextToken, getOrders' payload.NextToken, ...), and the last
	// carries none, so a loop that follows tokens ends; the two that page by
	// offset (Replenishment's listOffers and listOfferMetrics) state a
	// total of Pages times the request's limit. A token the fake did not
	// issue, or parameters the operation refuses beside a token, get 400
	// InvalidInput. getReports, getFeeds and getQueries follow Pages only
	// until the server has made a report, feed or query (see Jobs): from
	// then on they page its jobs, pageSize at a time.
	Pages int

	// Now is the clock for token expiry; default time.Now. The token buckets
	// always use the real clock.
	Now func() time.Time

	// Notifications makes the server play the Notifications API with state
	// (destinations, subscriptions, 409 on a duplicate; see Notify and
	// Destination) instead of answering its model's examples.
	Notifications bool
}

// Server is a running fake of LWA and the SP-API. It is safe for concurrent
// use. Create it with NewServer or Start.
type Server struct {
	opts    Options
	ts      *httptest.Server
	ctx     context.Context
	cancel  context.CancelFunc
	running sync.WaitGroup // handlers in flight, including hijacked ones
	closed  sync.Once

	table   *opTable  // read-only, shared by every Server
	buckets []*bucket // by operation index; nil where unlimited; read-only after NewServer

	sellerBuckets map[string][]*bucket // Options.Sellers' own buckets, under mu
	sandbox       []sandboxExample     // read-only after NewServer
	hasRole       atomic.Bool          // the application has the restricted role

	reqSeq atomic.Uint64
	tokSeq atomic.Uint64
	rdtSeq atomic.Uint64

	mu       sync.Mutex
	gen      uint64 // bumped by Reset, so in-flight requests do not count afterwards
	calls    map[string]int
	byStatus map[opStatus]int
	requests []*RecordedRequest
	scripted map[string][]Fault
	always   map[string]*Fault
	access   map[string]*accessToken
	rdts     map[string]*rdtEntry
	rdtOrder []string

	consent consentBook // the consent page's codes and refresh tokens (consent.go)
	notif   notifState  // Options.Notifications; its own lock
	jobs    jobState    // reports, feeds, Data Kiosk queries and their document host (jobs.go)
}

type opStatus struct {
	op     string
	status int
}

// NewServer starts a Server. The caller must Close it.
func NewServer(opts Options) *Server {
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	if opts.RDTLifetime <= 0 {
		opts.RDTLifetime = time.Hour
	}
	if opts.RateScale <= 0 {
		opts.RateScale = 1
	}
	if opts.OperationRate > 0 && opts.OperationBurst <= 0 {
		opts.OperationBurst = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	examples, err := sandboxExamples()
	if err != nil {
		panic("sptest: " + err.Error())
	}
	table := mustTable()
	s := &Server{
		opts:     opts,
		table:    table,
		buckets:  newBuckets(table, &opts),
		sandbox:  examples,
		calls:    map[string]int{},
		byStatus: map[opStatus]int{},
		scripted: map[string][]Fault{},
		always:   map[string]*Fault{},
		access:   map[string]*accessToken{},
		rdts:     map[string]*rdtEntry{},
	}
	s.hasRole.Store(!opts.NoRestrictedRole)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.ts.Config.BaseContext = func(net.Listener) context.Context { return s.ctx }
	s.ts.Start()
	return s
}

// Start starts a Server and closes it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := NewServer(opts)
	t.Cleanup(s.Close)
	return s
}

// Close stops the server: replies still waiting (Latency, Delay) stop at once,
// open connections are closed, and Close returns when no handler is left
// running. Close may be called more than once.
func (s *Server) Close() {
	s.closed.Do(func() {
		s.cancel()
		s.ts.CloseClientConnections()
		s.ts.Close()
		s.closeJobs()
		s.running.Wait()
	})
}

// URL is the SP-API base URL, such as http://127.0.0.1:PORT.
func (s *Server) URL() string { return s.ts.URL }

// LWAURL is the LWA token endpoint, URL() + "/auth/o2/token".
func (s *Server) LWAURL() string { return s.ts.URL + lwaPath }

// Client returns an *http.Client configured for the server (the
// httptest.Server's client); its idle connections are closed by Close.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// classify finds the operation a request is for: its name (as for Calls) and
// its table entry, nil for LWA and for a request that matches no operation
// ("other").
func (s *Server) classify(r *http.Request) (string, *operation) {
	if r.URL.Path == lwaPath {
		return opLWA, nil
	}
	if op := s.table.match(r.Method, r.URL.EscapedPath()); op != nil {
		return op.name, op
	}
	return opOther, nil
}

// reply is what a handler decided to answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// serveHTTP answers every request, LWA and SP-API.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.running.Add(1)
	defer s.running.Done()
	if r.URL.Path == consentPath {
		s.handleConsent(w, r)
		return
	}

	op, entry := s.classify(r)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	tooLarge := len(body) > maxBody
	rec, fault := s.begin(op, r, body)

	// A wait cut short (the client left, or Close) sends no reply at all:
	// returning normally would let net/http send an empty 200.
	ctx := r.Context()
	if op != opLWA && s.opts.Latency > 0 && !sleep(ctx, s.opts.Latency) {
		s.finish(rec, 0)
		panic(http.ErrAbortHandler)
	}
	if fault != nil && fault.Delay > 0 && !sleep(ctx, fault.Delay) {
		s.finish(rec, 0)
		panic(http.ErrAbortHandler)
	}
	if fault != nil && fault.Reset {
		s.finish(rec, 0)
		resetConn(w)
		return
	}

	var rep reply
	switch {
	case fault != nil && fault.Status != 0:
		rep = s.gatedFaultReply(op, entry, r, fault)
	case (err != nil || tooLarge) && op == opLWA:
		rep = lwaError(http.StatusBadRequest, "invalid_request", "The request body could not be read")
	case err != nil:
		rep = errorReply(http.StatusBadRequest, "InvalidInput", "Could not read the request body.", "")
	case tooLarge:
		rep = errorReply(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request body is too large.", "")
	case op == opLWA:
		rep = s.handleLWA(r, body)
	default:
		rep = s.handleSPAPI(entry, r, body)
	}
	s.write(w, rec, rep, fault)
}

// write sends rep, shaped by fault, and records the status before any byte
// leaves, so a client that has the reply also sees it counted.
func (s *Server) write(w http.ResponseWriter, rec *RecordedRequest, rep reply, f *Fault) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Requestid", rec.RequestID)
	for k, v := range rep.header {
		h[k] = v
	}
	if f != nil {
		for k, v := range f.Header {
			h[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
		}
	}
	n := len(rep.body)
	if f != nil && f.BodySize > 0 {
		n = f.BodySize
	}
	noBody := rep.status == http.StatusNoContent || rep.status == http.StatusNotModified || rep.status < 200
	declared, send := n, n
	truncate := f != nil && f.Truncate && !noBody
	if truncate {
		send = n / 2
		if declared == 0 {
			declared = 1
		}
	}
	if !noBody {
		h.Set("Content-Length", fmt.Sprint(declared))
	}
	s.finish(rec, rep.status)
	w.WriteHeader(rep.status)
	if noBody {
		return
	}
	if f != nil && f.BodySize > 0 {
		writeFiller(w, n, send)
	} else {
		_, _ = w.Write(rep.body[:send])
	}
	if truncate {
		rc := http.NewResponseController(w)
		_ = rc.Flush()
		if conn, _, err := rc.Hijack(); err == nil {
			_ = conn.Close()
		}
	}
}

// sleep waits d, returning false if ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// resetConn closes the connection without a reply, with a TCP reset where
// possible.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func (s *Server) newRequestID() string {
	return fmt.Sprintf("sptest-%08d-%s", s.reqSeq.Add(1), randomHex(6))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
