package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestCommittedOutputIsCurrent regenerates from api/marketplaces.json and
// compares with the committed files, so a hand edit fails `go test` too.
func TestCommittedOutputIsCurrent(t *testing.T) {
	raw, err := os.ReadFile("../../../api/marketplaces.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []struct {
		path   string
		render func(*facts) ([]byte, error)
	}{
		{"../../../marketplace/marketplaces.gen.go", renderPublic},
		{"../../marketplaces/table.gen.go", renderInternal},
	} {
		want, err := out.render(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(out.path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what the generator writes: run go generate ./internal/marketplaces", out.path)
		}
	}
}

func TestParseRefusesBadFacts(t *testing.T) {
	const ok = `{"country":"US","id":"ATVPDKIKX0DER","name":"United States","region":"na","sellerCentral":"https://sellercentral.amazon.com","vendorCentral":""}`
	wrap := func(rows ...string) string {
		return `{"sources":["docs"],"marketplaces":[` + strings.Join(rows, ",") + `]}`
	}
	tests := []struct {
		name, in, want string
	}{
		{"no sources", `{"marketplaces":[` + ok + `]}`, "sources"},
		{"empty", wrap(), "empty"},
		{"unknown field", wrap(strings.Replace(ok, `"name"`, `"nmae"`, 1)), "unknown field"},
		{"bad region", wrap(strings.Replace(ok, `"na"`, `"us"`, 1)), "region"},
		{"bad id", wrap(strings.Replace(ok, "ATVPDKIKX0DER", "atvp", 1)), "id"},
		{"bad country", wrap(strings.Replace(ok, `"US"`, `"USA"`, 1)), "country"},
		{"http host", wrap(strings.Replace(ok, "https://sellercentral", "http://sellercentral", 1)), "sellerCentral"},
		{"host with path", wrap(strings.Replace(ok, "amazon.com\"", "amazon.com/x\"", 1)), "sellerCentral"},
		{"duplicate id", wrap(ok, strings.Replace(ok, `"US"`, `"CA"`, 1)), "also"},
		{"duplicate country", wrap(ok, strings.Replace(ok, "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", 1)), "also"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("parse = %v; want an error mentioning %q", err, tt.want)
			}
		})
	}
	if _, err := parse([]byte(wrap(ok))); err != nil {
		t.Fatalf("a good row: %v", err)
	}
}
