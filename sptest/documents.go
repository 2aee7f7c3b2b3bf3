package sptest

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/encoding/htmlindex"
)

// maxDocument bounds a feed document the document host accepts, as S3's
// presigned PUT does (here far lower than S3's 5 GB: a test fake).
const maxDocument = 64 << 20

// DocumentFault changes how the document host answers one request (GET or
// PUT), in the order ScriptDocument queued them.
type DocumentFault struct {
	// Status, if not 0, is the status sent instead of the document, with
	// S3's XML error body (SlowDown for 503, InternalError for 500, ...).
	Status int
	// CutAfter, if > 0, sends the reply's header (the whole document's
	// Content-Length) and its first CutAfter bytes, then closes the
	// connection: a download cut mid-way.
	CutAfter int
}

// DocumentRequest is one request the document host received.
type DocumentRequest struct {
	Method string
	Path   string      // /documents/{documentId}
	Header http.Header // a clone of the request's header
	Status int         // the status sent
}

// ScriptDocument queues faults for the document host's next requests, in
// order.
func (s *Server) ScriptDocument(f ...DocumentFault) {
	h := s.jobState().host
	h.mu.Lock()
	defer h.mu.Unlock()
	h.faults = append(h.faults, f...)
}

// DocumentRequests lists the requests the document host received, in order
// (Reset does not clear them: it counts SP-API calls).
func (s *Server) DocumentRequests() []DocumentRequest {
	h := s.jobState().host
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]DocumentRequest, len(h.requests))
	for i, r := range h.requests {
		out[i] = r
		out[i].Header = r.Header.Clone()
	}
	return out
}

// DocumentContent is the content of a document as stored: for a feed
// document, the bytes its PUT uploaded (ok is false until then); for a
// result document, the bytes served (gzipped and encoded as served).
func (s *Server) DocumentContent(documentID string) (content []byte, ok bool) {
	h := s.jobState().host
	h.mu.Lock()
	defer h.mu.Unlock()
	d := h.docs[documentID]
	if d == nil || (d.uploadType != "" && !d.uploaded) {
		return nil, false
	}
	return slices.Clone(d.body), true
}

// docHost is the document host: S3 as presigned URLs show it. A GET
// serves a stored document (Range and If-Match honoured, as S3 does); a PUT
// stores a feed document, if the URL's signature covers its Content-Type.
type docHost struct {
	srv *httptest.Server
	key []byte // signs the URLs

	mu       sync.Mutex
	seq      int
	docs     map[string]*storedDoc
	faults   []DocumentFault
	requests []DocumentRequest
}

// storedDoc is one document on the host.
type storedDoc struct {
	body        []byte // as served: encoded, maybe gzipped
	contentType string // served Content-Type
	compression string // "GZIP" or "" (also when NullCompression)
	uploadType  string // a feed document's signed Content-Type
	uploaded    bool
}

func newDocHost(ctx context.Context) *docHost {
	h := &docHost{docs: map[string]*storedDoc{}, key: []byte(randomHex(16))}
	h.srv = httptest.NewUnstartedServer(http.HandlerFunc(h.serve))
	h.srv.Config.BaseContext = func(net.Listener) context.Context { return ctx }
	h.srv.Start()
	return h
}

func (h *docHost) close() {
	h.srv.CloseClientConnections()
	h.srv.Close()
}

// sign is the URL signature of a request: its method, the document and,
// for a PUT, the Content-Type, as SigV4 signs the content-type header.
func (h *docHost) sign(method, id, contentType string) string {
	m := hmac.New(sha256.New, h.key)
	fmt.Fprintf(m, "%s\n%s\n%s", method, id, contentType)
	return hex.EncodeToString(m.Sum(nil))
}

// url is the presigned URL of document id for method.
func (h *docHost) url(method, id, contentType string) string {
	q := url.Values{
		"X-Amz-Algorithm":     {"AWS4-HMAC-SHA256"},
		"X-Amz-Expires":       {"300"},
		"X-Amz-SignedHeaders": {"host"},
		"X-Amz-Signature":     {h.sign(method, id, contentType)},
	}
	if method == http.MethodPut {
		q.Set("X-Amz-SignedHeaders", "content-type;host")
	}
	return h.srv.URL + "/documents/" + url.PathEscape(id) + "?" + q.Encode()
}

// encode is d's content as served, with its Content-Type and compression;
// shape gives the Gzip, NullCompression and Charset of documents that do
// not set their own.
func encode(d, shape Document) (body []byte, contentType, compression string, err error) {
	if !d.Gzip && !d.NullCompression && d.Charset == "" {
		d.Gzip, d.NullCompression, d.Charset = shape.Gzip, shape.NullCompression, shape.Charset
	}
	body, contentType = d.Content, d.ContentType
	if contentType == "" {
		contentType = "text/plain"
		if json := bytes.TrimSpace(body); len(json) > 0 && (json[0] == '{' || json[0] == '[') {
			contentType = "application/json"
		}
	}
	if d.Charset != "" {
		enc, err := htmlindex.Get(d.Charset)
		if err != nil {
			return nil, "", "", fmt.Errorf("charset %q: %v", d.Charset, err)
		}
		if body, err = enc.NewEncoder().Bytes(body); err != nil {
			return nil, "", "", fmt.Errorf("encoding the document in %s: %v", d.Charset, err)
		}
		contentType += "; charset=" + d.Charset
	}
	if d.Gzip {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = b.Bytes()
		contentType = "application/octet-stream" // as S3 stores Amazon's gzipped documents
		if d.Charset != "" {
			contentType += "; charset=" + d.Charset
		}
		if !d.NullCompression {
			compression = "GZIP"
		}
	}
	return body, contentType, compression, nil
}

