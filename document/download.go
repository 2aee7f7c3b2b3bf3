package document

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"golang.org/x/text/transform"
)

// Compression is a document's compressionAlgorithm as getReportDocument,
// getFeedDocument and the like state it.
const (
	CompressionNone = ""     // not stated (the document may still be gzipped: Open looks at its bytes)
	CompressionGzip = "GZIP" // gzipped
)

// Reader is an open document: its text, gunzipped and in UTF-8. It is an
// io.ReadCloser; reading it may send more requests to the document host
// (a connection cut mid-download is resumed), bounded by the context given
// to Open. Close it when done.
type Reader struct {
	r       io.Reader
	raw     *resumer
	gz      *gzip.Reader
	charset string
	gzipped bool
}

// Read reads the document's UTF-8 text.
func (d *Reader) Read(p []byte) (int, error) { return d.r.Read(p) }

// Close releases the connection to the document host.
func (d *Reader) Close() error {
	if d.gz != nil {
		_ = d.gz.Close()
	}
	if d.raw == nil {
		return nil
	}
	return d.raw.Close()
}

// Charset is the charset the document host declared in its Content-Type
// (or Options.Charset), as written there; "" means none: the bytes were
// read as UTF-8.
func (d *Reader) Charset() string { return d.charset }

// Gzipped reports whether the stored document was gzipped (and Read gives
// it gunzipped).
func (d *Reader) Gzipped() bool { return d.gzipped }

// Format prints the document's host, charset and whether it was gzipped,
// never its URL: a presigned URL is a credential while it lives, and
// %+v of the struct would show it.
func (d *Reader) Format(f fmt.State, verb rune) {
	host := ""
	if d.raw != nil {
		host = d.raw.host
	}
	fmt.Fprintf(f, "document.Reader{host: %q, charset: %q, gzipped: %v}", host, d.charset, d.gzipped)
}

// Empty is a Reader with no text, for a job that ended with no document
// (a Data Kiosk query that matched no data).
func Empty() *Reader { return &Reader{r: strings.NewReader("")} }

// Open starts downloading the document at url, a presigned URL as
// getReportDocument, getFeedDocument or Data Kiosk's getDocument return it,
// and returns it as a stream of UTF-8 text:
//
//   - gunzipped when compression is CompressionGzip or when the bytes start
//     with the gzip magic 1f 8b (a gzipped document whose
//     compressionAlgorithm is null is read right); a document said to be
//     gzipped whose bytes are not is passed through as it is (a proxy
//     decoded it);
//   - turned into UTF-8 from the charset of the reply's Content-Type;
//   - retried on the host's 5xx and 429 replies and on refused or cut
//     connections, resuming after the bytes already read (a Range request,
//     or the document again, skipping them), at most opts.MaxAttempts times
//     in a row without progress, with backoff.
//
// Memory stays bounded whatever the size. ctx bounds Open and every Read.
// The request carries no SP-API token: opts.HTTPClient is a plain client.
func Open(ctx context.Context, rawURL, compression string, opts Options) (*Reader, error) {
	u, err := checkURL(rawURL)
	if err != nil {
		return nil, err
	}
	if compression != CompressionNone && compression != CompressionGzip {
		return nil, fmt.Errorf("document: compressionAlgorithm %q: want %q or none", compression, CompressionGzip)
	}
	raw := newResumer(ctx, rawURL, u.Host, opts)
	if err := raw.open(); err != nil {
		return nil, err
	}
	charset := charsetOf(raw.header.Get("Content-Type"))
	if charset == "" {
		charset = opts.Charset
	}
	dec, err := decoder(charset)
	if err != nil {
		raw.Close()
		return nil, err
	}
	d := &Reader{raw: raw, charset: charset}
	br := bufio.NewReaderSize(raw, 32<<10)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		raw.Close()
		return nil, err
	}
	var text io.Reader = br
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		if d.gz, err = gzip.NewReader(br); err != nil {
			raw.Close()
			return nil, fmt.Errorf("document: GET %s: reading the gzip header: %w", u.Host, err)
		}
		d.gzipped, text = true, d.gz
	}
	if dec != nil {
		d.r = transform.NewReader(text, dec)
		return d, nil
	}
	// UTF-8: no transform (a copy less per byte), only the BOM dropped.
	// bufio reads straight into a large p once its buffer is empty.
	bt := bufio.NewReaderSize(text, 4096)
	if p, _ := bt.Peek(3); bytes.Equal(p, []byte{0xef, 0xbb, 0xbf}) {
		_, _ = bt.Discard(3)
	}
	d.r = bt
	return d, nil
}

// checkURL accepts an absolute http or https URL with a host.
func checkURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse's error quotes the URL, signature included.
		return nil, fmt.Errorf("document: the document URL does not parse")
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("document: the document URL must be an absolute http(s) URL with a host")
	}
	return u, nil
}

var _ io.ReadCloser = (*Reader)(nil)

// ReadAll reads the whole document at url into memory, for small documents
// (a feed's processing report); Open streams a large one.
func ReadAll(ctx context.Context, rawURL, compression string, opts Options) ([]byte, error) {
	d, err := Open(ctx, rawURL, compression, opts)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return io.ReadAll(d)
}
