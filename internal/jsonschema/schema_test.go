package jsonschema

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// parse decodes doc or fails the test.
func parse(t *testing.T, doc string) *Schema {
	t.Helper()
	s, err := Parse("test.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBooleanSchema(t *testing.T) {
	for _, tt := range []struct {
		doc       string
		want      bool
		wantFalse bool
	}{
		{"true", true, false},
		{"false", false, true},
		{" \n false\t", false, true},
	} {
		t.Run(tt.doc, func(t *testing.T) {
			s := parse(t, tt.doc)
			if s.Bool == nil || *s.Bool != tt.want {
				t.Fatalf("Bool = %v, want %v", s.Bool, tt.want)
			}
			if s.IsFalse() != tt.wantFalse {
				t.Errorf("IsFalse = %v", s.IsFalse())
			}
			if s.Raw() != strings.TrimSpace(tt.doc) {
				t.Errorf("Raw = %q", s.Raw())
			}
		})
	}
	// An object schema is not a boolean one, even an empty one, and a
	// boolean schema stands where any schema may.
	s := parse(t, `{"properties":{"never":false,"any":true,"obj":{}}}`)
	for _, p := range s.Properties {
		if got := p.Schema.Bool != nil; got != (p.Name != "obj") {
			t.Errorf("%s: Bool set %v", p.Name, got)
		}
	}
	if !s.Properties.Get("never").IsFalse() || s.Properties.Get("any").IsFalse() || s.Properties.Get("obj").IsFalse() {
		t.Error("IsFalse wrong among properties")
	}
}

func TestType(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		want      TypeList
		single    string
		nonNull   string
		nullable  bool
	}{
		{"absent", `{}`, nil, "", "", false},
		{"one name", `{"type":"string"}`, TypeList{"string"}, "string", "string", false},
		{"list of one", `{"type":["integer"]}`, TypeList{"integer"}, "integer", "integer", false},
		{"nullable", `{"type":["string","null"]}`, TypeList{"string", "null"}, "", "string", true},
		{"null first", `{"type":["null","object"]}`, TypeList{"null", "object"}, "", "object", true},
		{"only null", `{"type":"null"}`, TypeList{"null"}, "null", "", true},
		{"several", `{"type":["string","number"]}`, TypeList{"string", "number"}, "", "string", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := parse(t, tt.doc)
			if !slices.Equal(s.Type, tt.want) {
				t.Errorf("Type = %q, want %q", s.Type, tt.want)
			}
			if got := s.Type.Single(); got != tt.single {
				t.Errorf("Single = %q, want %q", got, tt.single)
			}
			name, nullable := s.Type.NonNull()
			if name != tt.nonNull || nullable != tt.nullable {
				t.Errorf("NonNull = %q, %v, want %q, %v", name, nullable, tt.nonNull, tt.nullable)
			}
		})
	}
}

func TestPropertiesOrder(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		want      []string
	}{
		{"not sorted", `{"properties":{"zeta":{},"alpha":{},"mid":{}}}`, []string{"zeta", "alpha", "mid"}},
		{"nested", `{"properties":{"outer":{"properties":{"b":{},"a":{}}}}}`, []string{"outer"}},
		{"empty", `{"properties":{}}`, nil},
		{"absent", `{}`, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := parse(t, tt.doc)
			var got []string
			for _, p := range s.Properties {
				got = append(got, p.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("order %q, want %q", got, tt.want)
			}
		})
	}
	inner := parse(t, `{"properties":{"outer":{"properties":{"b":{},"a":{}}}}}`).Properties.Get("outer")
	if inner == nil || len(inner.Properties) != 2 || inner.Properties[0].Name != "b" {
		t.Errorf("nested properties %+v", inner)
	}
}

func TestPropertiesGet(t *testing.T) {
	s := parse(t, `{"properties":{"a":{"title":"first"},"b":{},"a":{"title":"second"}}}`)
	for _, tt := range []struct{ name, title string }{{"a", "second"}, {"b", ""}} {
		t.Run(tt.name, func(t *testing.T) {
			p := s.Properties.Get(tt.name)
			if p == nil || p.Title != tt.title {
				t.Errorf("Get(%q) = %+v, want title %q (the last of the name)", tt.name, p, tt.title)
			}
		})
	}
	if s.Properties.Get("c") != nil {
		t.Error("Get of an absent name is not nil")
	}
}

