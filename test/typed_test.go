package test

// Issue 18: every one of the 370 operations called through its typed
// package (apis/<package>, and gen/ for the Tokens API) against sptest. The
// methods are found by reflection over each package's ClientWithResponses,
// from the generated list of constructors (typedclients_gen_test.go), so a
// new model or operation is covered without anyone adding it here.

import (
	"context"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

var (
	ctxType    = reflect.TypeFor[context.Context]()
	readerType = reflect.TypeFor[io.Reader]()
	timeType   = reflect.TypeFor[time.Time]()
)

// typedCalls lists the methods of a typed client to call: every
// ...WithResponse method, the ...WithBodyWithResponse one where an operation
// has both (it takes the raw body, so no request type need be filled in).
func typedCalls(v reflect.Value) []string {
	t := v.Type()
	var out []string
	for i := range t.NumMethod() {
		name := t.Method(i).Name
		if !strings.HasSuffix(name, "WithResponse") {
			continue
		}
		base := strings.TrimSuffix(name, "WithResponse")
		if !strings.HasSuffix(base, "WithBody") {
			if _, ok := t.MethodByName(base + "WithBodyWithResponse"); ok {
				continue
			}
		}
		out = append(out, name)
	}
	return out
}

// typedArgs builds the arguments of a typed method: the context, "sptest-1"
// for each path parameter, a params struct with its required (non-pointer)
// fields filled, and for a raw body "application/json" and body.
func typedArgs(t *testing.T, m reflect.Value, body string) []reflect.Value {
	t.Helper()
	mt := m.Type()
	n := mt.NumIn()
	if mt.IsVariadic() {
		n-- // reqEditors
	}
	args := make([]reflect.Value, n)
	for i := range n {
		in := mt.In(i)
		switch {
		case in == ctxType:
			args[i] = reflect.ValueOf(context.Background())
		case in == readerType:
			args[i] = reflect.ValueOf(strings.NewReader(body)).Convert(readerType)
		case in.Kind() == reflect.String && i+1 < n && mt.In(i+1) == readerType:
			args[i] = reflect.ValueOf("application/json")
		case in.Kind() == reflect.Pointer && in.Elem().Kind() == reflect.Struct:
			p := reflect.New(in.Elem())
			fillRequired(p.Elem())
			args[i] = p
		default:
			v := reflect.New(in).Elem()
			if !fillValue(v, "sptest-1") {
				t.Fatalf("%s: cannot fill argument %d of type %s", mt, i, in)
			}
			args[i] = v
		}
	}
	return args
}

// fillRequired sets every non-pointer field of a params struct: oapi-codegen
// makes the required parameters values and the optional ones pointers.
func fillRequired(s reflect.Value) {
	for i := range s.NumField() {
		if f := s.Field(i); f.CanSet() && f.Kind() != reflect.Pointer {
			fillValue(f, "ATVPDKIKX0DER")
		}
	}
}

// fillValue sets v to a plausible value of its kind, reporting whether it
// could.
func fillValue(v reflect.Value, str string) bool {
	switch v.Kind() {
	case reflect.String:
		v.SetString(str)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fillValue(s.Index(0), str)
		v.Set(s)
	case reflect.Struct:
		if v.Type() == timeType {
			v.Set(reflect.ValueOf(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)))
			return true
		}
		if f := v.FieldByName("Time"); f.IsValid() && f.Type() == timeType { // openapi_types.Date
			f.Set(reflect.ValueOf(time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)))
		}
	default:
		return false
	}
	return true
}

// typedField is the reply's decoded body for status (JSON200,
// ApplicationhalJSON200, ...): found reports whether the reply type has such
// a field, decoded whether it is set.
func typedField(reply reflect.Value, status int) (found, decoded bool) {
	r := reply.Elem()
	suffix := strconv.Itoa(status)
	for i := range r.NumField() {
		f := r.Type().Field(i)
		if strings.HasSuffix(f.Name, suffix) && strings.Contains(f.Name, "JSON") && f.Type.Kind() == reflect.Pointer {
			found = true
			decoded = decoded || !r.Field(i).IsNil()
		}
	}
	return found, decoded
}

