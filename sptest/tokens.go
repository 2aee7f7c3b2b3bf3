package sptest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RestrictedResource is one resource an RDT was minted for.
type RestrictedResource struct {
	Method       string
	Path         string
	DataElements []string
}

// IssuedRDT is a Restricted Data Token the server minted.
type IssuedRDT struct {
	Token             string
	TargetApplication string
	Resources         []RestrictedResource
	ExpiresAt         time.Time // by Options.Now
	Revoked           bool
}

type accessToken struct {
	expires time.Time
	revoked bool
	seller  string // the refresh token it was issued for; "" for a grantless token
}

type rdtEntry struct {
	IssuedRDT
	seller string // whose LWA token minted it
}

// Data elements an RDT may name.
const (
	elemBuyerInfo           = "buyerInfo"
	elemShippingAddress     = "shippingAddress"
	elemBuyerTaxInformation = "buyerTaxInformation"
)

// RevokeAccessTokens makes every LWA access token issued so far invalid: using
// one gets 403 "revoked, malformed or invalid". Tokens issued later are valid.
func (s *Server) RevokeAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.access {
		t.revoked = true
	}
}

// RevokeRDT makes one RDT invalid.
func (s *Server) RevokeRDT(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.rdts[token]; e != nil {
		e.Revoked = true
	}
}

// RevokeRDTs makes every RDT issued so far invalid.
func (s *Server) RevokeRDTs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.rdts {
		e.Revoked = true
	}
}

// IssuedRDTs returns the RDTs minted so far, in order of issue, including the
// model's sandbox example tokens when a sandbox request was answered (a token
// issued again appears once, in its latest form).
func (s *Server) IssuedRDTs() []IssuedRDT {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]IssuedRDT, 0, len(s.rdtOrder))
	for _, tok := range s.rdtOrder {
		e := s.rdts[tok]
		c := e.IssuedRDT
		c.Resources = make([]RestrictedResource, len(e.Resources))
		for i, r := range e.Resources {
			r.DataElements = slices.Clone(r.DataElements)
			c.Resources[i] = r
		}
		out = append(out, c)
	}
	return out
}

// SetRestrictedRole grants or withdraws the restricted role of the
// application (Options.NoRestrictedRole sets the start). Without it, every
// createRestrictedDataToken that passes authentication and the rate limit
// gets Amazon's 400 InvalidInput "Application do not have access to some or
// all requested resource", and since such an application cannot request
// report types with PII, getReportDocument then also takes the LWA access
// token. RDTs minted before keep working.
func (s *Server) SetRestrictedRole(granted bool) { s.hasRole.Store(granted) }

// principal is who a request's x-amz-access-token says it is.
type principal struct {
	rdt    *IssuedRDT // nil for an LWA access token
	seller string     // whose budgets the request spends (see Options.Sellers)
}

// authenticate checks x-amz-access-token: an LWA access token or an RDT,
// known, unrevoked and unexpired. The returned RDT is a snapshot.
func (s *Server) authenticate(r *http.Request) (principal, *reply) {
	tok := r.Header.Get("X-Amz-Access-Token")
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.access[tok]; a != nil {
		switch {
		case a.revoked:
			return principal{}, denied(detailsInvalid)
		case !now.Before(a.expires):
			return principal{}, denied(detailsExpired)
		}
		return principal{seller: a.seller}, nil
	}
	if e := s.rdts[tok]; e != nil {
		switch {
		case e.Revoked:
			return principal{}, denied(detailsInvalid)
		case !now.Before(e.ExpiresAt):
			return principal{}, denied(detailsExpired)
		}
		c := e.IssuedRDT
		return principal{rdt: &c, seller: e.seller}, nil
	}
	return principal{}, denied(detailsInvalid)
}

// denied is the 403 for a token that may not be used: details says why a
// token was rejected (expired, or revoked, malformed or invalid), and is
// empty for a valid token that does not cover the request.
func denied(details string) *reply {
	r := errorReply(http.StatusForbidden, "Unauthorized", msgDenied, details)
	return &r
}

// rdtRequest is the createRestrictedDataToken body.
type rdtRequest struct {
	TargetApplication   string `json:"targetApplication"`
	RestrictedResources []struct {
		Method       string   `json:"method"`
		Path         string   `json:"path"`
		DataElements []string `json:"dataElements"`
	} `json:"restrictedResources"`
}

type rdtReply struct {
	RestrictedDataToken string `json:"restrictedDataToken"`
	ExpiresIn           int    `json:"expiresIn"`
}

