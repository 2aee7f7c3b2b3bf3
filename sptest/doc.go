// Package sptest is an in-process fake of Login with Amazon (LWA) and the
// Selling Partner API, for tests.
//
// The real services need credentials, a network and a registered application,
// enforce slow per-operation rate limits, and cannot be made to fail on
// demand. Tests of code that mints Restricted Data Tokens (RDTs) and calls
// SP-API operations need all of the opposite: no secrets, no network, fast,
// deterministic, and able to script throttling, server errors, slow or
// broken replies, revoked and expired tokens. A Server gives that with one
// httptest.Server that answers both the LWA token endpoint and the whole
// SP-API surface the way the real API does:
//
//   - POST /auth/o2/token: LWA, grant types refresh_token,
//     client_credentials (grantless) and authorization_code (a code from
//     the consent page, GET /apps/authorize/consent: see ConsentURL),
//     credentials in the form or in HTTP Basic auth. Only ClientID,
//     ClientSecret and RefreshToken (and the refresh tokens the
//     authorization-code grant issues) are accepted.
//   - Every operation of Amazon's SP-API models (api.UsagePlans, 370
//     operations) and every restricted operation (api.RestrictedOperations,
//     which adds cancelShipmentOld): 371 in all, listed by Operations. A
//     request that matches no operation (method and path) gets 404 NotFound
//     once its token passes.
//   - POST /tokens/2021-03-01/restrictedDataToken: createRestrictedDataToken,
//     validated like the real API, answering the model's x-amzn-api-sandbox
//     static examples exactly as the model says, and, for an application
//     without the restricted role (Options.NoRestrictedRole,
//     SetRestrictedRole), Amazon's 400 "Application do not have access to
//     some or all requested resource".
//   - Orders v0 getOrders, getOrder and getOrderItems (PII only for the
//     dataElements an RDT names; the LWA access token gives none),
//     getOrderAddress, Reports getReportDocument and Sellers
//     getMarketplaceParticipations answer like the models. Every other
//     operation answers as its model documents (sandbox.gen.json, generated
//     from api/models by internal/cmd/gensandbox): its first documented 2xx
//     status, with the model's x-amzn-api-sandbox or examples body where one
//     fits the response schema, else a body built from the schema that the
//     typed clients decode; a request without a required query parameter,
//     header or body gets 400 InvalidInput naming it. Script or Always with
//     a Fault{Status, Body} replaces a reply. cancelShipmentOld, in no
//     model, answers 200 {"payload":{}}.
//   - Model validation: before any handler (hand-written ones too, but for
//     createRestrictedDataToken, which sends Amazon's own messages), a
//     request its model refuses gets 400 InvalidInput, one error per rule
//     broken (required parameters and body properties, type, enum, pattern,
//     lengths, bounds, item counts, date-time), from validate.gen.json
//     (internal/cmd/genvalidate); a rule one of Amazon's 2xx example
//     requests breaks is not enforced. ValidRequestFor gives a request any
//     operation's model accepts.
//   - Reports, feeds and Data Kiosk queries are played as jobs (Jobs,
//     SetJobs): created IN_QUEUE, IN_PROGRESS once polled, then DONE (or a
//     FATAL or CANCELLED end from ScriptReport, ScriptFeed, ScriptQuery),
//     with their documents on a document host of the server's own
//     (DocumentHostURL: gzip, a null compressionAlgorithm, a charset, Range,
//     faults from ScriptDocument, and a feed upload whose Content-Type is
//     not the one createFeedDocument was given refused with S3's 403
//     SignatureDoesNotMatch). An id the fake did not make (a report, a
//     feed, a query, a document) gets its model's reply, as Amazon's static
//     sandbox answers any id; getReportDocument then answers a URL on
//     example.invalid, as it did before.
//   - Tokens: a restricted operation needs an RDT that covers the request
//     (same method; the specific path, or a template whose {param} segments
//     stand for the request's; getReportDocument only the specific path);
//     every other operation needs the LWA access token. A valid token that
//     does not cover the request gets the real 403 Unauthorized with empty
//     details; an expired, revoked or unknown token gets the 403 whose
//     details say so, the only 403 on which a client should refresh.
//   - Rate limits: each operation has its own token bucket at its published
//     usage plan, and every reply of a limited operation but a 429 states the
//     rate in x-amzn-RateLimit-Limit. Published plans are slow
//     (getOrderAddress: 0.5 requests/s, burst 30): Options.RateScale speeds
//     them all up, Options.Plans overrides one operation, NoRateLimit removes
//     them. Options.Sellers adds selling partners (refresh tokens) with
//     budgets of their own, as the real API counts them.
//   - Notifications (Options.Notifications): the Notifications API with
//     state (grantless destinations, the seller's subscriptions, 409 on a
//     duplicate, sendTestNotification), and events a test causes (Notify, NotifyOrderChange,
//     NotifyReportDone, NotifyFeedDone) delivered in Amazon's shape on a
//     channel per destination (Destination, EventBridge); see notifications.go.
//
// A scripted or persistent fault with a Status is the reply of a request
// that has passed the token and rate-limit checks, as a real failure would
// be: without a valid token the request gets its 403, over the limit its
// 429, and a faulted request spends its operation's budget.
//
// Every request is counted and recorded under its operation's name (see
// Calls; OperationName says which names work, and an unknown or ambiguous
// one panics rather than count 0), faults can be queued per operation (Script) or made persistent
// (Always), tokens can be revoked, and token expiry follows Options.Now so a
// fake clock can expire them.
//
// Usage:
//
//	srv := sptest.Start(t, sptest.Options{RateScale: 100}) // published plans, 100 times faster
//	c, err := client.New(srv.ClientConfig()) // credentials, endpoints, and the server's scaled plans
//	// ... exercise the code under test ...
//	if got := srv.LWACalls(); got != 1 {
//		t.Errorf("LWA calls = %d, want 1", got)
//	}
//
// To test error handling, queue faults before the calls:
//
//	srv.Script("createRestrictedDataToken",
//		sptest.Fault{Status: 429},
//		sptest.Fault{Status: 503, Header: http.Header{"Retry-After": {"1"}}})
//
// Note that net/http's Transport may transparently resend an idempotent
// request (a GET) whose reused connection was reset before any reply byte;
// such a resend reaches the server as a new request and consumes the next
// scripted fault.
package sptest
