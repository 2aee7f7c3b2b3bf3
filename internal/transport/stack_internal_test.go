package transport

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/spapi-go/spapi/internal/optable"
	"github.com/spapi-go/spapi/internal/ratelimit"
	"github.com/spapi-go/spapi/internal/telemetry"
)

// layerNames walks a stack from the retry layer down and names each layer
// as Layers does.
func layerNames(t *testing.T, r *Retry, base http.RoundTripper) []string {
	t.Helper()
	names := []string{"retry"}
	rt := r.inner.Transport
	for {
		switch l := rt.(type) {
		case *Limit:
			names, rt = append(names, "limiter"), l.next
		case *Auth:
			names, rt = append(names, "auth"), l.Next
		case *telemetry.AttemptLayer:
			names, rt = append(names, "telemetry"), l.Next
		case *Timeout:
			names, rt = append(names, "timeout"), l.Next
		case hideCloseIdle:
			if l.rt != base {
				t.Fatalf("the stack ends in %T, not the caller's transport", l.rt)
			}
			return append(names, "base")
		default:
			t.Fatalf("unknown layer %T below %v", rt, names)
		}
	}
}

// baseRT is a caller's transport that the test recognises.
type baseRT struct{}

func (baseRT) RoundTrip(*http.Request) (*http.Response, error) { return nil, fmt.Errorf("not sent") }

// Stack builds exactly the layers Layers names, in its order (client/doc.go
// shows the same list), and leaves the limiter out when there is none.
func TestStackIsLayers(t *testing.T) {
	table, err := optable.New(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tel, err := telemetry.New(telemetry.Options{Host: "sp.example", Port: 443, Region: "na"})
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://sp.example")
	token := func(context.Context, *http.Request, bool) (string, func(string), error) {
		return "t", func(string) {}, nil
	}
	for _, tt := range []struct {
		name    string
		limiter Limiter
		want    []string
	}{
		{"with a limiter", ratelimit.New(nil), Layers},
		{"without", nil, slices.DeleteFunc(slices.Clone(Layers), func(s string) bool { return s == "limiter" })},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := New(Options{Base: base, Transport: baseRT{}, Limiter: tt.limiter, Table: table, Tel: tel})
			if got := layerNames(t, tr.Stack(token), baseRT{}); !slices.Equal(got, tt.want) {
				t.Errorf("stack %v, want %v", got, tt.want)
			}
		})
	}
}
