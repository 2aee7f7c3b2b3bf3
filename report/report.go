// Package report requests SP-API reports, waits for them and streams their
// documents (Reports API 2021-06-30), in a few lines:
//
//	reports, _ := report.New(c, report.Options{})
//	doc, err := reports.Run(ctx, reports20210630.CreateReportSpecification{
//		ReportType:     "GET_FLAT_FILE_OPEN_LISTINGS_DATA",
//		MarketplaceIds: []string{"ATVPDKIKX0DER"},
//	})
//	if err != nil { ... }
//	defer doc.Close() // UTF-8 text, gunzipped, streamed
//
// Waiting polls getReport with a growing interval (Options), within the
// operation's rate limit (the client's limiter paces every call), and stops
// on every terminal state: DONE, CANCELLED and FATAL. A FATAL or CANCELLED
// report gives a *ProcessingError, with its document when it has one (a
// FATAL report's document says what went wrong). The document is fetched
// from its presigned URL by package document, without the SP-API token.
package report

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spapi-go/spapi/apis/reports20210630"
	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/document"
	"github.com/spapi-go/spapi/internal/poll"
)

// Options configure a Client; the zero value is ready to use.
type Options struct {
	// PollInterval is the wait after the first getReport, doubled after
	// each one up to MaxPollInterval; 0 means 1 s and 30 s.
	PollInterval, MaxPollInterval time.Duration
	// Documents configure the document downloads (their plain HTTP client,
	// retries, default charset).
	Documents document.Options
}

// Client requests reports and reads their documents. It is safe for
// concurrent use.
type Client struct {
	api  *reports20210630.ClientWithResponses
	opts Options
}

// New returns a Client that calls the Reports API through c (its token,
// rate limits and retries).
func New(c *client.Client, opts Options) (*Client, error) {
	if c == nil {
		return nil, errors.New("report: New: nil *client.Client")
	}
	api, err := reports20210630.New(c)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return &Client{api: api, opts: opts}, nil
}

// Status values of a report, as getReport gives them.
const (
	StatusDone      = string(reports20210630.ReportProcessingStatusDONE)
	StatusFatal     = string(reports20210630.ReportProcessingStatusFATAL)
	StatusCancelled = string(reports20210630.ReportProcessingStatusCANCELLED)
)

// ErrFatal and ErrCancelled match (errors.Is) a *ProcessingError of that
// status.
var (
	ErrFatal     = errors.New("report: FATAL")
	ErrCancelled = errors.New("report: CANCELLED")
)

// ProcessingError is the error of a report that ended FATAL or CANCELLED.
// Use errors.As to read it; ReportDocumentID, when not empty, names the
// document the report still has (for FATAL, its error details).
type ProcessingError struct {
	ReportID         string
	ReportType       string
	Status           string // StatusFatal or StatusCancelled
	ReportDocumentID string // "" if the report has no document
}

func (e *ProcessingError) Error() string {
	s := fmt.Sprintf("report: %s report %s ended %s", e.ReportType, e.ReportID, e.Status)
	if e.ReportDocumentID != "" {
		s += " (its document " + e.ReportDocumentID + " says why)"
	}
	return s
}

// Is matches ErrFatal or ErrCancelled.
func (e *ProcessingError) Is(target error) bool {
	return (target == ErrFatal && e.Status == StatusFatal) || (target == ErrCancelled && e.Status == StatusCancelled)
}

// Create requests a report (createReport) and returns its id. A spec with
// no report type or no marketplace is refused before anything is sent.
func (c *Client) Create(ctx context.Context, spec reports20210630.CreateReportSpecification) (string, error) {
	switch {
	case spec.ReportType == "":
		return "", &client.InvalidRequestError{Field: "reportType", Rule: "is required (e.g. GET_FLAT_FILE_OPEN_LISTINGS_DATA)"}
	case len(spec.MarketplaceIds) == 0:
		return "", &client.InvalidRequestError{Field: "marketplaceIds", Rule: "must name at least one marketplace"}
	}
	resp, err := client.Check(c.api.CreateReportWithResponse(ctx, spec))
	if err != nil {
		return "", fmt.Errorf("report: createReport: %w", err)
	}
	if resp.JSON202 == nil || resp.JSON202.ReportID == "" {
		return "", fmt.Errorf("report: createReport: the reply has no reportId: %w", client.ErrMalformedResponse)
	}
	return resp.JSON202.ReportID, nil
}

