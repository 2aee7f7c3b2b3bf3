package report_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/spapi-go/spapi/apis/reports20210630"
	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/report"
	"github.com/spapi-go/spapi/sptest"
)

// Example requests the open-listings report, waits for it and reads it
// as a TSV, against sptest (which plays the report IN_QUEUE, IN_PROGRESS,
// DONE and serves its document gzipped, compressionAlgorithm null).
func Example() {
	srv := sptest.NewServer(sptest.Options{RateScale: 100})
	defer srv.Close()
	srv.SetJobs(sptest.Jobs{Document: sptest.Document{Gzip: true, NullCompression: true}})
	c, err := client.New(srv.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}
	reports, err := report.New(c, report.Options{PollInterval: time.Millisecond}) // default 1 s, growing to 30 s
	if err != nil {
		log.Fatal(err)
	}
	doc, err := reports.Run(context.Background(), reports20210630.CreateReportSpecification{
		ReportType:     "GET_FLAT_FILE_OPEN_LISTINGS_DATA",
		MarketplaceIds: []string{"ATVPDKIKX0DER"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer doc.Close()
	tsv := csv.NewReader(doc) // UTF-8, gunzipped, streamed
	tsv.Comma = '\t'
	for {
		row, err := tsv.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(row[0], row[3])
	}
	fmt.Println("gzipped:", doc.Gzipped())
	// Output:
	// sku quantity
	// SPTEST-SKU-1 7
	// SPTEST-SKU-2 0
	// SPTEST-SKU-3 12
	// gzipped: true
}

// ExampleProcessingError shows a FATAL report: Run returns its document
// (which says what went wrong) with a *report.ProcessingError.
func ExampleProcessingError() {
	srv := sptest.NewServer(sptest.Options{RateScale: 100})
	defer srv.Close()
	srv.ScriptReport("GET_MERCHANT_LISTINGS_ALL_DATA", sptest.Outcome{Status: sptest.StatusFatal})
	c, _ := client.New(srv.ClientConfig())
	reports, _ := report.New(c, report.Options{PollInterval: time.Millisecond})

	doc, err := reports.Run(context.Background(), reports20210630.CreateReportSpecification{
		ReportType:     "GET_MERCHANT_LISTINGS_ALL_DATA",
		MarketplaceIds: []string{"ATVPDKIKX0DER"},
	})
	var pe *report.ProcessingError
	if errors.As(err, &pe) {
		fmt.Println("status:", pe.Status, "has document:", pe.ReportDocumentID != "")
	}
	if doc != nil {
		defer doc.Close()
		b, _ := io.ReadAll(doc)
		fmt.Println(string(b)[:15])
	}
	// Output:
	// status: FATAL has document: true
	// {"errorDetails"
}
