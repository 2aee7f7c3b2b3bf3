package document_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spapi-go/spapi/document"
)

var fast = document.Options{RetryWait: time.Millisecond, MaxWait: 5 * time.Millisecond}

func read(t *testing.T, url, compression string, opts document.Options) (string, *document.Reader) {
	t.Helper()
	d, err := document.Open(t.Context(), url, compression, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer d.Close()
	b, err := io.ReadAll(d)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	return string(b), d
}

func TestOpenDecodes(t *testing.T) {
	const text = "sku\titem-name\tprice\nA-1\tCafé crème «été» – 5€\t12.50\n"
	const jp = "sku\t商品名\nJP-1\t日本語のテキスト、テスト\n"
	tests := []struct {
		name        string
		body        []byte
		contentType string
		compression string
		opts        document.Options
		want        string
		gzipped     bool
	}{
		{"plain UTF-8", []byte(text), "text/plain", "", fast, text, false},
		{"gzip declared", gzipped(t, text), "application/octet-stream", document.CompressionGzip, fast, text, true},
		{"gzip with null compressionAlgorithm", gzipped(t, text), "application/octet-stream", document.CompressionNone, fast, text, true},
		{"GZIP declared but already decoded", []byte(text), "text/plain", document.CompressionGzip, fast, text, false},
		{"windows-1252", mustEncode(t, "windows-1252", text), "text/plain; charset=windows-1252", "", fast, text, false},
		{"Cp1252 spelt by Amazon", mustEncode(t, "windows-1252", text), "text/plain;charset=Cp1252", "", fast, text, false},
		{"ISO-8859-1", mustEncode(t, "iso-8859-1", "Café crème\n"), "text/plain; charset=ISO-8859-1", "", fast, "Café crème\n", false},
		{"Shift_JIS", mustEncode(t, "shift_jis", jp), "text/tab-separated-values; charset=Shift_JIS", "", fast, jp, false},
		{"Shift_JIS gzipped, compression null", gzipped(t, string(mustEncode(t, "shift_jis", jp))), "text/plain; charset=Shift_JIS", "", fast, jp, true},
		{"Windows-31J (Shift_JIS)", mustEncode(t, "shift_jis", jp), "text/plain;charset=Windows-31J", "", fast, jp, false},
		{"EUC-JP", mustEncode(t, "euc-jp", jp), "text/plain; charset=EUC-JP", "", fast, jp, false},
		{"UTF-16 with BOM", append([]byte{0xff, 0xfe}, mustEncode(t, "utf-16le", jp)...), "text/plain; charset=UTF-16", "", fast, jp, false},
		{"UTF-8 BOM dropped", append([]byte{0xef, 0xbb, 0xbf}, text...), "text/plain; charset=UTF-8", "", fast, text, false},
		{"no charset, Options.Charset", mustEncode(t, "windows-1252", text), "text/plain", "", withCharset(fast, "windows-1252"), text, false},
		{"empty", nil, "text/plain", "", fast, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost(t, tc.body, tc.contentType)
			got, d := read(t, h.url(), tc.compression, tc.opts)
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if d.Gzipped() != tc.gzipped {
				t.Errorf("Gzipped() = %v, want %v", d.Gzipped(), tc.gzipped)
			}
		})
	}
}

// TestOpenContentEncodingGzip: a gzipped document served with
// Content-Encoding: gzip (getReportDocument's enableContentEncodingUrlHeader)
// is gunzipped once, also when a cut makes the rest come by Range (where
// net/http would not gunzip on its own).
func TestOpenContentEncodingGzip(t *testing.T) {
	body := tsv(4000)
	gz := gzipped(t, body)
	h := newHost(t, gz, "text/plain")
	h.encoding = "gzip"
	h.script(fault{cut: len(gz) / 3})
	got, d := read(t, h.url(), document.CompressionGzip, fast)
	if got != body || !d.Gzipped() {
		t.Fatalf("got %d bytes (gzipped %v), want %d", len(got), d.Gzipped(), len(body))
	}
	if reqs := h.reqs(); len(reqs) != 2 || reqs[0].Header.Get("Accept-Encoding") != "identity" {
		t.Fatalf("%d requests, Accept-Encoding %q", len(reqs), reqs[0].Header.Get("Accept-Encoding"))
	}
}

// TestReaderHidesURL: printing a Reader shows no presigned URL.
func TestReaderHidesURL(t *testing.T) {
	h := newHost(t, []byte("x"), "text/plain")
	d, err := document.Open(t.Context(), h.url(), "", fast)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if got := fmt.Sprintf(verb, d); strings.Contains(got, "secret-signature") || !strings.Contains(got, "127.0.0.1") {
			t.Errorf("%s: %s", verb, got)
		}
	}
}

func withCharset(o document.Options, cs string) document.Options { o.Charset = cs; return o }

func TestOpenRefusesBadInput(t *testing.T) {
	h := newHost(t, []byte("x"), "text/plain; charset=klingon-8")
	tests := []struct {
		name, url, compression, want string
	}{
		{"unknown charset", h.url(), "", `charset "klingon-8"`},
		{"unknown compression", h.url(), "ZSTD", `compressionAlgorithm "ZSTD"`},
		{"relative URL", "/doc/1", "", "absolute http(s) URL"},
		{"ftp URL", "ftp://example.com/x", "", "absolute http(s) URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := document.Open(t.Context(), tc.url, tc.compression, fast)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %s", err, tc.want)
			}
		})
	}
}