func TestRaw(t *testing.T) {
	const doc = `{
		"type" : "object",
		"properties" : {
			"a" : { "type" : [ "string", "null" ], "enum" : [ "x", null ] }
		}
	}`
	s := parse(t, doc)
	for _, tt := range []struct{ name, got, want string }{
		{"root", s.Raw(), `{"type":"object","properties":{"a":{"type":["string","null"],"enum":["x",null]}}}`},
		{"property", s.Properties.Get("a").Raw(), `{"type":["string","null"],"enum":["x",null]}`},
		{"built", (&Schema{Type: TypeList{"string"}}).Raw(), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("Raw = %s, want %s", tt.got, tt.want)
			}
		})
	}
	// Two spellings of one schema share their Raw; a different one does not.
	a := parse(t, `{"type": "string",  "format":"date"}`)
	b := parse(t, "{\n\"type\":\"string\",\"format\":\"date\"}")
	c := parse(t, `{"format":"date","type":"string"}`)
	if a.Raw() != b.Raw() || a.Raw() == c.Raw() {
		t.Errorf("Raw: %s %s %s", a.Raw(), b.Raw(), c.Raw())
	}
}

func TestKeywords(t *testing.T) {
	s := parse(t, `{
		"$ref": "#/definitions/X", "title": "T", "description": "D", "$comment": "C", "format": "date-time",
		"required": ["a", "b"], "enum": ["a", 1.50, null], "const": "k", "example": {"k": 1}, "examples": [1, "two"],
		"additionalProperties": {"type": "integer"},
		"oneOf": [true], "anyOf": [{}, {}], "allOf": [{}, {}, {}],
		"definitions": {"X": {}}, "$defs": {"Y": {}},
		"uniqueItems": true, "x-unknown": {"deep": [1, 2]}
	}`)
	for _, tt := range []struct{ name, got, want string }{
		{"$ref", s.Ref, "#/definitions/X"},
		{"title", s.Title, "T"},
		{"description", s.Description, "D"},
		{"$comment", s.Comment, "C"},
		{"format", s.Format, "date-time"},
		{"required", strings.Join(s.Required, ","), "a,b"},
		{"enum as spelt", string(s.Enum[1]), "1.50"},
		{"enum null", string(s.Enum[2]), "null"},
		{"const", string(s.Const), `"k"`},
		{"example", string(s.Example), `{"k": 1}`},
		{"examples", string(s.Examples[1]), `"two"`},
		{"additionalProperties", s.AdditionalProperties.Type.Single(), "integer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	if len(s.OneOf) != 1 || s.OneOf[0].Bool == nil || len(s.AnyOf) != 2 || len(s.AllOf) != 3 ||
		s.Definitions["X"] == nil || s.Defs["Y"] == nil {
		t.Errorf("oneOf %d anyOf %d allOf %d definitions %v $defs %v", len(s.OneOf), len(s.AnyOf), len(s.AllOf), s.Definitions, s.Defs)
	}
	if !s.IsRequired("b") || s.IsRequired("c") {
		t.Error("IsRequired")
	}
	if n := parse(t, `{"const": null}`).Const; string(n) != "null" {
		t.Errorf("const null read as %q; a null const is a const", n)
	}
	if n := parse(t, `{}`).Const; n != nil {
		t.Errorf("absent const read as %q", n)
	}
}

func TestValidationKeywords(t *testing.T) {
	// num spells a *float64 or *int as text, "-" for nil.
	num := func(p any) string {
		switch p := p.(type) {
		case *float64:
			if p != nil {
				return strconv.FormatFloat(*p, 'g', -1, 64)
			}
		case *int:
			if p != nil {
				return strconv.Itoa(*p)
			}
		}
		return "-"
	}
	excl := func(e Exclusive) string { return strconv.FormatBool(e.Flag) + "/" + num(e.Bound) }
	for _, tt := range []struct {
		name, doc string
		get       func(*Schema) string
		want      string
	}{
		{"pattern", `{"pattern":"^[A-Z]{2}$"}`, func(s *Schema) string { return s.Pattern }, "^[A-Z]{2}$"},
		{"pattern absent", `{}`, func(s *Schema) string { return s.Pattern }, ""},
		{"minLength", `{"minLength":1}`, func(s *Schema) string { return num(s.MinLength) }, "1"},
		{"minLength zero", `{"minLength":0}`, func(s *Schema) string { return num(s.MinLength) }, "0"},
		{"minLength absent", `{"maxLength":5}`, func(s *Schema) string { return num(s.MinLength) }, "-"},
		{"maxLength", `{"maxLength":200}`, func(s *Schema) string { return num(s.MaxLength) }, "200"},
		{"minimum", `{"minimum":-2.5}`, func(s *Schema) string { return num(s.Minimum) }, "-2.5"},
		{"minimum zero", `{"minimum":0}`, func(s *Schema) string { return num(s.Minimum) }, "0"},
		{"minimum absent", `{"maximum":1}`, func(s *Schema) string { return num(s.Minimum) }, "-"},
		{"maximum", `{"maximum":100000}`, func(s *Schema) string { return num(s.Maximum) }, "100000"},
		{"minItems", `{"minItems":1}`, func(s *Schema) string { return num(s.MinItems) }, "1"},
		{"maxItems", `{"maxItems":50}`, func(s *Schema) string { return num(s.MaxItems) }, "50"},
		{"maxItems absent", `{"minItems":1}`, func(s *Schema) string { return num(s.MaxItems) }, "-"},
		{"exclusiveMinimum boolean", `{"minimum":0,"exclusiveMinimum":true}`, func(s *Schema) string { return excl(s.ExclusiveMinimum) }, "true/-"},
		{"exclusiveMinimum false", `{"exclusiveMinimum":false}`, func(s *Schema) string { return excl(s.ExclusiveMinimum) }, "false/-"},
		{"exclusiveMinimum number", `{"exclusiveMinimum":0.5}`, func(s *Schema) string { return excl(s.ExclusiveMinimum) }, "false/0.5"},
		{"exclusiveMinimum zero", `{"exclusiveMinimum":0}`, func(s *Schema) string { return excl(s.ExclusiveMinimum) }, "false/0"},
		{"exclusiveMinimum null", `{"exclusiveMinimum":null}`, func(s *Schema) string { return excl(s.ExclusiveMinimum) }, "false/-"},
		{"exclusiveMinimum absent", `{}`, func(s *Schema) string { return excl(s.ExclusiveMinimum) }, "false/-"},
		{"exclusiveMaximum boolean", `{"maximum":9,"exclusiveMaximum":true}`, func(s *Schema) string { return excl(s.ExclusiveMaximum) }, "true/-"},
		{"exclusiveMaximum number", `{"exclusiveMaximum":10}`, func(s *Schema) string { return excl(s.ExclusiveMaximum) }, "false/10"},
		{"one does not set the other", `{"exclusiveMaximum":true}`, func(s *Schema) string { return excl(s.ExclusiveMinimum) }, "false/-"},
		{"in a property", `{"properties":{"n":{"maxLength":8}}}`, func(s *Schema) string { return num(s.Properties.Get("n").MaxLength) }, "8"},
		{"in items", `{"items":{"minimum":1}}`, func(s *Schema) string { return num(s.Items.Minimum) }, "1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.get(parse(t, tt.doc)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestItems(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		item      string // Items' type, "-" for none
		tuple     int
	}{
		{"schema", `{"items":{"type":"string"}}`, "string", 0},
		{"boolean", `{"items":true}`, "", 0},
		{"tuple", `{"items":[{"type":"integer"},{"type":"string"}]}`, "-", 2},
		{"empty tuple", `{"items":[]}`, "-", 0},
		{"null", `{"items":null}`, "-", 0},
		{"absent", `{}`, "-", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := parse(t, tt.doc)
			got := "-"
			if s.Items != nil {
				got = s.Items.Type.Single()
			}
			if got != tt.item || len(s.TupleItems) != tt.tuple {
				t.Errorf("Items %q, %d in the tuple; want %q, %d", got, len(s.TupleItems), tt.item, tt.tuple)
			}
		})
	}
	if it := parse(t, `{"items":true}`).Items; it == nil || it.Bool == nil || !*it.Bool {
		t.Error("items true is not the boolean schema true")
	}
	if tu := parse(t, `{"items":[{"type":"integer"},{"type":"string"}]}`).TupleItems; tu[1].Type.Single() != "string" {
		t.Error("tuple out of order")
	}
}

func TestMalformed(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		want      []string // in the error
	}{
		{"not JSON", `{"type":`, []string{"bad.json:"}},
		{"not a schema", `"string"`, []string{"bad.json:"}},
		{"type a number", `{"type":5}`, []string{"type: want a string or a list of strings"}},
		{"type a list of numbers", `{"type":["string",1]}`, []string{"type: want a string or a list of strings"}},
		{"properties a list", `{"properties":["a"]}`, []string{"properties: want an object"}},
		{"bad property", `{"properties":{"ok":{},"price":{"type":7}}}`, []string{"properties.price:", "type: want a string"}},
		{"deep property", `{"properties":{"a":{"properties":{"b":{"properties":3}}}}}`, []string{"properties.a: properties.b: properties: want an object"}},
		{"items a string", `{"items":"x"}`, []string{"items:"}},
		{"bad item in a tuple", `{"items":[{"type":{}}]}`, []string{"items:", "type: want"}},
		{"required not a list", `{"required":"a"}`, []string{"bad.json:"}},
		{"exclusiveMinimum a string", `{"exclusiveMinimum":"yes"}`, []string{"exclusiveMinimum or exclusiveMaximum: want a boolean or a number"}},
		{"exclusiveMaximum a list", `{"exclusiveMaximum":[1]}`, []string{"exclusiveMinimum or exclusiveMaximum: want a boolean or a number"}},
		{"minLength a string", `{"minLength":"3"}`, []string{"bad.json:", "minLength"}},
		{"maxItems not whole", `{"maxItems":1.5}`, []string{"bad.json:", "maxItems"}},
		{"minimum a string", `{"minimum":"0"}`, []string{"bad.json:", "minimum"}},
		{"pattern a number", `{"pattern":5}`, []string{"bad.json:", "pattern"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("bad.json", []byte(tt.doc))
			if err == nil {
				t.Fatalf("no error; read %+v", s)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestResolve(t *testing.T) {
	root := parse(t, `{
		"definitions": {
			"Money": {"type": "object", "properties": {"amount": {"type": "number"}}},
			"Alias": {"$ref": "#/definitions/Money"},
			"Alias2": {"$ref": "#/definitions/Alias"},
			"ToDefs": {"$ref": "#/$defs/Code"},
			"LoopA": {"$ref": "#/definitions/LoopB"},
			"LoopB": {"$ref": "#/definitions/LoopA"},
			"Self": {"$ref": "#/definitions/Self"}
		},
		"$defs": {"Code": {"type": "string", "enum": ["A"]}}
	}`)
	money, code := root.Definitions["Money"], root.Defs["Code"]
	plain := &Schema{Type: TypeList{"string"}}
	for _, tt := range []struct {
		name     string
		s        *Schema
		want     *Schema
		wantName string
		err      string
	}{
		{"not a reference", plain, plain, "", ""},
		{"nil", nil, nil, "", ""},
		{"definitions", &Schema{Ref: "#/definitions/Money"}, money, "Money", ""},
		{"$defs", &Schema{Ref: "#/$defs/Code"}, code, "Code", ""},
		{"chain names the last", &Schema{Ref: "#/definitions/Alias2"}, money, "Money", ""},
		{"across definitions and $defs", &Schema{Ref: "#/definitions/ToDefs"}, code, "Code", ""},
		{"missing", &Schema{Ref: "#/definitions/Nope"}, nil, "", `"#/definitions/Nope": no such definition`},
		{"another document", &Schema{Ref: "other.json#/definitions/Money"}, nil, "", "only #/definitions/ and #/$defs/"},
		{"JSON pointer elsewhere", &Schema{Ref: "#/properties/a"}, nil, "", "only #/definitions/"},
		{"cycle", &Schema{Ref: "#/definitions/LoopA"}, nil, "", "cycle"},
		{"self", &Schema{Ref: "#/definitions/Self"}, nil, "", "cycle"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, name, err := root.Resolve(tt.s)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || name != tt.wantName {
				t.Errorf("Resolve = %p %q, want %p %q", got, name, tt.want, tt.wantName)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	root := parse(t, `{"definitions":{"A":{"title":"a"},"N":null},"$defs":{"A":{"title":"defs a"}}}`)
	for _, tt := range []struct{ ref, title, name string }{
		{"#/definitions/A", "a", "A"},
		{"#/$defs/A", "defs a", "A"},
		{"#/definitions/B", "-", ""},
		{"#/definitions/N", "-", ""}, // a null definition is none
		{"#/$defs/B", "-", ""},
		{"A", "-", ""},
	} {
		t.Run(tt.ref, func(t *testing.T) {
			s, name, ok := root.Lookup(tt.ref)
			title := "-"
			if ok {
				title = s.Title
			}
			if title != tt.title || (ok && name != tt.name) {
				t.Errorf("Lookup = %q %q %v, want title %q name %q", title, name, ok, tt.title, tt.name)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(good, []byte(`{"type":"object","properties":{"b":{},"a":{}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(`{"type":true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, path, err string }{
		{"good", good, ""},
		{"malformed", bad, bad + ": type: want a string or a list of strings"},
		{"missing", filepath.Join(dir, "none.json"), "none.json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(tt.path)
			if tt.err == "" {
				if err != nil || s.Properties[0].Name != "b" {
					t.Fatalf("Load = %+v, %v", s, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("error %v, want one saying %q", err, tt.err)
			}
		})
	}
}

// TestNestedInDocument decodes a schema nested in a Go value, as the
// generators' documents hold them (a Swagger model's definitions).
func TestNestedInDocument(t *testing.T) {
	var doc struct {
		Definitions map[string]*Schema `json:"definitions"`
	}
	if err := json.Unmarshal([]byte(`{"definitions":{"A":{"type":"string"},"B":false}}`), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Definitions["A"].Type.Single() != "string" || !doc.Definitions["B"].IsFalse() {
		t.Errorf("definitions %+v", doc.Definitions)
	}
}
