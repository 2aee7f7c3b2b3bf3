package document_test

import (
	"testing"

	"golang.org/x/text/encoding/htmlindex"
)

func mustEncode(t *testing.T, charset, s string) []byte {
	t.Helper()
	enc, err := htmlindex.Get(charset)
	if err != nil {
		t.Fatal(err)
	}
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encoding %q in %s: %v", s, charset, err)
	}
	return b
}
