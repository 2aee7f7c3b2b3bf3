package sptest_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spapi-go/spapi/sptest"
)

// field decodes one top-level string field of a JSON reply.
func field(t *testing.T, r response, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("reply %v: %v", r, err)
	}
	s, _ := m[name].(string)
	return s
}

// fetch GETs (or PUTs) a document host URL, without any token.
func fetch(t *testing.T, method, url, contentType string, body []byte) response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

// TestReportStates: a report is IN_QUEUE, IN_PROGRESS, then DONE on its
// PollsToDone-th get, with a document on the document host; a scripted
// FATAL one still has its (error) document; only an IN_QUEUE one can be
// cancelled; getReports lists them by type and state.
func TestReportStates(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	tok := accessToken(t, srv)
	const create = `{"reportType":"GET_FLAT_FILE_OPEN_LISTINGS_DATA","marketplaceIds":["ATVPDKIKX0DER"]}`
	id := field(t, do(t, srv, http.MethodPost, "/reports/2021-06-30/reports", tok, []byte(create)), "reportId")
	var states []string
	var last response
	for range 3 {
		last = do(t, srv, http.MethodGet, "/reports/2021-06-30/reports/"+id, tok, nil)
		states = append(states, field(t, last, "processingStatus"))
	}
	if got := strings.Join(states, " "); got != "IN_QUEUE IN_PROGRESS DONE" {
		t.Fatalf("states %s", got)
	}
	docID := field(t, last, "reportDocumentId")
	// getReportDocument needs an RDT for the specific document (the
	// restricted role is on by default).
	rdt := rdtFor(t, srv, tok, get("/reports/2021-06-30/documents/"+docID))
	doc := do(t, srv, http.MethodGet, "/reports/2021-06-30/documents/"+docID, rdt, nil)
	if got := fetch(t, http.MethodGet, field(t, doc, "url"), "", nil); got.status != 200 || string(got.body) != sptest.OpenListingsReport {
		t.Fatalf("document: %v", got)
	}

	srv.ScriptReport("GET_X", sptest.Outcome{Status: sptest.StatusFatal})
	srv.SetJobs(sptest.Jobs{PollsToDone: 1})
	fatal := field(t, do(t, srv, http.MethodPost, "/reports/2021-06-30/reports", tok, []byte(`{"reportType":"GET_X","marketplaceIds":["ATVPDKIKX0DER"]}`)), "reportId")
	r := do(t, srv, http.MethodGet, "/reports/2021-06-30/reports/"+fatal, tok, nil)
	if field(t, r, "processingStatus") != "FATAL" || field(t, r, "reportDocumentId") == "" {
		t.Fatalf("FATAL report: %v", r)
	}

	srv.SetJobs(sptest.Jobs{PollsToDone: 5})
	queued := field(t, do(t, srv, http.MethodPost, "/reports/2021-06-30/reports", tok, []byte(create)), "reportId")
	if r := do(t, srv, http.MethodDelete, "/reports/2021-06-30/reports/"+queued, tok, nil); r.status != 200 {
		t.Fatalf("cancelReport IN_QUEUE: %v", r)
	}
	if r := do(t, srv, http.MethodDelete, "/reports/2021-06-30/reports/"+id, tok, nil); r.status != 400 {
		t.Fatalf("cancelReport DONE: %v, want 400", r)
	}
	if r := do(t, srv, http.MethodGet, "/reports/2021-06-30/reports/"+queued, tok, nil); field(t, r, "processingStatus") != "CANCELLED" {
		t.Fatalf("cancelled report: %v", r)
	}
	list := do(t, srv, http.MethodGet, "/reports/2021-06-30/reports?reportTypes=GET_FLAT_FILE_OPEN_LISTINGS_DATA&processingStatuses=DONE", tok, nil)
	var l struct {
		Reports []struct{ ReportID string }
	}
	_ = json.Unmarshal(list.body, &l)
	if len(l.Reports) != 1 || l.Reports[0].ReportID != id {
		t.Fatalf("getReports: %v", list)
	}
}

