// Package client is a Go client for the Amazon Selling Partner API's Tokens
// API (2021-03-01): it mints Restricted Data Tokens (RDTs), the short-lived
// tokens that restricted operations (the ones returning customers' personal
// data) require.
//
// The generated client in package gen speaks the wire format; this package
// adds what every real caller needs and the generated code lacks:
//
//   - Login with Amazon (LWA) auth: one token fetch per token lifetime however
//     many goroutines ask, refreshed early, dropped and refetched once when the
//     API says it expired or was revoked.
//   - Region hosts (NA, EU, FE and their sandboxes) and a marketplace lookup.
//   - A client-side rate limiter that waits instead of collecting 429s, and
//     retries with backoff on 429 and 5xx that honour Retry-After and
//     x-amzn-RateLimit-Limit.
//   - Input validation before anything is sent, typed errors ([*APIError],
//     [*LWAError], [ErrInvalidRequest]) and no secret in any log line, error
//     string or formatted value.
//
// Layers, outermost first: retry (retry.go) -> rate limiter and probe gate
// (ratelimit.go) -> auth (auth.go) -> per-attempt timeout (retry.go) -> the
// caller's transport. Auth sits inside retry so a retry after a long backoff
// carries a fresh token; the limiter sits inside retry so retries pay for
// tokens too, and before auth so no token is fetched only to wait in a queue;
// the timeout sits below both, so neither a limiter wait nor a token fetch
// counts against an attempt.
//
// Tests, both ours and yours, run against the in-process fake in package
// sptest; see the examples.
package client
