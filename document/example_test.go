package document_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/spapi-go/spapi/document"
	"golang.org/x/text/encoding/japanese"
)

// ExampleOpen reads a Shift_JIS document as UTF-8. Any presigned URL works
// (getReportDocument's url, getFeedDocument's, Data Kiosk's documentUrl):
// report.Client.Open and the like call Open for you.
func ExampleOpen() {
	sjis, _ := japanese.ShiftJIS.NewEncoder().Bytes([]byte("sku\t商品名\nJP-1\t日本茶\n"))
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/tab-separated-values; charset=Shift_JIS")
		w.Write(sjis)
	}))
	defer host.Close()

	doc, err := document.Open(context.Background(), host.URL+"/doc?X-Amz-Signature=...", document.CompressionNone, document.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer doc.Close()
	text, _ := io.ReadAll(doc)
	fmt.Print(string(text))
	fmt.Println(doc.Charset())
	// Output:
	// sku	商品名
	// JP-1	日本茶
	// Shift_JIS
}

// ExampleUpload shows the rule S3 enforces on a feed upload: the PUT's
// Content-Type must be the one createFeedDocument was given.
func ExampleUpload() {
	const signed = "application/json; charset=UTF-8"
	s3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != signed {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>")
		}
	}))
	defer s3.Close()
	url := s3.URL + "/feed?X-Amz-Signature=..."
	feed := []byte(`{"header":{},"messages":[]}`)

	fmt.Println(document.Upload(context.Background(), url, signed, bytes.NewReader(feed), document.Options{}))
	err := document.Upload(context.Background(), url, "text/plain", bytes.NewReader(feed), document.Options{})
	var he *document.HTTPError
	if errors.As(err, &he) {
		fmt.Println(he.StatusCode, he.Code)
	}
	// Output:
	// <nil>
	// 403 SignatureDoesNotMatch
}