// TestDocumentShapes: documents are served gzipped (compressionAlgorithm
// GZIP, or omitted with NullCompression) and in the charset asked for.
func TestDocumentShapes(t *testing.T) {
	const text = "sku\tname\nA\tCafé 日本\n"
	tests := []struct {
		name        string
		doc         sptest.Document
		compression string
		contentType string
		body        func(t *testing.T) []byte
	}{
		{"plain", sptest.Document{Content: []byte(text)}, "", "text/plain", func(*testing.T) []byte { return []byte(text) }},
		{"gzip", sptest.Document{Content: []byte(text), Gzip: true}, "GZIP", "application/octet-stream", gz(text)},
		{"gzip, null compression", sptest.Document{Content: []byte(text), Gzip: true, NullCompression: true}, "", "application/octet-stream", gz(text)},
		{"Shift_JIS", sptest.Document{Content: []byte("日本\n"), Charset: "Shift_JIS"}, "", "text/plain; charset=Shift_JIS", func(*testing.T) []byte { return []byte{0x93, 0xfa, 0x96, 0x7b, '\n'} }},
		{"windows-1252", sptest.Document{Content: []byte("Café\n"), Charset: "windows-1252"}, "", "text/plain; charset=windows-1252", func(*testing.T) []byte { return []byte("Caf\xe9\n") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := sptest.Start(t, sptest.Options{NoRateLimit: true, NoRestrictedRole: true})
			tok := accessToken(t, srv)
			srv.SetJobs(sptest.Jobs{PollsToDone: 1, Reports: map[string]sptest.Document{"GET_T": tc.doc}})
			id := field(t, do(t, srv, http.MethodPost, "/reports/2021-06-30/reports", tok, []byte(`{"reportType":"GET_T","marketplaceIds":["A1PA6795UKMFR9"]}`)), "reportId")
			docID := field(t, do(t, srv, http.MethodGet, "/reports/2021-06-30/reports/"+id, tok, nil), "reportDocumentId")
			doc := do(t, srv, http.MethodGet, "/reports/2021-06-30/documents/"+docID, tok, nil)
			if got := field(t, doc, "compressionAlgorithm"); got != tc.compression {
				t.Errorf("compressionAlgorithm %q, want %q", got, tc.compression)
			}
			got := fetch(t, http.MethodGet, field(t, doc, "url"), "", nil)
			if ct := got.header.Get("Content-Type"); ct != tc.contentType {
				t.Errorf("Content-Type %q, want %q", ct, tc.contentType)
			}
			if want := tc.body(t); !bytes.Equal(got.body, want) {
				t.Errorf("body %x, want %x", got.body, want)
			}
		})
	}
}

func gz(s string) func(t *testing.T) []byte {
	return func(t *testing.T) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write([]byte(s))
		_ = zw.Close()
		return b.Bytes()
	}
}

