package notification_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/notification"
)

const schemaDir = "../api/schemas/notifications"

// published is one example notification Amazon publishes in a schema.
type published struct {
	name string // file and index
	body []byte
}

// publishedExamples reads every example notification in the schemas: the
// root's examples, and each example of the Payload member inside the
// envelope of that schema's sample (the only example of the FBA inventory
// schema).
func publishedExamples(t *testing.T) []published {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(schemaDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no schemas: %v", err)
	}
	samples := samplesByFile(t)
	var out []published
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Examples   []json.RawMessage `json:"examples"`
			Properties map[string]struct {
				Examples []json.RawMessage `json:"examples"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		base := filepath.Base(f)
		for i, ex := range doc.Examples {
			out = append(out, published{fmt.Sprintf("%s#%d", base, i), ex})
		}
		for key, p := range doc.Properties {
			if !strings.EqualFold(key, "payload") {
				continue
			}
			for i, ex := range p.Examples {
				var env map[string]json.RawMessage
				if err := json.Unmarshal(samples[base], &env); err != nil {
					t.Fatalf("%s: sample: %v", base, err)
				}
				env[key] = ex
				b, _ := json.Marshal(env)
				out = append(out, published{fmt.Sprintf("%s payload#%d", base, i), b})
			}
		}
	}
	return out
}

// samplesByFile is each schema's sample, encoded, by schema file name.
func samplesByFile(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, n := range notification.Samples() {
		b, err := json.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		out[notification.SchemaFile(n)] = b
	}
	return out
}

// eventBridge wraps a notification the way EventBridge delivers it.
func eventBridge(detail []byte, typ string) []byte {
	return []byte(`{"version":"0","id":"8f6b8f80-0000-4000-8000-000000000001","detail-type":` + quote(typ) +
		`,"source":"aws.partner/sellingpartnerapi.amazon.com/amzn1.sellerapps.app.00000000-0000-0000-0000-000000000000",` +
		`"account":"123456789012","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":` + string(detail) + `}`)
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// checkExact asserts that every member of body lands in a typed field of
// n's type (a strict decode succeeds) and that encoding n gives body's
// members back, compared as generic JSON values.
func checkExact(t *testing.T, n notification.Notification, body []byte) {
	t.Helper()
	strict := reflect.New(reflect.TypeOf(n).Elem()).Interface()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(strict); err != nil {
		t.Errorf("a member has no typed field: %v", err)
	}
	again, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("re-encoding changed the notification:\n in: %s\nout: %s", body, again)
	}
}

func typeOf(t *testing.T, body []byte) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range m {
		if strings.EqualFold(k, "notificationType") {
			var s string
			_ = json.Unmarshal(v, &s)
			return s
		}
	}
	t.Fatalf("no notificationType in %s", body)
	return ""
}

// TestPublishedExamples: every example notification Amazon publishes in the
// schemas parses into its type, from an SQS body and from an EventBridge
// event, with every member in a typed field and kept on re-encoding.
func TestPublishedExamples(t *testing.T) {
	examples := publishedExamples(t)
	if len(examples) < 46 { // 24 whole notifications and 22 payloads in today's schemas
		t.Fatalf("%d published examples, want at least 46", len(examples))
	}
	types := map[string]bool{}
	for _, ex := range examples {
		for _, via := range []string{"sqs", "eventbridge"} {
			t.Run(ex.name+"/"+via, func(t *testing.T) {
				typ := typeOf(t, ex.body)
				body := ex.body
				if via == "eventbridge" {
					body = eventBridge(ex.body, typ)
				}
				n, err := notification.Parse(body)
				if err != nil {
					t.Fatal(err)
				}
				if string(n.Type()) != typ || string(n.Envelope().NotificationType) != typ {
					t.Errorf("Type() = %s, Envelope().NotificationType = %s, want %s", n.Type(), n.Envelope().NotificationType, typ)
				}
				checkExact(t, n, ex.body)
				types[typ] = true
			})
		}
	}
	t.Logf("%d published examples of %d types parsed", len(examples), len(types))
}

// TestSamples: a notification built from each schema (every required member
// set) parses into its type from an SQS body and an EventBridge event.
func TestSamples(t *testing.T) {
	samples := notification.Samples()
	files, _ := filepath.Glob(filepath.Join(schemaDir, "*.json"))
	if len(samples) != len(files) || len(samples) != 23 {
		t.Fatalf("%d samples for %d schemas, want 23", len(samples), len(files))
	}
	seen := map[string]bool{}
	for _, s := range samples {
		file := notification.SchemaFile(s)
		seen[file] = true
		body, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, via := range []string{"sqs", "eventbridge"} {
			t.Run(file+"/"+via, func(t *testing.T) {
				in := body
				if via == "eventbridge" {
					in = eventBridge(body, string(s.Type()))
				}
				n, err := notification.Parse(in)
				if err != nil {
					t.Fatal(err)
				}
				if reflect.TypeOf(n) != reflect.TypeOf(s) {
					t.Fatalf("Parse gave %T, want %T", n, s)
				}
				if !reflect.DeepEqual(n, s) {
					t.Errorf("Parse(sample) = %+v, want %+v", n, s)
				}
				checkExact(t, n, body)
				md := n.Envelope().Metadata
				if md.NotificationID == "" || md.ApplicationID == "" {
					t.Errorf("Envelope().Metadata = %+v: empty ids", md)
				}
			})
		}
	}
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("no sample of %s", filepath.Base(f))
		}
	}
}

// TestTypes: every schema's type is listed, each with a payload version.
func TestTypes(t *testing.T) {
	types := notification.Types()
	if len(types) != 22 { // 23 schemas; LISTINGS_ITEM_ISSUES_CHANGE has two payload versions
		t.Errorf("Types() has %d types: %v", len(types), types)
	}
	for _, want := range []notification.Type{notification.TypeOrderChange, notification.TypeReportProcessingFinished,
		notification.TypeFeedProcessingFinished, notification.TypeAnyOfferChanged, notification.TypeListingsItemStatusChange,
		notification.TypeB2BAnyOfferChanged, notification.TypeShipmentTrackingMilestoneChanged} {
		if !slices.Contains(types, want) {
			t.Errorf("Types() lacks %s", want)
		}
	}
	if got := notification.PayloadVersions(notification.TypeListingsItemIssuesChange); !slices.Equal(got, []string{"1.0", "2023-12-13"}) {
		t.Errorf("PayloadVersions(LISTINGS_ITEM_ISSUES_CHANGE) = %v", got)
	}
}

// TestParseVersions: a type with two schemas is read by its payload version.
func TestParseVersions(t *testing.T) {
	tests := []struct {
		version string
		want    any
	}{
		{"1.0", &notification.ListingsItemIssuesChange{}},
		{"2023-12-13", &notification.ListingsItemIssuesChangeV20231213{}},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			body := `{"NotificationVersion":"1.0","NotificationType":"LISTINGS_ITEM_ISSUES_CHANGE","PayloadVersion":"` + tt.version +
				`","EventTime":"2026-01-01T00:00:00Z","Payload":{"SellerId":"A1","MarketplaceId":"ATVPDKIKX0DER","Sku":"S","Severities":[],"EnforcementActions":[]}}`
			n, err := notification.Parse([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if reflect.TypeOf(n) != reflect.TypeOf(tt.want) {
				t.Errorf("Parse gave %T, want %T", n, tt.want)
			}
		})
	}
}

// TestParseRefuses: what Parse cannot read is refused with an error that
// says why, wraps the matching sentinel and quotes no value.
func TestParseRefuses(t *testing.T) {
	order := func(summary string) string {
		return `{"NotificationVersion":"1.0","NotificationType":"ORDER_CHANGE","PayloadVersion":"1.0","EventTime":"2026-01-01T00:00:00Z",` +
			`"Payload":{"OrderChangeNotification":{"SellerId":"A1","AmazonOrderId":"111-1","Summary":` + summary + `}}}`
	}
	tests := []struct {
		name string
		body string
		is   error
		want string
	}{
		{"too large", `{"NotificationType":"ORDER_CHANGE","x":"` + strings.Repeat("a", notification.MaxBodySize) + `"}`, notification.ErrTooLarge, "over 262144"},
		{"garbage", `secret-garbage`, notification.ErrMalformed, "not a JSON object"},
		{"empty", ``, notification.ErrMalformed, "not a JSON object"},
		{"array", `[1,2]`, notification.ErrMalformed, "not a JSON object"},
		{"null", `null`, notification.ErrMalformed, "not a JSON object"},
		{"no type", `{"NotificationVersion":"1.0","Payload":{}}`, notification.ErrMalformed, "no NotificationType"},
		{"type not a string", `{"NotificationType":7,"Payload":{}}`, notification.ErrMalformed, "NotificationType is not a non-empty string"},
		{"empty type", `{"notificationType":"","payload":{}}`, notification.ErrMalformed, "notificationType is not a non-empty string"},
		{"unknown type", `{"NotificationType":"NO_SUCH_THING","Payload":{}}`, notification.ErrUnknownType, `"NO_SUCH_THING"`},
		{"unknown version", `{"NotificationType":"LISTINGS_ITEM_ISSUES_CHANGE","PayloadVersion":"9.9","Payload":{}}`, notification.ErrUnknownType, `payload version "9.9" (this package reads 1.0, 2023-12-13)`},
		{"no payload", `{"NotificationType":"ORDER_CHANGE","PayloadVersion":"1.0"}`, notification.ErrMalformed, "ORDER_CHANGE: no Payload"},
		{"null payload", `{"notificationType":"REPORT_PROCESSING_FINISHED","payload":null}`, notification.ErrMalformed, "no payload"},
		{"wrong member type", order(`{"NumberOfItemsShipped":"secret-value"}`), notification.ErrMalformed,
			"field Payload.OrderChangeNotification.Summary.NumberOfItemsShipped: a JSON string where int64 is expected"},
		{"wrong number", order(`{"OrderItems":[{"Quantity":1.5}]}`), notification.ErrMalformed,
			// Go 1.27's encoding/json names the element too (OrderItems.0.Quantity).
			`re:field Payload\.OrderChangeNotification\.Summary\.OrderItems(\.0)?\.Quantity: a JSON number where int64 is expected`},
		{"event from elsewhere", `{"detail-type":"x","source":"aws.s3","detail":{"NotificationType":"ORDER_CHANGE","Payload":{}}}`, notification.ErrMalformed, "source does not start with aws.partner/sellingpartnerapi.amazon.com"},
		{"event without detail", `{"detail-type":"x","source":"aws.partner/sellingpartnerapi.amazon.com/a"}`, notification.ErrMalformed, "detail is not a JSON object"},
		{"truncated", order(`{}`)[:60], notification.ErrMalformed, "not a JSON object (invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := notification.Parse([]byte(tt.body))
			if err == nil {
				t.Fatalf("Parse = %T, want an error", n)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q does not wrap %v", err, tt.is)
			}
			if re, ok := strings.CutPrefix(tt.want, "re:"); ok {
				if !regexp.MustCompile(re).MatchString(err.Error()) {
					t.Errorf("error %q does not match %q", err, re)
				}
			} else if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q quotes the body", err)
			}
		})
	}
}

// FuzzParse: no input makes Parse panic, and what it accepts re-encodes.
func FuzzParse(f *testing.F) {
	for _, s := range notification.Samples() {
		b, _ := json.Marshal(s)
		f.Add(b)
	}
	f.Add([]byte(`{"detail-type":"x","source":"aws.partner/sellingpartnerapi.amazon.com/a","detail":{}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := notification.Parse(body)
		if err != nil {
			return
		}
		if _, err := json.Marshal(n); err != nil {
			t.Fatalf("accepted notification does not encode: %v", err)
		}
	})
}
