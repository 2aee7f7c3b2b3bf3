package report_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spapi-go/spapi/apis/reports20210630"
	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/document"
	"github.com/spapi-go/spapi/report"
	"github.com/spapi-go/spapi/sptest"
)

var listings = reports20210630.CreateReportSpecification{
	ReportType:     "GET_FLAT_FILE_OPEN_LISTINGS_DATA",
	MarketplaceIds: []string{"ATVPDKIKX0DER"},
}

func setup(t *testing.T) (*sptest.Server, *report.Client) {
	t.Helper()
	srv := sptest.Start(t, sptest.Options{RateScale: 100})
	c, err := client.New(srv.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.New(c, report.Options{
		PollInterval: time.Millisecond, MaxPollInterval: 4 * time.Millisecond,
		Documents: document.Options{RetryWait: time.Millisecond, MaxWait: 4 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv, r
}

func readAll(t *testing.T, d *document.Reader) string {
	t.Helper()
	defer d.Close()
	b, err := io.ReadAll(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRun: Run creates the report, polls it through IN_QUEUE and
// IN_PROGRESS to DONE (one getReport a state) and streams its document
// from the document host, where no SP-API token goes.
func TestRun(t *testing.T) {
	srv, reports := setup(t)
	srv.SetJobs(sptest.Jobs{PollsToDone: 3})
	d, err := reports.Run(t.Context(), listings)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, d); got != sptest.OpenListingsReport {
		t.Fatalf("document %q", got)
	}
	if n := srv.Calls("getReport"); n != 3 {
		t.Errorf("getReport calls %d, want 3", n)
	}
	reqs := srv.DocumentRequests()
	if len(reqs) != 1 {
		t.Fatalf("document requests %d, want 1", len(reqs))
	}
	for _, r := range reqs {
		if v := r.Header.Get("X-Amz-Access-Token"); v != "" {
			t.Errorf("the document host got x-amz-access-token %q", v[:4])
		}
	}
	if strings.HasPrefix(srv.DocumentHostURL(), srv.URL()) {
		t.Errorf("the document host %s is the SP-API's %s", srv.DocumentHostURL(), srv.URL())
	}
}

// TestRunDocuments: a gzipped document whose compressionAlgorithm is null,
// and documents in windows-1252 and Shift_JIS, read as UTF-8.
func TestRunDocuments(t *testing.T) {
	const eu = "sku\titem-name\nA-1\tCafé crème – 5€\n"
	const jp = "sku\t商品名\nJP-1\t日本語のテキスト\n"
	tests := []struct {
		name string
		doc  sptest.Document
		want string
	}{
		{"gzip, null compressionAlgorithm", sptest.Document{Content: []byte(eu), Gzip: true, NullCompression: true}, eu},
		{"gzip, GZIP", sptest.Document{Content: []byte(eu), Gzip: true}, eu},
		{"windows-1252", sptest.Document{Content: []byte(eu), Charset: "windows-1252"}, eu},
		{"Shift_JIS", sptest.Document{Content: []byte(jp), Charset: "Shift_JIS"}, jp},
		{"Shift_JIS gzipped, null compressionAlgorithm", sptest.Document{Content: []byte(jp), Charset: "Shift_JIS", Gzip: true, NullCompression: true}, jp},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, reports := setup(t)
			srv.SetJobs(sptest.Jobs{PollsToDone: 1, Reports: map[string]sptest.Document{listings.ReportType: tc.doc}})
			d, err := reports.Run(t.Context(), listings)
			if err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, d); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if d.Gzipped() != tc.doc.Gzip {
				t.Errorf("Gzipped %v", d.Gzipped())
			}
		})
	}
}

// TestRunDocumentHostFaults: a 503, and a connection cut mid-download,
// do not fail the download.
func TestRunDocumentHostFaults(t *testing.T) {
	big := strings.Repeat("SKU-X\tB000000000\t1.00\t1\n", 4000)
	tests := []struct {
		name   string
		faults []sptest.DocumentFault
	}{
		{"503 on the first try", []sptest.DocumentFault{{Status: 503}}},
		{"cut after 1000 bytes", []sptest.DocumentFault{{CutAfter: 1000}}},
		{"cut, then 503 on the resume", []sptest.DocumentFault{{CutAfter: 5000}, {Status: 503}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, reports := setup(t)
			srv.SetJobs(sptest.Jobs{PollsToDone: 1, Reports: map[string]sptest.Document{listings.ReportType: {Content: []byte(big)}}})
			srv.ScriptDocument(tc.faults...)
			d, err := reports.Run(t.Context(), listings)
			if err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, d); got != big {
				t.Fatalf("got %d bytes, want %d", len(got), len(big))
			}
			if n := len(srv.DocumentRequests()); n != len(tc.faults)+1 {
				t.Errorf("document requests %d, want %d", n, len(tc.faults)+1)
			}
		})
	}
}

// TestRunEnds: a FATAL report gives its document with a *ProcessingError;
// a CANCELLED one without a document gives the error alone.
func TestRunEnds(t *testing.T) {
	t.Run("FATAL with its document", func(t *testing.T) {
		srv, reports := setup(t)
		srv.SetJobs(sptest.Jobs{PollsToDone: 2})
		srv.ScriptReport(listings.ReportType, sptest.Outcome{Status: sptest.StatusFatal})
		d, err := reports.Run(t.Context(), listings)
		var pe *report.ProcessingError
		if !errors.As(err, &pe) || pe.Status != report.StatusFatal || pe.ReportDocumentID == "" || !errors.Is(err, report.ErrFatal) {
			t.Fatalf("err = %v, want a FATAL *ProcessingError with a document", err)
		}
		if d == nil {
			t.Fatal("no document with the FATAL report")
		}
		if got := readAll(t, d); !strings.Contains(got, "errorDetails") {
			t.Fatalf("FATAL document %q", got)
		}
	})
	t.Run("CANCELLED without a document", func(t *testing.T) {
		srv, reports := setup(t)
		srv.SetJobs(sptest.Jobs{PollsToDone: 1})
		srv.ScriptReport(listings.ReportType, sptest.Outcome{Status: sptest.StatusCancelled, NoDocument: true})
		d, err := reports.Run(t.Context(), listings)
		var pe *report.ProcessingError
		if !errors.As(err, &pe) || pe.Status != report.StatusCancelled || pe.ReportDocumentID != "" || !errors.Is(err, report.ErrCancelled) || d != nil {
			t.Fatalf("d = %v, err = %v, want a CANCELLED *ProcessingError alone", d, err)
		}
	})
	t.Run("cancelled by Cancel", func(t *testing.T) {
		srv, reports := setup(t)
		srv.SetJobs(sptest.Jobs{PollsToDone: 5})
		id, err := reports.Create(t.Context(), listings)
		if err != nil {
			t.Fatal(err)
		}
		if err := reports.Cancel(t.Context(), id); err != nil {
			t.Fatal(err)
		}
		r, err := reports.Wait(t.Context(), id)
		if !errors.Is(err, report.ErrCancelled) || r == nil || r.ReportID != id {
			t.Fatalf("Wait after Cancel: %v, %v", r, err)
		}
	})
}

// TestWaitHonoursContext: a context that ends stops the wait at once,
// however long the poll interval.
func TestWaitHonoursContext(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{RateScale: 100})
	srv.SetJobs(sptest.Jobs{PollsToDone: 1000})
	c, err := client.New(srv.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	reports, _ := report.New(c, report.Options{PollInterval: time.Hour})
	id, err := reports.Create(t.Context(), listings)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := reports.Wait(ctx, id)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "report "+id) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Wait did not stop when its context ended")
	}
	if n := srv.Calls("getReport"); n != 1 {
		t.Errorf("getReport calls %d, want 1", n)
	}
}

