package notification

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
)

// Type is a notification type as Amazon names it, such as "ORDER_CHANGE".
// The Type constants name every type with a payload schema; Setup also
// takes others.
type Type string

// Notification is implemented by every generated notification type (always
// a pointer, such as *OrderChange), so a value from Parse can be switched on
// by type or handed to a Dispatcher.
type Notification interface {
	// Type is the notification type the Go type stands for.
	Type() Type
	// Envelope is the members every notification has, whatever the
	// spelling of its schema.
	Envelope() Envelope
}

// Envelope is the part of a notification that does not depend on its type.
type Envelope struct {
	NotificationVersion string
	NotificationType    Type
	PayloadVersion      string
	EventTime           string // ISO 8601, as sent
	Metadata            Metadata
}

// Metadata is NotificationMetadata as the PascalCase schemas spell it
// (ApplicationId, ...): which application and subscription a notification
// was sent for, when, and its unique id (a queue may deliver a message more
// than once: the id tells duplicates apart).
type Metadata struct {
	ApplicationID  string `json:"ApplicationId"`
	SubscriptionID string `json:"SubscriptionId"`
	PublishTime    string `json:"PublishTime"`
	NotificationID string `json:"NotificationId"`
}

// CamelMetadata is NotificationMetadata as the camelCase schemas spell it
// (applicationId, ...; REPORT_PROCESSING_FINISHED, FEED_PROCESSING_FINISHED
// and others). It converts to Metadata: Metadata(m).
type CamelMetadata struct {
	ApplicationID  string `json:"applicationId"`
	SubscriptionID string `json:"subscriptionId"`
	PublishTime    string `json:"publishTime"`
	NotificationID string `json:"notificationId"`
}

// schemaInfo is one schema's entry in the generated table.
type schemaInfo struct {
	typ            Type
	payloadVersion string // "" if the schema names none
	file           string // the schema's file name under api/schemas/notifications
	goName         string
	camel          bool // members spelled in camelCase
	new            func() Notification
	sample         string // a notification with every required member set
}

// lookup is the schemas of a type, in file order.
func lookup(t Type) []*schemaInfo {
	var out []*schemaInfo
	for i := range schemas {
		if schemas[i].typ == t {
			out = append(out, &schemas[i])
		}
	}
	return out
}

// Types is every notification type with a payload schema, sorted.
func Types() []Type {
	var out []Type
	for _, s := range schemas {
		if !slices.Contains(out, s.typ) {
			out = append(out, s.typ)
		}
	}
	slices.Sort(out)
	return out
}

// PayloadVersions is the payload versions of t that this package reads,
// the one Setup subscribes to first; nil for a type without a schema.
func PayloadVersions(t Type) []string {
	var out []string
	for _, s := range lookup(t) {
		if s.payloadVersion != "" {
			out = append(out, s.payloadVersion)
		}
	}
	return out
}

// Samples returns one notification per schema, every required member set
// to a valid value (an enum's first value, a date-time for a date-time, the
// schema's example for a string where it has one), for tests that need a
// notification of each type. Each call returns new values.
func Samples() []Notification {
	out := make([]Notification, 0, len(schemas))
	for i := range schemas {
		n, err := schemas[i].decodeSample()
		if err != nil {
			panic(fmt.Sprintf("notification: sample of %s: %v", schemas[i].file, err)) // the generator checked it
		}
		out = append(out, n)
	}
	return out
}

func (s *schemaInfo) decodeSample() (Notification, error) {
	n := s.new()
	err := json.Unmarshal([]byte(s.sample), n)
	return n, err
}

// SchemaFile names the schema file (under api/schemas/notifications) that
// n's type was generated from, such as "OrderChangeNotification.json"; ""
// for a type not generated here.
func SchemaFile(n Notification) string {
	for i := range schemas {
		if reflect.TypeOf(schemas[i].new()) == reflect.TypeOf(n) {
			return schemas[i].file
		}
	}
	return ""
}

// Sample is Samples' notification of type t at its first payload version,
// nil for a type without a schema.
func Sample(t Type) Notification {
	infos := lookup(t)
	if len(infos) == 0 {
		return nil
	}
	n, err := infos[0].decodeSample()
	if err != nil {
		panic(fmt.Sprintf("notification: sample of %s: %v", infos[0].file, err))
	}
	return n
}
