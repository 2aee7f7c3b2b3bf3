package sptest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spapi-go/spapi/internal/paging"
)

// handleJob answers the operations of the Reports, Feeds and Data Kiosk
// APIs as jobs that move through their states (see Jobs); ok is false for
// every other operation, and for an id (report, feed, query, document) the
// fake did not make: that gets its model's reply, as before the fake
// played jobs, and as Amazon's static sandbox answers any id.
func (s *Server) handleJob(op *operation, r *http.Request, body []byte) (rep reply, ok bool) {
	switch op.name {
	case "createReport":
		return s.createReport(body), true
	case "getReport":
		return s.getJob("report", segment(r.URL.Path, 4))
	case "getReports":
		return s.listJobs(op, r, body), true
	case "cancelReport":
		return s.cancelJob("report", segment(r.URL.Path, 4))
	case opGetReportDocument:
		return s.getDocument("report", segment(r.URL.Path, 4))
	case "createFeedDocument":
		return s.createFeedDocument(body), true
	case "createFeed":
		return s.createFeed(body)
	case "getFeed":
		return s.getJob("feed", segment(r.URL.Path, 4))
	case "getFeeds":
		return s.listJobs(op, r, body), true
	case "cancelFeed":
		return s.cancelJob("feed", segment(r.URL.Path, 4))
	case "getFeedDocument":
		return s.getDocument("feed", segment(r.URL.Path, 4))
	case "createQuery":
		return s.createQuery(body), true
	case "getQuery":
		return s.getJob("query", segment(r.URL.Path, 4))
	case "getQueries":
		return s.listJobs(op, r, body), true
	case "cancelQuery":
		return s.cancelJob("query", segment(r.URL.Path, 4))
	case "dataKiosk_2023-11-15.getDocument", "getDocument":
		if strings.HasPrefix(r.URL.Path, "/dataKiosk/") {
			return s.getDocument("query", segment(r.URL.Path, 4))
		}
	}
	return reply{}, false
}

// reportSpec is createReport's body.
type reportSpec struct {
	ReportType     string            `json:"reportType"`
	MarketplaceIds []string          `json:"marketplaceIds"`
	DataStartTime  *time.Time        `json:"dataStartTime"`
	DataEndTime    *time.Time        `json:"dataEndTime"`
	ReportOptions  map[string]string `json:"reportOptions"`
}

func (s *Server) createReport(body []byte) reply {
	var spec reportSpec
	if err := json.Unmarshal(body, &spec); err != nil {
		return invalid("The request body is not a CreateReportSpecification: " + err.Error())
	}
	// The fields the model requires are checked with every other
	// operation's; a job needs none of them.
	if spec.DataStartTime != nil && spec.DataEndTime != nil && spec.DataEndTime.Before(*spec.DataStartTime) {
		return invalid("dataEndTime is before dataStartTime.")
	}
	st := s.jobState()
	st.mu.Lock()
	defer st.mu.Unlock()
	j := st.newJobLocked("report", spec.ReportType)
	j.markets, j.options = spec.MarketplaceIds, spec.ReportOptions
	return reply{status: http.StatusAccepted, body: mustJSON(map[string]string{"reportId": j.id})}
}

// getJob answers getReport, getFeed and getQuery, counting a poll.
func (s *Server) getJob(kind, id string) (reply, bool) {
	st := s.jobState()
	st.mu.Lock()
	defer st.mu.Unlock()
	j := st.jobs[id]
	if j == nil || j.kind != kind {
		return reply{}, false
	}
	return okJSON(st.viewLocked(j, true)), true
}

// jobListKind is the kind of job the list operation name lists ("report",
// "feed", "query"), or "" for any other operation.
func jobListKind(name string) string {
	return map[string]string{"getReports": "report", "getFeeds": "feed", "getQueries": "query"}[name]
}

// hasJobs says whether the fake has made a job of kind.
func (s *Server) hasJobs(kind string) bool {
	st := s.jobState()
	st.mu.Lock()
	defer st.mu.Unlock()
	return slices.ContainsFunc(st.order, func(j *job) bool { return j.kind == kind })
}