// TestFeedUploadAndProcessing: createFeedDocument's URL takes a PUT with
// its Content-Type only (another gets S3's 403 SignatureDoesNotMatch), a
// feed of an un-uploaded document is refused, and a JSON_LISTINGS_FEED ends
// with a processing report counting its messages.
func TestFeedUploadAndProcessing(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	srv.SetJobs(sptest.Jobs{PollsToDone: 1})
	tok := accessToken(t, srv)
	const ct = "application/json; charset=UTF-8"
	doc := do(t, srv, http.MethodPost, "/feeds/2021-06-30/documents", tok, []byte(`{"contentType":"`+ct+`"}`))
	docID, url := field(t, doc, "feedDocumentId"), field(t, doc, "url")
	feedSpec := []byte(`{"feedType":"JSON_LISTINGS_FEED","marketplaceIds":["ATVPDKIKX0DER"],"inputFeedDocumentId":"` + docID + `"}`)
	if r := do(t, srv, http.MethodPost, "/feeds/2021-06-30/feeds", tok, feedSpec); r.status != 400 {
		t.Fatalf("createFeed before the upload: %v, want 400", r)
	}
	const feed = `{"header":{"sellerId":"A1","version":"2.0"},"messages":[{"messageId":1,"sku":"S1","operationType":"PATCH"},{"messageId":2,"operationType":"DELETE"}]}`
	put := fetch(t, http.MethodPut, url, "text/plain", []byte(feed))
	if put.status != 403 || !bytes.Contains(put.body, []byte("<Code>SignatureDoesNotMatch</Code>")) {
		t.Fatalf("PUT with another Content-Type: %v", put)
	}
	if put := fetch(t, http.MethodPut, url, ct, []byte(feed)); put.status != 200 {
		t.Fatalf("PUT: %v", put)
	}
	if got, ok := srv.DocumentContent(docID); !ok || string(got) != feed {
		t.Fatalf("DocumentContent = %q, %v", got, ok)
	}
	feedID := field(t, do(t, srv, http.MethodPost, "/feeds/2021-06-30/feeds", tok, feedSpec), "feedId")
	f := do(t, srv, http.MethodGet, "/feeds/2021-06-30/feeds/"+feedID, tok, nil)
	if field(t, f, "processingStatus") != "DONE" {
		t.Fatalf("getFeed: %v", f)
	}
	res := do(t, srv, http.MethodGet, "/feeds/2021-06-30/documents/"+field(t, f, "resultFeedDocumentId"), tok, nil)
	report := fetch(t, http.MethodGet, field(t, res, "url"), "", nil)
	var pr struct {
		Summary struct{ MessagesProcessed, MessagesAccepted, MessagesInvalid, Errors int }
	}
	if err := json.Unmarshal(report.body, &pr); err != nil {
		t.Fatalf("processing report %v: %v", report, err)
	}
	if s := pr.Summary; s.MessagesProcessed != 2 || s.MessagesAccepted != 1 || s.MessagesInvalid != 1 || s.Errors != 1 {
		t.Fatalf("summary %+v", s)
	}
	for _, r := range srv.DocumentRequests() {
		if r.Header.Get("X-Amz-Access-Token") != "" {
			t.Errorf("%s %s carried an access token", r.Method, r.Path)
		}
	}
}

// TestDocumentFaults: ScriptDocument's faults reach the next document
// requests in order: a status, then a body cut after N bytes.
func TestDocumentFaults(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true, NoRestrictedRole: true})
	srv.SetJobs(sptest.Jobs{PollsToDone: 1})
	tok := accessToken(t, srv)
	id := field(t, do(t, srv, http.MethodPost, "/reports/2021-06-30/reports", tok, []byte(`{"reportType":"GET_FLAT_FILE_OPEN_LISTINGS_DATA","marketplaceIds":["ATVPDKIKX0DER"]}`)), "reportId")
	docID := field(t, do(t, srv, http.MethodGet, "/reports/2021-06-30/reports/"+id, tok, nil), "reportDocumentId")
	url := field(t, do(t, srv, http.MethodGet, "/reports/2021-06-30/documents/"+docID, tok, nil), "url")
	srv.ScriptDocument(sptest.DocumentFault{Status: 503}, sptest.DocumentFault{CutAfter: 10})
	if r := fetch(t, http.MethodGet, url, "", nil); r.status != 503 || !bytes.Contains(r.body, []byte("SlowDown")) {
		t.Fatalf("first: %v", r)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || len(b) != 10 {
		t.Fatalf("second: %d bytes, err %v; want 10 and an unexpected EOF", len(b), err)
	}
	if r := fetch(t, http.MethodGet, url, "", nil); r.status != 200 || string(r.body) != sptest.OpenListingsReport {
		t.Fatalf("third: %v", r)
	}
	if r := fetch(t, http.MethodGet, strings.Replace(url, "X-Amz-Signature=", "X-Amz-Signature=0", 1), "", nil); r.status != 403 {
		t.Fatalf("a tampered signature: %v, want 403", r)
	}
}

