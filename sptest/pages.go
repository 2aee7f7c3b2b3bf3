package sptest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/spapi-go/spapi/internal/paging"
)

// defaultPages is how many pages a list operation gives when Options.Pages
// is 0.
const defaultPages = 2

// pageTokenPrefix starts every page token the fake issues.
const pageTokenPrefix = "sptest-page-"

// pages is how many pages a list operation gives.
func (s *Server) pages() int {
	if s.opts.Pages <= 0 {
		return defaultPages
	}
	return s.opts.Pages
}

// paged plays the pages of a paginated operation (internal/paging's table,
// the one the typed iterators are generated from) around handle, which
// answers the request: a request without a token is page 1; a token names
// its page, and the reply of every page but the last carries the next one
// in the operation's token field, the last none. A request whose token the
// fake did not issue, that sends parameters the operation refuses beside a
// token, or (where the model asks for the same arguments again) whose other
// parameters differ from those the token was issued for, gets 400
// InvalidInput, before handle runs. Other operations are handle alone.
//
// An operation that pages by offset (Replenishment's listOffers) gets, on
// every page, a total of results of Pages times the body's limit, so that
// an iterator that advances the offset by the limit makes Pages calls; a
// limit below 1 or a negative offset gets 400 InvalidInput, and a body
// without a limit the reply as it is.
//
// The Reports, Feeds and Data Kiosk lists (getReports, getFeeds,
// getQueries) are no concern of this layer: listJobs owns them, paging the
// fake's jobs with its own tokens, and calls pagedByToken itself for a list
// the fake has no job for.
func (s *Server) paged(op *operation, r *http.Request, body []byte, handle func() reply) reply {
	p, ok := paging.Lookup(op.method, op.path)
	if !ok || jobListKind(op.name) != "" {
		return handle()
	}
	if p.Offset != nil {
		return s.pagedByOffset(p, body, handle)
	}
	return s.pagedByToken(p, r, handle)
}

// pagedByToken plays Options.Pages pages of an operation that pages by
// token around handle (see paged).
func (s *Server) pagedByToken(p *paging.Op, r *http.Request, handle func() reply) reply {
	q := r.URL.Query()
	page, sum := 1, querySum(q, p.Param)
	if tok := q.Get(p.Param); tok != "" {
		n, tokSum, ok := parsePageToken(tok)
		if !ok || n > s.pages() {
			return errorReply(http.StatusBadRequest, "InvalidInput", fmt.Sprintf("Invalid %s.", p.Param), "")
		}
		if msg := refused(p, q); msg != "" {
			return errorReply(http.StatusBadRequest, "InvalidInput", msg, "")
		}
		if p.Others == paging.Keep && tokSum != sum {
			return errorReply(http.StatusBadRequest, "InvalidInput",
				fmt.Sprintf("%s was issued for other parameters: send the same arguments as the call that produced it.", p.Param), "")
		}
		page, sum = n, tokSum
	}
	rep := handle()
	if rep.status < 200 || rep.status > 299 || rep.status != p.Status {
		return rep
	}
	var next json.RawMessage // none: the last page
	if page < s.pages() {
		next, _ = json.Marshal(fmt.Sprintf("%s%d-%s", pageTokenPrefix, page+1, sum))
	}
	out, err := setPath(rep.body, p.Token, next)
	if err != nil {
		return rep // not a JSON object: left as the handler made it
	}
	rep.body = out
	return rep
}

// pagedByOffset plays the pages of an operation that pages by offset.
func (s *Server) pagedByOffset(p *paging.Op, body []byte, handle func() reply) reply {
	limit, lok := intAt(body, p.Limit)
	offset, ook := intAt(body, p.Offset)
	switch {
	case !lok:
		return handle() // no limit: not a paged request, the reply as it is
	case limit < 1:
		return errorReply(http.StatusBadRequest, "InvalidInput", fmt.Sprintf("%s must be an integer of at least 1.", strings.Join(p.Limit, ".")), "")
	case ook && offset < 0:
		return errorReply(http.StatusBadRequest, "InvalidInput", fmt.Sprintf("%s must be an integer of at least 0.", strings.Join(p.Offset, ".")), "")
	}
	rep := handle()
	if rep.status != p.Status {
		return rep
	}
	out, err := setPath(rep.body, p.Total, json.RawMessage(strconv.FormatInt(limit*int64(s.pages()), 10)))
	if err != nil {
		return rep
	}
	rep.body = out
	return rep
}

