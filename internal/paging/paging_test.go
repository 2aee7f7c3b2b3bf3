package paging

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// fake is a server of pages: replies[i] is the token reply i gives ("" for
// none), err fails the call at index errAt.
type fake struct {
	replies []string
	errAt   int
	sent    []string // the token each call sent, "" for none
}

func (f *fake) call(ctx context.Context, token *string) (int, error) {
	i := len(f.sent)
	t := ""
	if token != nil {
		t = *token
	}
	f.sent = append(f.sent, t)
	if i == f.errAt {
		return 0, errors.New("HTTP 500")
	}
	return i, nil
}

func (f *fake) next(i int) *string {
	if i >= len(f.replies) || f.replies[i] == "" {
		return nil
	}
	t := f.replies[i]
	return &t
}

func TestPages(t *testing.T) {
	for _, c := range []struct {
		name    string
		replies []string
		errAt   int
		start   string
		pages   int
		sent    []string
		wantErr error
	}{
		{"three pages", []string{"a", "b", ""}, -1, "", 3, []string{"", "a", "b"}, nil},
		{"one page", []string{""}, -1, "", 1, []string{""}, nil},
		{"start token", []string{"b", ""}, -1, "a", 2, []string{"a", "b"}, nil},
		{"repeated token", []string{"a", "b", "a"}, -1, "", 3, []string{"", "a", "b"}, ErrRepeatedToken},
		{"start token repeated", []string{"a"}, -1, "a", 1, []string{"a"}, ErrRepeatedToken},
		{"empty token ends", []string{"a", ""}, -1, "", 2, []string{"", "a"}, nil},
		{"error page", []string{"a", "b", ""}, 1, "", 1, []string{"", "a"}, errors.New("HTTP 500")},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &fake{replies: c.replies, errAt: c.errAt}
			var start *string
			if c.start != "" {
				start = &c.start
			}
			var got []int
			var last error
			for r, err := range Pages(context.Background(), "listX", start, f.call, f.next) {
				if err != nil {
					last = err
					continue
				}
				got = append(got, r)
			}
			if len(got) != c.pages || !slices.Equal(f.sent, c.sent) {
				t.Errorf("pages %v sent %q, want %d pages sent %q", got, f.sent, c.pages, c.sent)
			}
			switch {
			case c.wantErr == nil && last != nil, c.wantErr != nil && last == nil:
				t.Errorf("err = %v, want %v", last, c.wantErr)
			case errors.Is(c.wantErr, ErrRepeatedToken) && !errors.Is(last, ErrRepeatedToken):
				t.Errorf("err = %v, want ErrRepeatedToken", last)
			}
		})
	}
}

func TestPagesContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &fake{replies: []string{"a", "b", "c", "d"}, errAt: -1}
	n := 0
	var last error
	for _, err := range Pages(ctx, "listX", nil, f.call, f.next) {
		if err != nil {
			last = err
			continue
		}
		n++
		cancel()
	}
	if n != 1 || len(f.sent) != 1 || !errors.Is(last, context.Canceled) {
		t.Errorf("%d pages, %d calls, err %v; want 1, 1, context.Canceled", n, len(f.sent), last)
	}
}

func TestItems(t *testing.T) {
	f := &fake{replies: []string{"a", "b", ""}, errAt: -1}
	pages := Pages(context.Background(), "listX", nil, f.call, f.next)
	var got []int
	for it, err := range Items(pages, func(i int) []int { return []int{10 * i, 10*i + 1} }) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, it)
		if len(got) == 5 {
			break
		}
	}
	if want := []int{0, 1, 10, 11, 20}; !slices.Equal(got, want) || len(f.sent) != 3 {
		t.Errorf("items %v after %d calls, want %v after 3", got, len(f.sent), want)
	}
	f = &fake{replies: []string{"a", ""}, errAt: 1}
	var last error
	n := 0
	for _, err := range Items(Pages(context.Background(), "listX", nil, f.call, f.next), func(int) []int { return []int{1} }) {
		if err != nil {
			last = err
			continue
		}
		n++
	}
	if n != 1 || last == nil {
		t.Errorf("%d items then %v, want 1 then the error", n, last)
	}
}

// TestTable: every entry names its token's field and parameter, and the
// table is sorted and unique.
func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for i, op := range Ops() {
		byToken := op.Param != "" && len(op.Token) > 0 && op.Offset == nil
		byOffset := op.Param == "" && op.Token == nil && op.Offset != nil && op.Limit != nil && op.Total != nil
		if byToken == byOffset || op.Status < 200 || op.Status > 299 || op.Package == "" {
			t.Errorf("%+v is incomplete", op)
		}
		if i > 0 && Ops()[i-1].Name >= op.Name {
			t.Errorf("%s after %s: not sorted", op.Name, Ops()[i-1].Name)
		}
		if got, ok := Lookup(op.Method, op.Path); !ok || got.Name != op.Name || seen[op.Method+op.Path] {
			t.Errorf("Lookup(%s %s) = %v", op.Method, op.Path, got)
		}
		seen[op.Method+op.Path] = true
	}
	if _, ok := Lookup("GET", "/orders/v0/orders/{orderId}"); ok {
		t.Error("getOrder is no list")
	}
}

func TestOffsets(t *testing.T) {
	invalid := errors.New("invalid request")
	for _, c := range []struct {
		name          string
		offset, limit int64
		total         int64 // -1: none
		sent          []int64
		wantErr       error
	}{
		{"three pages", 0, 10, 25, []int64{0, 10, 20}, nil},
		{"exact", 0, 10, 20, []int64{0, 10}, nil},
		{"from an offset", 10, 10, 25, []int64{10, 20}, nil},
		{"no total", 0, 10, -1, []int64{0}, nil},
		{"empty", 0, 10, 0, []int64{0}, nil},
		{"limit 0", 0, 0, 25, nil, invalid},
		{"negative offset", -1, 10, 25, nil, invalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			var sent []int64
			call := func(_ context.Context, off int64) (int64, error) { sent = append(sent, off); return off, nil }
			total := func(int64) *int64 {
				if c.total < 0 {
					return nil
				}
				return &c.total
			}
			var last error
			for _, err := range Offsets(context.Background(), "listX", invalid, c.offset, c.limit, call, total) {
				if err != nil {
					last = err
				}
			}
			if !slices.Equal(sent, c.sent) || !errors.Is(last, c.wantErr) || (c.wantErr == nil) != (last == nil) {
				t.Errorf("sent %v, err %v; want %v, %v", sent, last, c.sent, c.wantErr)
			}
		})
	}
}
