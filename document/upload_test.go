package document_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/spapi-go/spapi/document"
)

// bucket is an S3 stand-in for uploads: the presigned URL was signed for
// signedType, and it answers another Content-Type as S3 does.
type bucket struct {
	srv        *httptest.Server
	signedType string
	mu         sync.Mutex
	fail       int // 503 for this many next requests
	got        [][]byte
	lengths    []int64
}

func newBucket(t *testing.T, signedType string) *bucket {
	b := &bucket{signedType: signedType}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		defer b.mu.Unlock()
		b.got = append(b.got, body)
		b.lengths = append(b.lengths, r.ContentLength)
		switch {
		case b.fail > 0:
			b.fail--
			w.WriteHeader(http.StatusServiceUnavailable)
		case r.Header.Get("Content-Type") != b.signedType:
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>`)
		}
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *bucket) url() string { return b.srv.URL + "/feed/1?X-Amz-Signature=secret-signature" }

func TestUpload(t *testing.T) {
	const ct = "application/json; charset=UTF-8"
	const feed = `{"header":{"sellerId":"A1","version":"2.0"},"messages":[]}`
	t.Run("the Content-Type given is the one sent", func(t *testing.T) {
		b := newBucket(t, ct)
		if err := document.Upload(t.Context(), b.url(), ct, strings.NewReader(feed), fast); err != nil {
			t.Fatal(err)
		}
		if len(b.got) != 1 || string(b.got[0]) != feed || b.lengths[0] != int64(len(feed)) {
			t.Fatalf("the bucket got %q (lengths %v)", b.got, b.lengths)
		}
	})
	t.Run("a mismatched Content-Type is refused: SignatureDoesNotMatch", func(t *testing.T) {
		b := newBucket(t, ct)
		err := document.Upload(t.Context(), b.url(), "text/tab-separated-values; charset=UTF-8", strings.NewReader(feed), fast)
		var he *document.HTTPError
		if !errors.As(err, &he) || he.StatusCode != 403 || he.Code != "SignatureDoesNotMatch" {
			t.Fatalf("err = %v, want 403 SignatureDoesNotMatch", err)
		}
		if strings.Contains(err.Error(), "secret-signature") {
			t.Errorf("the error shows the signature: %v", err)
		}
		if len(b.got) != 1 {
			t.Errorf("%d PUTs, want 1 (a 403 is not retried)", len(b.got))
		}
	})
	t.Run("503 retried with the whole body again", func(t *testing.T) {
		b := newBucket(t, ct)
		b.fail = 2
		r := bytes.NewReader([]byte("xx" + feed))
		_, _ = r.Seek(2, io.SeekStart) // read from the current offset
		if err := document.Upload(t.Context(), b.url(), ct, r, fast); err != nil {
			t.Fatal(err)
		}
		if len(b.got) != 3 {
			t.Fatalf("%d PUTs, want 3", len(b.got))
		}
		for i, g := range b.got {
			if string(g) != feed {
				t.Errorf("PUT %d sent %q", i, g)
			}
		}
	})
	t.Run("bad input is refused before anything is sent", func(t *testing.T) {
		b := newBucket(t, ct)
		for _, c := range []struct{ ct, want string }{{"", "contentType is empty"}, {"json;;", "not a media type"}} {
			err := document.Upload(t.Context(), b.url(), c.ct, strings.NewReader(feed), fast)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Upload(%q): %v, want %q", c.ct, err, c.want)
			}
		}
		if err := document.Upload(t.Context(), b.url(), ct, nil, fast); err == nil {
			t.Error("Upload(nil body): no error")
		}
		if len(b.got) != 0 {
			t.Errorf("%d PUTs sent", len(b.got))
		}
	})
}
