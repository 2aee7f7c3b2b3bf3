// Package feed submits SP-API feeds and reads their processing reports
// (Feeds API 2021-06-30), in one call:
//
//	feeds, _ := feed.New(c, feed.Options{})
//	id, report, err := feeds.Submit(ctx, feed.Feed{
//		Type:           "JSON_LISTINGS_FEED",
//		MarketplaceIDs: []string{"ATVPDKIKX0DER"},
//		ContentType:    feed.ContentTypeJSON,
//		Body:           bytes.NewReader(payload),
//	})
//
// Submit creates the feed document, uploads it with the same Content-Type
// that createFeedDocument was given (S3 refuses any other with 403
// SignatureDoesNotMatch: given once here, they cannot differ), creates the
// feed, waits for it (polling getFeed with a growing interval, within its
// rate limit, stopping on DONE, CANCELLED and FATAL) and opens its
// processing report. A FATAL or CANCELLED feed gives a *ProcessingError
// together with its processing report when it has one.
package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spapi-go/spapi/apis/feeds20210630"
	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/document"
	"github.com/spapi-go/spapi/internal/poll"
)

// Content types of the usual feeds, for createFeedDocument and the upload.
const (
	ContentTypeJSON = "application/json; charset=UTF-8"          // JSON_LISTINGS_FEED
	ContentTypeTSV  = "text/tab-separated-values; charset=UTF-8" // flat files
	ContentTypeXML  = "text/xml; charset=UTF-8"                  // XML feeds
)

// Options configure a Client; the zero value is ready to use.
type Options struct {
	// PollInterval is the wait after the first getFeed, doubled after each
	// one up to MaxPollInterval; 0 means 1 s and 30 s.
	PollInterval, MaxPollInterval time.Duration
	// Documents configure uploads and downloads (their plain HTTP client,
	// retries).
	Documents document.Options
}

// Client submits feeds. It is safe for concurrent use.
type Client struct {
	api  *feeds20210630.ClientWithResponses
	opts Options
}

// New returns a Client that calls the Feeds API through c (its token, rate
// limits and retries).
func New(c *client.Client, opts Options) (*Client, error) {
	if c == nil {
		return nil, errors.New("feed: New: nil *client.Client")
	}
	api, err := feeds20210630.New(c)
	if err != nil {
		return nil, fmt.Errorf("feed: %w", err)
	}
	return &Client{api: api, opts: opts}, nil
}

// Status values of a feed, as getFeed gives them.
const (
	StatusDone      = string(feeds20210630.FeedProcessingStatusDONE)
	StatusFatal     = string(feeds20210630.FeedProcessingStatusFATAL)
	StatusCancelled = string(feeds20210630.FeedProcessingStatusCANCELLED)
)

// ErrFatal and ErrCancelled match (errors.Is) a *ProcessingError of that
// status.
var (
	ErrFatal     = errors.New("feed: FATAL")
	ErrCancelled = errors.New("feed: CANCELLED")
)

// ProcessingError is the error of a feed that ended FATAL or CANCELLED.
// ResultFeedDocumentID, when not empty, names its processing report, which
// says what went wrong.
type ProcessingError struct {
	FeedID               string
	FeedType             string
	Status               string // StatusFatal or StatusCancelled
	ResultFeedDocumentID string
}

func (e *ProcessingError) Error() string {
	s := fmt.Sprintf("feed: %s feed %s ended %s", e.FeedType, e.FeedID, e.Status)
	if e.ResultFeedDocumentID != "" {
		s += " (its processing report " + e.ResultFeedDocumentID + " says why)"
	}
	return s
}

// Is matches ErrFatal or ErrCancelled.
func (e *ProcessingError) Is(target error) bool {
	return (target == ErrFatal && e.Status == StatusFatal) || (target == ErrCancelled && e.Status == StatusCancelled)
}