// TestJobsAfter: with Jobs.After a job ends by its age, whatever the
// number of gets.
func TestJobsAfter(t *testing.T) {
	tests := []struct {
		after time.Duration
		want  string
	}{
		{time.Hour, "IN_QUEUE"},
		{time.Nanosecond, "DONE"},
	}
	for _, tc := range tests {
		t.Run(tc.after.String(), func(t *testing.T) {
			srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
			srv.SetJobs(sptest.Jobs{After: tc.after, PollsToDone: 1})
			tok := accessToken(t, srv)
			id := field(t, do(t, srv, http.MethodPost, "/reports/2021-06-30/reports", tok, []byte(`{"reportType":"GET_X","marketplaceIds":["ATVPDKIKX0DER"]}`)), "reportId")
			var got string
			for range 3 {
				got = field(t, do(t, srv, http.MethodGet, "/reports/2021-06-30/reports/"+id, tok, nil), "processingStatus")
			}
			if got != tc.want {
				t.Fatalf("after 3 gets: %s, want %s", got, tc.want)
			}
		})
	}
}

// TestUnknownJobIDs: an id the fake did not make gets the model's reply,
// as Amazon's static sandbox answers any id.
func TestUnknownJobIDs(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	tok := accessToken(t, srv)
	for _, path := range []string{"/reports/2021-06-30/reports/ID323", "/feeds/2021-06-30/feeds/3485934", "/dataKiosk/2023-11-15/queries/Q1"} {
		if r := do(t, srv, http.MethodGet, path, tok, nil); r.status != 200 || !json.Valid(r.body) {
			t.Errorf("GET %s: %v", path, r)
		}
	}
}

// TestJobLists: getFeeds lists the feeds of a type, newest first, a page
// at a time with a nextToken.
func TestJobLists(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	tok := accessToken(t, srv)
	var ids []string
	// The oldest feed is of another type: the second page, asked for with
	// the token alone, must still leave it out.
	for _, typ := range []string{"OTHER", "POST_FLAT_FILE_INVLOADER_DATA", "POST_FLAT_FILE_INVLOADER_DATA", "POST_FLAT_FILE_INVLOADER_DATA"} {
		doc := do(t, srv, http.MethodPost, "/feeds/2021-06-30/documents", tok, []byte(`{"contentType":"text/plain"}`))
		if r := fetch(t, http.MethodPut, field(t, doc, "url"), "text/plain", []byte("sku\nA\n")); r.status != 200 {
			t.Fatal(r)
		}
		spec := `{"feedType":"` + typ + `","marketplaceIds":["ATVPDKIKX0DER"],"inputFeedDocumentId":"` + field(t, doc, "feedDocumentId") + `"}`
		if id := field(t, do(t, srv, http.MethodPost, "/feeds/2021-06-30/feeds", tok, []byte(spec)), "feedId"); typ != "OTHER" {
			ids = append(ids, id)
		}
	}
	var l struct {
		Feeds     []struct{ FeedID string }
		NextToken string
	}
	r := do(t, srv, http.MethodGet, "/feeds/2021-06-30/feeds?feedTypes=POST_FLAT_FILE_INVLOADER_DATA&pageSize=2", tok, nil)
	_ = json.Unmarshal(r.body, &l)
	if len(l.Feeds) != 2 || l.Feeds[0].FeedID != ids[2] || l.NextToken == "" {
		t.Fatalf("first page: %v", r)
	}
	r = do(t, srv, http.MethodGet, "/feeds/2021-06-30/feeds?nextToken="+l.NextToken, tok, nil)
	l.NextToken = ""
	_ = json.Unmarshal(r.body, &l)
	if len(l.Feeds) != 1 || l.Feeds[0].FeedID != ids[0] || l.NextToken != "" {
		t.Fatalf("second page: %v", r)
	}
}

