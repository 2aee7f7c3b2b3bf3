package listings_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/feed/listings"
)

// feedWithEveryOperation is a feed built with the types: one message per
// operation type, each with what its oneOf branch requires.
func feedWithEveryOperation() listings.Feed {
	return listings.Feed{
		Header: listings.Header{SellerID: "A1SELLER", Version: listings.Version20, IssueLocale: new("en_US")},
		Messages: []listings.Message{
			{MessageID: 1, SKU: "SKU-1", OperationType: listings.OperationTypeDelete},
			{MessageID: 2, SKU: "SKU-2", OperationType: listings.OperationTypeUpdate, ProductType: new("LUGGAGE"),
				Requirements: new(listings.RequirementsListing),
				Attributes:   map[string]any{"item_name": []any{map[string]any{"value": "Bag", "language_tag": "en_US"}}}},
			{MessageID: 3, SKU: "SKU-3", OperationType: listings.OperationTypePartialUpdate, ProductType: new("LUGGAGE"),
				Attributes: map[string]any{"fulfillment_availability": []any{map[string]any{"fulfillment_channel_code": "DEFAULT", "quantity": 0}}}},
			{MessageID: 4, SKU: "SKU-4", OperationType: listings.OperationTypePatch, ProductType: new("LUGGAGE"),
				Patches: []listings.Patch{{Op: listings.OpReplace, Path: "/attributes/fulfillment_availability",
					Value: []map[string]any{{"fulfillment_channel_code": "DEFAULT", "quantity": 7}}}}},
		},
	}
}

// TestBuiltFeedValidates encodes a feed built with the types and checks it
// against Amazon's schema (required keys, oneOf by operationType, enums,
// minimums): it passes, and each message also passes the message schema.
func TestBuiltFeedValidates(t *testing.T) {
	feedSchema := loadSchema(t, "listings-feed-schema-v2.json")
	msgSchema := loadSchema(t, "listings-feed-message-schema-v2.json")
	doc := toJSON(t, feedWithEveryOperation())
	if errs := validate("$", feedSchema, doc); len(errs) > 0 {
		t.Fatalf("the feed does not validate:\n%s", strings.Join(errs, "\n"))
	}
	for i, m := range doc.(map[string]any)["messages"].([]any) {
		if errs := validate(fmt.Sprintf("messages[%d]", i), msgSchema, m); len(errs) > 0 {
			t.Errorf("message %d:\n%s", i, strings.Join(errs, "\n"))
		}
	}
}

// TestValidateRefusesBrokenFeeds shows the check has teeth: each broken feed
// fails it, naming the rule.
func TestValidateRefusesBrokenFeeds(t *testing.T) {
	schema := loadSchema(t, "listings-feed-schema-v2.json")
	for _, tc := range []struct {
		name   string
		break_ func(*listings.Feed)
		want   string
	}{
		{"wrong version", func(f *listings.Feed) { f.Header.Version = "1.0" }, "const"},
		{"update without attributes", func(f *listings.Feed) { f.Messages[1].Attributes = nil }, "oneOf"},
		{"delete with a product type", func(f *listings.Feed) { f.Messages[0].ProductType = new("LUGGAGE") }, "oneOf"},
		{"patch without patches", func(f *listings.Feed) { f.Messages[3].Patches = nil }, "oneOf"},
		{"unknown operation", func(f *listings.Feed) { f.Messages[0].OperationType = "UPSERT" }, "enum"},
		{"message id 0", func(f *listings.Feed) { f.Messages[0].MessageID = 0 }, "minimum"},
		{"no messages", func(f *listings.Feed) { f.Messages = []listings.Message{} }, "minItems"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := feedWithEveryOperation()
			tc.break_(&f)
			errs := validate("$", schema, toJSON(t, f))
			if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, tc.want) }) {
				t.Fatalf("want an error about %s, got %q", tc.want, errs)
			}
		})
	}
}

func loadSchema(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../../api/schemas/feeds/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func toJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// validate checks doc against the keywords these schemas use (type,
// required, properties incl. false, items, enum, const, oneOf, minItems,
// maxItems, minLength, minimum, maximum, minProperties) and returns every
// failure with its path.
func validate(path string, schema any, doc any) []string {
	if b, ok := schema.(bool); ok {
		if !b {
			return []string{path + ": not allowed (schema false)"}
		}
		return nil
	}
	s, _ := schema.(map[string]any)
	var errs []string
	fail := func(f string, a ...any) { errs = append(errs, path+": "+fmt.Sprintf(f, a...)) }
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(doc) {
		fail("const %v, got %v", c, doc)
	}
	if e, ok := s["enum"].([]any); ok && !slices.ContainsFunc(e, func(v any) bool { return fmt.Sprint(v) == fmt.Sprint(doc) }) {
		fail("enum %v, got %v", e, doc)
	}
	switch d := doc.(type) {
	case map[string]any:
		for _, r := range asList(s["required"]) {
			if _, ok := d[r.(string)]; !ok {
				fail("required %q missing", r)
			}
		}
		if n, ok := s["minProperties"].(float64); ok && float64(len(d)) < n {
			fail("minProperties %v", n)
		}
		props, _ := s["properties"].(map[string]any)
		for k, v := range d {
			if ps, ok := props[k]; ok {
				errs = append(errs, validate(path+"."+k, ps, v)...)
			}
		}
	case []any:
		if n, ok := s["minItems"].(float64); ok && float64(len(d)) < n {
			fail("minItems %v, got %d", n, len(d))
		}
		if n, ok := s["maxItems"].(float64); ok && float64(len(d)) > n {
			fail("maxItems %v, got %d", n, len(d))
		}
		for i, v := range d {
			errs = append(errs, validate(fmt.Sprintf("%s[%d]", path, i), s["items"], v)...)
		}
	case string:
		if n, ok := s["minLength"].(float64); ok && float64(len(d)) < n {
			fail("minLength %v", n)
		}
	case float64:
		if n, ok := s["minimum"].(float64); ok && d < n {
			fail("minimum %v, got %v", n, d)
		}
		if n, ok := s["maximum"].(float64); ok && d > n {
			fail("maximum %v, got %v", n, d)
		}
	}
	if branches := asList(s["oneOf"]); len(branches) > 0 {
		matched := 0
		for _, b := range branches {
			if len(validate(path, b, doc)) == 0 {
				matched++
			}
		}
		if matched != 1 {
			fail("oneOf: %d branches match, want exactly 1", matched)
		}
	}
	return errs
}

func asList(v any) []any { l, _ := v.([]any); return l }
