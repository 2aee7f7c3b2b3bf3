package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// FuzzValidateRequest decodes the input as a request body and checks that
// ValidateRequest accepts exactly what the API model allows, and names the
// field it rejects.
func FuzzValidateRequest(f *testing.F) {
	f.Add([]byte(`{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders/{orderId}/address"}]}`))
	f.Add([]byte(`{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders","dataElements":["buyerInfo","shippingAddress","buyerTaxInformation"]}],"targetApplication":"amzn1.sellerapps.app.x"}`))
	f.Add([]byte(`{"restrictedResources":[{"method":"PATCH","path":"orders"}],"targetApplication":" "}`))
	f.Add([]byte(`{"restrictedResources":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var req CreateRestrictedDataTokenRequest
		if json.Unmarshal(data, &req) != nil {
			t.Skip()
		}
		err := ValidateRequest(req)
		if err == nil {
			fuzzCheckValid(t, req)
			return
		}
		fuzzCheckInvalid(t, req, err)
	})
}

// fuzzCheckValid checks an accepted request against the model.
func fuzzCheckValid(t *testing.T, req CreateRestrictedDataTokenRequest) {
	t.Helper()
	n := len(req.RestrictedResources)
	if n < 1 || n > 50 {
		t.Fatalf("accepted %d resources, want 1..50", n)
	}
	if ta := req.TargetApplication; ta != nil && strings.TrimSpace(*ta) == "" {
		t.Fatalf("accepted an empty targetApplication %q", *ta)
	}
	for i, r := range req.RestrictedResources {
		switch r.Method {
		case "GET", "PUT", "POST", "DELETE":
		default:
			t.Fatalf("resource %d: accepted method %q", i, r.Method)
		}
		if !strings.HasPrefix(r.Path, "/") {
			t.Fatalf("resource %d: accepted path %q, which does not start with /", i, r.Path)
		}
		if r.DataElements == nil {
			continue
		}
		for _, d := range *r.DataElements {
			switch d {
			case "buyerInfo", "shippingAddress", "buyerTaxInformation":
			default:
				t.Fatalf("resource %d: accepted dataElement %q", i, d)
			}
		}
	}
}

var fuzzFieldRE = regexp.MustCompile(`^restrictedResources\[(\d+)\]\.(method|path|dataElements\[(\d+)\])$`)

// fuzzCheckInvalid checks that a rejection matches ErrInvalidRequest, names
// a field of the request and that the field does break a rule.
func fuzzCheckInvalid(t *testing.T, req CreateRestrictedDataTokenRequest, err error) {
	t.Helper()
	if !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("error %v does not match ErrInvalidRequest", err)
	}
	var ie *InvalidRequestError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *InvalidRequestError", err, err)
	}
	if ie.Field == "" || ie.Rule == "" || !strings.Contains(err.Error(), ie.Field) {
		t.Fatalf("error %q does not name its field (%+v)", err, ie)
	}
	n := len(req.RestrictedResources)
	switch ie.Field {
	case "targetApplication":
		if req.TargetApplication == nil || strings.TrimSpace(*req.TargetApplication) != "" {
			t.Fatalf("rejected targetApplication %v: %v", req.TargetApplication, err)
		}
		return
	case "restrictedResources":
		if n >= 1 && n <= 50 {
			t.Fatalf("rejected %d resources: %v", n, err)
		}
		return
	}
	m := fuzzFieldRE.FindStringSubmatch(ie.Field)
	if m == nil {
		t.Fatalf("error names an unknown field %q: %v", ie.Field, err)
	}
	i, _ := strconv.Atoi(m[1])
	if i >= n {
		t.Fatalf("error names resource %d of %d: %v", i, n, err)
	}
	r := req.RestrictedResources[i]
	switch {
	case m[2] == "method":
		if r.Method.Valid() {
			t.Fatalf("rejected valid method %q: %v", r.Method, err)
		}
	case m[2] == "path":
		// The path rules go past the model (no query, no "..", no
		// spaces); only check that the path is not a plain valid one.
		if strings.HasPrefix(r.Path, "/") && fuzzPlainPath(r.Path) {
			t.Fatalf("rejected plain path %q: %v", r.Path, err)
		}
	default:
		j, _ := strconv.Atoi(m[3])
		if r.DataElements == nil || j >= len(*r.DataElements) {
			t.Fatalf("error names a dataElement that does not exist: %v", err)
		}
		if isDataElement((*r.DataElements)[j]) {
			t.Fatalf("rejected valid dataElement %q: %v", (*r.DataElements)[j], err)
		}
	}
}

// fuzzPlainPath reports whether p uses only characters that a restricted
// path needs: letters, digits, '/', '-', '_', '{', '}', '.', in segments
// that are neither empty (no "//", no trailing '/', not "/" alone) nor "."
// or "..".
func fuzzPlainPath(p string) bool {
	if strings.Contains(p, "..") {
		return false
	}
	for _, seg := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		if seg == "" || seg == "." {
			return false
		}
	}
	for _, r := range p {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("/-_{}.", r):
		default:
			return false
		}
	}
	return true
}

// FuzzAPIError builds the error for arbitrary replies: it never panics and
// its text always carries the status and the request id.
func FuzzAPIError(f *testing.F) {
	f.Add(429, []byte(`{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota for the requested resource.","details":""}]}`), "req-1", "application/json")
	f.Add(502, []byte("<html><body>502 Bad Gateway</body></html>"), "", "text/html")
	f.Add(403, []byte(`{"errors":[{"code":"Unauthorized","message":"Access to requested resource is denied.","details":"The access token you provided has expired."},{"code":"a","message":"b"},{"code":"c","message":"d"},{"code":"e","message":"f"}]}`), "r", "")
	f.Add(-1, []byte(`{"errors":null}`), "", "")
	f.Fuzz(func(t *testing.T, status int, body []byte, requestID, contentType string) {
		h := http.Header{}
		if requestID != "" {
			h.Set(headerRequestID, requestID)
		}
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		e := newAPIError(OpCreateRestrictedDataToken, &http.Response{StatusCode: status, Header: h}, body)
		msg := e.Error()
		if msg == "" {
			t.Fatal("Error() is empty")
		}
		if want := fmt.Sprintf("HTTP %d", status); !strings.Contains(msg, want) {
			t.Fatalf("Error() = %q, want it to contain %q", msg, want)
		}
		if e.StatusCode != status || e.Operation != OpCreateRestrictedDataToken {
			t.Fatalf("APIError %+v lost the status or the operation", e)
		}
		if rid := h.Get(headerRequestID); rid != "" && !strings.Contains(msg, rid) {
			t.Fatalf("Error() = %q, want the request id %q", msg, rid)
		}
		if len(e.Errors) > 0 && e.Code() != e.Errors[0].Code {
			t.Fatalf("Code() = %q, want %q", e.Code(), e.Errors[0].Code)
		}
		var target *APIError
		if !errors.As(fmt.Errorf("wrapped: %w", e), &target) || target != e {
			t.Fatal("errors.As does not find the *APIError")
		}
	})
}

// fuzzLWAReply is one reply the fake LWA server sends.
type fuzzLWAReply struct {
	status      int
	contentType string
	body        []byte
}

// FuzzLWAReply serves arbitrary LWA replies to the client's token source:
// it never panics, and returns a token or an error that starts with "lwa:"
// and carries no credential.
func FuzzLWAReply(f *testing.F) {
	var (
		replies sync.Map // path -> fuzzLWAReply
		seq     atomic.Uint64
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := replies.Load(r.URL.Path)
		if !ok {
			http.Error(w, "unknown path", http.StatusNotFound)
			return
		}
		rep := v.(fuzzLWAReply)
		w.Header().Set("Content-Type", rep.contentType)
		w.WriteHeader(rep.status)
		_, _ = w.Write(rep.body)
	}))
	f.Cleanup(ts.Close)
	tr := &http.Transport{}
	f.Cleanup(tr.CloseIdleConnections)

	// Random credentials, so the fuzzer cannot put them in a reply.
	secret, refresh := fuzzRandom(f, "secret-"), "Atzr|"+fuzzRandom(f, "")
	statuses := []int{200, 400, 401, 500}

	f.Add(uint8(0), false, []byte(`{"access_token":"Atza|abc","token_type":"bearer","expires_in":3600}`))
	f.Add(uint8(1), false, []byte(`{"error":"invalid_grant","error_description":"The request has an invalid grant parameter : refresh_token"}`))
	f.Add(uint8(2), false, []byte(`{"error":"invalid_client","error_description":"Client authentication failed"}`))
	f.Add(uint8(3), false, []byte(`<html>oops</html>`))
	f.Add(uint8(0), true, []byte(`access_token=Atza%7Cabc&token_type=bearer&expires_in=3600`))
	f.Add(uint8(0), false, []byte(`{"token_type":"bearer","expires_in":3600}`))
	f.Fuzz(func(t *testing.T, st uint8, form bool, body []byte) {
		rep := fuzzLWAReply{status: statuses[int(st)%len(statuses)], contentType: "application/json", body: body}
		if form {
			rep.contentType = "application/x-www-form-urlencoded"
		}
		path := "/auth/o2/token/" + strconv.FormatUint(seq.Add(1), 10)
		replies.Store(path, rep)
		defer replies.Delete(path)

		c, err := New(Config{
			ClientID:     "amzn1.application-oa2-client.fuzz",
			ClientSecret: secret,
			RefreshToken: refresh,
			Endpoint:     ts.URL,
			LWAEndpoint:  ts.URL + path,
			HTTPClient:   &http.Client{Transport: fuzzNoClose{tr}, Timeout: 5 * time.Second},
			MaxRetries:   -1,
			NoRateLimit:  true,
		})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		tok, err := c.lwa.Token(ctx)
		if err == nil {
			if tok == "" {
				t.Fatal("no error and an empty token")
			}
			return
		}
		if tok != "" {
			t.Fatalf("token %q with error %v", tok, err)
		}
		for _, msg := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(msg, secret) || strings.Contains(msg, refresh) ||
				strings.Contains(msg, strings.TrimPrefix(refresh, "Atzr|")) {
				t.Fatalf("error text carries a credential: %s", msg)
			}
		}
		if !strings.HasPrefix(err.Error(), "lwa:") {
			t.Fatalf("error %q does not start with lwa:", err)
		}
		var le *LWAError
		if rep.status != 200 {
			if !errors.As(err, &le) {
				t.Fatalf("HTTP %d: error %v (%T) is not an *LWAError", rep.status, err, err)
			}
			if le.StatusCode != rep.status {
				t.Fatalf("LWAError.StatusCode = %d, want %d", le.StatusCode, rep.status)
			}
		}
	})
}

// fuzzNoClose hides the transport's CloseIdleConnections. The retry layer
// (go-retryablehttp) closes its client's idle connections each time it gives
// up, and for LWA requests that client's transport is the base one, so at
// fuzzing rates every failed fetch would cost a connection and the run would
// stall on ports left in TIME_WAIT.
type fuzzNoClose struct{ rt http.RoundTripper }

func (t fuzzNoClose) RoundTrip(r *http.Request) (*http.Response, error) { return t.rt.RoundTrip(r) }

func fuzzRandom(f *testing.F, prefix string) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		f.Fatal(err)
	}
	return prefix + hex.EncodeToString(b)
}
