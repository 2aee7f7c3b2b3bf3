// Package client is the core every call of this Go client for the Amazon
// Selling Partner API goes through: the typed packages under apis/ and the
// job packages (report, feed, document, notification, ...) are built on a
// *Client. It also calls the Tokens API (2021-03-01) itself: it mints,
// caches and shares the Restricted Data Tokens (RDTs) that restricted
// operations (the ones returning customers' personal data) require.
//
// The generated clients speak the wire format; this package adds what every
// real caller needs and the generated code lacks:
//
//   - Login with Amazon (LWA) auth: one token fetch per token lifetime however
//     many goroutines ask, refreshed early, dropped and refetched once when the
//     API says it expired or was revoked.
//   - Region hosts (NA, EU, FE and their sandboxes) and a marketplace lookup.
//   - Every SP-API operation, from a table generated from Amazon's models:
//     its name, its published usage plan, and whether it takes an RDT, so
//     that HTTPClient puts the right token on any call ([Operations]).
//   - A client-side rate limiter per operation, started at the published
//     plan, that waits instead of collecting 429s, and retries that never do
//     harm: backoff on 429, 5xx and network errors that honours Retry-After
//     and x-amzn-RateLimit-Limit, but no second POST that may have bought a
//     label.
//   - A fleet of processes sharing one seller's LWA token, RDTs and budgets
//     through a [Store] (package redisstore), never failing when it fails.
//   - OpenTelemetry metrics and spans (Config.MeterProvider,
//     Config.TracerProvider).
//   - Input validation before anything is sent, typed errors ([*APIError],
//     [*LWAError], [ErrInvalidRequest]) and no secret in any log line, error
//     string, formatted value or telemetry.
//
// Layers of a call to the SP-API host, outermost first, as
// internal/transport builds them (its Layers list, which a test holds the
// stack to):
//
//	retry      attempts, backoff, same-origin redirects, the call's span
//	limiter    the credential made ready, then the probe gate and the rate
//	           limiter (in a Store if configured); absent with NoRateLimit
//	auth       x-amz-access-token (LWA token or RDT) on a copy, per attempt
//	telemetry  each attempt's duration and 429s
//	timeout    the per-attempt deadline (Config.AttemptTimeout)
//	base       the caller's transport
//
// Auth sits inside retry so a retry after a long backoff, or the resend
// after a rejected token, carries a fresh token; the limiter sits inside
// retry so retries pay for tokens too, and before auth so no token is
// fetched only to wait in a queue; the timeout sits below both, so neither
// a limiter wait nor a token fetch counts against an attempt. HTTPClient
// routes a request to any other host straight to the caller's transport,
// with none of these layers.
//
// This package is a façade: New builds each part from its own options and
// hands each the functions it needs of the others. The parts, lowest first
// (each imports only lower ones; internal/layers_test.go keeps the order):
// store (the Store protocol), internal/ratelimit (bucket math, the limiter,
// the rate header), internal/ops and internal/optable (the operations),
// internal/telemetry, internal/shared (the client side of a Store: breaker,
// sealer and key names, the shared limiter), internal/lwa (the LWA token
// source), internal/rdt (the RDT cache, refusals, the token policy) and
// internal/transport (the layers above, the router, the LWA client).
//
// Tests, both ours and yours, run against the in-process fake in package
// sptest; see the examples.
package client
