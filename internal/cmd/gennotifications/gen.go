package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/spapi-go/spapi/internal/jsonschema"
)

// envelope names the members every notification has, by their lower-cased
// JSON name (Amazon spells them NotificationType in some schemas and
// notificationType in others).
var envelope = map[string]string{
	"notificationversion":  "NotificationVersion",
	"notificationtype":     "NotificationType",
	"payloadversion":       "PayloadVersion",
	"eventtime":            "EventTime",
	"notificationmetadata": "NotificationMetadata",
	"payload":              "Payload",
}

// metadataFields are the members of NotificationMetadata, lower-cased.
var metadataFields = []string{"applicationid", "subscriptionid", "publishtime", "notificationid"}

// notif is one schema file: one notification type at one payload version.
type notif struct {
	file     string
	doc      *document
	root     *jsonschema.Schema // the resolved root, or the one inferred from the example
	inferred bool
	typ      string // ORDER_CHANGE
	version  string // the payload version the schema describes; "" if it says none
	goName   string // OrderChange
	camel    bool   // the envelope's members start with a lower-case letter
}

var typeInDescription = regexp.MustCompile(`\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b`)

// load reads one schema file and finds its notification type, payload
// version and Go name.
func load(file string, data []byte) (*notif, error) {
	root, err := jsonschema.Parse(file, data)
	if err != nil {
		return nil, err
	}
	// B2bAnyOfferChangedNotification spells $ref "#ref" at its root.
	var hash struct {
		Ref string `json:"#ref"`
	}
	if err := json.Unmarshal(data, &hash); err == nil && root.Ref == "" {
		root.Ref = hash.Ref
	}
	doc := &document{file: file, root: root}
	n := &notif{file: file, doc: doc}
	r, _, err := doc.resolve(root)
	switch {
	case err != nil && len(root.Examples) > 0, err == nil && len(r.Properties) == 0 && len(root.Examples) > 0:
		// The schema describes nothing: read the structure off Amazon's example.
		r, err = inferSchema(root.Examples[0])
		if err != nil {
			return nil, fmt.Errorf("%s: inferring from the example: %w", file, err)
		}
		n.inferred = true
	case err != nil:
		return nil, err
	}
	normalize(root, map[*jsonschema.Schema]bool{})
	if !n.inferred {
		normalize(r, map[*jsonschema.Schema]bool{})
		for _, ex := range root.Examples {
			if _, err := augment(doc, r, ex, 0); err != nil {
				return nil, err
			}
		}
	}
	n.root = r
	if len(r.Properties) == 0 {
		return nil, fmt.Errorf("%s: the root schema has no properties", file)
	}
	var typeProp, versionProp *jsonschema.Schema
	for _, p := range r.Properties {
		switch strings.ToLower(p.Name) {
		case "notificationtype":
			typeProp = p.Schema
			n.camel = p.Name[0] >= 'a' && p.Name[0] <= 'z'
		case "payloadversion":
			versionProp = p.Schema
		}
	}
	if typeProp == nil {
		return nil, fmt.Errorf("%s: no NotificationType member", file)
	}
	// The type: from Amazon's example, else the member's enum, else the
	// root's description.
	for _, ex := range root.Examples {
		if t := memberString(ex, "notificationtype"); t != "" {
			n.typ = t
			break
		}
	}
	if n.typ == "" && len(typeProp.Enum) == 1 {
		_ = json.Unmarshal(typeProp.Enum[0], &n.typ)
	}
	if n.typ == "" {
		n.typ = typeInDescription.FindString(root.Description)
	}
	if n.typ == "" {
		return nil, fmt.Errorf("%s: cannot tell the notification type (no example, enum or type in the description)", file)
	}
	for _, ex := range root.Examples {
		if v := memberString(ex, "payloadversion"); v != "" {
			n.version = v
			break
		}
	}
	if n.version == "" && versionProp != nil {
		for _, ex := range append(slices.Clone(versionProp.Examples), versionProp.Enum...) {
			if err := json.Unmarshal(ex, &n.version); err == nil && n.version != "" {
				break
			}
		}
	}
	n.goName = typeGoName(n.typ)
	// A second schema of one type names its payload version in its file
	// name (ListingsItemIssuesChangeNotification_2023-12-13.json).
	if _, v, ok := strings.Cut(strings.TrimSuffix(file, ".json"), "_"); ok {
		n.goName += "V" + strings.ReplaceAll(v, "-", "")
	}
	return n, nil
}

