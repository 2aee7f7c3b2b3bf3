package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/spapi-go/spapi/internal/jsonschema"
)

// Values a sample gives the envelope; the rest comes from the schema.
const (
	sampleEventTime   = "2026-01-01T00:00:00.000Z"
	samplePublishTime = "2026-01-01T00:00:01.000Z"
)

// sample builds the notification n's schema describes with every required
// member set to a valid value (and the envelope and payload always), keys
// in the schema's order: an enum's first value, a string member's own
// example, a date-time for a date-time, 1 for an integer, 1.5 for a number,
// true, one element for an array.
func sample(n *notif) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("{")
	first := true
	hasMeta := false
	for _, p := range n.root.Properties {
		lower := strings.ToLower(p.Name)
		hasMeta = hasMeta || lower == "notificationmetadata"
		if _, env := envelope[lower]; !env && !slices.Contains(n.root.Required, p.Name) {
			continue
		}
		if !first {
			b.WriteString(",")
		}
		first = false
		b.Write(mustJSON(p.Name))
		b.WriteString(":")
		var err error
		switch lower {
		case "notificationtype":
			b.Write(mustJSON(n.typ))
		case "payloadversion":
			v := n.version
			if v == "" {
				v = "1.0"
			}
			b.Write(mustJSON(v))
		case "notificationversion":
			b.Write(mustJSON("1.0"))
		case "eventtime":
			b.Write(mustJSON(sampleEventTime))
		case "notificationmetadata":
			writeMetadata(&b, n.camel)
		default:
			err = sampleValue(&b, n.doc, p.Schema, p.Name, 0)
		}
		if err != nil {
			return nil, err
		}
	}
	if !hasMeta {
		key := "NotificationMetadata"
		if n.camel {
			key = "notificationMetadata"
		}
		b.WriteString("," + string(mustJSON(key)) + ":")
		writeMetadata(&b, n.camel)
	}
	b.WriteString("}")
	var check any
	if err := json.Unmarshal(b.Bytes(), &check); err != nil {
		return nil, fmt.Errorf("%s: sample: %w", n.file, err)
	}
	return b.Bytes(), nil
}

func writeMetadata(b *bytes.Buffer, camel bool) {
	keys := []string{"ApplicationId", "SubscriptionId", "PublishTime", "NotificationId"}
	vals := []string{"amzn1.sellerapps.app.00000000-0000-0000-0000-000000000000",
		"00000000-0000-0000-0000-000000000001", samplePublishTime, "00000000-0000-0000-0000-000000000002"}
	b.WriteString("{")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(",")
		}
		if camel {
			k = strings.ToLower(k[:1]) + k[1:]
		}
		b.Write(mustJSON(k))
		b.WriteString(":")
		b.Write(mustJSON(vals[i]))
	}
	b.WriteString("}")
}

func sampleValue(b *bytes.Buffer, doc *document, s *jsonschema.Schema, name string, depth int) error {
	if depth > 32 {
		return fmt.Errorf("%s: sample: %s nests too deep", doc.file, name)
	}
	s, _, err := doc.resolve(s)
	if err != nil {
		return err
	}
	if len(s.AnyOf) > 0 {
		s = mergeAnyOf(s.AnyOf)
	}
	t, _ := s.Type.NonNull()
	if t == "" && len(s.Properties) > 0 {
		t = "object"
	}
	switch t {
	case "object":
		b.WriteString("{")
		first := true
		for _, p := range s.Properties {
			if !slices.Contains(s.Required, p.Name) {
				continue
			}
			if !first {
				b.WriteString(",")
			}
			first = false
			b.Write(mustJSON(p.Name))
			b.WriteString(":")
			if err := sampleValue(b, doc, p.Schema, p.Name, depth+1); err != nil {
				return err
			}
		}
		b.WriteString("}")
	case "array":
		b.WriteString("[")
		if s.Items != nil {
			if err := sampleValue(b, doc, s.Items, name, depth+1); err != nil {
				return err
			}
		}
		b.WriteString("]")
	case "string":
		switch {
		case len(s.Enum) > 0:
			b.Write(s.Enum[0])
		case s.Format == "date-time":
			b.Write(mustJSON(sampleEventTime))
		default:
			v := "sample-" + name
			for _, ex := range s.Examples {
				var str string
				if json.Unmarshal(ex, &str) == nil && str != "" {
					v = str
					break
				}
			}
			b.Write(mustJSON(v))
		}
	case "integer":
		b.WriteString("1")
	case "number":
		b.WriteString("1.5")
	case "boolean":
		b.WriteString("true")
	default:
		b.WriteString("null")
	}
	return nil
}
