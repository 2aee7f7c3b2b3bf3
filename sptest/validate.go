package sptest

import (
	_ "embed"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/spapi-go/spapi/internal/reqcheck"
)

// The rules every request is checked against are generated from Amazon's
// models, never typed in; `make check-generate` catches drift.
//go:generate go tool genvalidate -models ../api/models -out validate.gen.json

// validateTable holds, per operation, the rules its model states for
// query, path and header parameters and the JSON body (required, type,
// enum, pattern, minLength/maxLength, minimum/maximum, minItems/maxItems,
// date-time), the rules excused because one of Amazon's own example
// requests breaks them, and a sample request the rules accept.
//
//go:embed validate.gen.json
var validateTable []byte

// maxViolations bounds the errors of one 400 reply.
const maxViolations = 10

// requestRules reads validateTable once, by method and path template.
var requestRules = sync.OnceValues(func() (*rulesIndex, error) {
	t, err := reqcheck.Parse(validateTable)
	if err != nil {
		return nil, err
	}
	idx := &rulesIndex{table: t, byKey: make(map[string]*reqcheck.Op, len(t.Ops))}
	for _, op := range t.Ops {
		idx.byKey[op.Method+" "+op.Path] = op
	}
	return idx, nil
})

type rulesIndex struct {
	table *reqcheck.Table
	byKey map[string]*reqcheck.Op
}

func mustRules() *rulesIndex {
	idx, err := requestRules()
	if err != nil {
		panic("sptest: " + err.Error())
	}
	return idx
}

// checkModel answers 400 InvalidInput, one error per broken rule, when r
// breaks a rule of op's model; nil when the model accepts r (or no model
// describes op). handleOp calls it before any handler, the hand-written
// ones too, as the real API validates before it acts.
//
// createRestrictedDataToken is the one exception: its handler checks the
// body against the same model with the messages Amazon sends (its sandbox
// example's 400 "Resource not provided." among them), which a generic
// message would replace.
func checkModel(op *operation, r *http.Request, body []byte) *reply {
	if op.name == opCreateRestrictedDataToken {
		return nil
	}
	idx := mustRules()
	rules := idx.byKey[op.method+" "+op.path]
	if rules == nil {
		return nil
	}
	vs := idx.table.Check(rules, reqcheck.Request{
		Path:   pathValues(op.path, r.URL.EscapedPath()),
		Query:  r.URL.Query(),
		Header: r.Header,
		Body:   body,
	})
	if len(vs) == 0 {
		return nil
	}
	list := errorList{}
	for i, v := range vs {
		if i == maxViolations {
			break
		}
		details := ""
		list.Errors = append(list.Errors, apiError{Code: "InvalidInput", Message: v.Message, Details: &details})
	}
	return &reply{status: http.StatusBadRequest, body: mustJSON(list)}
}

// pathValues maps the {name} segments of template to escaped's segments,
// unescaped.
func pathValues(template, escaped string) map[string]string {
	ts, ps := strings.Split(template, "/"), strings.Split(escaped, "/")
	out := map[string]string{}
	for i, seg := range ts {
		if i < len(ps) && isParam(seg) {
			v, err := url.PathUnescape(ps[i])
			if err != nil {
				v = ps[i]
			}
			out[seg[1:len(seg)-1]] = v
		}
	}
	return out
}

// ValidRequest is a request of one operation that its model accepts: every
// required parameter, and a body (Amazon's example body where the model
// has one, else one with the schema's required properties). Tests use it
// to call any operation without knowing its rules.
type ValidRequest struct {
	Method string
	// Path is the path template with its parameters filled, escaped.
	Path string
	// PathParams are the template's parameter values in template order (as
	// a generated client's positional arguments take them).
	PathParams []string
	Query      url.Values
	Header     http.Header
	Body       []byte // nil when the operation takes no body
}

// URL is the request's path and query, for a base URL such as Server.URL.
func (v ValidRequest) URL() string {
	if len(v.Query) == 0 {
		return v.Path
	}
	return v.Path + "?" + v.Query.Encode()
}

// ValidRequestFor returns a request the model of operation name accepts;
// name is as Calls takes it. It fails for a name that is no operation or
// an operation no model describes.
func ValidRequestFor(name string) (ValidRequest, error) {
	canon, err := OperationName(name)
	if err != nil {
		return ValidRequest{}, fmt.Errorf("sptest: %w", err)
	}
	ops := mustTable().lookup(canon)
	if len(ops) != 1 {
		return ValidRequest{}, fmt.Errorf("sptest: %s is no operation of a model", name)
	}
	op := ops[0]
	rules := mustRules().byKey[op.method+" "+op.path]
	if rules == nil || rules.Sample == nil {
		return ValidRequest{}, fmt.Errorf("sptest: no model describes %s", name)
	}
	s := rules.Sample
	v := ValidRequest{Method: op.method, Query: url.Values{}, Header: http.Header{}}
	segs := strings.Split(op.path, "/")
	for i, seg := range segs {
		if isParam(seg) {
			val := s.Path[seg[1:len(seg)-1]]
			v.PathParams = append(v.PathParams, val)
			segs[i] = url.PathEscape(val)
		}
	}
	v.Path = strings.Join(segs, "/")
	for k, vals := range s.Query {
		v.Query[k] = append([]string(nil), vals...)
	}
	for k, val := range s.Header {
		v.Header.Set(k, val)
	}
	if s.Body != nil {
		v.Body = append([]byte(nil), s.Body...)
	}
	return v, nil
}
