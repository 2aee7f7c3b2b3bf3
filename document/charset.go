package document

import (
	"fmt"
	"mime"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// charsetOf is the charset parameter of a Content-Type, "" if none.
func charsetOf(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(params["charset"])
}

// decoder turns text in charset into UTF-8; nil means the text is UTF-8
// already (Open then only drops a byte-order mark). A UTF-8 or UTF-16
// document may start with a byte-order mark, which is dropped (a TSV's
// first header would otherwise carry it). Names are looked up as browsers do (WHATWG,
// which reads ISO-8859-1 as its superset windows-1252), then in IANA's
// registry; "UTF-16" without a BOM is read as little-endian, as Windows
// writes it.
func decoder(charset string) (transform.Transformer, error) {
	name := strings.ToLower(strings.Trim(charset, `" `))
	switch name {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return nil, nil
	case "utf-16", "utf16":
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder(), nil
	}
	enc, err := htmlindex.Get(name)
	if err != nil {
		enc, err = ianaindex.IANA.Encoding(name)
	}
	if err != nil || enc == nil {
		return nil, fmt.Errorf("document: charset %q: unknown to golang.org/x/text (htmlindex, ianaindex)", charset)
	}
	if enc == unicode.UTF8 || enc == encoding.Nop {
		return nil, nil
	}
	if n, _ := htmlindex.Name(enc); strings.HasPrefix(n, "utf-16") {
		return unicode.BOMOverride(enc.NewDecoder()), nil
	}
	return enc.NewDecoder(), nil
}
