package sptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

func (s *Server) createFeedDocument(body []byte) reply {
	var spec struct {
		ContentType string `json:"contentType"`
	}
	if err := json.Unmarshal(body, &spec); err != nil {
		return invalid("The request body is not a CreateFeedDocumentSpecification: " + err.Error())
	}
	h := s.jobState().host
	id := h.newUpload(spec.ContentType)
	return reply{status: http.StatusCreated, body: mustJSON(map[string]string{
		"feedDocumentId": id,
		"url":            h.url(http.MethodPut, id, spec.ContentType),
	})}
}

func (s *Server) createFeed(body []byte) (reply, bool) {
	var spec struct {
		FeedType            string            `json:"feedType"`
		MarketplaceIds      []string          `json:"marketplaceIds"`
		InputFeedDocumentID string            `json:"inputFeedDocumentId"`
		FeedOptions         map[string]string `json:"feedOptions"`
	}
	if err := json.Unmarshal(body, &spec); err != nil {
		return invalid("The request body is not a CreateFeedSpecification: " + err.Error()), true
	}
	// The fields the model requires are checked with every other
	// operation's; the feed needs an uploaded document to process.
	st := s.jobState()
	d, ok := st.host.lookup(spec.InputFeedDocumentID)
	switch {
	case !ok || d.uploadType == "":
		return reply{}, false // a document the fake did not make: the model's reply
	case !d.uploaded:
		return invalid("inputFeedDocumentId " + spec.InputFeedDocumentID + " has not been uploaded."), true
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	j := st.newJobLocked("feed", spec.FeedType)
	j.markets, j.input, j.options = spec.MarketplaceIds, spec.InputFeedDocumentID, spec.FeedOptions
	return reply{status: http.StatusAccepted, body: mustJSON(map[string]string{"feedId": j.id})}, true
}

// processingReportLocked is a feed's processing report: for
// JSON_LISTINGS_FEED, the JSON report of Amazon's schema
// (listings-feed-processing-report-schema-v2) counting the messages
// uploaded, a message with no sku or operationType an error; for other
// feed types, the flat-file summary.
func (st *jobState) processingReportLocked(j *job) Document {
	if d := j.outcome.Document; d != nil {
		return *d
	}
	in, _ := st.host.lookup(j.input)
	if j.typ != "JSON_LISTINGS_FEED" {
		n := strings.Count(strings.TrimSpace(string(in.body)), "\n") // rows below the header
		ok := n
		if j.outcome.Status != StatusDone {
			ok = 0
		}
		return Document{Content: fmt.Appendf(nil, "Feed Processing Summary:\n\tNumber of records processed\t\t%d\n\tNumber of records successful\t\t%d\n", n, ok)}
	}
	type issue struct {
		MessageID int    `json:"messageId,omitempty"`
		SKU       string `json:"sku,omitempty"`
		Code      string `json:"code"`
		Severity  string `json:"severity"`
		Message   string `json:"message"`
	}
	var feed struct {
		Header struct {
			SellerID string `json:"sellerId"`
		} `json:"header"`
		Messages []struct {
			MessageID     int    `json:"messageId"`
			SKU           string `json:"sku"`
			OperationType string `json:"operationType"`
		} `json:"messages"`
	}
	issues := []issue{}
	invalidMsgs := 0
	if err := json.Unmarshal(in.body, &feed); err != nil {
		issues = append(issues, issue{Code: "4000001", Severity: "ERROR", Message: "The feed is not valid JSON: " + err.Error()})
		j.outcome.Status = StatusFatal
	}
	for _, m := range feed.Messages {
		switch {
		case m.SKU == "":
			issues = append(issues, issue{MessageID: m.MessageID, Code: "4000002", Severity: "ERROR", Message: "'sku' is required but not supplied."})
		case m.OperationType == "":
			issues = append(issues, issue{MessageID: m.MessageID, SKU: m.SKU, Code: "4000002", Severity: "ERROR", Message: "'operationType' is required but not supplied."})
		default:
			continue
		}
		invalidMsgs++
	}
	accepted := len(feed.Messages) - invalidMsgs
	if j.outcome.Status != StatusDone {
		accepted = 0
	}
	report := map[string]any{
		"header": map[string]string{"sellerId": feed.Header.SellerID, "version": "2.0", "feedId": j.id},
		"issues": issues,
		"summary": map[string]int{
			"errors": len(issues), "warnings": 0,
			"messagesProcessed": len(feed.Messages), "messagesAccepted": accepted, "messagesInvalid": invalidMsgs,
		},
	}
	return Document{Content: mustJSON(report), ContentType: "application/json"}
}
