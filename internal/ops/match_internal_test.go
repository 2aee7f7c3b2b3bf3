package ops

import (
	"slices"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/internal/pathtmpl"
)

// The real table has no two templates of one method that can match the
// same path, so precedence and backtracking are also tested on a synthetic
// one.
func TestMatchPrecedence(t *testing.T) {
	m, err := build([]Operation{
		{Name: "paramThenLit", Method: "GET", Path: "/a/{x}/c"},
		{Name: "litThenParam", Method: "GET", Path: "/a/b/{y}"},
		{Name: "allLit", Method: "GET", Path: "/a/b/c"},
		{Name: "deep", Method: "GET", Path: "/a/b/c/d"},
		{Name: "paramDeep", Method: "GET", Path: "/a/{x}/c/e"},
		{Name: "post", Method: "POST", Path: "/a/{x}/c"},
	})
	if err != nil {
		t.Fatal(err)
	}
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
			op, _ := m.Match(tt.method, tt.path)
			got := ""
			if op != nil {
				got = op.Name
			}
			if got != tt.want {
				t.Errorf("Match = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBuildRejectsIndistinguishable(t *testing.T) {
	if _, err := build([]Operation{{Method: "GET", Path: "/a/{x}"}, {Method: "GET", Path: "/a/{y}"}}); err == nil {
		t.Fatal("build accepted /a/{x} and /a/{y} with the same method")
	}
}

// TestLiterals checks the generated vocabulary Shape keeps: sorted (so the
// generated file is stable), without duplicates, and exactly the literal
// segments of the table.
func TestLiterals(t *testing.T) {
	if !slices.IsSorted(literals) || len(slices.Compact(slices.Clone(literals))) != len(literals) {
		t.Fatal("literals is not sorted and duplicate-free")
	}
	var want []string
	for _, op := range operations {
		for _, seg := range strings.Split(op.Path[1:], "/") {
			if !pathtmpl.IsParam(seg) {
				want = append(want, seg)
			}
		}
	}
	slices.Sort(want)
	if want = slices.Compact(want); !slices.Equal(literals, want) {
		t.Fatalf("literals has %d segments, the templates %d", len(literals), len(want))
	}
	for _, s := range literals {
		if !isLiteral(s) {
			t.Errorf("isLiteral(%q) = false", s)
		}
		if isLiteral(s+"x") && !slices.Contains(literals, s+"x") {
			t.Errorf("isLiteral(%q) = true", s+"x")
		}
	}
}
