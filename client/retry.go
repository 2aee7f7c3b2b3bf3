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
	Reason     string        // "status" (429, 5xx), "network" or "token_rejected"
	StatusCode int           // status of the failed attempt; 0 for a transport error
	RequestID  string        // x-amzn-RequestId of the failed attempt, if any
	Err        error         // the transport error of the failed attempt, if any
}

// WithRetrySafe returns a context whose requests the client may send again
// after they may have reached the server (a 5xx, a timeout, a reset), even a
// POST or PATCH it does not know to be safe: use it for a call that is
// idempotent by its own design.
func WithRetrySafe(ctx context.Context) context.Context { return transport.WithRetrySafe(ctx) }
