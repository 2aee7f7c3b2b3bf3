package sptest_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/spapi-go/spapi/apis/reports20210630"
	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/document"
	"github.com/spapi-go/spapi/report"
	"github.com/spapi-go/spapi/sptest"
)

// ExampleServer_ScriptReport ends the next report of a type CANCELLED,
// after two getReport calls.
func ExampleServer_ScriptReport() {
	srv := sptest.NewServer(sptest.Options{RateScale: 100})
	defer srv.Close()
	srv.SetJobs(sptest.Jobs{PollsToDone: 2})
	srv.ScriptReport("GET_MERCHANT_LISTINGS_ALL_DATA", sptest.Outcome{Status: sptest.StatusCancelled, NoDocument: true})

	c, err := client.New(srv.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}
	reports, _ := report.New(c, report.Options{PollInterval: time.Millisecond})
	_, err = reports.Run(context.Background(), reports20210630.CreateReportSpecification{
		ReportType: "GET_MERCHANT_LISTINGS_ALL_DATA", MarketplaceIds: []string{"ATVPDKIKX0DER"},
	})
	fmt.Println(err)
	fmt.Println("getReport calls:", srv.Calls("getReport"))
	// Output:
	// report: GET_MERCHANT_LISTINGS_ALL_DATA report 50001 ended CANCELLED
	// getReport calls: 2
}

// ExampleServer_ScriptDocument makes the document host answer 503, then
// cut the download after 40 bytes: the download still succeeds, resumed
// with a Range request (206).
func ExampleServer_ScriptDocument() {
	srv := sptest.NewServer(sptest.Options{RateScale: 100})
	defer srv.Close()
	srv.ScriptDocument(sptest.DocumentFault{Status: 503}, sptest.DocumentFault{CutAfter: 40})

	c, err := client.New(srv.ClientConfig())
	if err != nil {
		log.Fatal(err)
	}
	reports, _ := report.New(c, report.Options{
		PollInterval: time.Millisecond,
		Documents:    document.Options{RetryWait: time.Millisecond},
	})
	doc, err := reports.Run(context.Background(), reports20210630.CreateReportSpecification{
		ReportType: "GET_FLAT_FILE_OPEN_LISTINGS_DATA", MarketplaceIds: []string{"ATVPDKIKX0DER"},
	})
	if err != nil {
		log.Fatal(err)
	}
	b, err := io.ReadAll(doc)
	doc.Close()
	fmt.Println(err, string(b) == sptest.OpenListingsReport)
	for _, r := range srv.DocumentRequests() {
		if rng := r.Header.Get("Range"); rng != "" {
			fmt.Println(r.Method, r.Status, rng)
		} else {
			fmt.Println(r.Method, r.Status)
		}
	}
	// Output:
	// <nil> true
	// GET 503
	// GET 200
	// GET 206 bytes=40-
}