// Wait polls the report until it ends. A DONE report is returned with a nil
// error; a FATAL or CANCELLED one is returned with a *ProcessingError. The
// context bounds the wait.
func (c *Client) Wait(ctx context.Context, reportID string) (*reports20210630.Report, error) {
	if reportID == "" {
		return nil, &client.InvalidRequestError{Field: "reportId", Rule: "is required"}
	}
	iv := poll.Interval{Start: c.opts.PollInterval, Max: c.opts.MaxPollInterval, Transient: transient}
	r, err := poll.Until(ctx, iv, "report "+reportID, func(ctx context.Context) (*reports20210630.Report, string, bool, error) {
		resp, err := client.Check(c.api.GetReportWithResponse(ctx, reportID))
		if err != nil {
			return nil, "", false, fmt.Errorf("report: getReport %s: %w", reportID, err)
		}
		if resp.JSON200 == nil {
			return nil, "", false, fmt.Errorf("report: getReport %s: %w", reportID, client.ErrMalformedResponse)
		}
		r := resp.JSON200
		s := string(r.ProcessingStatus)
		return r, s, s == StatusDone || s == StatusFatal || s == StatusCancelled, nil
	})
	if err != nil {
		return r, err
	}
	if s := string(r.ProcessingStatus); s != StatusDone {
		e := &ProcessingError{ReportID: r.ReportID, ReportType: r.ReportType, Status: s}
		if r.ReportDocumentID != nil {
			e.ReportDocumentID = *r.ReportDocumentID
		}
		return r, e
	}
	return r, nil
}

// Open fetches a report document (getReportDocument, with the RDT the
// client mints where the report type needs one) and opens it: UTF-8 text,
// gunzipped, streamed. Close it when done.
func (c *Client) Open(ctx context.Context, reportDocumentID string) (*document.Reader, error) {
	if reportDocumentID == "" {
		return nil, &client.InvalidRequestError{Field: "reportDocumentId", Rule: "is required"}
	}
	resp, err := client.Check(c.api.GetReportDocumentWithResponse(ctx, reportDocumentID, nil))
	if err != nil {
		return nil, fmt.Errorf("report: getReportDocument %s: %w", reportDocumentID, err)
	}
	d := resp.JSON200
	if d == nil || d.URL == "" {
		return nil, fmt.Errorf("report: getReportDocument %s: the reply has no url: %w", reportDocumentID, client.ErrMalformedResponse)
	}
	compression := ""
	if d.CompressionAlgorithm != nil {
		compression = string(*d.CompressionAlgorithm)
	}
	return document.Open(ctx, d.URL, compression, c.opts.Documents)
}

// Run requests a report, waits for it and opens its document. For a report
// that ended FATAL or CANCELLED it returns the *ProcessingError and, when
// the report has one, its document too (both non-nil: close the document).
func (c *Client) Run(ctx context.Context, spec reports20210630.CreateReportSpecification) (*document.Reader, error) {
	id, err := c.Create(ctx, spec)
	if err != nil {
		return nil, err
	}
	return c.open(ctx, id)
}

// open waits for report id and opens its document, if any.
func (c *Client) open(ctx context.Context, id string) (*document.Reader, error) {
	r, err := c.Wait(ctx, id)
	var pe *ProcessingError
	switch {
	case errors.As(err, &pe) && pe.ReportDocumentID != "":
		doc, derr := c.Open(ctx, pe.ReportDocumentID)
		if derr != nil {
			return nil, errors.Join(err, derr)
		}
		return doc, err
	case err != nil:
		return nil, err
	case r.ReportDocumentID == nil:
		return nil, fmt.Errorf("report: report %s is DONE without a reportDocumentId: %w", id, client.ErrMalformedResponse)
	}
	return c.Open(ctx, *r.ReportDocumentID)
}

// Cancel cancels a report still IN_QUEUE (cancelReport).
func (c *Client) Cancel(ctx context.Context, reportID string) error {
	if reportID == "" {
		return &client.InvalidRequestError{Field: "reportId", Rule: "is required"}
	}
	if _, err := client.Check(c.api.CancelReportWithResponse(ctx, reportID)); err != nil {
		return fmt.Errorf("report: cancelReport %s: %w", reportID, err)
	}
	return nil
}

// transient reports whether err is a 429 or 5xx reply that outlived the
// client's own retries: Wait polls again (up to poll.DefaultMaxTransient in
// a row) rather than fail a long wait on one bad minute of the API.
func transient(err error) bool {
	var ae *client.APIError
	return errors.As(err, &ae) && (ae.Throttled() || ae.StatusCode >= 500)
}
