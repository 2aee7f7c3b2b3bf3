package sptest

import (
	"net/http"
	"strings"
)

// handleSPAPI answers every SP-API request: authenticate, find the operation,
// spend its rate-limit budget, check that the token covers the request, then
// the operation itself. op is nil for a path that matches no operation.
func (s *Server) handleSPAPI(op *operation, r *http.Request, body []byte) reply {
	p, rej := s.authenticate(r)
	b := s.bucketFor(op, p.seller)
	var rep reply
	switch {
	case rej != nil:
		rep = *rej
	case op == nil:
		rep = errorReply(http.StatusNotFound, "NotFound", "Resource not found.", "")
	case b != nil && !b.lim.Allow():
		// The real API sends no rate header with a 429.
		return errorReply(http.StatusTooManyRequests, "QuotaExceeded", msgQuota, "")
	default:
		if res, ok := s.authorize(op, p, r); !ok {
			rep = *denied("")
		} else {
			rep = s.paged(op, r, body, func() reply { return s.handleOp(op, p, res, r, body) })
		}
	}
	if b != nil && rep.status >= 200 && rep.status < 500 && rep.status != http.StatusTooManyRequests {
		if rep.header == nil {
			rep.header = http.Header{}
		}
		rep.header.Set("X-Amzn-Ratelimit-Limit", b.header)
	}
	return rep
}

// authorize decides whether a valid token may call op, the way the real API
// does: a restricted operation needs an RDT that covers the request (Orders
// v0's PII operations also take the LWA access token, and then give no PII);
// every other operation needs the LWA access token. It returns the RDT's
// resources that cover the request.
func (s *Server) authorize(op *operation, p principal, r *http.Request) ([]RestrictedResource, bool) {
	if p.rdt == nil {
		switch {
		case !op.restricted, op.piiOnly:
			return nil, true
		case op.name == opGetReportDocument && !s.hasRole.Load():
			// Without the restricted role an application cannot request
			// report types with PII, so its documents take the LWA token.
			return nil, true
		}
		return nil, false
	}
	if !op.restricted {
		return nil, false
	}
	res := covering(p.rdt, r, !op.exactRDT)
	return res, len(res) > 0
}

// handleOp answers an authorized request for op; res are the RDT resources
// that cover it (none for the LWA access token).
func (s *Server) handleOp(op *operation, p principal, res []RestrictedResource, r *http.Request, body []byte) reply {
	if rej := checkModel(op, r, body); rej != nil {
		return *rej
	}
	if rep, ok := s.handleJob(op, r, body); ok {
		return rep
	}
	path := r.URL.Path
	switch op.name {
	case opCreateRestrictedDataToken:
		return s.createRDT(p, body)
	case opGetOrderAddress:
		return okJSON(orderAddressReply{Payload: orderAddress{
			AmazonOrderId:   segment(path, 4),
			ShippingAddress: janeAddress,
		}})
	case opGetOrders:
		return okJSON(ordersReply{Payload: ordersList{
			Orders:        []order{newOrder(orderIDs[0], res), newOrder(orderIDs[1], res)},
			CreatedBefore: "2025-01-02T03:04:05Z",
		}})
	case opGetOrder:
		return okJSON(orderReply{Payload: newOrder(segment(path, 4), res)})
	case opGetOrderItems:
		return okJSON(orderItemsReply{Payload: newOrderItems(segment(path, 4), res)})
	case opGetReportDocument:
		id := segment(path, 4)
		return okJSON(reportDocument{ReportDocumentId: id, URL: "https://example.invalid/doc/" + id})
	case opGetMarketplaceParticipations:
		return okJSON(participationsReply{Payload: []participation{{Marketplace: marketplace{ID: "ATVPDKIKX0DER"}}}})
	}
	if s.opts.Notifications {
		if rep, ok := s.handleNotifications(op, p, r, body); ok {
			return rep
		}
	}
	return answerFromModel(op, r, body)
}

// covering returns the resources of rdt that cover r: same method, and the
// same path or, if templates are allowed, a path template whose {param}
// segments stand for r's segments (compared escaped, so that an SKU with %2F
// is one segment).
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
	ps, rs := strings.Split(pattern, "/"), strings.Split(escaped, "/")
	if len(ps) != len(rs) {
		return false
	}
	for i, seg := range ps {
		if seg != rs[i] && !(isParam(seg) && rs[i] != "") {
			return false
		}
	}
	return true
}

// dataElements is the set of data elements that res name.
func dataElements(res []RestrictedResource) map[string]bool {
	m := map[string]bool{}
	for _, r := range res {
		for _, d := range r.DataElements {
			m[d] = true
		}
	}
	return m
}

// segment is the i-th /-separated segment of path ("" is segment 0), or ""
// if path has fewer.
func segment(path string, i int) string {
	for range i {
		_, path, _ = strings.Cut(path, "/")
	}
	seg, _, _ := strings.Cut(path, "/")
	return seg
}

func okJSON(v any) reply { return reply{status: http.StatusOK, body: mustJSON(v)} }

// Reply bodies of the operations other than Orders, fields in the real
// API's order.

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