// TestTypedEveryOperation: each of the 370 operations through its typed
// package answers the documented 2xx, its body decodes into the typed reply's
// JSON field for that status, sptest and the client name it alike, and it is
// sent with an RDT exactly when it is restricted.
func TestTypedEveryOperation(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	c, otel := sandboxClient(t, srv)
	byName := map[string]modelOp{}
	for _, op := range modelOps(t) {
		byName[op.name] = op
	}
	clients := []struct {
		model string
		new   func(*client.Client) (any, error)
	}{{"tokens_2021-03-01", func(c *client.Client) (any, error) { return c.Gen(), nil }}}
	clients = append(clients, typedClients...)

	called := map[string]string{} // operation -> method that called it
	for _, tc := range clients {
		tcl, err := tc.new(c)
		if err != nil {
			t.Fatalf("%s: New: %v", tc.model, err)
		}
		v := reflect.ValueOf(tcl)
		for _, method := range typedCalls(v) {
			t.Run(tc.model+"."+method, func(t *testing.T) {
				body := `{}`
				if strings.HasPrefix(method, "CreateRestrictedDataToken") {
					body = `{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders"}]}`
				}
				m := v.MethodByName(method)
				srv.Reset()
				otel.spans.Reset()
				args := typedArgs(t, m, body)
				if v, ok := typedSample(tc.model, method); ok {
					applySample(m, args, v) // a request the model accepts
				}
				out := m.Call(args)
				err, _ := out[1].Interface().(error)
				var recs []sptest.RecordedRequest
				for _, r := range srv.Requests() {
					if r.Op != "lwa" {
						recs = append(recs, r)
					}
				}
				if len(recs) > 1 { // a restricted operation's RDT was minted first
					recs = slices.DeleteFunc(recs, func(r sptest.RecordedRequest) bool { return r.Op == "createRestrictedDataToken" })
				}
				if len(recs) != 1 {
					t.Fatalf("sptest recorded %d calls, want 1: %+v", len(recs), recs)
				}
				rec := recs[0]
				op, ok := byName[rec.Op]
				if !ok {
					t.Fatalf("sptest saw %q (%s %s), no operation of the models", rec.Op, rec.Method, rec.Path)
				}
				if prev, dup := called[op.name]; dup {
					t.Errorf("%s is called by %s and %s", op.name, prev, method)
				}
				called[op.name] = tc.model + "." + method
				var spans []string
				for _, s := range otel.spans.GetSpans() {
					spans = append(spans, s.Name)
				}
				if !slices.Contains(spans, op.name) {
					t.Errorf("client spans %q, want one named %q", spans, op.name)
				}
				if err != nil {
					t.Fatalf("%v", err)
				}
				reply := out[0]
				status := int(reply.MethodByName("StatusCode").Call(nil)[0].Int())
				if status != op.status {
					t.Fatalf("%s: HTTP %d %.300s, want the documented %d", op.name, status, reply.Elem().FieldByName("Body").Bytes(), op.status)
				}
				if op.topType != "" {
					found, decoded := typedField(reply, status)
					if !found || !decoded {
						t.Errorf("%s: typed field for %d found %v, decoded %v; body %.200s", op.name, status, found, decoded, reply.Elem().FieldByName("Body").Bytes())
					}
				}
				gotRDT := strings.HasPrefix(rec.Header.Get("x-amz-access-token"), "Atz.sprdt|")
				if gotRDT != op.restricted {
					t.Errorf("%s: sent an RDT: %v, want %v", op.name, gotRDT, op.restricted)
				}
			})
		}
	}
	var missed []string
	for name := range byName {
		if _, ok := called[name]; !ok {
			missed = append(missed, name)
		}
	}
	slices.Sort(missed)
	if len(called) != 370 || len(missed) > 0 {
		t.Errorf("%d operations called through their typed package, want 370; not called: %q", len(called), missed)
	}
}
