package restricted

import "testing"

// The real table has no two templates that can match the same path, so
// precedence and backtracking are tested on a synthetic one.
func TestMatchPrecedence(t *testing.T) {
	ops := []Operation{
		{Name: "paramThenLit", Method: "GET", Path: "/a/{x}/c"},
		{Name: "litThenParam", Method: "GET", Path: "/a/b/{y}"},
		{Name: "allLit", Method: "GET", Path: "/a/b/c"},
		{Name: "deep", Method: "GET", Path: "/a/b/c/d"},
		{Name: "paramDeep", Method: "GET", Path: "/a/{x}/c/e"},
		{Name: "post", Method: "POST", Path: "/a/{x}/c"},
	}
	r := build(ops)
	tests := []struct{ method, path, want string }{
		{"GET", "/a/b/c", "allLit"},
		{"GET", "/a/b/z", "litThenParam"},
		{"GET", "/a/z/c", "paramThenLit"},
		{"GET", "/a/b/c/d", "deep"},
		{"GET", "/a/b/c/e", "paramDeep"}, // backtracks from literal b to {x}
		{"POST", "/a/b/c", "post"},       // backtracks: /a/b/c has no POST
		{"GET", "/a/b/c/f", ""},
		{"GET", "/a/b", ""},
		{"PUT", "/a/b/c", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			op := r.match(tt.method, tt.path, 1)
			got := ""
			if op != nil {
				got = op.Name
			}
			if got != tt.want {
				t.Errorf("match = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBuildRejectsIndistinguishable(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("build did not panic on /a/{x} and /a/{y} with the same method")
		}
	}()
	build([]Operation{
		{Method: "GET", Path: "/a/{x}"},
		{Method: "GET", Path: "/a/{y}"},
	})
}
