package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/internal/jsonschema"
)

const schemaDir = "../../../api/schemas/notifications"

// TestGeneratedUpToDate: package notification holds exactly what the
// generator writes from api/schemas/notifications.
func TestGeneratedUpToDate(t *testing.T) {
	files, err := generate(schemaDir)
	if err != nil {
		t.Fatal(err)
	}
	have, _ := filepath.Glob("../../../notification/*.gen.go")
	if len(have) != len(files) {
		t.Errorf("notification has %d generated files, the generator writes %d: run go generate ./notification/", len(have), len(files))
	}
	for name, src := range files {
		got, err := os.ReadFile(filepath.Join("../../../notification", name))
		if err != nil || !bytes.Equal(got, src) {
			t.Errorf("notification/%s is not what gennotifications writes: run go generate ./notification/", name)
		}
	}
	again, err := generate(schemaDir)
	if err != nil {
		t.Fatal(err)
	}
	for name := range files {
		if !bytes.Equal(files[name], again[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

// TestEverySchema: each of Amazon's 23 schemas gives a notification type,
// including the irregular ones.
func TestEverySchema(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(schemaDir, "*.json"))
	if len(paths) != 23 {
		t.Fatalf("%d schemas, want 23", len(paths))
	}
	got := map[string]*notif{}
	types := map[string]bool{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		n, err := load(filepath.Base(p), data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		got[n.file] = n
		types[n.typ] = true
	}
	if len(types) != 22 {
		t.Errorf("%d notification types, want 22 (LISTINGS_ITEM_ISSUES_CHANGE has two schemas)", len(types))
	}
	tests := []struct {
		file, typ, version, goName string
		camel, inferred            bool
	}{
		{"OrderChangeNotification.json", "ORDER_CHANGE", "1.0", "OrderChange", false, false},
		{"ReportProcessingFinishedNotification.json", "REPORT_PROCESSING_FINISHED", "2020-09-04", "ReportProcessingFinished", true, false},
		// Its root is behind "#ref" and it has no example: the type is in the description.
		{"B2bAnyOfferChangedNotification.json", "B2B_ANY_OFFER_CHANGED", "", "B2BAnyOfferChanged", false, false},
		// Its $ref points at a definition it lacks: read off the example.
		{"ShipmentTrackingMilestoneChangedNotification.json", "SHIPMENT_TRACKING_MILESTONE_CHANGED", "2026-01-30", "ShipmentTrackingMilestoneChanged", true, true},
		// No example: the type from the enum, the version from the member's examples.
		{"FBAInventoryAvailabilityChangeNotification.json", "FBA_INVENTORY_AVAILABILITY_CHANGES", "1.0", "FBAInventoryAvailabilityChanges", false, false},
		{"ListingsItemIssuesChangeNotification_2023-12-13.json", "LISTINGS_ITEM_ISSUES_CHANGE", "2023-12-13", "ListingsItemIssuesChangeV20231213", false, false},
		{"PricingHealthNotification.json", "PRICING_HEALTH", "1.0", "PricingHealth", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			n := got[tt.file]
			if n == nil {
				t.Fatal("not loaded")
			}
			if n.typ != tt.typ || n.version != tt.version || n.goName != tt.goName || n.camel != tt.camel || n.inferred != tt.inferred {
				t.Errorf("got type %s version %q name %s camel %v inferred %v", n.typ, n.version, n.goName, n.camel, n.inferred)
			}
		})
	}
}

// TestAugment: a member Amazon's example has and its schema lacks becomes
// an optional member typed from the example; the schema's own members are
// untouched.
func TestAugment(t *testing.T) {
	data := []byte(`{"type":"object","required":["Payload"],"properties":{
		"NotificationType":{"type":"string"},
		"Payload":{"type":"object","required":["A"],"properties":{"A":{"type":"string"}}}},
		"examples":[{"NotificationType":"X_Y","Payload":{"A":"a","Extra":{"N":1,"S":"s"}}}]}`)
	n, err := load("X.json", data)
	if err != nil {
		t.Fatal(err)
	}
	payload := n.root.Properties[1].Schema
	var names []string
	for _, p := range payload.Properties {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"A", "Extra"}) || !slices.Equal(payload.Required, []string{"A"}) {
		t.Errorf("payload members %v required %v", names, payload.Required)
	}
	if d := payload.Properties[1].Schema.Description; d != noteFromExample {
		t.Errorf("added member's description %q", d)
	}
}

// TestInferSchema: members present in every element of an array are
// required, the others optional; keys keep their order.
func TestInferSchema(t *testing.T) {
	s, err := inferSchema(json.RawMessage(`{"b":[{"x":1,"y":"a"},{"x":2}],"a":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Properties[0].Name != "b" || s.Properties[1].Name != "a" {
		t.Errorf("order %v", s.Properties)
	}
	item := s.Properties[0].Schema.Items
	if !slices.Equal(item.Required, []string{"x"}) || len(item.Properties) != 2 {
		t.Errorf("item required %v, members %d", item.Required, len(item.Properties))
	}
}

// TestMergeAnyOf: alternatives become one object: every member, required
// where all require it.
func TestMergeAnyOf(t *testing.T) {
	var alts []*jsonschema.Schema
	if err := json.Unmarshal([]byte(`[
		{"type":"object","required":["a","b"],"properties":{"a":{"type":"string"},"b":{"type":"string"}}},
		{"type":"object","required":["a","c"],"properties":{"a":{"type":"string"},"c":{"type":"number"}}}]`), &alts); err != nil {
		t.Fatal(err)
	}
	m := mergeAnyOf(alts)
	if len(m.Properties) != 3 || !slices.Equal(m.Required, []string{"a"}) {
		t.Errorf("merged %d members, required %v", len(m.Properties), m.Required)
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		f        func(string) string
		in, want string
	}{
		{typeGoName, "ORDER_CHANGE", "OrderChange"},
		{typeGoName, "FBA_OUTBOUND_SHIPMENT_STATUS", "FBAOutboundShipmentStatus"},
		{typeGoName, "B2B_ANY_OFFER_CHANGED", "B2BAnyOfferChanged"},
		{typeGoName, "LISTINGS_ITEM_MFN_QUANTITY_CHANGE", "ListingsItemMFNQuantityChange"},
		{pascal, "amazonOrderId", "AmazonOrderID"},
		{pascal, "IdentifierValues", "IdentifierValues"},
		{pascal, "trackingUrl", "TrackingURL"},
		{pascal, "relatedIds", "RelatedIDs"},
		{pascal, "detail-type", "DetailType"},
		{pascal, "2023-12-13", "N20231213"},
		{pascal, "Buyer Requested Cancel", "BuyerRequestedCancel"},
		{singular, "OrderItems", "OrderItem"},
		{singular, "Severities", "Severity"},
		{singular, "Addresses", "Address"},
		{singular, "Status", "StatusItem"},
		{singular, "FulfillmentInventoryByMarketplace", "FulfillmentInventoryByMarketplaceItem"},
	}
	for _, tt := range tests {
		if got := tt.f(tt.in); got != tt.want {
			t.Errorf("%q -> %q, want %q", tt.in, got, tt.want)
		}
	}
	if c := comment("An explanation about the purpose of this instance."); c != "" {
		t.Errorf("placeholder kept: %q", c)
	}
	if !strings.Contains(comment("a\n  b"), "a b") {
		t.Error("comment does not join lines")
	}
}