// put stores a result document and returns its id. An encoding error (a
// charset x/text does not know, checked by SetJobs) stores the error's text.
func (h *docHost) put(kind string, d, shape Document) string {
	body, ct, comp, err := encode(d, shape)
	if err != nil {
		body, ct, comp = []byte("sptest: "+err.Error()), "text/plain", ""
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	id := h.newIDLocked(kind)
	h.docs[id] = &storedDoc{body: body, contentType: ct, compression: comp}
	return id
}

// newUpload makes a feed document waiting for its PUT.
func (h *docHost) newUpload(contentType string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := h.newIDLocked("feed")
	h.docs[id] = &storedDoc{uploadType: contentType, contentType: contentType}
	return id
}

func (h *docHost) newIDLocked(kind string) string {
	h.seq++
	switch kind {
	case "feed":
		return fmt.Sprintf("amzn1.tortuga.4.na.%08d.%s", h.seq, randomHex(4))
	case "query":
		return fmt.Sprintf("DOC-%08d%s", h.seq, randomHex(4))
	}
	return fmt.Sprintf("amzn1.spdoc.1.4.na.%08d.%s", h.seq, randomHex(4))
}

// lookup returns a document's stored state (a copy) and whether it exists.
func (h *docHost) lookup(id string) (storedDoc, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	d := h.docs[id]
	if d == nil {
		return storedDoc{}, false
	}
	return *d, true
}

func (h *docHost) serve(w http.ResponseWriter, r *http.Request) {
	id, _ := url.PathUnescape(strings.TrimPrefix(r.URL.Path, "/documents/"))
	h.mu.Lock()
	rec := len(h.requests)
	h.requests = append(h.requests, DocumentRequest{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()})
	var f *DocumentFault
	if len(h.faults) > 0 {
		f = &h.faults[0]
		h.faults = h.faults[1:]
	}
	d := h.docs[id]
	var doc storedDoc
	if d != nil {
		doc = *d
	}
	h.mu.Unlock()
	status := func(code int) {
		h.mu.Lock()
		h.requests[rec].Status = code
		h.mu.Unlock()
	}

	sig := r.URL.Query().Get("X-Amz-Signature")
	switch {
	case f != nil && f.Status != 0:
		status(f.Status)
		s3Error(w, f.Status, s3Code(f.Status), "Scripted by sptest.ScriptDocument.")
	case d == nil:
		status(http.StatusNotFound)
		s3Error(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
	case r.Method == http.MethodPut:
		if doc.uploadType == "" || !hmac.Equal([]byte(sig), []byte(h.sign(http.MethodPut, id, r.Header.Get("Content-Type")))) {
			status(http.StatusForbidden)
			s3Error(w, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
			return
		}
		if r.ContentLength < 0 {
			status(http.StatusLengthRequired)
			s3Error(w, http.StatusLengthRequired, "MissingContentLength", "You must provide the Content-Length HTTP header.")
			return
		}
		if r.ContentLength > maxDocument {
			status(http.StatusBadRequest)
			s3Error(w, http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxDocument))
		if err != nil {
			status(http.StatusBadRequest)
			s3Error(w, http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
			return
		}
		h.mu.Lock()
		d.body, d.uploaded = body, true
		h.mu.Unlock()
		status(http.StatusOK)
		w.Header().Set("ETag", `"`+randomHex(8)+`"`)
		w.WriteHeader(http.StatusOK)
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		status(http.StatusMethodNotAllowed)
		s3Error(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	case !hmac.Equal([]byte(sig), []byte(h.sign(http.MethodGet, id, ""))):
		status(http.StatusForbidden)
		s3Error(w, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	default:
		w.Header().Set("Content-Type", doc.contentType)
		w.Header().Set("ETag", `"`+h.sign("etag", id, strconv.Itoa(len(doc.body)))[:32]+`"`)
		if f != nil && f.CutAfter > 0 {
			status(http.StatusOK)
			w.Header().Set("Content-Length", strconv.Itoa(len(doc.body)))
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(doc.body[:min(f.CutAfter, len(doc.body))])
			_ = http.NewResponseController(w).Flush()
			panic(http.ErrAbortHandler)
		}
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		http.ServeContent(sw, r, "", time.Time{}, bytes.NewReader(doc.body))
		status(sw.code)
	}
}

// statusWriter notes the status ServeContent sends.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// s3Error writes S3's XML error body.
func s3Error(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId></Error>`, code, message, strings.ToUpper(randomHex(8)))
}

func s3Code(status int) string {
	switch status {
	case http.StatusServiceUnavailable:
		return "SlowDown"
	case http.StatusInternalServerError:
		return "InternalError"
	case http.StatusForbidden:
		return "AccessDenied"
	case http.StatusNotFound:
		return "NoSuchKey"
	}
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}
