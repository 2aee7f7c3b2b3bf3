package test

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/spapi-go/spapi/sptest"
)

// sptest answers 400 to a request its model refuses, so the tests that call
// every operation send sptest's sample of a valid request
// (sptest.ValidRequestFor) instead of placeholders.

// validRequest is sptest's valid request for op, if a model describes it.
func validRequest(op modelOp) (sptest.ValidRequest, bool) {
	v, err := sptest.ValidRequestFor(op.name)
	return v, err == nil
}

// samplePath is the path a test sends op to: the sample's, else the
// template with "sptest-1" for each parameter.
func samplePath(op modelOp) string {
	if v, ok := validRequest(op); ok {
		return v.Path
	}
	return concretePath(op.path)
}

// typedOps maps a typed client's model and method base name (lower case,
// letters and digits: "ordersv0.getorders") to the operation it calls.
var typedOps = sync.OnceValue(func() map[string]modelOp {
	ops, err := loadModelOps()
	if err != nil {
		return nil
	}
	m := map[string]modelOp{}
	for _, op := range ops {
		m[op.model.Name+"."+alnumLower(op.op.ConvertedID)] = op
	}
	return m
})

func alnumLower(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// typedSample is the valid request of the operation that the typed method
// of model calls.
func typedSample(model, method string) (sptest.ValidRequest, bool) {
	base := strings.TrimSuffix(strings.TrimSuffix(method, "WithResponse"), "WithBody")
	op, ok := typedOps()[model+"."+alnumLower(base)]
	if !ok {
		return sptest.ValidRequest{}, false
	}
	return validRequest(op)
}

// fillFromSample sets the fields of a params struct that the sample names
// (by their form or json tag: query parameters and headers) from the
// sample's text values.
func fillFromSample(s reflect.Value, v sptest.ValidRequest) {
	for i := range s.NumField() {
		f, sf := s.Field(i), s.Type().Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("form"), ",")
		if name == "" {
			name, _, _ = strings.Cut(sf.Tag.Get("json"), ",")
		}
		text, ok := sampleValue(v, name)
		if !ok || !f.CanSet() {
			continue
		}
		setText(f, text)
	}
}

func sampleValue(v sptest.ValidRequest, name string) (string, bool) {
	if vals, ok := v.Query[name]; ok && len(vals) > 0 {
		return vals[0], true
	}
	if h := v.Header.Get(name); h != "" {
		return h, true
	}
	return "", false
}

// setText sets a string, or a slice of strings split at commas, or the
// same behind a pointer; other kinds keep what fillValue gave them.
func setText(f reflect.Value, text string) {
	switch f.Kind() {
	case reflect.Pointer:
		p := reflect.New(f.Type().Elem())
		if fillValue(p.Elem(), text) {
			setText(p.Elem(), text)
			f.Set(p)
		}
	case reflect.String:
		f.SetString(text)
	case reflect.Int, reflect.Int32, reflect.Int64:
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			f.SetInt(n)
		}
	case reflect.Slice:
		if f.Type().Elem().Kind() != reflect.String {
			return
		}
		parts := strings.Split(text, ",")
		sl := reflect.MakeSlice(f.Type(), len(parts), len(parts))
		for i, p := range parts {
			sl.Index(i).SetString(p)
		}
		f.Set(sl)
	}
}

// applySample puts the sample's values into a typed method's arguments:
// the path parameters in order, the params struct's named fields, the raw
// body.
func applySample(m reflect.Value, args []reflect.Value, v sptest.ValidRequest) {
	mt := m.Type()
	next := 0
	for i, a := range args {
		in := mt.In(i)
		switch {
		case in == ctxType:
		case in == readerType:
			if v.Body != nil {
				args[i] = reflect.ValueOf(strings.NewReader(string(v.Body))).Convert(readerType)
			}
		case in.Kind() == reflect.String && i+1 < len(args) && mt.In(i+1) == readerType:
			// the body's content type
		case in.Kind() == reflect.Pointer && in.Elem().Kind() == reflect.Struct:
			fillFromSample(a.Elem(), v)
		case in.Kind() == reflect.String && next < len(v.PathParams):
			a.SetString(v.PathParams[next])
			next++
		}
	}
}
