package sptest

import (
	"fmt"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// Plan is a usage plan: a token bucket that refills at Rate requests per
// second and holds at most Burst requests.
type Plan struct {
	Rate  float64 // requests per second; 0 means unlimited (no bucket, no rate header)
	Burst int     // 0 means 1 when Rate > 0
}

// bucket is one operation's token bucket and the x-amzn-RateLimit-Limit
// value its replies carry.
type bucket struct {
	lim    *rate.Limiter
	header string
}

// newBuckets gives every operation of t its bucket (nil where unlimited),
// indexed like t.ops. See Options for how a plan is chosen.
func newBuckets(t *opTable, o *Options) []*bucket {
	if len(o.Plans) > 0 {
		// Resolve every name once, by the rule of OperationName: a short
		// name works when it is unambiguous.
		plans := make(map[string]Plan, len(o.Plans))
		given := map[string]string{}
		for name, p := range o.Plans {
			full, err := OperationName(name)
			if err != nil || full == opLWA || full == opOther {
				panic(fmt.Sprintf("sptest: Options.Plans: %q: %v", name, cmpErr(err, "not an SP-API operation")))
			}
			if prev, dup := given[full]; dup {
				panic(fmt.Sprintf("sptest: Options.Plans names %s twice (as %q and %q)", full, prev, name))
			}
			given[full] = name
			plans[full] = p
		}
		o.Plans = plans
	}
	out := make([]*bucket, len(t.ops))
	for i, op := range t.ops {
		p, ok := planFor(op, o)
		if !ok || p.Rate <= 0 {
			continue
		}
		r := roundRate(p.Rate)
		out[i] = &bucket{
			lim:    rate.NewLimiter(rate.Limit(r), max(p.Burst, 1)),
			header: strconv.FormatFloat(r, 'f', -1, 64),
		}
	}
	return out
}

// planFor is op's plan under o; false means no bucket.
func planFor(op *operation, o *Options) (Plan, bool) {
	if p, ok := o.Plans[op.name]; ok {
		return p, true
	}
	for alias, name := range aliases {
		if p, ok := o.Plans[alias]; ok && name == op.name {
			return p, true
		}
	}
	switch {
	case o.NoRateLimit:
		return Plan{}, false
	case op.name == opCreateRestrictedDataToken:
		p := Plan{Rate: op.plan.Rate * o.RateScale, Burst: op.plan.Burst}
		if o.Rate > 0 {
			p.Rate = o.Rate
		}
		if o.Burst > 0 {
			p.Burst = o.Burst
		}
		return p, true
	case o.OperationRate > 0:
		return Plan{Rate: o.OperationRate, Burst: o.OperationBurst}, true
	}
	return Plan{Rate: op.plan.Rate * o.RateScale, Burst: op.plan.Burst}, true
}

// roundRate drops the float noise of a scaled rate (0.0167*100 is
// 1.6700000000000002), so that the header reads as a person would write it.
func roundRate(r float64) float64 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(r, 'g', 12, 64), 64)
	if err != nil {
		return r
	}
	return v
}

// bucketFor is op's bucket for seller, or nil when op is unlimited or
// unknown. The default seller (RefreshToken), a grantless caller and a
// caller whose token was refused spend the server's own buckets; each of
// Options.Sellers has buckets of its own, made at its first request, since
// the real API's usage plans are per selling partner and application.
func (s *Server) bucketFor(op *operation, seller string) *bucket {
	if op == nil {
		return nil
	}
	if seller == "" || seller == RefreshToken {
		return s.buckets[op.index]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	bs, ok := s.sellerBuckets[seller]
	if !ok {
		bs = newBuckets(s.table, &s.opts)
		if s.sellerBuckets == nil {
			s.sellerBuckets = map[string][]*bucket{}
		}
		s.sellerBuckets[seller] = bs
	}
	return bs[op.index]
}

// SpendBudget empties the createRestrictedDataToken token bucket, as if
// another process had spent it; it then refills at its rate.
func (s *Server) SpendBudget() { s.SpendBudgetOf(opCreateRestrictedDataToken) }

// SpendBudgetOf empties the token bucket of the operation named op (as for
// Calls; both buckets where two operations share a name), as if another
// process had spent it; it then refills at its rate. It does nothing for an
// unlimited operation, and panics on an unknown or ambiguous name (see
// OperationName).
func (s *Server) SpendBudgetOf(op string) {
	op = mustName("SpendBudgetOf", op)
	now := time.Now()
	for _, o := range s.table.lookup(op) {
		if b := s.buckets[o.index]; b != nil {
			// Empty, not a fraction of a token short: spending the whole
			// tokens (AllowN) left up to 0.99 of one, so the next request
			// passed up to a full interval early. A burst of 0 clamps the
			// tokens to 0 at the next update, which the second call is.
			burst := b.lim.Burst()
			b.lim.SetBurstAt(now, 0)
			b.lim.SetBurstAt(now, burst)
		}
	}
}

// cmpErr is err's text, or def when err is nil.
func cmpErr(err error, def string) string {
	if err != nil {
		return err.Error()
	}
	return def
}
