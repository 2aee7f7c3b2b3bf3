// Package ops knows every Selling Partner API operation and recognises one
// from a request's method and path, so that the client can name any request
// (in limiter keys, errors, logs, metrics and user configuration),
// rate-limit it by its published usage plan, decide whether it needs a
// Restricted Data Token, and decide whether a POST may be retried.
//
// The table is generated from api/usage-plans.json (every operation of
// Amazon's models), api/restricted-operations.json and our own
// api/retry-safe-operations.json (see generate.go). Matching is done on a
// segment trie built once at init, so Match can sit on the hot path of every
// request without allocating, and an id, a SKU or a query string never makes
// two requests of one operation look different.
package ops

import "slices"

// Operation is one SP-API operation.
type Operation struct {
	// Index is the operation's position in the table, stable for a given
	// table, so that per-operation state can live in an array indexed by it
	// instead of a map keyed by name.
	Index int
	// Name is the operation's public name, unique in the table: the
	// operationId where no other operation shares it ("getOrderAddress"),
	// else the model file name without ".json", a dot and the operationId
	// ("ordersV0.getOrder", "shippingV2.getRates"), and where one model uses
	// one operationId twice, that plus a dot and the method
	// ("shippingV2.linkCarrierAccount.PUT"). It is what limiter keys,
	// errors, logs, metrics and user configuration say.
	Name string
	// ID is the operationId as in Amazon's model.
	ID string
	// API, Model and Version say where the operation comes from, e.g.
	// "orders-api-model", "ordersV0.json", "v0". A restricted operation
	// that the models no longer have (cancelShipmentOld) takes API and
	// Version from api/restricted-operations.json and has Model "".
	API, Model, Version string
	// Method and Path are the HTTP method and the path template, e.g. "GET"
	// and "/orders/v0/orders/{orderId}".
	Method, Path string
	// Rate is the published rate in requests per second, and Burst the
	// published burst; both are 0 where the model publishes no plan. A
	// seller's real plan may be higher: x-amzn-RateLimit-Limit wins.
	Rate  float64
	Burst int
	// Deprecated marks operations Amazon's model deprecates; Grantless
	// those called with a grantless (client-credentials) token.
	Deprecated, Grantless bool
	// Restricted marks the operations listed in restricted-operations.json:
	// they take a Restricted Data Token instead of the LWA token.
	Restricted bool
	// DataElements, where set, are the dataElements an RDT for the
	// operation may name; such an operation (Orders v0 getOrders, getOrder,
	// getOrderItems) is restricted only when the RDT names some, and takes
	// the LWA token otherwise. Nil for every other operation.
	DataElements []string
	// SpecificPath is set where an RDT must name the request's own path,
	// not the template (Reports getReportDocument only): the Tokens API
	// grants access to one specific document there. See RDTPath.
	SpecificPath bool
	// RetrySafe marks a POST or PATCH that may be retried after a 5xx or a
	// timeout because it only reads or computes (our own list,
	// api/retry-safe-operations.json). GET, PUT and DELETE are idempotent
	// and need no flag.
	RetrySafe bool
}

// RDTPath is the path to ask an RDT for when calling o at path: the
// template, so that one RDT covers every id for its hour of validity, or
// path itself where o.SpecificPath.
func (o *Operation) RDTPath(path string) string {
	if o.SpecificPath {
		return path
	}
	return o.Path
}

// byName indexes the table by Name for Lookup.
var byName = func() map[string]*Operation {
	m := make(map[string]*Operation, len(operations))
	for i := range operations {
		m[operations[i].Name] = &operations[i]
	}
	return m
}()

// Lookup returns the operation with this Name, for user configuration and
// anything else that refers to an operation by name. It does not allocate.
// The returned *Operation points into the package's table and must not be
// modified.
func Lookup(name string) (*Operation, bool) {
	op, ok := byName[name]
	return op, ok
}

// All returns a copy of the table, in table order (Index order). It is a
// deep copy (DataElements included) so that callers may modify it without
// corrupting what Match and Lookup return.
func All() []Operation {
	out := slices.Clone(operations)
	for i := range out {
		out[i].DataElements = slices.Clone(out[i].DataElements)
	}
	return out
}
