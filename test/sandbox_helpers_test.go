package test

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi2"

	"github.com/spapi-go/spapi/api"
	"github.com/spapi-go/spapi/internal/models"
	"github.com/spapi-go/spapi/sptest"
)

// modelOp is what a model documents about one operation, read here from
// api/models independently of sptest's generated table, so that the tests
// check the fake against the models rather than against itself.
type modelOp struct {
	name, method, path string
	model              *models.Model
	op                 *models.Operation
	status             int    // the first documented 2xx
	topType            string // the 2xx schema's JSON type: object, array, "" for none
	query, header      []string
	body               bool // a request body is required
	restricted         bool // restricted-operations.json lists it
}

// handledBySptest are the operations sptest answers with a handler of its
// own (not from the models), whose behaviour the sandbox leaves as it was.
var handledBySptest = map[string]bool{
	"createRestrictedDataToken": true, "getOrderAddress": true, "ordersV0.getOrder": true,
	"ordersV0.getOrders": true, "getOrderItems": true, "getReportDocument": true,
	"getMarketplaceParticipations": true,
}

var loadModelOps = sync.OnceValues(func() ([]modelOp, error) {
	ms, err := models.LoadDir(filepath.Join("..", "api", "models"))
	if err != nil {
		return nil, err
	}
	var restricted struct {
		Operations []struct{ Method, Path string }
	}
	if err := json.Unmarshal(api.RestrictedOperations, &restricted); err != nil {
		return nil, err
	}
	isRestricted := map[string]bool{}
	for _, r := range restricted.Operations {
		isRestricted[r.Method+" "+r.Path] = true
	}
	var out []modelOp
	for _, o := range models.All(ms) {
		mo := modelOp{name: o.Name, method: o.Method, path: o.Path, model: o.Model, op: o,
			restricted: isRestricted[o.Method+" "+o.Path]}
		var codes []string
		for c := range o.Op.Responses.Map() {
			if len(c) == 3 && c[0] == '2' {
				codes = append(codes, c)
			}
		}
		slices.Sort(codes)
		if len(codes) == 0 {
			continue
		}
		mo.status = atoi(codes[0])
		if r := o.Op.Responses.Value(codes[0]); r != nil && r.Schema != nil {
			if mo.status != 204 { // a 204 has no body, whatever the model says
				mo.topType = topType(o.Model.Spec, r.Schema)
			}
		}
		for _, p := range append(slices.Clone(o.PathItem.Parameters), o.Op.Parameters...) {
			if p.Ref != "" {
				p = o.Model.Spec.Parameters[strings.TrimPrefix(p.Ref, "#/parameters/")]
			}
			if p == nil || !p.Required {
				continue
			}
			switch p.In {
			case "query":
				mo.query = append(mo.query, p.Name)
			case "header":
				mo.header = append(mo.header, p.Name)
			case "body":
				mo.body = true
			}
		}
		out = append(out, mo)
	}
	return out, nil
})

func modelOps(t *testing.T) []modelOp {
	t.Helper()
	ops, err := loadModelOps()
	if err != nil {
		t.Fatal(err)
	}
	return ops
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// topType is the JSON type of a schema, following $refs.
func topType(spec *openapi2.T, s *openapi2.SchemaRef) string {
	for range 10 {
		if s == nil {
			return ""
		}
		if s.Ref == "" {
			break
		}
		s = spec.Definitions[strings.TrimPrefix(s.Ref, "#/definitions/")]
	}
	if s == nil || s.Value == nil {
		return ""
	}
	v := s.Value
	switch {
	case v.Type != nil && len(v.Type.Slice()) == 1:
		return v.Type.Slice()[0]
	case len(v.Properties) > 0 || len(v.AllOf) > 0:
		return "object"
	}
	return ""
}

// concretePath fills a template's parameters ("/orders/v0/orders/{orderId}"
// -> "/orders/v0/orders/sptest-1").
func concretePath(template string) string {
	segs := strings.Split(template, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = "sptest-1"
		}
	}
	return strings.Join(segs, "/")
}

// requestFor is a request that carries every required parameter of op
// except skip ("" for none): its URL path and query, headers and body.
func requestFor(op modelOp, skip string) (pathQuery string, header map[string]string, body []byte) {
	if v, ok := validRequest(op); ok {
		return validRequestFor(v, skip)
	}
	q := url.Values{}
	for _, name := range op.query {
		if name != skip {
			q.Set(name, "ATVPDKIKX0DER")
		}
	}
	header = map[string]string{}
	for _, name := range op.header {
		if name != skip {
			header[name] = "sptest"
		}
	}
	pathQuery = concretePath(op.path)
	if len(q) > 0 {
		pathQuery += "?" + q.Encode()
	}
	if op.body && skip != "body" || op.method == "POST" || op.method == "PUT" || op.method == "PATCH" {
		body = []byte(`{}`)
		if op.name == "createRestrictedDataToken" {
			body = []byte(`{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders"}]}`)
		}
	}
	if skip == "body" {
		body = nil
	}
	return pathQuery, header, body
}

// validRequestFor is sptest's valid request v without the parameter (or
// "body") named skip.
func validRequestFor(v sptest.ValidRequest, skip string) (pathQuery string, header map[string]string, body []byte) {
	q := url.Values{}
	for k, vals := range v.Query {
		if k != skip {
			q[k] = vals
		}
	}
	header = map[string]string{}
	for k := range v.Header {
		if !strings.EqualFold(k, skip) {
			header[k] = v.Header.Get(k)
		}
	}
	pathQuery = v.Path
	if len(q) > 0 {
		pathQuery += "?" + q.Encode()
	}
	if skip != "body" {
		body = v.Body
	}
	return pathQuery, header, body
}
