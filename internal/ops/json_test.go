package ops_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/internal/ops"
)

// The tests read the JSON files themselves, independently of the generator,
// so that a generator bug cannot hide itself.

type planJSON struct {
	API         string   `json:"api"`
	Model       string   `json:"model"`
	Version     string   `json:"version"`
	OperationID string   `json:"operationId"`
	Method      string   `json:"method"`
	Path        string   `json:"path"`
	Rate        *float64 `json:"rate"`
	Burst       *int     `json:"burst"`
	Deprecated  bool     `json:"deprecated"`
	Grantless   bool     `json:"grantless"`
}

type restrictedJSON struct {
	API          string   `json:"api"`
	Version      string   `json:"version"`
	Operation    string   `json:"operation"`
	Method       string   `json:"method"`
	Path         string   `json:"path"`
	DataElements []string `json:"dataElements"`
}

type retrySafeJSON struct {
	Model       string `json:"model"`
	OperationID string `json:"operationId"`
}

// wantCount is the size of the table: 370 usage-plan entries plus
// cancelShipmentOld, which only restricted-operations.json has.
const wantCount = 371

func readOps[T any](t testing.TB, file string) []T {
	t.Helper()
	raw, err := os.ReadFile("../../api/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Operations []T `json:"operations"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(doc.Operations) == 0 {
		t.Fatalf("%s: no operations", file)
	}
	return doc.Operations
}

var paramRE = regexp.MustCompile(`\{[^/]*\}`)

// shapeKey is method + path with {params} erased: two templates with the
// same key match the same requests.
func shapeKey(method, path string) string {
	return method + " " + paramRE.ReplaceAllString(path, "{}")
}

// expected builds the table the JSON describes, without names: the usage
// plans in order, then restricted operations they lack, with every flag.
func expected(t testing.TB) []ops.Operation {
	t.Helper()
	var out []ops.Operation
	byKey := map[string]int{}
	for i, p := range readOps[planJSON](t, "usage-plans.json") {
		op := ops.Operation{
			Index: i, ID: p.OperationID, API: p.API, Model: p.Model, Version: p.Version,
			Method: p.Method, Path: p.Path, Deprecated: p.Deprecated, Grantless: p.Grantless,
		}
		if p.Rate != nil {
			op.Rate = *p.Rate
		}
		if p.Burst != nil {
			op.Burst = *p.Burst
		}
		byKey[shapeKey(p.Method, p.Path)] = len(out)
		out = append(out, op)
	}
	for _, r := range readOps[restrictedJSON](t, "restricted-operations.json") {
		k, ok := byKey[shapeKey(r.Method, r.Path)]
		if !ok {
			k = len(out)
			out = append(out, ops.Operation{Index: k, ID: r.Operation, API: r.API, Version: r.Version, Method: r.Method, Path: r.Path})
		}
		out[k].Restricted = true
		out[k].DataElements = r.DataElements
		out[k].SpecificPath = r.Operation == "getReportDocument"
	}
	for _, s := range readOps[retrySafeJSON](t, "retry-safe-operations.json") {
		n := 0
		for i := range out {
			if out[i].Model == s.Model && out[i].ID == s.OperationID {
				out[i].RetrySafe = true
				n++
			}
		}
		if n != 1 {
			t.Fatalf("retry-safe %s %s names %d operations", s.Model, s.OperationID, n)
		}
	}
	return out
}

// isParam reports whether a template segment is a {param}.
func isParam(seg string) bool { return strings.HasPrefix(seg, "{") }

// fill replaces every {param} of a template with val(k), k counting params.
func fill(template string, val func(k int) string) string {
	segs := strings.Split(template, "/")
	k := 0
	for i, s := range segs {
		if isParam(s) {
			segs[i] = val(k)
			k++
		}
	}
	return strings.Join(segs, "/")
}

// concretes are the kinds of real paths every template is matched from.
var concretes = []struct {
	name string
	val  func(k int) string
}{
	{"order ids", func(int) string { return "902-3159896-1390916" }},
	{"distinct ids", func(k int) string { return "id" + string(rune('a'+k)) }},
	{"sku", func(int) string { return "blue-shirt-a" }},
	{"escaped slash", func(int) string { return "a%2Fb%20c" }},
	{"document id", func(int) string { return "amzn1.spdoc.1.4.na.0" }},
}

// refMatch is a brute-force matcher written straight from Match's
// documentation: among the templates of this method that fit the path
// segment by segment, the one whose first differing segment is a literal
// wins. It returns the index into all, or -1.
func refMatch(all []ops.Operation, method, path string) int {
	if len(path) < 2 || path[0] != '/' || strings.ContainsAny(path, "?#") {
		return -1
	}
	segs := strings.Split(path[1:], "/")
	best, bestT := -1, []string(nil)
	for i, op := range all {
		if op.Method != method || strings.Count(op.Path, "/") != len(segs) {
			continue
		}
		tmpl := strings.Split(op.Path[1:], "/")
		if len(tmpl) != len(segs) {
			continue
		}
		fits := true
		for k, s := range tmpl {
			if segs[k] == "" || (!isParam(s) && s != segs[k]) {
				fits = false
				break
			}
		}
		if !fits {
			continue
		}
		if best < 0 || beats(tmpl, bestT) {
			best, bestT = i, tmpl
		}
	}
	return best
}

// beats reports whether template a takes precedence over b (same length):
// at the first segment where one is a literal and the other a {param}, the
// literal wins.
func beats(a, b []string) bool {
	for k := range a {
		if la, lb := !isParam(a[k]), !isParam(b[k]); la != lb {
			return la
		}
	}
	return false
}
