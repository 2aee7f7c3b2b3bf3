package main

import (
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi3"
)

// splitSharedOperationIDs gives a distinct operationId to each operation of
// an operationId that the model uses for more than one method: the
// operationId followed by the method ("linkCarrierAccountPUT",
// "linkCarrierAccountPOST"), the rule the operations table uses for their
// names ("shippingV2.linkCarrierAccount.PUT"). Amazon's shippingV2 model
// declares linkCarrierAccount for PUT and POST; oapi-codegen would declare
// every type and method of the two twice, which does not compile.
func splitSharedOperationIDs(doc *openapi2.T) {
	count := make(map[string]int)
	for _, item := range doc.Paths {
		for _, op := range item.Operations() {
			if op.OperationID != "" {
				count[op.OperationID]++
			}
		}
	}
	for _, item := range doc.Paths {
		for method, op := range item.Operations() {
			if count[op.OperationID] > 1 {
				op.OperationID += strings.ToUpper(method)
			}
		}
	}
}

// goTypeNameExt is oapi-codegen's extension naming the Go type of a schema.
const goTypeNameExt = "x-go-type-name"

// nameInlineEnums gives each inline enum (an enum declared inside a
// schema's property, item or additional properties rather than as a schema
// of its own) whose generated Go type would take the name of another type a
// distinct one, in x-go-type-name: its path and "Enum"
// ("TransactionStatusEnum"). oapi-codegen names an inline enum after its
// path (Transaction.status -> TransactionStatus) and stops with "duplicate
// typename" when a schema already has that name, as five of Amazon's models
// have (Transaction.status and the schema TransactionStatus in
// vendorTransactionStatus, Package.status and PackageStatus in
// externalFulfillmentShipments_2024-09-11, ...). Names are compared the way
// the generator's normalizer sees them: letters and digits, any case.
// Schemas are visited in name order, so the result is deterministic.
func nameInlineEnums(doc *openapi3.T) {
	if doc.Components == nil {
		return
	}
	taken := make(map[string]bool)
	names := make([]string, 0, len(doc.Components.Schemas))
	for name := range doc.Components.Schemas {
		taken[normName(name)] = true
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		walkInline(doc.Components.Schemas[name], []string{name}, taken)
	}
}

// walkInline names the inline enums of ref, whose path is path.
func walkInline(ref *openapi3.SchemaRef, path []string, taken map[string]bool) {
	if ref == nil || ref.Ref != "" || ref.Value == nil {
		return
	}
	s := ref.Value
	if len(path) > 1 && len(s.Enum) > 0 && s.Extensions[goTypeNameExt] == nil {
		if n := normName(strings.Join(path, "")); taken[n] {
			goName := goIdent(path) + "Enum"
			for i := 2; taken[normName(goName)]; i++ {
				goName = goIdent(path) + "Enum" + strconv.Itoa(i)
			}
			if s.Extensions == nil {
				s.Extensions = make(map[string]any)
			}
			s.Extensions[goTypeNameExt] = goName
			taken[normName(goName)] = true
		} else {
			taken[n] = true
		}
	}
	props := make([]string, 0, len(s.Properties))
	for p := range s.Properties {
		props = append(props, p)
	}
	slices.Sort(props)
	for _, p := range props {
		walkInline(s.Properties[p], append(slices.Clip(path), p), taken)
	}
	walkInline(s.Items, append(slices.Clip(path), "Item"), taken)
	walkInline(s.AdditionalProperties.Schema, append(slices.Clip(path), "AdditionalProperties"), taken)
}

// normName is a name as the generator's normalizer compares it: letters and
// digits, lower-cased.
func normName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// goIdent joins path into an exported Go identifier: each part with its
// first letter upper-cased, letters and digits only.
func goIdent(path []string) string {
	var b strings.Builder
	for _, p := range path {
		upper := true
		for _, r := range p {
			if !(('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')) {
				upper = true
				continue
			}
			if upper && 'a' <= r && r <= 'z' {
				r -= 'a' - 'A'
			}
			upper = false
			b.WriteRune(r)
		}
	}
	return b.String()
}