// memberString is the string member of a JSON object whose lower-cased name
// is key.
func memberString(raw json.RawMessage, key string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	for k, v := range m {
		if strings.ToLower(k) == key {
			var s string
			_ = json.Unmarshal(v, &s)
			return s
		}
	}
	return ""
}

// decl is one generated Go declaration.
type decl struct {
	name string
	text string // the declaration, doc comment included
	body string // what makes two declarations of one name the same
}

// generator turns the schemas into Go declarations. Every type of one
// notification is named with the notification's Go name as a prefix, so the
// schemas (which reuse names such as Payload, Offer and Summary with other
// shapes) never collide.
type generator struct {
	cur   *notif
	decls map[string]*decl              // every named type, by name
	tops  map[string]bool               // the notifications' own names
	order map[string][]*decl            // each file's declarations in order
	memo  map[*jsonschema.Schema]string // a definition's Go type, once named
}

func newGenerator() *generator {
	return &generator{decls: map[string]*decl{}, tops: map[string]bool{}, order: map[string][]*decl{}, memo: map[*jsonschema.Schema]string{}}
}

// reserved are the names of the package's hand-written API.
var reserved = map[string]bool{
	"Type": true, "Notification": true, "Envelope": true, "Metadata": true, "CamelMetadata": true,
	"Dispatcher": true, "Handler": true, "Destination": true, "SetupResult": true, "Clients": true,
	"Event": true, "Parse": true, "Samples": true, "Subscription": true, "Format": true,
}

// claim names a declaration: prefix+hint, else parent+hint, else numbered.
// A declaration equal to one already made under the name is that one.
func (g *generator) claim(hint, parent string, body string, text func(name string) string) string {
	base := pascal(hint)
	if !strings.HasPrefix(base, g.cur.goName) {
		base = g.cur.goName + base
	}
	if g.tops[base] {
		base += "Data"
	}
	cands := []string{base}
	if parent != "" && !strings.HasPrefix(pascal(hint), parent) {
		cands = append(cands, parent+pascal(hint))
	}
	for i := 2; i < 100; i++ {
		cands = append(cands, fmt.Sprintf("%s%d", base, i))
	}
	for _, name := range cands {
		if reserved[name] || g.tops[name] {
			continue
		}
		d := g.decls[name]
		if d == nil {
			d = &decl{name: name, body: body, text: text(name)}
			g.decls[name] = d
			g.order[g.cur.file] = append(g.order[g.cur.file], d)
			return name
		}
		if d.body == body {
			return name
		}
	}
	panic("no name for " + hint)
}

// goType is the Go type of s, declaring the named types it needs. kind is
// "struct", "slice", "map" or "scalar".
func (g *generator) goType(s *jsonschema.Schema, hint, parent string) (expr, kind string, nullable bool, err error) {
	s, def, err := g.cur.doc.resolve(s)
	if err != nil {
		return "", "", false, err
	}
	if def != "" {
		hint = def
	}
	if len(s.AnyOf) > 0 {
		s = mergeAnyOf(s.AnyOf)
	}
	if name, ok := g.memo[s]; ok {
		t, nl := s.Type.NonNull()
		return name, kindOf(t, s), nl, nil
	}
	t, nullable := s.Type.NonNull()
	if t == "" && len(s.Properties) > 0 {
		t = "object"
	}
	switch t {
	case "object":
		if len(s.Properties) == 0 {
			return "map[string]any", "map", nullable, nil
		}
		name, err := g.structType(s, hint, parent)
		if err != nil {
			return "", "", false, err
		}
		g.memo[s] = name
		return name, "struct", nullable, nil
	case "array":
		if s.Items == nil {
			return "[]any", "slice", nullable, nil
		}
		elem, ekind, enull, err := g.goType(s.Items, singular(pascal(hint)), parent)
		if err != nil {
			return "", "", false, err
		}
		if enull && ekind != "slice" && ekind != "map" {
			elem = "*" + elem
		}
		return "[]" + elem, "slice", nullable, nil
	case "string":
		if len(s.Enum) > 0 {
			name, err := g.enumType(s, hint, parent)
			if err != nil {
				return "", "", false, err
			}
			g.memo[s] = name
			return name, "scalar", nullable, nil
		}
		return "string", "scalar", nullable, nil
	case "integer":
		return "int64", "scalar", nullable, nil
	case "number":
		return "float64", "scalar", nullable, nil
	case "boolean":
		return "bool", "scalar", nullable, nil
	case "null":
		return "any", "map", true, nil
	case "":
		return "any", "map", nullable, nil
	}
	return "", "", false, fmt.Errorf("%s: %s: unsupported type %q", g.cur.file, hint, t)
}