func TestOpenRetries(t *testing.T) {
	body := tsv(5000)
	gz := gzipped(t, body)
	tests := []struct {
		name     string
		data     []byte
		noRange  bool
		faults   []fault
		requests int
		ranged   bool // a resume used Range
	}{
		{"503 on the first try", []byte(body), false, []fault{{status: 503}}, 2, false},
		{"500 then 503 then fine", []byte(body), false, []fault{{status: 500}, {status: 503}}, 3, false},
		{"cut mid-download, resumed with Range", []byte(body), false, []fault{{cut: 10000}}, 2, true},
		{"gzip cut mid-download, resumed with Range", gz, false, []fault{{cut: len(gz) / 2}}, 2, true},
		{"cut, then 503 on the resume, then resumed", []byte(body), false, []fault{{cut: 7000}, {status: 503}}, 3, true},
		{"cut where the host ignores Range: restarted", []byte(body), true, []fault{{cut: 9000}}, 2, true},
		{"two cuts, the second on a restart from byte 0", gz, false, []fault{{cut: 100}, {cut: len(gz) / 2}}, 3, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost(t, tc.data, "text/plain")
			h.noRange = tc.noRange
			h.script(tc.faults...)
			got, _ := read(t, h.url(), "", fast)
			if got != body {
				t.Fatalf("got %d bytes, want the %d of the document", len(got), len(body))
			}
			reqs := h.reqs()
			if len(reqs) != tc.requests {
				t.Errorf("%d requests, want %d", len(reqs), tc.requests)
			}
			if ranged := reqs[len(reqs)-1].Header.Get("Range") != ""; ranged != tc.ranged {
				t.Errorf("last request's Range = %q, want one: %v", reqs[len(reqs)-1].Header.Get("Range"), tc.ranged)
			}
		})
	}
}

func TestOpenGivesUp(t *testing.T) {
	t.Run("5xx every time: MaxAttempts requests", func(t *testing.T) {
		h := newHost(t, []byte("x"), "text/plain")
		h.script(fault{status: 503}, fault{status: 503}, fault{status: 503}, fault{status: 503})
		opts := fast
		opts.MaxAttempts = 3
		_, err := document.Open(t.Context(), h.url(), "", opts)
		var he *document.HTTPError
		if !errors.As(err, &he) || he.StatusCode != 503 || he.Code != "SlowDown" {
			t.Fatalf("err = %v, want the last 503 as *HTTPError", err)
		}
		if n := len(h.reqs()); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
	})
	t.Run("403 is not retried", func(t *testing.T) {
		h := newHost(t, []byte("x"), "text/plain")
		h.script(fault{status: 403})
		_, err := document.Open(t.Context(), h.url(), "", fast)
		var he *document.HTTPError
		if !errors.As(err, &he) || he.StatusCode != http.StatusForbidden || he.Code != "AccessDenied" {
			t.Fatalf("err = %v, want 403 AccessDenied", err)
		}
		if strings.Contains(err.Error(), "secret-signature") {
			t.Errorf("the error shows the presigned URL's signature: %v", err)
		}
		if n := len(h.reqs()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
	t.Run("refused connection: the error hides the signature", func(t *testing.T) {
		h := newHost(t, []byte("x"), "text/plain")
		url := h.url()
		h.srv.Close()
		opts := fast
		opts.MaxAttempts = 2
		_, err := document.Open(t.Context(), url, "", opts)
		if err == nil || strings.Contains(err.Error(), "secret-signature") || !strings.Contains(err.Error(), "giving up after 2 attempts") {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestOpenRefusesAChangedDocument: a document replaced between the cut
// and the resume (another ETag: If-Match fails) is an error, never a mix of
// two documents.
func TestOpenRefusesAChangedDocument(t *testing.T) {
	h := newHost(t, []byte(tsv(3000)), "text/plain")
	h.script(fault{cut: 5000}, fault{etag: `"v2"`})
	d, err := document.Open(t.Context(), h.url(), "", fast)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, err = io.ReadAll(d)
	if err == nil || !strings.Contains(err.Error(), "changed during the download") {
		t.Fatalf("err = %v, want the document changed", err)
	}
	if reqs := h.reqs(); len(reqs) != 2 || reqs[1].Header.Get("If-Match") != `"v1"` {
		t.Fatalf("requests %d, If-Match %q", len(reqs), reqs[len(reqs)-1].Header.Get("If-Match"))
	}
}

func TestOpenHonoursContext(t *testing.T) {
	h := newHost(t, []byte("x"), "text/plain")
	h.script(fault{status: 503})
	ctx, cancel := context.WithCancel(t.Context())
	opts := document.Options{RetryWait: time.Hour, MaxWait: time.Hour}
	done := make(chan error, 1)
	go func() {
		_, err := document.Open(ctx, h.url(), "", opts)
		done <- err
	}()
	<-h.first // the 503 came; Open now waits an hour to retry
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Open kept waiting after its context was cancelled")
	}
}
