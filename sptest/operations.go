package sptest

import (
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/time/rate"
)

// handleSPAPI answers every SP-API request: authenticate, spend the
// operation's rate-limit budget, then the operation itself.
func (s *Server) handleSPAPI(op string, r *http.Request, body []byte) reply {
	limiter, limit := s.limiterFor(op)
	p, rej := s.authenticate(r)
	var rep reply
	switch {
	case rej != nil:
		rep = *rej
	case limiter != nil && !limiter.Allow():
		return errorReply(http.StatusTooManyRequests, "QuotaExceeded", msgQuota, "")
	default:
		rep = s.handleOp(op, p, r, body)
	}
	if limiter != nil && rep.status >= 200 && rep.status < 500 && rep.status != http.StatusTooManyRequests {
		if rep.header == nil {
			rep.header = http.Header{}
		}
		rep.header.Set("X-Amzn-Ratelimit-Limit", limit)
	}
	return rep
}

// limiterFor is op's token bucket and its x-amzn-RateLimit-Limit value, or nil.
func (s *Server) limiterFor(op string) (*rate.Limiter, string) {
	if op == opCreateRestrictedDataToken {
		if s.rdtLimiter == nil {
			return nil, ""
		}
		return s.rdtLimiter, strconv.FormatFloat(s.opts.Rate, 'f', -1, 64)
	}
	if l := s.opLimiters[op]; l != nil {
		return l, strconv.FormatFloat(s.opts.OperationRate, 'f', -1, 64)
	}
	return nil, ""
}

// handleOp answers an authenticated request for op.
func (s *Server) handleOp(op string, p principal, r *http.Request, body []byte) reply {
	path := r.URL.Path
	switch op {
	case opCreateRestrictedDataToken:
		return s.createRDT(p, body)
	case opGetOrderAddress:
		if p.rdt == nil || len(covering(p.rdt, r, true)) == 0 {
			return *denied(detailsInvalid)
		}
		return okJSON(orderAddressReply{Payload: orderAddress{
			AmazonOrderId:   segment(path, 4),
			ShippingAddress: janeAddress,
		}})
	case opGetOrder:
		o := order{AmazonOrderId: segment(path, 4), OrderStatus: "Shipped"}
		if p.rdt != nil {
			res := covering(p.rdt, r, true)
			if len(res) == 0 {
				return *denied(detailsInvalid)
			}
			for _, rr := range res {
				for _, d := range rr.DataElements {
					switch d {
					case elemBuyerInfo:
						o.BuyerInfo = &buyerInfo{BuyerEmail: "jane@example.com", BuyerName: "Jane Doe"}
					case elemShippingAddress:
						a := janeAddress
						o.ShippingAddress = &a
					case elemBuyerTaxInformation:
						o.BuyerTaxInformation = &buyerTaxInformation{BuyerTaxRegistrationId: "DE123"}
					}
				}
			}
		}
		return okJSON(orderReply{Payload: o})
	case opGetReportDocument:
		if p.rdt == nil || len(covering(p.rdt, r, false)) == 0 {
			return *denied(detailsInvalid)
		}
		id := path[len(reportPath):]
		return okJSON(reportDocument{ReportDocumentId: id, URL: "https://example.invalid/doc/" + id})
	case opGetMarketplaceParticipations:
		if p.rdt != nil {
			return *denied(detailsInvalid)
		}
		return okJSON(participationsReply{Payload: []participation{{Marketplace: marketplace{ID: "ATVPDKIKX0DER"}}}})
	}
	return errorReply(http.StatusNotFound, "NotFound", "Resource not found.", "")
}

// covering returns the resources of rdt that cover r: same method, and the
// same path or, if templates are allowed, a path template whose {param}
// segments stand for r's segments.
func covering(rdt *IssuedRDT, r *http.Request, templates bool) []RestrictedResource {
	var out []RestrictedResource
	for _, res := range rdt.Resources {
		if res.Method == r.Method && pathMatches(res.Path, r.URL.Path, r.URL.EscapedPath(), templates) {
			out = append(out, res)
		}
	}
	return out
}

func pathMatches(pattern, path, escaped string, templates bool) bool {
	if pattern == path || pattern == escaped {
		return true
	}
	if !templates || !strings.Contains(pattern, "{") {
		return false
	}
	ps, rs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(rs) {
		return false
	}
	for i, seg := range ps {
		param := len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
		if seg != rs[i] && !(param && rs[i] != "") {
			return false
		}
	}
	return true
}

// segment is the i-th /-separated segment of path ("" is segment 0).
func segment(path string, i int) string {
	segs := strings.Split(path, "/")
	if i < len(segs) {
		return segs[i]
	}
	return ""
}

func okJSON(v any) reply { return reply{status: http.StatusOK, body: mustJSON(v)} }

// Reply bodies of the operations, fields in the real API's order.

type address struct {
	Name          string
	AddressLine1  string
	City          string
	StateOrRegion string
	PostalCode    string
	CountryCode   string
}

var janeAddress = address{
	Name:          "Jane Doe",
	AddressLine1:  "1 Main St",
	City:          "Seattle",
	StateOrRegion: "WA",
	PostalCode:    "98101",
	CountryCode:   "US",
}

type orderAddress struct {
	AmazonOrderId   string
	ShippingAddress address
}

type orderAddressReply struct {
	Payload orderAddress `json:"payload"`
}

type buyerInfo struct {
	BuyerEmail string
	BuyerName  string
}

type buyerTaxInformation struct {
	BuyerTaxRegistrationId string
}

type order struct {
	AmazonOrderId       string
	OrderStatus         string
	BuyerInfo           *buyerInfo           `json:",omitempty"`
	ShippingAddress     *address             `json:",omitempty"`
	BuyerTaxInformation *buyerTaxInformation `json:",omitempty"`
}

type orderReply struct {
	Payload order `json:"payload"`
}

type reportDocument struct {
	ReportDocumentId string `json:"reportDocumentId"`
	URL              string `json:"url"`
}

type marketplace struct {
	ID string `json:"id"`
}

type participation struct {
	Marketplace marketplace `json:"marketplace"`
}

type participationsReply struct {
	Payload []participation `json:"payload"`
}
