package client

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// hintNoRole follows the Tokens API's 400 "Application do not have access
// to some or all requested resource", which says what failed, not what to do.
const hintNoRole = " (the application lacks the restricted role these resources need: add the role to the application in its developer profile (Solution Provider Portal or Seller Central, Develop Apps), then have the seller authorise the application again, so that the refresh token carries the role)"

// lwaHints say what to do after an LWA refusal.
var lwaHints = map[string]string{
	"invalid_grant":  " (the refresh token is wrong, expired or revoked, or belongs to another application: check Config.RefreshToken (LWA_REFRESH_TOKEN), or have the seller authorise the application again for a new one)",
	"invalid_client": " (the client ID or client secret is wrong, or the secret was rotated (SP-API client secrets expire every 180 days): check Config.ClientID and Config.ClientSecret (LWA_CLIENT_ID, LWA_CLIENT_SECRET))",
}

// lacksRole reports whether e is the Tokens API's refusal for want of the
// restricted role: 400 InvalidInput "Application do not have access to some
// or all requested resource".
func (e *APIError) lacksRole() bool {
	if e.StatusCode != http.StatusBadRequest {
		return false
	}
	for _, x := range e.Errors {
		if strings.Contains(strings.ToLower(x.Message), "do not have access") {
			return true
		}
	}
	return false
}

// refusalTTL is how long the client remembers that the Tokens API refused a
// set of resources for want of the restricted role: during it, HTTPClient and
// RestrictedDataToken return the same error at once instead of asking again
// (without the role every call would mint again, and spend the Tokens API's
// 1 request/s). Granting the role takes a new authorisation by the seller,
// so a few minutes costs nothing.
const refusalTTL = 5 * time.Minute

// maxRefusals bounds the remembered refusals (specific paths could grow it).
const maxRefusals = 1024

// refusals remembers, per RDT cache key, a Tokens call refused for want of
// the restricted role.
type refusals struct {
	mu sync.Mutex
	m  map[string]refusal
}

type refusal struct {
	err   error
	until time.Time
}

// get returns the remembered refusal for key, or nil.
func (r *refusals) get(key string, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.m[key]
	if !ok {
		return nil
	}
	if !now.Before(f.until) {
		delete(r.m, key)
		return nil
	}
	return &RefusedError{err: f.err, Until: f.until}
}

// add remembers err for key until now+refusalTTL.
func (r *refusals) add(key string, err error, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]refusal{}
	}
	if len(r.m) >= maxRefusals {
		for k, f := range r.m {
			if !now.Before(f.until) {
				delete(r.m, k)
			}
		}
		if len(r.m) >= maxRefusals {
			return // full of live refusals: ask again rather than grow
		}
	}
	r.m[key] = refusal{err: err, until: now.Add(refusalTTL)}
}

// RefusedError is a Tokens API refusal for want of the restricted role that
// the client remembered: until Until, HTTPClient and RestrictedDataToken
// return it for the same resources without calling the API. It unwraps to
// the original *APIError.
type RefusedError struct {
	err   error
	Until time.Time
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%v [remembered: not asked again for these resources until %s]", e.err, e.Until.UTC().Format(time.TimeOnly+" UTC"))
}

func (e *RefusedError) Unwrap() error { return e.err }
