// Command oas3conv converts a Swagger 2.0 model, such as one of Amazon's
// SP-API models, to OpenAPI 3, so that oapi-codegen can generate a client
// from it. oapi-codegen reads only OpenAPI 3: fed a Swagger 2.0 model it
// fails with a misleading "unexpected reference depth".
//
// Usage:
//
//	go run github.com/spapi-go/spapi/cmd/oas3conv -in ordersV0.json -out orders.openapi3.json
//
// or, pinned in go.mod (go get -tool github.com/spapi-go/spapi/cmd/oas3conv)
// so that generation needs no network, from a //go:generate line:
//
//	//go:generate go tool oas3conv -in ordersV0.json -out orders.openapi3.json
//
// The conversion is kin-openapi's openapi2conv, which keeps enums, required
// lists, response headers and extensions such as x-amzn-api-sandbox, plus
// two things it leaves out that change what a generated client sends or
// expects:
//
//   - collectionFormat. An array parameter without one is csv in Swagger 2.0,
//     so a query parameter is sent as MarketplaceIds=A,B, which is what the
//     SP-API expects; OpenAPI 3's default for the query is one parameter per
//     value (MarketplaceIds=A&MarketplaceIds=B). csv therefore becomes style
//     form with explode false in the query (path and header parameters are
//     comma-separated by default in both), ssv and pipes become
//     spaceDelimited and pipeDelimited, multi stays form with explode true,
//     and tsv, which OpenAPI 3 cannot express, is an error.
//   - A document-wide produces list applies to the operations that have none;
//     openapi2conv would assume application/json for them.
//   - A 204 response has no body: its schema, which some models give it, is
//     dropped, or the generated client would fail to decode the empty reply.
//
// and two changes of names, so that oapi-codegen can generate a client that
// compiles from every one of Amazon's models as they are:
//
//   - An operationId that the model uses for more than one method gets the
//     method appended (shippingV2's linkCarrierAccount, PUT and POST, become
//     linkCarrierAccountPUT and linkCarrierAccountPOST), the rule of the
//     operations table's names (shippingV2.linkCarrierAccount.PUT).
//   - An inline enum whose generated type would take a schema's name
//     (Transaction.status and the schema TransactionStatus) gets a distinct
//     one in x-go-type-name (TransactionStatusEnum).
//
// With -response-headers=false it also drops every response's headers (the
// rate-limit and request-id headers Amazon declares on each status): for
// each one oapi-codegen writes a struct, a field and the code that parses
// it into them, about a quarter of a typed client, for values the reply's
// *http.Response keeps (apis/ is generated so; gen/ keeps them).
//
// The output is indented JSON with sorted keys, the same bytes for the same
// model, so that it can be committed and checked by regenerating.
//
// Exit status: 0 on success, 1 if the model cannot be read or converted, 2
// on bad usage.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
)

const usage = "usage: oas3conv [-response-headers=false] -in swagger.json -out openapi3.json"

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run is the whole command; it returns the exit status.
func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("oas3conv", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fs.PrintDefaults()
	}
	in := fs.String("in", "", "Swagger 2.0 JSON `file` to read")
	out := fs.String("out", "", "OpenAPI 3 JSON `file` to write")
	headers := fs.Bool("response-headers", true, "keep the responses' headers (false drops them)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case *in == "" || *out == "":
		fmt.Fprintln(stderr, "oas3conv: -in and -out are required")
		fmt.Fprintln(stderr, usage)
		return 2
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "oas3conv: unexpected argument %q\n", fs.Arg(0))
		fmt.Fprintln(stderr, usage)
		return 2
	}
	if err := convert(*in, *out, *headers); err != nil {
		fmt.Fprintln(stderr, "oas3conv:", err)
		return 1
	}
	return 0
}

// convert reads the Swagger 2.0 model in and writes its OpenAPI 3 form to
// out, without the responses' headers unless headers. Nothing is written if
// the model cannot be converted.
func convert(in, out string, headers bool) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var edits []func(*openapi3.T)
	if !headers {
		edits = append(edits, dropResponseHeaders)
	}
	js, err := toV3(raw, edits...)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	return os.WriteFile(out, js, 0o644)
}

