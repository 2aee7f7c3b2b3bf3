package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// spanRecorder keeps the spans of one run in memory, for -v.
type spanRecorder struct {
	exp *tracetest.InMemoryExporter
	tp  *sdktrace.TracerProvider
}

func newSpanRecorder() *spanRecorder {
	exp := tracetest.NewInMemoryExporter()
	return &spanRecorder{exp: exp, tp: sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))}
}

// print writes the spans as a tree: each call with its attempts (events),
// and the token fetches it waited on (linked spans, which are roots of
// their own).
func (r *spanRecorder) print(w io.Writer) {
	_ = r.tp.ForceFlush(context.Background())
	spans := r.exp.GetSpans()
	byID := map[trace.SpanID]tracetest.SpanStub{}
	children := map[trace.SpanID][]tracetest.SpanStub{}
	for _, s := range spans {
		byID[s.SpanContext.SpanID()] = s
	}
	var roots []tracetest.SpanStub
	for _, s := range spans {
		if _, ok := byID[s.Parent.SpanID()]; s.Parent.IsValid() && ok {
			children[s.Parent.SpanID()] = append(children[s.Parent.SpanID()], s)
		} else {
			roots = append(roots, s)
		}
	}
	byStart := func(ss []tracetest.SpanStub) {
		sort.Slice(ss, func(i, j int) bool { return ss[i].StartTime.Before(ss[j].StartTime) })
	}
	var walk func(s tracetest.SpanStub, depth int)
	walk = func(s tracetest.SpanStub, depth int) {
		pad := strings.Repeat("  ", depth)
		fmt.Fprintf(w, "%s%s %v", pad, s.Name, s.EndTime.Sub(s.StartTime).Round(time.Microsecond))
		for _, a := range s.Attributes {
			switch a.Key {
			case "http.response.status_code", "spapi.attempts", "aws.request_id", "error.type":
				fmt.Fprintf(w, " %s=%s", a.Key, a.Value.String())
			}
		}
		fmt.Fprintln(w)
		for _, l := range s.Links {
			if ls, ok := byID[l.SpanContext.SpanID()]; ok {
				fmt.Fprintf(w, "%s  for: %s (a call that waited on it)\n", pad, ls.Name)
			}
		}
		for _, e := range s.Events {
			fmt.Fprintf(w, "%s  · %s", pad, e.Name)
			for _, a := range e.Attributes {
				fmt.Fprintf(w, " %s=%s", a.Key, a.Value.String())
			}
			fmt.Fprintln(w)
		}
		kids := children[s.SpanContext.SpanID()]
		byStart(kids)
		for _, k := range kids {
			walk(k, depth+1)
		}
	}
	byStart(roots)
	for _, s := range roots {
		walk(s, 0)
	}
}
