package rdt

import (
	"sync"
	"time"
)

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

// get returns the remembered refusal for key and until when it holds; a
// nil cause when there is none.
func (r *refusals) get(key string, now time.Time) (until time.Time, cause error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.m[key]
	if !ok {
		return time.Time{}, nil
	}
	if !now.Before(f.until) {
		delete(r.m, key)
		return time.Time{}, nil
	}
	return f.until, f.err
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
