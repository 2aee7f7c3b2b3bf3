package flatfile

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReader(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     string
		header []string
		rows   [][]string // Values of each row
		errs   []string   // error text per row, "" for none
	}{
		{"plain", "sku\tprice\nA\t1.00\nB\t2.00\n", []string{"sku", "price"}, [][]string{{"A", "1.00"}, {"B", "2.00"}}, nil},
		{"quotes are literal", "sku\ttitle\nA\t12\" Ruler\nB\t\"Best\" mug\nC\t\"tab-free, \"\"doubled\"\"\"\n", []string{"sku", "title"},
			[][]string{{"A", `12" Ruler`}, {"B", `"Best" mug`}, {"C", `"tab-free, ""doubled"""`}}, nil},
		{"CRLF", "sku\tprice\r\nA\t1\r\nB\t2\r\n", []string{"sku", "price"}, [][]string{{"A", "1"}, {"B", "2"}}, nil},
		{"BOM dropped", "\uFEFFsku\tprice\nA\t1\n", []string{"sku", "price"}, [][]string{{"A", "1"}}, nil},
		{"no final newline", "sku\tprice\nA\t1", []string{"sku", "price"}, [][]string{{"A", "1"}}, nil},
		{"blank lines skipped", "sku\tprice\n\nA\t1\n\r\n\nB\t2\n\n", []string{"sku", "price"}, [][]string{{"A", "1"}, {"B", "2"}}, nil},
		{"fewer fields padded", "sku\tprice\tqty\nA\t1\n", []string{"sku", "price", "qty"}, [][]string{{"A", "1", ""}}, nil},
		{"empty fields kept", "sku\tprice\tqty\nA\t\t3\n", []string{"sku", "price", "qty"}, [][]string{{"A", "", "3"}}, nil},
		{"too many fields, then more rows", "sku\tprice\nA\t1\nB\t2\textra\nC\t3\n", []string{"sku", "price"},
			[][]string{{"A", "1"}, nil, {"C", "3"}}, []string{"", "flatfile: line 3: 3 fields, the header has 2: more fields than the header", ""}},
		{"header only", "sku\tprice\n", []string{"sku", "price"}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tc.in))
			h, err := r.Header()
			if err != nil || !slices.Equal(h, tc.header) {
				t.Fatalf("Header = %q, %v; want %q", h, err, tc.header)
			}
			var rows [][]string
			var errs []string
			for row, err := range r.All() {
				rows = append(rows, row.Values())
				if err != nil {
					errs = append(errs, err.Error())
				} else {
					errs = append(errs, "")
				}
			}
			if !slices.EqualFunc(rows, tc.rows, slices.Equal) {
				t.Errorf("rows = %q, want %q", rows, tc.rows)
			}
			if tc.errs != nil && !slices.Equal(errs, tc.errs) {
				t.Errorf("errors = %q, want %q", errs, tc.errs)
			}
			if tc.errs == nil && slices.ContainsFunc(errs, func(e string) bool { return e != "" }) {
				t.Errorf("errors = %q, want none", errs)
			}
		})
	}
}

func TestRowByName(t *testing.T) {
	r := NewReader(strings.NewReader("seller-sku\tasin1\tprice\tquantity\nMUG-01\tB00EXAMPLE\t12.99\t5\n"))
	row, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if got := row.Get("seller-sku"); got != "MUG-01" {
		t.Errorf(`Get("seller-sku") = %q`, got)
	}
	if v, ok := row.Lookup("nope"); ok || v != "" {
		t.Errorf(`Lookup("nope") = %q, %v; want "", false`, v, ok)
	}
	if row.Line != 2 {
		t.Errorf("Line = %d, want 2", row.Line)
	}
	if m := row.Map(); m["quantity"] != "5" || len(m) != 4 {
		t.Errorf("Map = %v", m)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("after the last row: %v, want io.EOF", err)
	}
	var zero Row
	if zero.Get("x") != "" || zero.Values() != nil {
		t.Error("the zero Row is not empty")
	}
}

func TestEmptyDocument(t *testing.T) {
	r := NewReader(strings.NewReader(""))
	if _, err := r.Header(); err != io.EOF {
		t.Fatalf("Header of an empty document: %v, want io.EOF", err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("Next of an empty document: %v, want io.EOF", err)
	}
}

func TestLineTooLong(t *testing.T) {
	r := NewReader(strings.NewReader("sku\ttitle\nA\t" + strings.Repeat("x", 200) + "\nB\tshort\n"))
	r.MaxLineBytes = 100
	_, err := r.Next()
	if !errors.Is(err, ErrLineTooLong) || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v, want ErrLineTooLong at line 2", err)
	}
	if _, err2 := r.Next(); !errors.Is(err2, ErrLineTooLong) {
		t.Fatalf("the next call: %v, want the same error", err2)
	}
}

func TestReadErrorEndsIteration(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(io.MultiReader(strings.NewReader("sku\nA\n"), iotest.ErrReader(boom)))
	var n int
	var last error
	for _, err := range r.All() {
		n++
		last = err
	}
	if n != 2 || !errors.Is(last, boom) || !strings.Contains(last.Error(), "after line 2") {
		t.Fatalf("%d results, last %v; want 2 ending in boom after line 2", n, last)
	}
}

// endless is a flat file that never ends, counting the bytes read from it.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	const line = "SKU-0001\tB00EXAMPLE\t12.99\t5\n"
	for i := range p {
		p[i] = line[(e.n+int64(i))%int64(len(line))]
	}
	e.n += int64(len(p))
	return len(p), nil
}

// TestStreams reads rows of an endless document: the reader takes only a
// buffer's worth ahead, so memory does not grow with the document.
func TestStreams(t *testing.T) {
	src := &endless{}
	r := NewReader(io.MultiReader(strings.NewReader("seller-sku\tasin\tprice\tquantity\n"), src))
	for i := range 100_000 {
		row, err := r.Next()
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if row.Get("quantity") != "5" {
			t.Fatalf("row %d: %q", i, row.Values())
		}
	}
	read, consumed := src.n, int64(100_000*len("SKU-0001\tB00EXAMPLE\t12.99\t5\n"))
	if read-consumed > 128<<10 {
		t.Fatalf("read %d bytes for %d consumed: more than a buffer ahead", read, consumed)
	}
}

// FuzzReader: no input panics the reader, every row has one value per
// column, and reading ends.
func FuzzReader(f *testing.F) {
	f.Add("sku\tprice\nA\t1\n")
	f.Add("\uFEFF\r\n\r\na\tb\tc\r\n1\t2\t3\t4\n\"x\t\"y\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, doc string) {
		r := NewReader(strings.NewReader(doc))
		r.MaxLineBytes = 64
		h, err := r.Header()
		n := 0
		for row, err2 := range r.All() {
			n++
			if n > len(doc)+1 {
				t.Fatal("more rows than lines")
			}
			if err2 == nil && len(row.Values()) != len(h) {
				t.Fatalf("row %q for header %q", row.Values(), h)
			}
		}
		_ = err
	})
}
