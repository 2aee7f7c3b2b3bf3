package feed_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/document"
	"github.com/spapi-go/spapi/feed"
	"github.com/spapi-go/spapi/sptest"
)

const listingsFeed = `{"header":{"sellerId":"A1SELLER","version":"2.0","issueLocale":"en_US"},"messages":[` +
	`{"messageId":1,"sku":"SKU-1","operationType":"PATCH","productType":"PRODUCT","patches":[{"op":"replace","path":"/attributes/purchasable_offer","value":[{"currency":"USD","our_price":[{"schedule":[{"value_with_tax":19.99}]}]}]}]},` +
	`{"messageId":2,"operationType":"DELETE"}]}`

func setup(t *testing.T) (*sptest.Server, *feed.Client) {
	t.Helper()
	srv := sptest.Start(t, sptest.Options{RateScale: 100})
	c, err := client.New(srv.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	f, err := feed.New(c, feed.Options{
		PollInterval: time.Millisecond, MaxPollInterval: 4 * time.Millisecond,
		Documents: document.Options{RetryWait: time.Millisecond, MaxWait: 4 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv, f
}

type summary struct {
	Summary struct{ MessagesProcessed, MessagesAccepted, MessagesInvalid, Errors int }
}

// TestSubmit: one call uploads (with the Content-Type given to
// createFeedDocument), creates the feed, waits and reads its processing
// report; the document host never sees the SP-API token.
func TestSubmit(t *testing.T) {
	srv, feeds := setup(t)
	id, rep, err := feeds.Submit(t.Context(), feed.Feed{
		Type: "JSON_LISTINGS_FEED", MarketplaceIDs: []string{"ATVPDKIKX0DER"},
		ContentType: feed.ContentTypeJSON, Body: strings.NewReader(listingsFeed),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	var s summary
	if err := json.NewDecoder(rep).Decode(&s); err != nil {
		t.Fatal(err)
	}
	if s.Summary.MessagesProcessed != 2 || s.Summary.MessagesAccepted != 1 || s.Summary.MessagesInvalid != 1 {
		t.Fatalf("summary %+v", s.Summary)
	}
	if id == "" || srv.Calls("getFeed") != 3 {
		t.Errorf("feed id %q, getFeed calls %d", id, srv.Calls("getFeed"))
	}
	reqs := srv.DocumentRequests()
	if len(reqs) != 2 || reqs[0].Method != "PUT" || reqs[0].Header.Get("Content-Type") != feed.ContentTypeJSON || reqs[0].Status != 200 {
		t.Fatalf("document requests %+v", reqs)
	}
	for _, r := range reqs {
		if r.Header.Get("X-Amz-Access-Token") != "" {
			t.Errorf("%s %s carried the SP-API token", r.Method, r.Path)
		}
	}
}

// TestMismatchedContentType: the document host refuses a PUT whose
// Content-Type is not the one createFeedDocument was given, with S3's
// SignatureDoesNotMatch; Upload cannot send one (one value for both).
func TestMismatchedContentType(t *testing.T) {
	srv, feeds := setup(t)
	c, _ := client.New(srv.ClientConfig())
	// A hand-rolled upload: createFeedDocument for JSON, PUT as TSV.
	docID, err := feeds.Upload(t.Context(), feed.ContentTypeJSON, strings.NewReader(listingsFeed))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := srv.DocumentContent(docID); string(got) != listingsFeed {
		t.Fatalf("uploaded %q", got)
	}
	resp, err := c.HTTPClient().Post(srv.URL()+"/feeds/2021-06-30/documents", "application/json", strings.NewReader(`{"contentType":"application/json; charset=UTF-8"}`))
	if err != nil {
		t.Fatal(err)
	}
	var d struct{ URL string }
	_ = json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	err = document.Upload(t.Context(), d.URL, feed.ContentTypeTSV, strings.NewReader("sku\n"), document.Options{})
	var he *document.HTTPError
	if !errors.As(err, &he) || he.StatusCode != 403 || he.Code != "SignatureDoesNotMatch" {
		t.Fatalf("mismatched upload: %v, want 403 SignatureDoesNotMatch", err)
	}
}

// TestSubmitFatal: a FATAL feed gives its processing report with a
// *ProcessingError that names the feed, its state and the document.
func TestSubmitFatal(t *testing.T) {
	srv, feeds := setup(t)
	srv.ScriptFeed("JSON_LISTINGS_FEED", sptest.Outcome{Status: sptest.StatusFatal})
	id, rep, err := feeds.Submit(t.Context(), feed.Feed{
		Type: "JSON_LISTINGS_FEED", MarketplaceIDs: []string{"ATVPDKIKX0DER"},
		ContentType: feed.ContentTypeJSON, Body: strings.NewReader(listingsFeed),
	})
	var pe *feed.ProcessingError
	if !errors.As(err, &pe) || pe.FeedID != id || pe.Status != feed.StatusFatal || pe.ResultFeedDocumentID == "" || !errors.Is(err, feed.ErrFatal) {
		t.Fatalf("err = %v", err)
	}
	if rep == nil {
		t.Fatal("no processing report with the FATAL feed")
	}
	defer rep.Close()
	var s summary
	if err := json.NewDecoder(rep).Decode(&s); err != nil || s.Summary.MessagesAccepted != 0 || s.Summary.MessagesProcessed != 2 {
		t.Fatalf("report %+v, %v", s, err)
	}
}

// TestSubmitRetriesUpload: a 503 from the document host on the PUT is
// retried with the whole body.
func TestSubmitRetriesUpload(t *testing.T) {
	srv, feeds := setup(t)
	srv.ScriptDocument(sptest.DocumentFault{Status: 503})
	_, rep, err := feeds.Submit(t.Context(), feed.Feed{
		Type: "POST_FLAT_FILE_INVLOADER_DATA", MarketplaceIDs: []string{"ATVPDKIKX0DER"},
		ContentType: feed.ContentTypeTSV, Body: bytes.NewReader([]byte("sku\tquantity\nA\t1\nB\t2\n")),
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rep)
	rep.Close()
	if !strings.Contains(string(b), "Number of records processed\t\t2") {
		t.Fatalf("processing report %q", b)
	}
}

// TestSubmitRefusesBadInput: nothing is sent for a feed Amazon refuses.
func TestSubmitRefusesBadInput(t *testing.T) {
	srv, feeds := setup(t)
	for _, tc := range []struct {
		name  string
		f     feed.Feed
		field string
	}{
		{"no type", feed.Feed{MarketplaceIDs: []string{"X"}, ContentType: feed.ContentTypeJSON, Body: strings.NewReader("{}")}, "Type"},
		{"no marketplace", feed.Feed{Type: "JSON_LISTINGS_FEED", ContentType: feed.ContentTypeJSON, Body: strings.NewReader("{}")}, "MarketplaceIDs"},
		{"no content type", feed.Feed{Type: "JSON_LISTINGS_FEED", MarketplaceIDs: []string{"X"}, Body: strings.NewReader("{}")}, "contentType"},
		{"no body", feed.Feed{Type: "JSON_LISTINGS_FEED", MarketplaceIDs: []string{"X"}, ContentType: feed.ContentTypeJSON}, "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := feeds.Submit(t.Context(), tc.f)
			if !errors.Is(err, client.ErrInvalidRequest) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if n := srv.Calls("createFeedDocument"); n != 0 {
		t.Errorf("createFeedDocument calls %d", n)
	}
}

// TestWaitHonoursContext: cancelling the context stops the wait promptly.
func TestWaitHonoursContext(t *testing.T) {
	srv, _ := setup(t)
	srv.SetJobs(sptest.Jobs{PollsToDone: 1000})
	c, _ := client.New(srv.ClientConfig())
	feeds, _ := feed.New(c, feed.Options{PollInterval: time.Hour})
	docID, err := feeds.Upload(t.Context(), feed.ContentTypeJSON, strings.NewReader(listingsFeed))
	if err != nil {
		t.Fatal(err)
	}
	id, err := feeds.Create(t.Context(), feedSpec(docID))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := feeds.Wait(ctx, id)
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Wait did not stop when its context was cancelled")
	}
}