// Upload creates a feed document for contentType (createFeedDocument) and
// PUTs body to it with that same Content-Type, and returns the document's
// id for createFeed. body is read from its current offset to its end (and
// again if the PUT is retried).
func (c *Client) Upload(ctx context.Context, contentType string, body io.ReadSeeker) (string, error) {
	if err := document.CheckContentType(contentType); err != nil {
		return "", &client.InvalidRequestError{Field: "contentType", Rule: err.Error()}
	}
	if body == nil {
		return "", &client.InvalidRequestError{Field: "body", Rule: "is required"}
	}
	resp, err := client.Check(c.api.CreateFeedDocumentWithResponse(ctx, feeds20210630.CreateFeedDocumentSpecification{ContentType: contentType}))
	if err != nil {
		return "", fmt.Errorf("feed: createFeedDocument: %w", err)
	}
	d := resp.JSON201
	if d == nil || d.FeedDocumentID == "" || d.URL == "" {
		return "", fmt.Errorf("feed: createFeedDocument: the reply has no feedDocumentId or url: %w", client.ErrMalformedResponse)
	}
	if err := document.Upload(ctx, d.URL, contentType, body, c.opts.Documents); err != nil {
		return "", fmt.Errorf("feed: uploading document %s: %w", d.FeedDocumentID, err)
	}
	return d.FeedDocumentID, nil
}

// Create creates a feed of an uploaded document (createFeed) and returns
// its id.
func (c *Client) Create(ctx context.Context, spec feeds20210630.CreateFeedSpecification) (string, error) {
	switch {
	case spec.FeedType == "":
		return "", &client.InvalidRequestError{Field: "feedType", Rule: "is required (e.g. JSON_LISTINGS_FEED)"}
	case len(spec.MarketplaceIds) == 0:
		return "", &client.InvalidRequestError{Field: "marketplaceIds", Rule: "must name at least one marketplace"}
	case spec.InputFeedDocumentID == "":
		return "", &client.InvalidRequestError{Field: "inputFeedDocumentId", Rule: "is required (Upload returns it)"}
	}
	resp, err := client.Check(c.api.CreateFeedWithResponse(ctx, spec))
	if err != nil {
		return "", fmt.Errorf("feed: createFeed: %w", err)
	}
	if resp.JSON202 == nil || resp.JSON202.FeedID == "" {
		return "", fmt.Errorf("feed: createFeed: the reply has no feedId: %w", client.ErrMalformedResponse)
	}
	return resp.JSON202.FeedID, nil
}

// Wait polls the feed until it ends. A DONE feed is returned with a nil
// error; a FATAL or CANCELLED one with a *ProcessingError. The context
// bounds the wait.
func (c *Client) Wait(ctx context.Context, feedID string) (*feeds20210630.Feed, error) {
	if feedID == "" {
		return nil, &client.InvalidRequestError{Field: "feedId", Rule: "is required"}
	}
	iv := poll.Interval{Start: c.opts.PollInterval, Max: c.opts.MaxPollInterval, Transient: transient}
	f, err := poll.Until(ctx, iv, "feed "+feedID, func(ctx context.Context) (*feeds20210630.Feed, string, bool, error) {
		resp, err := client.Check(c.api.GetFeedWithResponse(ctx, feedID))
		if err != nil {
			return nil, "", false, fmt.Errorf("feed: getFeed %s: %w", feedID, err)
		}
		if resp.JSON200 == nil {
			return nil, "", false, fmt.Errorf("feed: getFeed %s: %w", feedID, client.ErrMalformedResponse)
		}
		s := string(resp.JSON200.ProcessingStatus)
		return resp.JSON200, s, s == StatusDone || s == StatusFatal || s == StatusCancelled, nil
	})
	if err != nil {
		return f, err
	}
	if s := string(f.ProcessingStatus); s != StatusDone {
		e := &ProcessingError{FeedID: f.FeedID, FeedType: f.FeedType, Status: s}
		if f.ResultFeedDocumentID != nil {
			e.ResultFeedDocumentID = *f.ResultFeedDocumentID
		}
		return f, e
	}
	return f, nil
}