// TestCreateRefusesBadSpec: nothing is sent for a spec Amazon refuses.
func TestCreateRefusesBadSpec(t *testing.T) {
	srv, reports := setup(t)
	for _, tc := range []struct {
		name  string
		spec  reports20210630.CreateReportSpecification
		field string
	}{
		{"no report type", reports20210630.CreateReportSpecification{MarketplaceIds: []string{"ATVPDKIKX0DER"}}, "reportType"},
		{"no marketplace", reports20210630.CreateReportSpecification{ReportType: "GET_X"}, "marketplaceIds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := reports.Create(t.Context(), tc.spec)
			if !errors.Is(err, client.ErrInvalidRequest) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if n := srv.Calls("createReport"); n != 0 {
		t.Errorf("createReport calls %d, want 0", n)
	}
}

// TestWaitRidesOutTransientErrors: a 503 from getReport that outlived the
// client's retries is polled again, up to 5 in a row.
func TestWaitRidesOutTransientErrors(t *testing.T) {
	for _, tc := range []struct {
		faults int
		fails  bool
	}{{4, false}, {5, true}} {
		t.Run(fmt.Sprint(tc.faults, " 503s"), func(t *testing.T) {
			srv := sptest.Start(t, sptest.Options{RateScale: 100})
			srv.SetJobs(sptest.Jobs{PollsToDone: 1})
			cfg := srv.ClientConfig()
			cfg.MaxRetries = -1 // each 503 reaches Wait
			c, err := client.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			reports, _ := report.New(c, report.Options{PollInterval: time.Millisecond})
			id, err := reports.Create(t.Context(), listings)
			if err != nil {
				t.Fatal(err)
			}
			for range tc.faults {
				srv.Script("getReport", sptest.Fault{Status: 503})
			}
			_, err = reports.Wait(t.Context(), id)
			var ae *client.APIError
			if got := errors.As(err, &ae) && ae.StatusCode == 503; got != tc.fails {
				t.Fatalf("err = %v, want a 503: %v", err, tc.fails)
			}
			if n := srv.Calls("getReport"); n != min(tc.faults+1, 5) {
				t.Errorf("getReport calls %d", n)
			}
		})
	}
}
