// Package datakiosk runs Data Kiosk queries (Data Kiosk API 2023-11-15)
// and streams their results:
//
//	dk, _ := datakiosk.New(c, datakiosk.Options{})
//	rows, err := dk.Run(ctx, `query { analytics_salesAndTraffic_2024_04_24 { ... } }`)
//	if err != nil { ... }
//	defer rows.Close() // JSON Lines, UTF-8, gunzipped, streamed
//
// Waiting polls getQuery with a growing interval, within its rate limit,
// and stops on DONE, CANCELLED and FATAL. A FATAL query gives a
// *ProcessingError with its error document; a DONE query without data
// gives an empty document.
package datakiosk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spapi-go/spapi/apis/datakiosk20231115"
	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/document"
	"github.com/spapi-go/spapi/internal/poll"
)

// Options configure a Client; the zero value is ready to use.
type Options struct {
	// PollInterval is the wait after the first getQuery, doubled after
	// each one up to MaxPollInterval; 0 means 1 s and 30 s.
	PollInterval, MaxPollInterval time.Duration
	// Documents configure the document downloads.
	Documents document.Options
}

// Client runs Data Kiosk queries. It is safe for concurrent use.
type Client struct {
	api  *datakiosk20231115.ClientWithResponses
	opts Options
}

// New returns a Client that calls the Data Kiosk API through c.
func New(c *client.Client, opts Options) (*Client, error) {
	if c == nil {
		return nil, errors.New("datakiosk: New: nil *client.Client")
	}
	api, err := datakiosk20231115.New(c)
	if err != nil {
		return nil, fmt.Errorf("datakiosk: %w", err)
	}
	return &Client{api: api, opts: opts}, nil
}

// Status values of a query, as getQuery gives them.
const (
	StatusDone      = string(datakiosk20231115.QueryProcessingStatusDONE)
	StatusFatal     = string(datakiosk20231115.QueryProcessingStatusFATAL)
	StatusCancelled = string(datakiosk20231115.QueryProcessingStatusCANCELLED)
)

// ErrFatal and ErrCancelled match (errors.Is) a *ProcessingError of that
// status.
var (
	ErrFatal     = errors.New("datakiosk: FATAL")
	ErrCancelled = errors.New("datakiosk: CANCELLED")
)

// ProcessingError is the error of a query that ended FATAL or CANCELLED.
// ErrorDocumentID, when not empty, names the document that says why.
type ProcessingError struct {
	QueryID         string
	Status          string // StatusFatal or StatusCancelled
	ErrorDocumentID string
}

func (e *ProcessingError) Error() string {
	s := fmt.Sprintf("datakiosk: query %s ended %s", e.QueryID, e.Status)
	if e.ErrorDocumentID != "" {
		s += " (its error document " + e.ErrorDocumentID + " says why)"
	}
	return s
}

// Is matches ErrFatal or ErrCancelled.
func (e *ProcessingError) Is(target error) bool {
	return (target == ErrFatal && e.Status == StatusFatal) || (target == ErrCancelled && e.Status == StatusCancelled)
}

// Create submits a GraphQL query (createQuery) and returns its id.
func (c *Client) Create(ctx context.Context, query string) (string, error) {
	if query == "" {
		return "", &client.InvalidRequestError{Field: "query", Rule: "is required"}
	}
	resp, err := client.Check(c.api.CreateQueryWithResponse(ctx, datakiosk20231115.CreateQuerySpecification{Query: query}))
	if err != nil {
		return "", fmt.Errorf("datakiosk: createQuery: %w", err)
	}
	if resp.JSON202 == nil || resp.JSON202.QueryID == "" {
		return "", fmt.Errorf("datakiosk: createQuery: the reply has no queryId: %w", client.ErrMalformedResponse)
	}
	return resp.JSON202.QueryID, nil
}

// Wait polls the query until it ends: DONE with a nil error, FATAL or
// CANCELLED with a *ProcessingError. The context bounds the wait.
func (c *Client) Wait(ctx context.Context, queryID string) (*datakiosk20231115.Query, error) {
	if queryID == "" {
		return nil, &client.InvalidRequestError{Field: "queryId", Rule: "is required"}
	}
	iv := poll.Interval{Start: c.opts.PollInterval, Max: c.opts.MaxPollInterval, Transient: transient}
	q, err := poll.Until(ctx, iv, "query "+queryID, func(ctx context.Context) (*datakiosk20231115.Query, string, bool, error) {
		resp, err := client.Check(c.api.GetQueryWithResponse(ctx, queryID))
		if err != nil {
			return nil, "", false, fmt.Errorf("datakiosk: getQuery %s: %w", queryID, err)
		}
		if resp.JSON200 == nil {
			return nil, "", false, fmt.Errorf("datakiosk: getQuery %s: %w", queryID, client.ErrMalformedResponse)
		}
		s := string(resp.JSON200.ProcessingStatus)
		return resp.JSON200, s, s == StatusDone || s == StatusFatal || s == StatusCancelled, nil
	})
	if err != nil {
		return q, err
	}
	if s := string(q.ProcessingStatus); s != StatusDone {
		e := &ProcessingError{QueryID: q.QueryID, Status: s}
		if q.ErrorDocumentID != nil {
			e.ErrorDocumentID = *q.ErrorDocumentID
		}
		return q, e
	}
	return q, nil
}

// Open fetches a Data Kiosk document (getDocument) and opens it.
func (c *Client) Open(ctx context.Context, documentID string) (*document.Reader, error) {
	if documentID == "" {
		return nil, &client.InvalidRequestError{Field: "documentId", Rule: "is required"}
	}
	resp, err := client.Check(c.api.GetDocumentWithResponse(ctx, documentID))
	if err != nil {
		return nil, fmt.Errorf("datakiosk: getDocument %s: %w", documentID, err)
	}
	if resp.JSON200 == nil || resp.JSON200.DocumentURL == "" {
		return nil, fmt.Errorf("datakiosk: getDocument %s: the reply has no documentUrl: %w", documentID, client.ErrMalformedResponse)
	}
	return document.Open(ctx, resp.JSON200.DocumentURL, document.CompressionNone, c.opts.Documents)
}

// Run submits a query, waits for it and opens its data. A DONE query
// without data gives an empty document. A FATAL or CANCELLED one gives the
// *ProcessingError and, when it has one, its error document too (both
// non-nil: close the document).
func (c *Client) Run(ctx context.Context, query string) (*document.Reader, error) {
	id, err := c.Create(ctx, query)
	if err != nil {
		return nil, err
	}
	q, err := c.Wait(ctx, id)
	var pe *ProcessingError
	switch {
	case errors.As(err, &pe) && pe.ErrorDocumentID != "":
		doc, derr := c.Open(ctx, pe.ErrorDocumentID)
		if derr != nil {
			return nil, errors.Join(err, derr)
		}
		return doc, err
	case err != nil:
		return nil, err
	case q.DataDocumentID == nil:
		return document.Empty(), nil
	}
	return c.Open(ctx, *q.DataDocumentID)
}

// Cancel cancels a query still IN_QUEUE (cancelQuery).
func (c *Client) Cancel(ctx context.Context, queryID string) error {
	if queryID == "" {
		return &client.InvalidRequestError{Field: "queryId", Rule: "is required"}
	}
	if _, err := client.Check(c.api.CancelQueryWithResponse(ctx, queryID)); err != nil {
		return fmt.Errorf("datakiosk: cancelQuery %s: %w", queryID, err)
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
