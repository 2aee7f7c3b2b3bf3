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
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
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
	opGetOrder                     = "getOrder"
	opGetReportDocument            = "getReportDocument"
	opGetMarketplaceParticipations = "getMarketplaceParticipations"
	opOther                        = "other"
)

// Paths served.
const (
	lwaPath    = "/auth/o2/token"
	rdtPath    = "/tokens/2021-03-01/restrictedDataToken"
	mpPath     = "/sellers/v1/marketplaceParticipations"
	ordersPath = "/orders/v0/orders/"
	reportPath = "/reports/2021-06-30/documents/"
)

// maxBody bounds how much of a request body the fake reads.
const maxBody = 8 << 20

// Options configure a Server; the zero value gives the real API's defaults.
type Options struct {
	TokenLifetime time.Duration // LWA access-token lifetime (expires_in); default 1h
	RDTLifetime   time.Duration // RDT lifetime (expiresIn); default 1h

	Rate        float64 // createRestrictedDataToken token bucket, requests/s; default 1
	Burst       int     // default 10
	NoRateLimit bool    // disable the createRestrictedDataToken bucket (and its header)

	// OperationRate is the token bucket of each other operation
	// (getOrderAddress, getOrder, getReportDocument,
	// getMarketplaceParticipations), requests/s; 0 means unlimited and no
	// rate header.
	OperationRate  float64
	OperationBurst int // default 1 when OperationRate > 0

	// Latency is added before every SP-API reply (not LWA replies); a request
	// whose context ends first gets no reply.
	Latency time.Duration

	// Now is the clock for token expiry; default time.Now. The token buckets
	// always use the real clock.
	Now func() time.Time
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

	rdtLimiter *rate.Limiter            // nil when NoRateLimit
	opLimiters map[string]*rate.Limiter // read-only after NewServer
	sandbox    []sandboxExample         // read-only after NewServer

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
	if opts.Rate <= 0 {
		opts.Rate = 1
	}
	if opts.Burst <= 0 {
		opts.Burst = 10
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
	s := &Server{
		opts:       opts,
		sandbox:    examples,
		opLimiters: map[string]*rate.Limiter{},
		calls:      map[string]int{},
		byStatus:   map[opStatus]int{},
		scripted:   map[string][]Fault{},
		always:     map[string]*Fault{},
		access:     map[string]*accessToken{},
		rdts:       map[string]*rdtEntry{},
	}
	if !opts.NoRateLimit {
		s.rdtLimiter = rate.NewLimiter(rate.Limit(opts.Rate), opts.Burst)
	}
	if opts.OperationRate > 0 {
		for _, op := range []string{opGetOrderAddress, opGetOrder, opGetReportDocument, opGetMarketplaceParticipations} {
			s.opLimiters[op] = rate.NewLimiter(rate.Limit(opts.OperationRate), opts.OperationBurst)
		}
	}
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

// classify names the operation a request is for.
func classify(r *http.Request) string {
	p := r.URL.Path
	switch {
	case p == lwaPath:
		return opLWA
	case p == rdtPath:
		if r.Method == http.MethodPost {
			return opCreateRestrictedDataToken
		}
	case r.Method != http.MethodGet:
	case p == mpPath:
		return opGetMarketplaceParticipations
	case strings.HasPrefix(p, ordersPath):
		rest := strings.Split(p[len(ordersPath):], "/")
		switch {
		case len(rest) == 1 && rest[0] != "":
			return opGetOrder
		case len(rest) == 2 && rest[0] != "" && rest[1] == "address":
			return opGetOrderAddress
		}
	case strings.HasPrefix(p, reportPath):
		if id := p[len(reportPath):]; id != "" && !strings.Contains(id, "/") {
			return opGetReportDocument
		}
	}
	return opOther
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

	op := classify(r)
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
		rep = faultReply(op, fault)
	case (err != nil || tooLarge) && op == opLWA:
		rep = lwaError(http.StatusBadRequest, "invalid_request", "The request body could not be read")
	case err != nil:
		rep = errorReply(http.StatusBadRequest, "InvalidInput", "Could not read the request body.", "")
	case tooLarge:
		rep = errorReply(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request body is too large.", "")
	case op == opLWA:
		rep = s.handleLWA(r, body)
	default:
		rep = s.handleSPAPI(op, r, body)
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
