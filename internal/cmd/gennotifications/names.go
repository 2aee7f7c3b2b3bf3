package main

import (
	"strings"
	"unicode"
)

// initialisms are the words written in capitals in Go names made from
// notification types (FBA_OUTBOUND_SHIPMENT_STATUS -> FBAOutboundShipmentStatus).
var initialisms = map[string]bool{"FBA": true, "B2B": true, "MFN": true, "ASIN": true, "SKU": true, "ID": true}

// typeGoName is the Go name of a notification type: ORDER_CHANGE -> OrderChange.
func typeGoName(t string) string {
	var b strings.Builder
	for _, w := range strings.Split(t, "_") {
		if w == "" {
			continue
		}
		if initialisms[w] {
			b.WriteString(w)
			continue
		}
		b.WriteString(w[:1] + strings.ToLower(w[1:]))
	}
	return b.String()
}

// pascal makes an exported Go identifier of a JSON name: its words (split at
// anything not a letter or digit) each with a capital first letter, and a
// trailing or inner "Id" or "Url" word in capitals, as Go spells them.
func pascal(s string) string {
	var words []string
	cur := []rune{}
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			cur = append(cur, r)
			continue
		}
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	if len(cur) > 0 {
		words = append(words, string(cur))
	}
	var b strings.Builder
	for _, w := range words {
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	out := b.String()
	if out == "" {
		return "X"
	}
	if unicode.IsDigit([]rune(out)[0]) {
		out = "N" + out
	}
	return fixInitialisms(out)
}

// fixInitialisms writes Id and Url as ID and URL where they are a word of a
// mixed-case name (AmazonOrderId -> AmazonOrderID, IdentifierValues stays).
func fixInitialisms(s string) string {
	for _, w := range []struct{ from, to string }{{"Id", "ID"}, {"Url", "URL"}} {
		var b strings.Builder
		for {
			i := strings.Index(s, w.from)
			if i < 0 {
				b.WriteString(s)
				break
			}
			end := i + len(w.from)
			after := end == len(s) || unicode.IsUpper(rune(s[end])) || unicode.IsDigit(rune(s[end])) ||
				(s[end] == 's' && (end+1 == len(s) || unicode.IsUpper(rune(s[end+1]))))
			b.WriteString(s[:i])
			if after {
				b.WriteString(w.to)
			} else {
				b.WriteString(w.from)
			}
			s = s[end:]
		}
		s = b.String()
	}
	return s
}

// singular names an array's element: OrderItems -> OrderItem, Severities ->
// Severity; a name that is not a plural gets "Item".
func singular(s string) string {
	switch {
	case strings.HasSuffix(s, "ies"):
		return s[:len(s)-3] + "y"
	case strings.HasSuffix(s, "ses"), strings.HasSuffix(s, "xes"):
		return s[:len(s)-2]
	case strings.HasSuffix(s, "ss"), strings.HasSuffix(s, "us"), strings.HasSuffix(s, "is"):
		return s + "Item"
	case strings.HasSuffix(s, "s"):
		return s[:len(s)-1]
	}
	return s + "Item"
}

// comment turns a schema description into Go comment text on one line, or
// "" for the placeholder text some schemas carry.
func comment(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	switch {
	case strings.HasPrefix(s, "An explanation about the purpose of this instance"),
		strings.HasPrefix(s, "The root schema comprises the entire JSON document"):
		return ""
	}
	return s
}
