package client

import (
	"github.com/spapi-go/spapi/internal/ops"
	"github.com/spapi-go/spapi/internal/optable"
)

// RDTPolicy says which token HTTPClient sends to an operation.
type RDTPolicy int

// The policies Config.RDTOperations can set.
const (
	// RDTAuto is the table's answer: an RDT for the restricted operations
	// (for Orders getOrders, getOrder and getOrderItems only when
	// Config.DataElements asks for PII), the LWA token for the rest.
	RDTAuto RDTPolicy = iota
	// RDTNever sends the LWA access token.
	RDTNever
	// RDTTemplate sends an RDT minted for the operation's path template,
	// so that one RDT serves every id for its hour.
	RDTTemplate
	// RDTSpecificPath sends an RDT minted for the request's own path, as
	// getReportDocument needs.
	RDTSpecificPath
)

func (p RDTPolicy) String() string { return optable.Policy(p).String() }

// OperationInfo describes one SP-API operation of the client's table.
type OperationInfo struct {
	Name         string  // e.g. "getListingsItem", "ordersV0.getOrder"
	Method, Path string  // "GET", "/listings/2021-08-01/items/{sellerId}/{sku}"
	API, Version string  // "listings-items-api-model", "2021-08-01"
	Rate         float64 // published requests per second; 0 when none is published
	Burst        int     // published burst; 0 when none
	Restricted   bool    // takes an RDT (see RDTAuto)
	RetrySafe    bool    // a POST or PATCH the client may repeat after a 5xx or timeout
	Deprecated   bool
	Grantless    bool
	DataElements []string // the dataElements an RDT for it may name
}

// Operations lists every SP-API operation the client knows (all of Amazon's
// models, plus restricted operations the models dropped), with the names
// that Config.RDTOperations, Config.RetrySafeOperations, NewRateLimiter,
// RetryInfo and APIError use.
func Operations() []OperationInfo {
	all := ops.All()
	out := make([]OperationInfo, len(all))
	for i, o := range all {
		out[i] = OperationInfo{Name: o.Name, Method: o.Method, Path: o.Path, API: o.API, Version: o.Version,
			Rate: o.Rate, Burst: o.Burst, Restricted: o.Restricted, RetrySafe: o.RetrySafe,
			Deprecated: o.Deprecated, Grantless: o.Grantless, DataElements: o.DataElements}
	}
	return out
}
