package reqcheck

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// table is a small Table with a recursive definition, allOf and a
// parameter of each place.
func table(t *testing.T) (*Table, *Op) {
	t.Helper()
	tb := &Table{Defs: map[string]*Rule{
		"m/Node": {Type: "object", Required: []string{"name"}, Properties: map[string]*Rule{
			"name":     {Type: "string", MinLength: ptr(1)},
			"children": {Type: "array", Items: &Rule{Ref: "m/Node"}},
		}},
	}}
	op := &Op{Name: "op", Method: "POST", Path: "/x/{id}", BodyRequired: true,
		Params: []Param{
			{Name: "id", In: "path", Required: true, Rule: Rule{Type: "string", Pattern: "^[a-z]+$"}},
			{Name: "n", In: "query", Rule: Rule{Type: "integer", Minimum: ptr(1.0), Maximum: ptr(10.0), ExclusiveMax: true}},
			{Name: "X-Key", In: "header", Required: true, Rule: Rule{Type: "string", Enum: []any{"a", "b"}}},
		},
		Body: &Rule{AllOf: []*Rule{{Ref: "m/Node"}, {Properties: map[string]*Rule{"flag": {Type: "boolean"}}}}},
	}
	tb.Ops = []*Op{op}
	if err := tb.Compile(); err != nil {
		t.Fatal(err)
	}
	return tb, op
}

func TestCheck(t *testing.T) {
	tb, op := table(t)
	good := func() Request {
		return Request{Path: map[string]string{"id": "abc"}, Query: url.Values{"n": {"3"}},
			Header: http.Header{"X-Key": {"a"}}, Body: []byte(`{"name":"root","children":[{"name":"leaf"}],"flag":true}`)}
	}
	for _, tc := range []struct {
		name   string
		change func(*Request)
		want   []string // Key:Kind of each violation
	}{
		{"valid", func(*Request) {}, nil},
		{"path pattern", func(r *Request) { r.Path["id"] = "ABC" }, []string{"path.id:pattern"}},
		{"exclusive maximum", func(r *Request) { r.Query.Set("n", "10") }, []string{"query.n:maximum"}},
		{"not an integer", func(r *Request) { r.Query.Set("n", "2.5") }, []string{"query.n:type"}},
		{"missing header", func(r *Request) { r.Header.Del("X-Key") }, []string{"header.X-Key:required"}},
		{"header enum", func(r *Request) { r.Header.Set("X-Key", "c") }, []string{"header.X-Key:enum"}},
		{"recursive definition", func(r *Request) { r.Body = []byte(`{"name":"root","children":[{"name":""},{}]}`) },
			[]string{"body.children[].name:minLength", "body.children[].name:required"}},
		{"allOf branch", func(r *Request) { r.Body = []byte(`{"name":"root","flag":"yes"}`) }, []string{"body.flag:type"}},
		{"no body", func(r *Request) { r.Body = nil }, []string{"body:required"}},
		{"null is absent", func(r *Request) { r.Body = []byte(`{"name":null}`) }, []string{"body.name:required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good()
			tc.change(&r)
			var got []string
			for _, v := range tb.Check(op, r) {
				got = append(got, v.Key+":"+v.Kind)
				if v.Message == "" {
					t.Errorf("%s: no message", v.Key)
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("violations %q, want %q", got, tc.want)
			}
		})
	}
	op.Excused = []string{"path.id:pattern"}
	r := good()
	r.Path["id"] = "ABC"
	if vs := tb.Check(op, r); len(vs) != 0 {
		t.Errorf("an excused rule was enforced: %+v", vs)
	}
}

func TestParseRejects(t *testing.T) {
	for _, doc := range []string{
		`{"operations":[{"name":"a","body":{"$ref":"m/Missing"}}],"definitions":{}}`,
		`{"operations":[{"name":"a","params":[{"name":"p","in":"query","pattern":"("}]}],"definitions":{}}`,
		`not json`,
	} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("Parse(%s): no error", doc)
		}
	}
}

// BenchmarkCheck measures one check of a real operation's request against
// the generated table (createReport's body, through $refs).
func BenchmarkCheck(b *testing.B) {
	data, err := os.ReadFile("../../sptest/validate.gen.json")
	if err != nil {
		b.Fatal(err)
	}
	tb, err := Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	var op *Op
	for _, o := range tb.Ops {
		if o.Name == "createReport" {
			op = o
		}
	}
	req := Request{Body: []byte(`{"reportType":"GET_FLAT_FILE_OPEN_LISTINGS_DATA","marketplaceIds":["ATVPDKIKX0DER"],"dataStartTime":"2025-01-01T00:00:00Z","reportOptions":{"a":"b"}}`)}
	b.ReportAllocs()
	for b.Loop() {
		if vs := tb.Check(op, req); len(vs) != 0 {
			b.Fatal(vs)
		}
	}
}

// BenchmarkParse measures reading the generated table, which sptest does
// once per process.
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("../../sptest/validate.gen.json")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzCheck: no input panics the checker, and every violation has a key,
// a kind and a message.
func FuzzCheck(f *testing.F) {
	f.Add("abc", "3", "a", `{"name":"x","children":[{"name":"y"}]}`)
	f.Add("", "", "", ``)
	f.Add("%zz", "1e400", "c", `[[[[`)
	f.Add("a", "-0", "b", `{"name":{"deep":[1,2,{"x":null}]},"children":"no","flag":1}`)
	f.Fuzz(func(t *testing.T, id, n, key, body string) {
		tb, op := table(t)
		r := Request{Path: map[string]string{"id": id}, Query: url.Values{"n": {n}},
			Header: http.Header{"X-Key": {key}}, Body: []byte(body)}
		for _, v := range tb.Check(op, r) {
			if v.Key == "" || v.Kind == "" || v.Message == "" {
				t.Fatalf("incomplete violation %+v", v)
			}
		}
	})
}