// TestJobListPages: the list operations of the jobs page the fake's jobs
// by pageSize once it has made one of their kind, whatever Options.Pages
// says; before that they play Options.Pages pages of the model's reply,
// whose token still works after the first job. A token is refused with
// parameters the model refuses beside it (getReports: any), with other
// parameters than it was issued for (getQueries), or when it is not one
// the fake issued.
func TestJobListPages(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true, Pages: 5})
	tok := accessToken(t, srv)
	const reports = "/reports/2021-06-30/reports"
	before := do(t, srv, http.MethodGet, reports+"?reportTypes=GET_FLAT_FILE_OPEN_LISTINGS_DATA", tok, nil)
	modelTok := field(t, before, "nextToken")
	if before.status != 200 || modelTok == "" {
		t.Fatalf("no job yet: %v, want the model's first page, with a token", before)
	}
	var ids []string
	for range 3 {
		ids = append(ids, field(t, do(t, srv, http.MethodPost, reports, tok, []byte(`{"reportType":"GET_FLAT_FILE_OPEN_LISTINGS_DATA","marketplaceIds":["ATVPDKIKX0DER"]}`)), "reportId"))
	}
	if r := do(t, srv, http.MethodGet, reports+"?nextToken="+url.QueryEscape(modelTok), tok, nil); r.status != 200 || field(t, r, "nextToken") == "" {
		t.Errorf("the model's page 2 after a job: %v, want 200 with a token (page 2 of 5)", r)
	}

	var got []string
	path, first := reports+"?reportTypes=GET_FLAT_FILE_OPEN_LISTINGS_DATA&pageSize=2", ""
	for page := 1; ; page++ {
		r := do(t, srv, http.MethodGet, path, tok, nil)
		var l struct {
			Reports   []struct{ ReportID string }
			NextToken string
		}
		if err := json.Unmarshal(r.body, &l); err != nil || r.status != 200 || page > 5 {
			t.Fatalf("page %d: %v", page, r)
		}
		for _, x := range l.Reports {
			got = append(got, x.ReportID)
		}
		if l.NextToken == "" {
			break
		}
		if first == "" {
			first = l.NextToken
		}
		path = reports + "?nextToken=" + url.QueryEscape(l.NextToken)
	}
	if want := []string{ids[2], ids[1], ids[0]}; !slices.Equal(got, want) {
		t.Errorf("listed %v over the pages, want %v (newest first, 2 a page: 2 pages, not Options.Pages' 5)", got, want)
	}

	queries := "/dataKiosk/2023-11-15/queries"
	for range 2 {
		do(t, srv, http.MethodPost, queries, tok, []byte(`{"query":"query { analytics_salesAndTraffic_2024_04_24 { salesAndTrafficByAsin { childAsin } } }"}`))
	}
	qs := queries + "?processingStatuses=DONE,IN_QUEUE&pageSize=1"
	qTok := tokenAt(t, do(t, srv, http.MethodGet, qs, tok, nil).body, "pagination.nextToken")
	if qTok == "" {
		t.Fatal("getQueries: no token over 2 queries, 1 a page")
	}
	for _, c := range []struct {
		name, path string
		status     int
		msg        string
	}{
		{"getReports token and filter", reports + "?reportTypes=GET_FLAT_FILE_OPEN_LISTINGS_DATA&nextToken=" + url.QueryEscape(first), 400, "without the other parameters (reportTypes)"},
		{"getReports token not issued", reports + "?nextToken=bm90LWEtdG9rZW4", 400, "nextToken is not a token"},
		{"getQueries same arguments", qs + "&paginationToken=" + url.QueryEscape(qTok), 200, "queries"},
		{"getQueries other arguments", queries + "?processingStatuses=DONE&pageSize=1&paginationToken=" + url.QueryEscape(qTok), 400, "issued for other parameters"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, srv, http.MethodGet, c.path, tok, nil)
			if r.status != c.status || !strings.Contains(string(r.body), c.msg) {
				t.Errorf("%v, want %d with %q", r, c.status, c.msg)
			}
		})
	}
}
