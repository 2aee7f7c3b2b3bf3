// Package paging knows every paginated SP-API operation: which reply field
// carries the next page's token, which query parameter takes it, and
// whether the request's other parameters are kept or dropped when the token
// is sent. The table (paging.gen.go) is generated from Amazon's models by
// internal/cmd/genpages, which also writes the typed iterators of apis/ from
// it; sptest plays pages from the same table, so the fake and the iterators
// cannot disagree on an operation. Pages and Items are the loop behind every
// generated iterator.
package paging

import (
	"context"
	"errors"
	"fmt"
	"iter"
)

// Policy says what happens to a request's other query parameters when the
// next page's token is sent.
type Policy int

const (
	// Keep sends every parameter of the first request again, with the
	// token: the models say "include the same arguments as the call that
	// produced the token".
	Keep Policy = iota
	// Drop sends the token, the required parameters and Set, nothing else:
	// the operation refuses its filters alongside a token (getReports:
	// "Specifying nextToken with any other parameters will cause the
	// request to fail").
	Drop
)

func (p Policy) String() string {
	switch p {
	case Keep:
		return "keep"
	case Drop:
		return "drop"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// Param is a query parameter and the value it takes on a request that
// carries a token.
type Param struct {
	Name  string
	Value string
}

// Op is one paginated operation.
type Op struct {
	// Name is the operation's name in the operations table
	// ("searchOrders", "ordersV0.getOrders").
	Name string
	// Model is the model file's base name ("orders_2026-01-01"), Package
	// its apis/ package.
	Model, Package string
	// Method and Path are the HTTP method and path template.
	Method, Path string
	// Param is the query parameter that takes the token ("paginationToken");
	// empty for an operation that pages by offset.
	Param string
	// Status is the 2xx status whose body carries the token.
	Status int
	// Token is the JSON path of the reply field that carries the next
	// page's token (["pagination", "nextToken"]); the last page has none.
	// Nil for an operation that pages by offset.
	Token []string
	// Offset and Limit are the JSON paths, in the request body, of the
	// offset and the page size of an operation that pages by offset rather
	// than by token (Replenishment's listOffers: ["pagination", "offset"]),
	// and Total the path of the reply's total count of results; nil for
	// the others.
	Offset, Limit, Total []string
	// Items is the JSON path of the page's list of items, where the page
	// has exactly one list beside its token; nil otherwise.
	Items []string
	// Others is what happens to the other query parameters with a token.
	Others Policy
	// Required are the operation's required query parameters, which every
	// request carries whatever the policy.
	Required []string
	// Set are parameters that take a fixed value with a token (Fulfillment
	// Inbound v0's QueryType=NEXT_TOKEN).
	Set []Param
	// Source says where Others and Set come from: the model's words, or an
	// override of ours and why.
	Source string
}

// Ops returns every paginated operation, sorted by Name.
func Ops() []Op { return ops }

// byRoute indexes ops by method and path template.
var byRoute = func() map[string]*Op {
	m := make(map[string]*Op, len(ops))
	for i := range ops {
		m[ops[i].Method+" "+ops[i].Path] = &ops[i]
	}
	return m
}()

// Lookup returns the paginated operation at method and path template.
func Lookup(method, pathTemplate string) (*Op, bool) {
	op, ok := byRoute[method+" "+pathTemplate]
	return op, ok
}

// ErrRepeatedToken is the error a page iterator stops with when a reply
// gives a token it already sent: following it would loop for ever.
var ErrRepeatedToken = errors.New("the reply repeats an earlier page token")

// Pages iterates the pages of one paginated operation: it calls call with
// start (the caller's own token, nil for the first page), yields each reply,
// and calls again with the token next reads from it until a reply has none.
// call returns an error for a non-2xx reply. The first error (call's, the
// context's before a call, or ErrRepeatedToken when a token comes back that
// was already sent) is yielded with the zero R, and ends the iteration. The
// iteration may be run again; each run starts from start.
func Pages[R any](ctx context.Context, op string, start *string, call func(ctx context.Context, token *string) (R, error), next func(R) *string) iter.Seq2[R, error] {
	return func(yield func(R, error) bool) {
		var zero R
		token := start
		seen := map[string]bool{}
		if token != nil {
			seen[*token] = true
		}
		for page := 1; ; page++ {
			if err := ctx.Err(); err != nil {
				yield(zero, fmt.Errorf("%s: page %d: %w", op, page, err))
				return
			}
			r, err := call(ctx, token)
			if err != nil {
				yield(zero, err)
				return
			}
			if !yield(r, nil) {
				return
			}
			t := next(r)
			if t == nil || *t == "" {
				return
			}
			if seen[*t] {
				yield(zero, fmt.Errorf("%s: page %d: %w", op, page, ErrRepeatedToken))
				return
			}
			tok := *t
			seen[tok] = true
			token = &tok
		}
	}
}

// Offsets iterates the pages of an operation that pages by offset: it
// calls call with offset, then offset+limit, and so on, for as long as the
// reply's total (nil: unknown) says there are more results. A limit below 1
// is an error wrapping invalid (client.ErrInvalidRequest), before anything
// is sent. Errors end the iteration as in Pages.
func Offsets[R any](ctx context.Context, op string, invalid error, offset, limit int64, call func(ctx context.Context, offset int64) (R, error), total func(R) *int64) iter.Seq2[R, error] {
	return func(yield func(R, error) bool) {
		var zero R
		if limit < 1 || offset < 0 {
			yield(zero, fmt.Errorf("%s: %w: pagination limit %d and offset %d: the limit must be at least 1 and the offset at least 0", op, invalid, limit, offset))
			return
		}
		for page := 1; ; page++ {
			if err := ctx.Err(); err != nil {
				yield(zero, fmt.Errorf("%s: page %d: %w", op, page, err))
				return
			}
			r, err := call(ctx, offset)
			if err != nil {
				yield(zero, err)
				return
			}
			if !yield(r, nil) {
				return
			}
			t := total(r)
			if t == nil || offset+limit >= *t {
				return
			}
			offset += limit
		}
	}
}

// Items iterates the items of pages: each item of each page, in order, then
// the first error, which ends the iteration.
func Items[R, T any](pages iter.Seq2[R, error], items func(R) []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for r, err := range pages {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items(r) {
				if !yield(it, nil) {
					return
				}
			}
		}
	}
}