// listJobs answers getReports, getFeeds and getQueries, and is the one
// owner of their paging (paged steps aside): the jobs of the types and
// states asked for, newest first, pageSize at a time, each page but the
// last with a token of its own. As the models say, getReports' and
// getFeeds' token comes alone, and getQueries' with the first request's
// other parameters (pageSize may change); a token it did not issue gets
// 400 InvalidInput.
//
// While the fake has made no job of the kind, the list is the model's
// example reply, paged Options.Pages times as every other list is
// (pagedByToken), so that code that pages a list before creating anything
// still meets several pages; a token of those pages goes on to them even
// once a job exists. From the first job on, Options.Pages plays no part:
// the pages are the jobs'.
func (s *Server) listJobs(op *operation, r *http.Request, body []byte) reply {
	kind := jobListKind(op.name)
	p, _ := paging.Lookup(op.method, op.path)
	q := r.URL.Query()
	tok := q.Get(p.Param)
	if strings.HasPrefix(tok, pageTokenPrefix) || (tok == "" && !s.hasJobs(kind)) {
		return s.pagedByToken(p, r, func() reply { return answerFromModel(op, r, body) })
	}
	typesParam := map[string]string{"report": "reportTypes", "feed": "feedTypes"}[kind]
	offset, sum := 0, querySum(q, p.Param)
	if tok != "" {
		if msg := refused(p, q); msg != "" {
			return invalid(msg)
		}
		// The token carries the first request's filters, as the real one
		// does, and a digest of its parameters.
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		var first url.Values
		if err == nil {
			first, err = url.ParseQuery(string(raw))
		}
		if err == nil {
			offset, err = strconv.Atoi(first.Get("sptest-offset"))
		}
		if err != nil || offset < 0 {
			return invalid(p.Param + " is not a token this API returned.")
		}
		if p.Others == paging.Keep && first.Get("sptest-sum") != sum {
			return invalid(p.Param + " was issued for other parameters: send the same arguments as the call that produced it.")
		}
		if ps := q.Get("pageSize"); ps != "" {
			first.Set("pageSize", ps)
		}
		q, sum = first, first.Get("sptest-sum")
	}
	pageSize := 10
	if p := q.Get("pageSize"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 100 {
			return invalid("pageSize must be between 1 and 100.")
		}
		pageSize = n
	}
	types := splitList(q.Get(typesParam))
	states := splitList(q.Get("processingStatuses"))
	markets := splitList(q.Get("marketplaceIds"))
	st := s.jobState()
	st.mu.Lock()
	defer st.mu.Unlock()
	var views []any
	for _, j := range slices.Backward(st.order) {
		if j.kind != kind || (len(types) > 0 && !slices.Contains(types, j.typ)) {
			continue
		}
		if len(markets) > 0 && !slices.ContainsFunc(markets, func(m string) bool { return slices.Contains(j.markets, m) }) {
			continue
		}
		v := st.viewLocked(j, false)
		if len(states) > 0 && !slices.Contains(states, st.statusLocked(j, false)) {
			continue
		}
		views = append(views, v)
	}
	var next string
	views = views[min(offset, len(views)):]
	if len(views) > pageSize {
		nq := url.Values{}
		for _, k := range []string{typesParam, "processingStatuses", "marketplaceIds", "pageSize"} {
			if v := q.Get(k); k != "" && v != "" {
				nq.Set(k, v)
			}
		}
		nq.Set("sptest-offset", strconv.Itoa(offset+pageSize))
		nq.Set("sptest-sum", sum)
		views, next = views[:pageSize], base64.RawURLEncoding.EncodeToString([]byte(nq.Encode()))
	}
	if views == nil {
		views = []any{}
	}
	out := map[string]any{map[string]string{"report": "reports", "feed": "feeds", "query": "queries"}[kind]: views}
	if next != "" {
		if kind == "query" {
			out["pagination"] = map[string]string{"nextToken": next}
		} else {
			out["nextToken"] = next
		}
	}
	return okJSON(out)
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// cancelJob answers cancelReport, cancelFeed and cancelQuery: only a job
// still IN_QUEUE can be cancelled, as the APIs document.
func (s *Server) cancelJob(kind, id string) (reply, bool) {
	st := s.jobState()
	st.mu.Lock()
	defer st.mu.Unlock()
	j := st.jobs[id]
	if j == nil || j.kind != kind {
		return reply{}, false
	}
	if state := st.statusLocked(j, false); state != StatusInQueue {
		return invalid(fmt.Sprintf("The %s %s is %s: only one IN_QUEUE can be cancelled.", kind, id, state)), true
	}
	j.cancelled, j.ended = true, time.Now().UTC()
	if kind == "query" {
		return reply{status: http.StatusNoContent}, true
	}
	return reply{status: http.StatusOK}, true
}

// getDocument answers getReportDocument, getFeedDocument and Data Kiosk's
// getDocument with the document's presigned URL on the document host.
func (s *Server) getDocument(kind, id string) (reply, bool) {
	h := s.jobState().host
	d, ok := h.lookup(id)
	if !ok && kind == "report" {
		// The reply getReportDocument gave before the fake played
		// reports, which tests rely on.
		return okJSON(reportDocument{ReportDocumentId: id, URL: "https://example.invalid/doc/" + id}), true
	}
	if !ok {
		return reply{}, false
	}
	u := h.url(http.MethodGet, id, "")
	switch kind {
	case "query":
		return okJSON(map[string]string{"documentId": id, "documentUrl": u}), true
	case "feed":
		return okJSON(docReply{FeedDocumentID: id, URL: u, CompressionAlgorithm: d.compression}), true
	}
	return okJSON(docReply{ReportDocumentID: id, URL: u, CompressionAlgorithm: d.compression}), true
}

type docReply struct {
	ReportDocumentID     string `json:"reportDocumentId,omitempty"`
	FeedDocumentID       string `json:"feedDocumentId,omitempty"`
	URL                  string `json:"url"`
	CompressionAlgorithm string `json:"compressionAlgorithm,omitempty"`
}

// viewLocked is a job as its get operation shows it.
func (st *jobState) viewLocked(j *job, poll bool) map[string]any {
	state := st.statusLocked(j, poll)
	v := map[string]any{"processingStatus": state, "createdTime": j.created.Format(time.RFC3339)}
	switch j.kind {
	case "report":
		v["reportId"], v["reportType"], v["marketplaceIds"] = j.id, j.typ, j.markets
	case "feed":
		v["feedId"], v["feedType"], v["marketplaceIds"] = j.id, j.typ, j.markets
	case "query":
		v["queryId"], v["query"] = j.id, j.typ
	}
	if !j.started.IsZero() {
		v["processingStartTime"] = j.started.Format(time.RFC3339)
	}
	if !j.ended.IsZero() {
		v["processingEndTime"] = j.ended.Format(time.RFC3339)
	}
	if j.docID != "" {
		switch {
		case j.kind == "report":
			v["reportDocumentId"] = j.docID
		case j.kind == "feed":
			v["resultFeedDocumentId"] = j.docID
		case state == StatusFatal:
			v["errorDocumentId"] = j.docID
		default:
			v["dataDocumentId"] = j.docID
		}
	}
	return v
}

// reportDocumentLocked is the document a report ends with.
func (st *jobState) reportDocumentLocked(j *job) Document {
	if d := j.outcome.Document; d != nil {
		return *d
	}
	if j.outcome.Status != StatusDone {
		return Document{Content: mustJSON(map[string]string{
			"errorDetails": fmt.Sprintf("sptest: the report %s ended %s.", j.id, j.outcome.Status),
		}), ContentType: "application/json"}
	}
	if d, ok := st.opts.Reports[j.typ]; ok {
		return d
	}
	if strings.HasPrefix(j.typ, "GET_FLAT_FILE_OPEN_LISTINGS_DATA") || j.typ == "GET_MERCHANT_LISTINGS_DATA" {
		return Document{Content: []byte(OpenListingsReport), ContentType: "text/tab-separated-values"}
	}
	return Document{Content: []byte("reportType\treportId\n" + j.typ + "\t" + j.id + "\n"), ContentType: "text/tab-separated-values"}
}

// OpenListingsReport is the generated GET_FLAT_FILE_OPEN_LISTINGS_DATA
// report: a TSV with Amazon's header, three listings.
const OpenListingsReport = "sku\tasin\tprice\tquantity\n" +
	"SPTEST-SKU-1\tB000SPTEST1\t19.99\t7\n" +
	"SPTEST-SKU-2\tB000SPTEST2\t5.49\t0\n" +
	"SPTEST-SKU-3\tB000SPTEST3\t120.00\t12\n"

// invalid is a 400 InvalidInput with message.
func invalid(message string) reply {
	return errorReply(http.StatusBadRequest, "InvalidInput", message, "")
}