func kindOf(t string, s *jsonschema.Schema) string {
	switch {
	case t == "object" || (t == "" && len(s.Properties) > 0):
		return "struct"
	}
	return "scalar"
}

// structType declares the struct of an object schema.
func (g *generator) structType(s *jsonschema.Schema, hint, parent string) (string, error) {
	name := pascal(hint)
	if !strings.HasPrefix(name, g.cur.goName) {
		name = g.cur.goName + name
	}
	fields, err := g.fields(s, name)
	if err != nil {
		return "", err
	}
	body := "struct {\n" + fields + "}"
	return g.claim(hint, parent, body, func(n string) string {
		doc := comment(s.Description)
		if doc == "" {
			doc = fmt.Sprintf("is %s in the %s notification.", hint, g.cur.typ)
		} else {
			doc = "is " + lowerFirst(doc)
		}
		return fmt.Sprintf("// %s %s\ntype %s %s\n", n, strings.TrimSuffix(doc, "."), n, body)
	}), nil
}

func lowerFirst(s string) string {
	if len(s) > 1 && s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z') {
		return strings.ToLower(s[:1]) + s[1:]
	}
	return s
}

// fields writes the fields of an object schema: a required member is a
// value, always encoded (a nullable one a pointer, so null stays null); an
// optional member is a pointer, or a slice or map, left out when absent.
func (g *generator) fields(s *jsonschema.Schema, parent string) (string, error) {
	var b strings.Builder
	seen := map[string]string{}
	for _, p := range s.Properties {
		fname := pascal(p.Name)
		if other, dup := seen[strings.ToLower(fname)]; dup {
			return "", fmt.Errorf("%s: %s: members %q and %q give one Go field", g.cur.file, parent, other, p.Name)
		}
		seen[strings.ToLower(fname)] = p.Name
		expr, kind, nullable, err := g.goType(p.Schema, p.Name, parent)
		if err != nil {
			return "", err
		}
		required := slices.Contains(s.Required, p.Name)
		tag := p.Name
		switch {
		case kind == "slice" || kind == "map":
			if !required {
				tag += ",omitzero"
			}
		case required && !nullable:
		case required:
			expr = "*" + expr
		default:
			expr = "*" + expr
			tag += ",omitempty"
		}
		ps, _, _ := g.cur.doc.resolve(p.Schema)
		if ps != nil {
			if c := comment(ps.Description); c != "" {
				fmt.Fprintf(&b, "\t// %s\n", c)
			}
		}
		fmt.Fprintf(&b, "\t%s %s `json:%s`\n", fname, expr, strconv.Quote(tag))
	}
	return b.String(), nil
}

// enumType declares a string type with a constant per value.
func (g *generator) enumType(s *jsonschema.Schema, hint, parent string) (string, error) {
	var values []string
	for _, raw := range s.Enum {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", fmt.Errorf("%s: %s: enum value %s is not a string", g.cur.file, hint, raw)
		}
		values = append(values, v)
	}
	body := "string " + strings.Join(values, "\x00")
	return g.claim(hint, parent, body, func(n string) string {
		var b strings.Builder
		doc := comment(s.Description)
		if doc == "" {
			doc = fmt.Sprintf("is one of the values of %s in the %s notification.", hint, g.cur.typ)
		} else {
			doc = "is " + lowerFirst(doc)
		}
		fmt.Fprintf(&b, "// %s %s\ntype %s string\n\n// Values of %s.\nconst (\n", n, strings.TrimSuffix(doc, "."), n, n)
		used := map[string]bool{}
		for _, v := range values {
			c := n + pascal(v)
			for i := 2; used[c]; i++ {
				c = fmt.Sprintf("%s%s%d", n, pascal(v), i)
			}
			used[c] = true
			fmt.Fprintf(&b, "\t%s %s = %s\n", c, n, strconv.Quote(v))
		}
		b.WriteString(")\n")
		return b.String()
	}), nil
}