// createRDT answers an authorized, unthrottled createRestrictedDataToken.
func (s *Server) createRDT(p principal, body []byte) reply {
	if !s.hasRole.Load() {
		return invalidInput(msgNoRole, "")
	}
	var generic any
	if err := decodeStrict(body, &generic); err != nil {
		return invalidInput("Could not parse the request body as JSON.", err.Error())
	}
	for _, ex := range s.sandbox {
		if reflect.DeepEqual(generic, ex.request) {
			if ex.status/100 == 2 {
				s.rememberSandboxRDT(ex, body)
			}
			return reply{status: ex.status, body: ex.response}
		}
	}
	var req rdtRequest
	if err := decodeStrict(body, &req); err != nil {
		return invalidInput("Could not parse the request body: "+err.Error(), err.Error())
	}
	if msg, details := validate(&req); msg != "" {
		return invalidInput(msg, details)
	}
	token := "Atz.sprdt|sptest-" + itoa(s.rdtSeq.Add(1)) + "-" + randomHex(16)
	s.remember(token, &req, s.opts.RDTLifetime, p.seller)
	return reply{status: http.StatusOK, body: mustJSON(rdtReply{
		RestrictedDataToken: token,
		ExpiresIn:           seconds(s.opts.RDTLifetime),
	})}
}

func invalidInput(msg, details string) reply {
	return errorReply(http.StatusBadRequest, "InvalidInput", msg, details)
}

// validate checks a createRestrictedDataToken body the way the real API does;
// it returns an empty message if the body is valid.
func validate(req *rdtRequest) (msg, details string) {
	n := len(req.RestrictedResources)
	switch {
	case req.RestrictedResources == nil:
		return "restrictedResources is required.", "The request body has no restrictedResources."
	case n == 0:
		return "restrictedResources must contain at least 1 resource.", "restrictedResources is empty."
	case n > 50:
		return "restrictedResources must contain at most 50 resources.", fmt.Sprintf("restrictedResources has %d resources.", n)
	}
	for i, r := range req.RestrictedResources {
		at := fmt.Sprintf("restrictedResources[%d]", i)
		switch r.Method {
		case http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete:
		default:
			return at + ".method must be one of GET, PUT, POST, DELETE.", fmt.Sprintf("Invalid method %q.", r.Method)
		}
		switch {
		case r.Path == "":
			return at + ".path is required.", "The path is empty."
		case !strings.HasPrefix(r.Path, "/"):
			return at + ".path must start with '/'.", fmt.Sprintf("Invalid path %q.", r.Path)
		}
		for _, d := range r.DataElements {
			switch d {
			case elemBuyerInfo, elemShippingAddress, elemBuyerTaxInformation:
			default:
				return at + ".dataElements values must be buyerInfo, shippingAddress or buyerTaxInformation.",
					fmt.Sprintf("Invalid data element %q.", d)
			}
		}
	}
	return "", ""
}

// remember stores a minted RDT.
func (s *Server) remember(token string, req *rdtRequest, lifetime time.Duration, seller string) {
	e := &rdtEntry{IssuedRDT: IssuedRDT{
		Token:             token,
		TargetApplication: req.TargetApplication,
		ExpiresAt:         s.opts.Now().Add(lifetime),
	}, seller: seller}
	for _, r := range req.RestrictedResources {
		e.Resources = append(e.Resources, RestrictedResource{
			Method: r.Method, Path: r.Path, DataElements: slices.Clone(r.DataElements),
		})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, seen := s.rdts[token]; seen {
		s.rdtOrder = slices.DeleteFunc(s.rdtOrder, func(t string) bool { return t == token })
	}
	s.rdts[token] = e
	s.rdtOrder = append(s.rdtOrder, token)
}

// rememberSandboxRDT stores the token of a 2xx sandbox example, so that it can
// be used on the restricted operations like any other RDT.
func (s *Server) rememberSandboxRDT(ex sandboxExample, body []byte) {
	var rep rdtReply
	var req rdtRequest
	if json.Unmarshal(ex.response, &rep) != nil || rep.RestrictedDataToken == "" || json.Unmarshal(body, &req) != nil {
		return
	}
	s.remember(rep.RestrictedDataToken, &req, time.Duration(rep.ExpiresIn)*time.Second, RefreshToken)
}

// decodeStrict decodes exactly one JSON value from body.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty body")
		}
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// seconds is d in whole seconds, as expires_in and expiresIn carry it.
func seconds(d time.Duration) int { return int(d / time.Second) }

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
