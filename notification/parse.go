package notification

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MaxBodySize is the largest body Parse reads: 256 KiB, the largest message
// SQS takes (and more than any EventBridge event, whose limit is 256 KB).
const MaxBodySize = 256 << 10

// EventSourcePrefix starts the source of every EventBridge event the SP-API
// sends ("aws.partner/sellingpartnerapi.amazon.com/<application id>").
const EventSourcePrefix = "aws.partner/sellingpartnerapi.amazon.com"

// Errors Parse wraps, to tell with errors.Is why a body was refused.
var (
	// ErrTooLarge: the body is over MaxBodySize.
	ErrTooLarge = errors.New("body too large")
	// ErrMalformed: the body is not a notification: not a JSON object, an
	// EventBridge event from another source or without detail, a missing
	// NotificationType or Payload, or a member of the wrong type.
	ErrMalformed = errors.New("malformed notification")
	// ErrUnknownType: the NotificationType (or its payload version) has no
	// schema in this package.
	ErrUnknownType = errors.New("unknown notification type")
)

// Parse reads a notification: the body of an SQS message (the notification
// JSON itself, which is what the SP-API sends to a queue) or an EventBridge
// event whose detail is the notification. It returns the notification's
// generated type (*OrderChange for ORDER_CHANGE, ...): for a type with more
// than one schema, the one of its PayloadVersion. Members the schema does
// not know are ignored, as Amazon may add some.
//
// It refuses, with an error that says why and wraps ErrTooLarge,
// ErrMalformed or ErrUnknownType: a body over MaxBodySize, anything but a
// JSON object, an event from a source other than the SP-API, a missing
// NotificationType or Payload, an unknown type or payload version, and a
// member that does not decode (the error names it, such as
// Payload.OrderChangeNotification.Summary.NumberOfItemsShipped). Member
// values never appear in an error (a type or payload version does, cut to
// 64 bytes).
func Parse(body []byte) (Notification, error) {
	if len(body) > MaxBodySize {
		return nil, fmt.Errorf("notification: %w: %d bytes, over %d (SQS's largest message)", ErrTooLarge, len(body), MaxBodySize)
	}
	obj, err := object(body)
	if err != nil {
		return nil, fmt.Errorf("notification: %w: not a JSON object (%s)", ErrMalformed, jsonProblem(err))
	}
	if isEvent(obj) {
		body, obj, err = eventDetail(obj)
		if err != nil {
			return nil, err
		}
	}
	typeRaw, typeKey := member(obj, "notificationType")
	if typeRaw == nil {
		return nil, fmt.Errorf("notification: %w: no NotificationType", ErrMalformed)
	}
	var typ Type
	if err := json.Unmarshal(typeRaw, &typ); err != nil || typ == "" {
		return nil, fmt.Errorf("notification: %w: %s is not a non-empty string", ErrMalformed, typeKey)
	}
	info, err := schemaFor(typ, obj)
	if err != nil {
		return nil, err
	}
	if p, key := member(obj, "payload"); p == nil || string(p) == "null" {
		if key == "" {
			key = "Payload"
		}
		return nil, fmt.Errorf("notification: %w: %s: no %s", ErrMalformed, typ, key)
	}
	n := info.new()
	if err := json.Unmarshal(body, n); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("notification: %w: %s: field %s: a JSON %s where %s is expected", ErrMalformed, typ, te.Field, jsonKind(te.Value), te.Type)
		}
		return nil, fmt.Errorf("notification: %w: %s: %s", ErrMalformed, typ, jsonProblem(err))
	}
	return n, nil
}

// object decodes a JSON object's members.
func object(b []byte) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, errors.New("null")
	}
	return obj, nil
}

// jsonProblem describes a decoding error without quoting the input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at offset %d", se.Offset)
	case errors.As(err, &te):
		return "a JSON " + jsonKind(te.Value)
	}
	return "invalid JSON"
}

// jsonKind is the kind of a JSON value from UnmarshalTypeError.Value,
// which may go on with the value itself ("number -5").
func jsonKind(v string) string {
	kind, _, _ := strings.Cut(v, " ")
	return kind
}

// member finds a member whatever the case of its first letter (Amazon's
// schemas use both): the value and the key as sent.
func member(obj map[string]json.RawMessage, name string) (json.RawMessage, string) {
	for _, k := range []string{name, strings.ToUpper(name[:1]) + name[1:]} {
		if v, ok := obj[k]; ok {
			return v, k
		}
	}
	for k, v := range obj {
		if strings.EqualFold(k, name) {
			return v, k
		}
	}
	return nil, ""
}

// isEvent tells an EventBridge event from a notification: it has
// detail-type and detail, which no notification has.
func isEvent(obj map[string]json.RawMessage) bool {
	_, dt := obj["detail-type"]
	_, d := obj["detail"]
	return dt || d
}

// eventDetail checks that an EventBridge event comes from the SP-API and
// returns its detail.
func eventDetail(obj map[string]json.RawMessage) ([]byte, map[string]json.RawMessage, error) {
	var source string
	if err := json.Unmarshal(obj["source"], &source); err != nil || !strings.HasPrefix(source, EventSourcePrefix) {
		return nil, nil, fmt.Errorf("notification: %w: an EventBridge event whose source does not start with %s", ErrMalformed, EventSourcePrefix)
	}
	detail := obj["detail"]
	d, err := object(detail)
	if err != nil {
		return nil, nil, fmt.Errorf("notification: %w: the EventBridge event's detail is not a JSON object", ErrMalformed)
	}
	return detail, d, nil
}

// schemaFor finds the schema of typ at the notification's payload version.
func schemaFor(typ Type, obj map[string]json.RawMessage) (*schemaInfo, error) {
	infos := lookup(typ)
	switch len(infos) {
	case 0:
		return nil, fmt.Errorf("notification: %w: %.64q", ErrUnknownType, typ)
	case 1:
		return infos[0], nil
	}
	var version string
	raw, _ := member(obj, "payloadVersion")
	_ = json.Unmarshal(raw, &version)
	var known []string
	for _, in := range infos {
		if in.payloadVersion == version {
			return in, nil
		}
		known = append(known, in.payloadVersion)
	}
	return nil, fmt.Errorf("notification: %w: %s at payload version %.64q (this package reads %s)", ErrUnknownType, typ, version, strings.Join(known, ", "))
}