// intAt reads the integer at path in a JSON body.
func intAt(body []byte, path []string) (int64, bool) {
	for _, k := range path {
		_, vals, err := objectOf(body)
		if err != nil {
			return 0, false
		}
		body = vals[k]
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(body)), 10, 64)
	return n, err == nil
}

// refused names what a request that carries a token sends that the
// operation refuses beside it, or is "".
func refused(p *paging.Op, q url.Values) string {
	for _, s := range p.Set {
		if got := q.Get(s.Name); got != s.Value {
			return fmt.Sprintf("%s must be %s with %s, not %q.", s.Name, s.Value, p.Param, got)
		}
	}
	if p.Others != paging.Drop {
		return ""
	}
	var extra []string
	for name := range q {
		if name != p.Param && !slices.Contains(p.Required, name) {
			extra = append(extra, name)
		}
	}
	if len(extra) == 0 {
		return ""
	}
	slices.Sort(extra)
	return fmt.Sprintf("%s must be sent without the other parameters (%s).", p.Param, strings.Join(extra, ", "))
}

// querySum is a short digest of q's parameters but the token and the page
// size (which the models let a caller change between pages), for a token
// to remember the arguments it was issued for.
func querySum(q url.Values, param string) string {
	c := url.Values{}
	for k, v := range q {
		low := strings.ToLower(k)
		if k != param && !strings.Contains(low, "pagesize") && !strings.Contains(low, "maxresults") {
			c[k] = v
		}
	}
	h := sha256.Sum256([]byte(c.Encode()))
	return hex.EncodeToString(h[:4])
}

// parsePageToken reads a token of the fake: its page and digest.
func parsePageToken(tok string) (page int, sum string, ok bool) {
	rest, ok := strings.CutPrefix(tok, pageTokenPrefix)
	if !ok {
		return 0, "", false
	}
	num, sum, ok := strings.Cut(rest, "-")
	page, err := strconv.Atoi(num)
	if !ok || err != nil || page < 2 || len(sum) != 8 {
		return 0, "", false
	}
	return page, sum, true
}

// setPath sets the value at path in the JSON object body to value (JSON),
// making the objects on the way, or removes it when value is nil (and the
// object that held it, if that is left empty). Every other byte keeps its
// place, keys their order and numbers their digits.
func setPath(body []byte, path []string, value json.RawMessage) ([]byte, error) {
	if len(path) == 0 {
		return nil, fmt.Errorf("sptest: no path to set")
	}
	keys, vals, err := objectOf(body)
	if err != nil {
		return nil, err
	}
	k := path[0]
	_, had := vals[k]
	var nv json.RawMessage
	switch {
	case len(path) == 1 && value == nil:
		if !had {
			return body, nil
		}
	case len(path) == 1:
		nv = value
	default:
		child := vals[k]
		if !had || !bytes.HasPrefix(bytes.TrimSpace(child), []byte("{")) {
			if value == nil {
				return body, nil
			}
			child = json.RawMessage("{}")
		}
		if nv, err = setPath(child, path[1:], value); err != nil {
			return nil, err
		}
		if value == nil && len(path) == 2 && string(nv) == "{}" {
			nv = nil // the token's own object, left empty: gone, as the last page has none
		}
	}
	if nv == nil {
		keys = slices.DeleteFunc(keys, func(s string) bool { return s == k })
	} else if !had {
		keys = append(keys, k)
	}
	vals[k] = nv
	var b bytes.Buffer
	b.WriteByte('{')
	for i, key := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(key)
		b.Write(name)
		b.WriteByte(':')
		b.Write(vals[key])
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// objectOf splits a JSON object into its keys, in order, and raw values.
func objectOf(body []byte) ([]string, map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, fmt.Errorf("sptest: the reply is not a JSON object")
	}
	var keys []string
	vals := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		if _, dup := vals[k]; !dup {
			keys = append(keys, k)
		}
		vals[k] = v
	}
	return keys, vals, nil
}
