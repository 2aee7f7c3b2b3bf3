package main

import (
	"strings"
	"unicode"
)

// initialisms are the words written in capitals in Go names.
var initialisms = map[string]string{
	"id": "ID", "ids": "IDs", "url": "URL", "uri": "URI", "api": "API",
	"asin": "ASIN", "asins": "ASINs", "sku": "SKU", "skus": "SKUs",
	"ean": "EAN", "upc": "UPC", "json": "JSON", "http": "HTTP", "b2b": "B2B",
	"fba": "FBA", "mfn": "MFN", "afn": "AFN",
}

// words splits a JSON name or an enum value into words: at _, -, space and
// other punctuation, and where a lower-case letter or digit meets an
// upper-case one (camelCase).
func words(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])):
			flush()
			cur = append(cur, r)
		case unicode.IsUpper(r) && i > 0 && unicode.IsUpper(rs[i-1]) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
			// "HTMLParser": the P starts a word.
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return out
}

// goName is an exported Go identifier for a JSON name: "messageId" ->
// "MessageID", "fulfillment_channel_code" -> "FulfillmentChannelCode",
// "PARTIAL_UPDATE" -> "PartialUpdate".
func goName(s string) string {
	var b strings.Builder
	for _, w := range words(s) {
		lw := strings.ToLower(w)
		if in, ok := initialisms[lw]; ok {
			b.WriteString(in)
			continue
		}
		rs := []rune(lw)
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	name := b.String()
	if name == "" {
		return "X"
	}
	if unicode.IsDigit([]rune(name)[0]) {
		return "X" + name
	}
	return name
}

// singular is the name of one element of an array named name: "messages"
// -> "message", "patches" -> "patch", "categories" -> "category".
func singular(name string) string {
	switch {
	case strings.HasSuffix(name, "ies") && len(name) > 3:
		return name[:len(name)-3] + "y"
	case strings.HasSuffix(name, "ches"), strings.HasSuffix(name, "shes"),
		strings.HasSuffix(name, "sses"), strings.HasSuffix(name, "xes"):
		return name[:len(name)-2]
	case strings.HasSuffix(name, "ss"), strings.HasSuffix(name, "us"), strings.HasSuffix(name, "is"):
		return name
	case strings.HasSuffix(name, "s") && len(name) > 1:
		return name[:len(name)-1]
	}
	return name
}
