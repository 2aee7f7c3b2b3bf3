package ops_test

import (
	"strings"
	"testing"

	"github.com/spapi-go/spapi/internal/ops"
)

// FuzzMatch checks that Match never panics, agrees with the brute-force
// reference matcher, and that a match is consistent: the template with the
// path's own segments substituted back gives the path again, and both the
// path and the bare template re-match the same operation. Shape must not
// panic on anything either.
func FuzzMatch(f *testing.F) {
	for _, in := range matchInputs {
		f.Add(in.method, in.path)
	}
	f.Add("GET", "")
	f.Add("PUT", "/mfn/v0/shipments/{shipmentId}/cancel")
	all := ops.All()
	f.Fuzz(func(t *testing.T, method, path string) {
		_ = ops.Shape(method, path)
		op, ok := ops.Match(method, path)
		if ok != (op != nil) {
			t.Fatalf("Match(%q, %q) = %v, %v: ok disagrees with op", method, path, op, ok)
		}
		if got, ref := index(op, ok), refMatch(all, method, path); got != ref {
			t.Fatalf("Match(%q, %q) = [%d], reference matcher says [%d]", method, path, got, ref)
		}
		if !ok {
			return
		}
		if op.Method != method {
			t.Fatalf("Match(%q, %q) = %s %s: method differs", method, path, op.Method, op.Path)
		}
		segs, tmpl := strings.Split(path, "/"), strings.Split(op.Path, "/")
		if len(segs) != len(tmpl) {
			t.Fatalf("Match(%q, %q) = %s: %d segments, template has %d", method, path, op.Path, len(segs), len(tmpl))
		}
		k := 0
		rebuilt := fill(op.Path, func(int) string {
			for !isParam(tmpl[k]) {
				k++
			}
			k++
			return segs[k-1]
		})
		if rebuilt != path {
			t.Fatalf("Match(%q, %q) = %s, which filled with the path's segments is %q", method, path, op.Path, rebuilt)
		}
		for _, p := range []string{rebuilt, op.Path} {
			if again, ok := ops.Match(method, p); !ok || again != op {
				t.Fatalf("Match(%q, %q) = %v, want %s again", method, p, again, op.Name)
			}
		}
	})
}
