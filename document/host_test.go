package document_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// host is a document host for the tests: it serves one stored body with
// http.ServeContent (Range and If-Match as S3 honours them) and plays
// scripted faults, one per request, in order.
type host struct {
	t           *testing.T
	srv         *httptest.Server
	body        []byte
	contentType string
	noRange     bool   // ignore Range: send the whole body again
	encoding    string // Content-Encoding sent, as S3 does with enableContentEncodingUrlHeader
	etag        string

	mu       sync.Mutex
	faults   []fault
	requests []*http.Request
	first    chan struct{} // closed on the first request
	once     sync.Once
}

// fault is what one request gets instead of the document: a status, or the
// first cut bytes of the reply then a closed connection.
type fault struct {
	status int
	cut    int
	etag   string // the ETag of this reply and those after it, if set
}

func newHost(t *testing.T, body []byte, contentType string) *host {
	h := &host{t: t, body: body, contentType: contentType, first: make(chan struct{})}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

// url is the document's "presigned" URL.
func (h *host) url() string {
	return h.srv.URL + "/doc/1?X-Amz-Signature=secret-signature&X-Amz-Expires=300"
}

func (h *host) script(f ...fault) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.faults = append(h.faults, f...)
}

func (h *host) reqs() []*http.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*http.Request(nil), h.requests...)
}

func (h *host) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.requests = append(h.requests, r.Clone(r.Context()))
	var f *fault
	if len(h.faults) > 0 {
		f = &h.faults[0]
		h.faults = h.faults[1:]
	}
	h.mu.Unlock()
	h.once.Do(func() { close(h.first) })
	if f != nil && f.etag != "" {
		h.mu.Lock()
		h.etag = f.etag
		h.mu.Unlock()
	}
	h.mu.Lock()
	etag := h.etag
	h.mu.Unlock()
	if etag == "" {
		etag = `"v1"`
	}
	if f != nil && f.status != 0 {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(f.status)
		code := "SlowDown"
		if f.status == http.StatusForbidden {
			code = "AccessDenied"
		}
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>scripted</Message></Error>`))
		return
	}
	if h.contentType != "" {
		w.Header().Set("Content-Type", h.contentType)
	}
	w.Header().Set("ETag", etag)
	if h.encoding != "" {
		w.Header().Set("Content-Encoding", h.encoding)
	}
	if h.noRange {
		r.Header.Del("Range")
	}
	if f != nil && f.cut > 0 {
		w.Header().Set("Content-Length", strconv.Itoa(len(h.body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(h.body[:f.cut])
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.body))
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tsv is a report of n lines, big enough to be cut mid-way.
func tsv(n int) string {
	var b strings.Builder
	b.WriteString("sku\tprice\tquantity\n")
	for i := range n {
		b.WriteString("SKU-" + strconv.Itoa(i) + "\t12.34\t" + strconv.Itoa(i%7) + "\n")
	}
	return b.String()
}
