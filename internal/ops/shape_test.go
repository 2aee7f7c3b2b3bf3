package ops_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/internal/ops"
)

func TestShape(t *testing.T) {
	tests := []struct{ method, path, want string }{
		// Ids and SKUs become {}; literals of the table and versions stay.
		{"GET", "/orders/v0/orders/902-3159896-1390916/nonsense", "GET /orders/v0/orders/{}/{}"},
		{"GET", "/listings/2021-08-01/items/A3EXAMPLE/blue-shirt-a", "GET /listings/2021-08-01/items/{}/{}"},
		{"POST", "/newapi/2027-02-30/things/abc", "POST /{}/2027-02-30/{}/{}"},
		{"GET", "/newapi/v12/items", "GET /{}/v12/items"},
		{"GET", "/orders/v7/orders", "GET /orders/v7/orders"},
		{"DELETE", "/a%2Fb/orders", "DELETE /{}/orders"},
		// Near-versions are ids.
		{"GET", "/x/v/y", "GET /{}/{}/{}"},
		{"GET", "/x/v1234/y", "GET /{}/{}/{}"},
		{"GET", "/x/vx1/y", "GET /{}/{}/{}"},
		{"GET", "/x/2021-6-30/y", "GET /{}/{}/{}"},
		{"GET", "/x/2021x06-30/y", "GET /{}/{}/{}"},
		{"GET", "/x/20a1-06-30/y", "GET /{}/{}/{}"},
		// A query or fragment never counts.
		{"GET", "/orders/v0/orders/123/x?MarketplaceIds=ATVPDKIKX0DER", "GET /orders/v0/orders/{}/{}"},
		{"GET", "/orders/v0/orders/123/x#frag", "GET /orders/v0/orders/{}/{}"},
		{"GET", "/orders?x=/y/z", "GET /orders"},
		// Structure is kept: empty segments and trailing slashes.
		{"GET", "/orders/v0/orders/", "GET /orders/v0/orders/"},
		{"GET", "//orders", "GET //orders"},
		{"GET", "/", "GET /"},
		{"GET", "///", "GET ///"},
		// Long paths are folded after twelve segments.
		{"GET", "/a/b/c/d/e/f/g/h/i/j/k/l", "GET /{}/{}/{}/{}/{}/{}/{}/{}/{}/{}/{}/{}"},
		{"GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m", "GET /{}/{}/{}/{}/{}/{}/{}/{}/{}/{}/{}/{}/…"},
		{"GET", "/orders" + strings.Repeat("/orders", 100), "GET " + strings.Repeat("/orders", 12) + "/…"},
		// Anything else is one shape per method.
		{"GET", "", "GET /{}"},
		{"GET", "orders/v0/orders", "GET /{}"},
		{"GET", "?x=1", "GET /{}"},
		{"", "", " /{}"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			if got := ops.Shape(tt.method, tt.path); got != tt.want {
				t.Errorf("Shape(%q, %q) = %q, want %q", tt.method, tt.path, got, tt.want)
			}
		})
	}
}

// TestShapeKeepsEveryLiteral checks that every template of the table, with
// ids in place of its params, keeps all its literal segments.
func TestShapeKeepsEveryLiteral(t *testing.T) {
	for _, op := range ops.All() {
		path := fill(op.Path, func(int) string { return "Xk9-23fq" })
		want := op.Method + " " + fill(op.Path, func(int) string { return "{}" })
		if got := ops.Shape(op.Method, path); got != want {
			t.Errorf("Shape(%q, %q) = %q, want %q", op.Method, path, got, want)
		}
	}
}

func TestShapeNeverSplitsIDs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%"
	randomID := func() string {
		b := make([]byte, 8+rng.IntN(24))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	templates := []string{
		"/newapi/2027-01-01/items/%s",
		"/newapi/v1/sellers/%s/skus/%s",
		"/%s/orders/v0/%s",
	}
	for _, tmpl := range templates {
		shapes := map[string]bool{}
		for range 1000 {
			p := tmpl
			for strings.Contains(p, "%s") {
				p = strings.Replace(p, "%s", randomID(), 1)
			}
			shapes[ops.Shape("GET", p+"?sku="+randomID())] = true
		}
		if len(shapes) != 1 {
			t.Errorf("1000 ids under %s give %d shapes, want 1: %v", tmpl, len(shapes), keys(shapes, 5))
		}
	}
}

func TestShapeNoPanic(t *testing.T) {
	inputs := []string{"", "/", "//", "?", "#", "/?", "/#", "\x00", "/\xff\xfe", "/a/\x80/b", strings.Repeat("/", 1000), "/" + strings.Repeat("a/", 1000), "…", "/…/…"}
	for _, p := range inputs {
		for _, m := range []string{"", "GET", "get", "\xff"} {
			_ = ops.Shape(m, p)
		}
	}
}

func BenchmarkShape(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ops.Shape("GET", "/newapi/2027-01-01/items/blue-shirt-a/offers")
	}
}

func keys(m map[string]bool, n int) []string {
	var out []string
	for k := range m {
		if len(out) == n {
			break
		}
		out = append(out, k)
	}
	return out
}
