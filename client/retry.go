package client

import (
	"context"
	"time"

	"github.com/spapi-go/spapi/internal/transport"
)

// RetryInfo is what OnRetry hears before each backoff wait.
type RetryInfo struct {
	Operation  string        // e.g. "createRestrictedDataToken", "getListingsItem"
	Attempt    int           // the attempt about to be made: 2 for the first retry
	Wait       time.Duration // how long the client waits before it
	Reason     string        // ReasonStatus (429, 5xx), ReasonNetwork or ReasonTokenRejected
	StatusCode int           // status of the failed attempt; 0 for a transport error
	RequestID  string        // x-amzn-RequestId of the failed attempt, if any
	Err        error         // the transport error of the failed attempt, if any
}

// The reasons a RetryInfo gives for a retry, to compare Reason against;
// their values do not change.
const (
	// ReasonStatus is a retry after a 429 or a 5xx reply (StatusCode says
	// which).
	ReasonStatus = transport.ReasonStatus
	// ReasonNetwork is a retry after a request that failed before a reply
	// (a reset, a timeout, a refused connection).
	ReasonNetwork = transport.ReasonNetwork
	// ReasonTokenRejected is a retry with a fresh access token after a 403
	// that rejected the one sent.
	ReasonTokenRejected = transport.ReasonTokenRejected
)

// WithRetrySafe returns a context whose requests the client may send again
// after they may have reached the server (a 5xx, a timeout, a reset), even a
// POST or PATCH it does not know to be safe: use it for a call that is
// idempotent by its own design.
func WithRetrySafe(ctx context.Context) context.Context { return transport.WithRetrySafe(ctx) }