// toV3 converts a Swagger 2.0 model to indented OpenAPI 3 JSON, applying
// edits to the converted document before it is written.
func toV3(raw []byte, edits ...func(*openapi3.T)) ([]byte, error) {
	var doc2 openapi2.T
	if err := json.Unmarshal(raw, &doc2); err != nil {
		return nil, err
	}
	if doc2.Swagger != "2.0" {
		return nil, fmt.Errorf("not a Swagger 2.0 model (swagger: %q)", doc2.Swagger)
	}
	inheritProduces(&doc2)
	dropNoContentBodies(&doc2)
	splitSharedOperationIDs(&doc2)
	doc3, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	if err := applyCollectionFormats(&doc2, doc3); err != nil {
		return nil, err
	}
	nameInlineEnums(doc3)
	for _, edit := range edits {
		edit(doc3)
	}
	js, err := json.Marshal(doc3)
	if err != nil {
		return nil, err
	}
	// Re-indent so the committed file diffs well; key order is already
	// stable because kin-openapi marshals through maps.
	var buf bytes.Buffer
	if err := json.Indent(&buf, js, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// inheritProduces gives every operation without a produces list the
// document's, as Swagger 2.0 says; openapi2conv reads only the operation's.
func inheritProduces(doc2 *openapi2.T) {
	if len(doc2.Produces) == 0 {
		return
	}
	for _, item := range doc2.Paths {
		for _, op := range item.Operations() {
			if len(op.Produces) == 0 {
				op.Produces = doc2.Produces
			}
		}
	}
}

// dropNoContentBodies removes the schema and examples of every 204
// response: a 204 has no body (RFC 9110, 15.3.5), yet some of Amazon's
// models give theirs a schema, and oapi-codegen's client then decodes the
// empty body and fails with "unexpected end of JSON input" on the very
// reply the model documents (supplySources' archiveSupplySource, for one).
func dropNoContentBodies(doc2 *openapi2.T) {
	for _, item := range doc2.Paths {
		for _, op := range item.Operations() {
			if r := op.Responses.Value("204"); r != nil {
				r.Schema = nil
				r.Examples = nil
			}
		}
	}
}

// dropResponseHeaders removes the headers of every response: the
// operations' and the document's shared responses' (Swagger 2.0 has no
// shared headers).
func dropResponseHeaders(doc *openapi3.T) {
	drop := func(r *openapi3.ResponseRef) {
		if r != nil && r.Ref == "" && r.Value != nil {
			r.Value.Headers = nil
		}
	}
	if doc.Components != nil {
		for _, r := range doc.Components.Responses {
			drop(r)
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Responses == nil {
				continue
			}
			for _, r := range op.Responses.Map() {
				drop(r)
			}
		}
	}
}

// applyCollectionFormats gives each converted array parameter the style of
// its Swagger collectionFormat, which openapi2conv drops: the document's
// shared parameters, each path's and each operation's.
func applyCollectionFormats(doc2 *openapi2.T, doc3 *openapi3.T) error {
	for name, p2 := range doc2.Parameters {
		if p3 := doc3.Components.Parameters[name]; p3 != nil && p3.Value != nil {
			if err := setStyle(p2, p3.Value); err != nil {
				return fmt.Errorf("parameters.%s: %w", name, err)
			}
		}
	}
	for path, item2 := range doc2.Paths {
		item3 := doc3.Paths.Value(path)
		if item3 == nil {
			continue
		}
		if err := setStyles(item2.Parameters, item3.Parameters); err != nil {
			return fmt.Errorf("paths.%s: %w", path, err)
		}
		for method, op2 := range item2.Operations() {
			op3 := item3.GetOperation(method)
			if op3 == nil {
				continue
			}
			if err := setStyles(op2.Parameters, op3.Parameters); err != nil {
				return fmt.Errorf("paths.%s.%s: %w", path, method, err)
			}
		}
	}
	return nil
}

// setStyles applies setStyle to each of params2 and its converted
// parameter, found by location and name (body and form parameters become a
// request body, so the lists do not line up).
func setStyles(params2 openapi2.Parameters, params3 openapi3.Parameters) error {
	for _, p2 := range params2 {
		if p2.Ref != "" {
			continue // converted with the shared parameter it names
		}
		for _, p3 := range params3 {
			if p3.Value != nil && p3.Value.In == p2.In && p3.Value.Name == p2.Name {
				if err := setStyle(p2, p3.Value); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// setStyle sets p3's style and explode to serialize an array the way p2's
// collectionFormat does. Values of other types serialize alike in both.
func setStyle(p2 *openapi2.Parameter, p3 *openapi3.Parameter) error {
	if p2.Type == nil || !p2.Type.Is("array") {
		return nil
	}
	format := p2.CollectionFormat
	if format == "" {
		format = "csv"
	}
	query := p2.In == openapi3.ParameterInQuery
	explode := false
	switch {
	case format == "csv" && query:
		p3.Style, p3.Explode = openapi3.SerializationForm, &explode
	case format == "csv":
		// simple, OpenAPI 3's default for path and header: a,b
	case format == "ssv" && query:
		p3.Style, p3.Explode = openapi3.SerializationSpaceDelimited, &explode
	case format == "pipes" && query:
		p3.Style, p3.Explode = openapi3.SerializationPipeDelimited, &explode
	case format == "multi" && query:
		explode = true
		p3.Style, p3.Explode = openapi3.SerializationForm, &explode
	default:
		return fmt.Errorf("parameter %q in %s: collectionFormat %q has no OpenAPI 3 equivalent", p2.Name, p2.In, p2.CollectionFormat)
	}
	return nil
}
