// Package api embeds the upstream models this module is generated from, so
// that code such as the sptest fake answers exactly what the model says.
package api

import _ "embed"

// TokensModel is the Swagger 2.0 model of the Tokens API 2021-03-01, byte for
// byte as published upstream.
//
//go:embed tokens_2021-03-01.json
var TokensModel []byte

// RestrictedOperations lists every restricted SP-API operation (method, path
// template, operation, API, version, dataElements).
//
//go:embed restricted-operations.json
var RestrictedOperations []byte

// UsagePlans lists every operation of Amazon's SP-API models (API, model,
// version, operationId, method, path template) with its published usage plan
// (rate in requests per second and burst; null where the model publishes
// none), byte for byte as ../shared/spec/usage-plans.json, so that the client
// and the sptest fake each read the same facts.
//
//go:embed usage-plans.json
var UsagePlans []byte