// Open fetches a feed document (getFeedDocument), such as a processing
// report, and opens it: UTF-8 text, gunzipped, streamed.
func (c *Client) Open(ctx context.Context, feedDocumentID string) (*document.Reader, error) {
	if feedDocumentID == "" {
		return nil, &client.InvalidRequestError{Field: "feedDocumentId", Rule: "is required"}
	}
	resp, err := client.Check(c.api.GetFeedDocumentWithResponse(ctx, feedDocumentID, nil))
	if err != nil {
		return nil, fmt.Errorf("feed: getFeedDocument %s: %w", feedDocumentID, err)
	}
	d := resp.JSON200
	if d == nil || d.URL == "" {
		return nil, fmt.Errorf("feed: getFeedDocument %s: the reply has no url: %w", feedDocumentID, client.ErrMalformedResponse)
	}
	compression := ""
	if d.CompressionAlgorithm != nil {
		compression = string(*d.CompressionAlgorithm)
	}
	return document.Open(ctx, d.URL, compression, c.opts.Documents)
}

// Cancel cancels a feed still IN_QUEUE (cancelFeed).
func (c *Client) Cancel(ctx context.Context, feedID string) error {
	if feedID == "" {
		return &client.InvalidRequestError{Field: "feedId", Rule: "is required"}
	}
	if _, err := client.Check(c.api.CancelFeedWithResponse(ctx, feedID)); err != nil {
		return fmt.Errorf("feed: cancelFeed %s: %w", feedID, err)
	}
	return nil
}

// Feed is one feed to Submit.
type Feed struct {
	Type           string   // feedType, e.g. "JSON_LISTINGS_FEED"
	MarketplaceIDs []string // marketplaceIds
	// ContentType is the document's media type, given to
	// createFeedDocument and to the upload alike, e.g. ContentTypeJSON.
	ContentType string
	Body        io.ReadSeeker     // the document, e.g. bytes.NewReader(b)
	Options     map[string]string // feedOptions, if the feed type takes any
}

// Submit uploads f's document, creates the feed, waits for it and opens its
// processing report. It returns the feed's id whenever the feed was
// created. For a feed that ended FATAL or CANCELLED it returns the
// *ProcessingError and, when the feed has one, its processing report too
// (both non-nil: close the report).
func (c *Client) Submit(ctx context.Context, f Feed) (feedID string, report *document.Reader, err error) {
	switch {
	case f.Type == "":
		return "", nil, &client.InvalidRequestError{Field: "Type", Rule: "is required (e.g. JSON_LISTINGS_FEED)"}
	case len(f.MarketplaceIDs) == 0:
		return "", nil, &client.InvalidRequestError{Field: "MarketplaceIDs", Rule: "must name at least one marketplace"}
	}
	docID, err := c.Upload(ctx, f.ContentType, f.Body)
	if err != nil {
		return "", nil, err
	}
	spec := feeds20210630.CreateFeedSpecification{FeedType: f.Type, MarketplaceIds: f.MarketplaceIDs, InputFeedDocumentID: docID}
	if len(f.Options) > 0 {
		o := feeds20210630.FeedOptions(f.Options)
		spec.FeedOptions = &o
	}
	if feedID, err = c.Create(ctx, spec); err != nil {
		return "", nil, err
	}
	fd, err := c.Wait(ctx, feedID)
	var pe *ProcessingError
	switch {
	case errors.As(err, &pe) && pe.ResultFeedDocumentID != "":
		doc, derr := c.Open(ctx, pe.ResultFeedDocumentID)
		if derr != nil {
			return feedID, nil, errors.Join(err, derr)
		}
		return feedID, doc, err
	case err != nil:
		return feedID, nil, err
	case fd.ResultFeedDocumentID == nil:
		return feedID, nil, fmt.Errorf("feed: feed %s is DONE without a resultFeedDocumentId: %w", feedID, client.ErrMalformedResponse)
	}
	doc, err := c.Open(ctx, *fd.ResultFeedDocumentID)
	return feedID, doc, err
}

// transient reports whether err is a 429 or 5xx reply that outlived the
// client's own retries: Wait polls again (up to poll.DefaultMaxTransient in
// a row) rather than fail a long wait on one bad minute of the API.
func transient(err error) bool {
	var ae *client.APIError
	return errors.As(err, &ae) && (ae.Throttled() || ae.StatusCode >= 500)
}
