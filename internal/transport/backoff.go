package transport

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spapi-go/spapi/internal/ratelimit"
)

// maxAttempts bounds MaxRetries: past it, a call retried at the MaxWait cap
// would run for days, which no caller means.
const maxAttempts = 100

// retryKind is why an attempt is retried; each kind waits its own way.
type retryKind int

const (
	retryServer    retryKind = iota // 500, 502, 503, 504
	retryThrottled                  // 429
	retryNetwork                    // the request failed before a reply
	retryToken                      // 403: the token was rejected; a fresh one goes at once
)

// The reasons RetryInfo.Reason gives (client.ReasonStatus and the others
// re-export them): their values are a contract, compared by callers.
const (
	ReasonStatus        = "status"         // a 429 or a 5xx reply
	ReasonNetwork       = "network"        // the request failed before a reply
	ReasonTokenRejected = "token_rejected" // a 403 that rejected the access token
)

// reason is k as RetryInfo.Reason says it: a 429 is a status, as a 5xx is
// (StatusCode tells them apart).
func (k retryKind) reason() string {
	switch k {
	case retryNetwork:
		return ReasonNetwork
	case retryToken:
		return ReasonTokenRejected
	}
	return ReasonStatus
}

func (k retryKind) String() string {
	switch k {
	case retryThrottled:
		return "throttled"
	case retryNetwork:
		return "network"
	case retryToken:
		return "token_rejected"
	}
	return "status"
}

// wait is how long to wait before a retry of kind after n earlier retries of
// the backoff kinds (0-based), given the failed reply's header (nil for a
// transport error). Retry-After wins when the server sent one; a 429 then
// waits for the interval its x-amzn-RateLimit-Limit states; anything else
// (5xx, network) backs off exponentially with full jitter. The result is
// always in [0, maxWait], whatever the header says or the policy holds.
func (p *Policy) wait(kind retryKind, n int, h http.Header) time.Duration {
	if kind == retryToken {
		return 0
	}
	if h != nil {
		if d, ok := retryAfter(h.Get("Retry-After"), p.maxWait, time.Now); ok {
			return d
		}
		if kind == retryThrottled {
			if r, ok := ratelimit.ParseRate(h.Get(HeaderRateLimit)); ok {
				return min(time.Duration(float64(time.Second)/r), p.maxWait)
			}
		}
	}
	return jitter(backoffCeiling(p.baseWait, p.maxWait, n))
}

// backoffCeiling is min(base * 2^n, max), computed without overflow: the
// shift is taken only while it cannot pass max.
func backoffCeiling(base, maxWait time.Duration, n int) time.Duration {
	if base <= 0 || maxWait <= 0 {
		return max(0, maxWait)
	}
	if base >= maxWait || n <= 0 {
		return min(base, maxWait)
	}
	if n >= 62 || base > maxWait>>n {
		return maxWait
	}
	return min(base<<n, maxWait)
}

// jitter is a uniformly random duration in [0, ceiling] (full jitter, as
// aws-sdk-go-v2 does it): retries of many callers spread out instead of
// arriving together.
func jitter(ceiling time.Duration) time.Duration {
	if ceiling <= 0 {
		return 0
	}
	if ceiling == math.MaxInt64 {
		return time.Duration(rand.Int64())
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

// retryAfter parses Retry-After, delay seconds or an HTTP date, into a wait
// in [0, maxWait]. A delay past maxWait is maxWait: the cap is compared
// before anything is multiplied, so no value overflows into a negative wait.
func retryAfter(v string, maxWait time.Duration, now func() time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		for i := 0; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' {
				return 0, false
			}
		}
		s, err := strconv.ParseInt(v, 10, 64)
		if err != nil || s > int64(maxWait/time.Second) { // too large to parse is past the cap too
			return maxWait, true
		}
		return min(time.Duration(s)*time.Second, maxWait), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now()), 0), maxWait), true
}
