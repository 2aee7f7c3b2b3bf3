package ops

import "strings"

// maxShapeSegments is how many segments Shape keeps; the deepest template
// in the table has 10, and a longer path is folded so that shapes stay
// short and few.
const maxShapeSegments = 12

// Shape is the limiter key for a request whose path matches no operation:
// "METHOD /seg/seg/...", where a segment is kept if it is a literal segment
// of some template in the table (e.g. "orders", "items") or looks like a
// version ("v0", "v12", "2021-06-30"), an empty segment stays empty, and
// every other segment, such as an id or a SKU, becomes "{}". Segments past
// the twelfth are folded into a final "…", and a query or fragment is cut
// off. So any number of ids under one unknown template give one shape, and
// the number of shapes (hence limiter buckets) stays bounded by the table's
// vocabulary, not by the ids a program uses. A path that is empty or does
// not start with '/' gives METHOD + " /{}". Shape never panics.
func Shape(method, path string) string {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	var b strings.Builder
	b.Grow(len(method) + len(path) + 8)
	b.WriteString(method)
	b.WriteByte(' ')
	if path == "" || path[0] != '/' {
		b.WriteString("/{}")
		return b.String()
	}
	rest := path[1:]
	for n := 0; ; n++ {
		if n == maxShapeSegments {
			b.WriteString("/…")
			break
		}
		seg, more, found := strings.Cut(rest, "/")
		b.WriteByte('/')
		if seg == "" || isLiteral(seg) || isVersion(seg) {
			b.WriteString(seg)
		} else {
			b.WriteString("{}")
		}
		if !found {
			break
		}
		rest = more
	}
	return b.String()
}

// literalSet holds the generated literals for isLiteral.
var literalSet = func() map[string]struct{} {
	m := make(map[string]struct{}, len(literals))
	for _, s := range literals {
		m[s] = struct{}{}
	}
	return m
}()

// isLiteral reports whether seg is a literal segment of some template in
// the table.
func isLiteral(seg string) bool {
	_, ok := literalSet[seg]
	return ok
}

// isVersion reports whether seg looks like an SP-API version: "v" and one
// to three digits, or a date "YYYY-MM-DD". Versions are kept by Shape so that
// an unknown operation's versions get separate buckets, as Amazon's plans do.
func isVersion(seg string) bool {
	switch {
	case len(seg) >= 2 && len(seg) <= 4 && seg[0] == 'v':
		return allDigits(seg[1:])
	case len(seg) == 10 && seg[4] == '-' && seg[7] == '-':
		return allDigits(seg[:4]) && allDigits(seg[5:7]) && allDigits(seg[8:])
	}
	return false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