// topLevel declares the notification's own struct: the envelope members
// with fixed Go names (so Envelope can be generated alike for all) and the
// payload, in the schema's order and spelling.
func (g *generator) topLevel() error {
	n := g.cur
	r := n.root
	var b strings.Builder
	hasMeta := false
	for _, p := range r.Properties {
		lower := strings.ToLower(p.Name)
		fname, isEnv := envelope[lower]
		required := slices.Contains(r.Required, p.Name)
		tag := p.Name
		if !required {
			tag += ",omitzero"
		}
		var expr string
		switch {
		case !isEnv:
			return fmt.Errorf("%s: unexpected top-level member %q", n.file, p.Name)
		case lower == "notificationtype":
			expr = "Type"
		case lower == "notificationmetadata":
			ms, _, err := n.doc.resolve(p.Schema)
			if err != nil {
				return err
			}
			if err := checkMetadata(n.file, ms); err != nil {
				return err
			}
			expr = "Metadata"
			if n.camel {
				expr = "CamelMetadata"
			}
			hasMeta = true
		case lower == "payload":
			t, kind, _, err := g.goType(p.Schema, "Payload", n.goName)
			if err != nil {
				return err
			}
			if kind != "struct" {
				return fmt.Errorf("%s: the payload is not an object", n.file)
			}
			expr = t
		default:
			expr = "string"
		}
		ps, _, _ := n.doc.resolve(p.Schema)
		if c := comment(ps.Description); c != "" && lower == "payload" {
			fmt.Fprintf(&b, "\t// %s\n", c)
		}
		fmt.Fprintf(&b, "\t%s %s `json:%s`\n", fname, expr, strconv.Quote(tag))
	}
	if !hasMeta {
		// The schema leaves it out, but Amazon sends it with every
		// notification (the Notifications API guide's envelope).
		name, expr := "NotificationMetadata", "Metadata"
		if n.camel {
			name, expr = "notificationMetadata", "CamelMetadata"
		}
		fmt.Fprintf(&b, "\t// NotificationMetadata is not in the schema; Amazon sends it with every notification.\n")
		fmt.Fprintf(&b, "\tNotificationMetadata %s `json:%s`\n", expr, strconv.Quote(name+",omitzero"))
	}
	doc := comment(n.doc.root.Description)
	if doc == "" {
		doc = comment(n.root.Description)
	}
	from := "generated from " + n.file
	if n.inferred {
		from = "generated from the example in " + n.file + " (whose schema refers to a definition it does not have)"
	}
	version := ""
	if n.version != "" {
		version = " at payload version " + n.version
	}
	text := fmt.Sprintf("// %s is the %s notification%s, %s.", n.goName, n.typ, version, from)
	if doc != "" {
		text += "\n//\n// " + doc
	}
	text += fmt.Sprintf("\ntype %s struct {\n%s}\n", n.goName, b.String())
	if g.decls[n.goName] != nil || reserved[n.goName] {
		return fmt.Errorf("%s: Go name %s taken", n.file, n.goName)
	}
	d := &decl{name: n.goName, text: text}
	g.decls[n.goName] = d
	g.order[n.file] = append([]*decl{d}, g.order[n.file]...)
	return nil
}

// checkMetadata makes sure a schema's NotificationMetadata is the one the
// package's Metadata type reads.
func checkMetadata(file string, s *jsonschema.Schema) error {
	var got []string
	for _, p := range s.Properties {
		got = append(got, strings.ToLower(p.Name))
	}
	if !slices.Equal(got, metadataFields) && len(got) > 0 {
		slices.Sort(got)
		want := slices.Sorted(slices.Values(metadataFields))
		if !slices.Equal(got, want) {
			return fmt.Errorf("%s: NotificationMetadata has members %v, want %v", file, got, metadataFields)
		}
	}
	return nil
}

// render writes one file's declarations.
func render(n *notif, decls []*decl) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by gennotifications from api/schemas/notifications/%s. DO NOT EDIT.\n\npackage notification\n", n.file)
	for _, d := range decls {
		b.WriteString("\n")
		b.WriteString(d.text)
	}
	return b.Bytes()
}
