package main

import (
	"strings"
	"testing"

	"github.com/spapi-go/spapi/internal/jsonschema"
)

func TestGoName(t *testing.T) {
	for in, want := range map[string]string{
		"messageId":                "MessageID",
		"fulfillment_channel_code": "FulfillmentChannelCode",
		"PARTIAL_UPDATE":           "PartialUpdate",
		"salesByAsin":              "SalesByASIN",
		"marketplaceIds":           "MarketplaceIDs",
		"b2bSalesRank":             "B2BSalesRank",
		"2021-08-01":               "X20210801",
		"p70ForecastUnits":         "P70ForecastUnits",
		"":                         "X",
	} {
		if got := goName(in); got != want {
			t.Errorf("goName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSingular(t *testing.T) {
	for in, want := range map[string]string{"messages": "message", "patches": "patch", "categories": "category", "status": "status", "data": "data"} {
		if got := singular(in); got != want {
			t.Errorf("singular(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestGenerateShapes types a schema with every construct genpayloads meets
// and checks each Go type, including the ones left as json.RawMessage with
// a comment saying why.
func TestGenerateShapes(t *testing.T) {
	const doc = `{"type":"object","required":["id","kind"],"properties":{
		"id":{"type":"integer"},
		"kind":{"type":"string","enum":["A_B","c"]},
		"price":{"type":"number"},
		"ok":{"type":"boolean"},
		"tags":{"type":"array","items":{"type":"string"}},
		"owner":{"$ref":"#/definitions/Person"},
		"either":{"oneOf":[{"type":"string"},{"type":"integer"}]},
		"nullable":{"type":["string","null"]},
		"attrs":{"type":"object","additionalProperties":true},
		"counts":{"type":"object","additionalProperties":{"type":"integer"}},
		"never":false},
		"definitions":{"Person":{"type":"object","properties":{"name":{"type":"string"}}}}}`
	s, err := jsonschema.Parse("thing.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	src, err := generate("p", []string{"-package", "p"}, []root{{Name: "Thing", File: "thing.json", Schema: s}})
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Join(strings.Fields(string(src)), " ")
	for _, want := range []string{
		"ID int64 `json:\"id\"`",
		"Kind Kind `json:\"kind\"`",
		"KindAB Kind = \"A_B\"",
		"Price *float64 `json:\"price,omitzero\"`",
		"Ok *bool `json:\"ok,omitzero\"`",
		"Tags []string `json:\"tags,omitzero\"`",
		"Owner *Person `json:\"owner,omitzero\"`",
		"one of several shapes (oneOf/anyOf). Either json.RawMessage",
		"several types (string, null). Nullable json.RawMessage",
		"Attrs map[string]any",
		"Counts map[string]int64",
		"type Person struct",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "Never") {
		t.Error("a property whose schema is false became a field")
	}
}
