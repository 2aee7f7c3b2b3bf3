package rdt

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spapi-go/spapi/gen"
	"github.com/spapi-go/spapi/internal/ops"
	"github.com/spapi-go/spapi/internal/optable"
)

// TokenFunc returns the token to send with a request and a function that
// drops it from its cache when the API rejects it, given the token. again
// says the request's credential was looked up already for this attempt
// (by the limiter, before it queued), so the lookup is not counted twice.
type TokenFunc = func(ctx context.Context, req *http.Request, again bool) (token string, reject func(token string), err error)

// Options are what NewSource builds a Source from. Every function is the
// client's, given at construction.
type Options struct {
	BasePath     string         // the endpoint's base path, cut from request paths
	Table        *optable.Table // the operations and the caller's policies
	DataElements []string       // Config.DataElements
	TargetApp    string         // Config.TargetApplication
	Cache        *Cache
	Logger       *slog.Logger // nil: silent
	// Mint calls the Tokens API (CreateRestrictedDataToken).
	Mint func(context.Context, gen.CreateRestrictedDataTokenRequest) (*Token, error)
	// LWA is the LWA access token, for operations that take no RDT.
	LWA func(ctx context.Context) (token string, reject func(string), err error)
	// LacksRole reports whether a Tokens call failed for want of the
	// restricted role (a 400 the API words so).
	LacksRole func(error) bool
	// Refused makes the error for a refusal remembered until until
	// (client.RefusedError).
	Refused func(cause error, until time.Time) error
}

// Source hands out the RDT a request needs: from the cache, minted once
// per grant, with a refusal for want of the role remembered for a while.
type Source struct {
	o       Options
	now     func() time.Time
	refused refusals // resources the Tokens call refused for want of the role, for refusalTTL
	noRole  nameSet  // operations the Tokens call refused for want of the role
}

// NewSource is the RDT source o describes.
func NewSource(o Options) *Source { return &Source{o: o, now: time.Now} }

// Cached is the cache's RDT for key, minted with req when needed. A
// refusal for want of the restricted role is remembered for refusalTTL, and
// returned without asking again. counted: see Cache.Get.
func (s *Source) Cached(ctx context.Context, key string, req gen.CreateRestrictedDataTokenRequest, counted bool) (*Token, error) {
	if until, cause := s.refused.get(key, s.now()); cause != nil {
		return nil, s.o.Refused(cause, until)
	}
	t, err := s.o.Cache.Get(ctx, key, counted, s.now, func(ctx context.Context) (*Token, error) {
		return s.o.Mint(ctx, req)
	})
	if err != nil && s.o.LacksRole(err) {
		s.refused.add(key, err, s.now())
	}
	return t, err
}

// OperationToken is the client's TokenFunc: an RDT where the operation
// needs one (see policy), else the LWA access token. The Tokens API's own
// call always takes the LWA token, whatever Config.RDTOperations says: an
// RDT cannot mint one, and the mint goes through this same function (one
// stack per Client, not two: issue 22's heap per seller).
func (s *Source) OperationToken(ctx context.Context, req *http.Request, again bool) (string, func(string), error) {
	path := strings.TrimPrefix(req.URL.EscapedPath(), s.o.BasePath)
	if path == ops.TokensPath && req.Method == http.MethodPost {
		return s.o.LWA(ctx)
	}
	op, ok := s.o.Table.Match(req.Method, path)
	var pol optable.Policy
	if ok {
		pol = s.policy(op)
	}
	if pol == optable.RDTNever || pol == optable.RDTAuto || (pol == optable.RDTSpecificPath && s.noRole.has(op.Name)) {
		return s.o.LWA(ctx)
	}
	rpath := op.Path
	if pol == optable.RDTSpecificPath {
		rpath = path
	}
	res := gen.RestrictedResource{Method: gen.RestrictedResourceMethod(op.Method), Path: rpath}
	if de := s.dataElementsFor(op); len(de) > 0 {
		res.DataElements = &de
	}
	rreq := gen.CreateRestrictedDataTokenRequest{RestrictedResources: []gen.RestrictedResource{res}}
	if s.o.TargetApp != "" {
		rreq.TargetApplication = &s.o.TargetApp
	}
	key := Key(rreq)
	t, err := s.Cached(ctx, key, rreq, again)
	if err != nil {
		if pol == optable.RDTSpecificPath && s.o.LacksRole(err) {
			// An application without the restricted role can have no
			// PII report types, so its documents take the LWA token.
			// Remember it: asking again would fail the same way.
			if s.noRole.add(op.Name) && s.o.Logger != nil {
				s.o.Logger.LogAttrs(ctx, slog.LevelInfo, "sp-api: the application may not mint RDTs for this operation; using the LWA token from now on",
					slog.String("operation", op.Name))
			}
			return s.o.LWA(ctx)
		}
		return "", nil, err
	}
	return t.Token, func(tok string) { s.o.Cache.Evict(key, tok) }, nil
}

// policy is the token op takes: the caller's Config.RDTOperations, else
// the table's answer. A restricted operation takes an RDT, for its request
// path where it must (getReportDocument) and its template otherwise; one
// that is restricted only for PII (Orders getOrders, getOrder,
// getOrderItems) takes one only when Config.DataElements asks for some of
// its dataElements, and the LWA token otherwise, which an application
// without the restricted role can also use.
func (s *Source) policy(op *ops.Operation) optable.Policy {
	if p, ok := s.o.Table.Policy(op.Name); ok && p != optable.RDTAuto {
		return p
	}
	switch {
	case !op.Restricted:
		return optable.RDTNever
	case op.DataElements != nil && len(s.dataElementsFor(op)) == 0:
		return optable.RDTNever
	case op.SpecificPath:
		return optable.RDTSpecificPath
	}
	return optable.RDTTemplate
}

// dataElementsFor is the configured dataElements that op accepts.
func (s *Source) dataElementsFor(op *ops.Operation) []string {
	var out []string
	for _, d := range s.o.DataElements {
		if slices.Contains(op.DataElements, d) {
			out = append(out, d)
		}
	}
	return out
}

// nameSet is a concurrency-safe set of operation names, small and
// write-once per name.
type nameSet struct {
	mu sync.Mutex
	m  map[string]bool
}

func (s *nameSet) has(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[name]
}

// add adds name, and reports whether it was new.
func (s *nameSet) add(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[name] {
		return false
	}
	if s.m == nil {
		s.m = map[string]bool{}
	}
	s.m[name] = true
	return true
}
