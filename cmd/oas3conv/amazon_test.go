package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
)

// TestAmazonModelsGenerate runs oapi-codegen (the pinned version, in
// process, with the options apis/ uses and without response headers, as
// genapis runs it) on the six of Amazon's models that
// the plain conversion could not generate from: five stopped with
// "duplicate typename" (an inline enum named like a schema), and shippingV2
// generated code that did not compile ("LinkCarrierAccountParams
// redeclared": one operationId for PUT and POST). Each must generate, with
// no top-level name declared twice.
func TestAmazonModelsGenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs oapi-codegen on six models")
	}
	for _, file := range []string{
		"vendor-direct-fulfillment-sandbox-test-data-api-model/vendorDirectFulfillmentSandboxData_2021-10-28.json",
		"vendor-direct-fulfillment-transactions-api-model/vendorDirectFulfillmentTransactionsV1.json",
		"vendor-direct-fulfillment-transactions-api-model/vendorDirectFulfillmentTransactions_2021-12-28.json",
		"vendor-transaction-status-api-model/vendorTransactionStatus.json",
		"external-fulfillment/externalFulfillmentShipments_2024-09-11.json",
		"shipping-api-model/shippingV2.json",
	} {
		t.Run(file[strings.LastIndex(file, "/")+1:], func(t *testing.T) {
			raw, err := os.ReadFile("../../api/models/" + file)
			if err != nil {
				t.Fatal(err)
			}
			js, err := toV3(raw, dropResponseHeaders)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := openapi3.NewLoader().LoadFromData(js)
			if err != nil {
				t.Fatal(err)
			}
			src, err := codegen.Generate(doc, codegen.Configuration{
				PackageName: "x",
				Generate:    codegen.GenerateOptions{Models: true, Client: true},
				OutputOptions: codegen.OutputOptions{
					ResponseTypeSuffix:            "HTTPResponse",
					NameNormalizer:                "ToCamelCaseWithInitialisms",
					SkipResponseBodyGetters:       true,
					SkipEnumValidate:              true,
					SkipClientResponseContentType: true,
					TypeMapping:                   &codegen.TypeMapping{Number: codegen.FormatMapping{Default: codegen.SimpleTypeSpec{Type: "float64"}}},
				},
				Compatibility: codegen.CompatibilityOptions{AlwaysPrefixEnumValues: true},
			})
			if err != nil {
				t.Fatalf("oapi-codegen: %v", err)
			}
			f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, 0)
			if err != nil {
				t.Fatal(err)
			}
			seen := make(map[string]bool)
			for _, d := range f.Decls {
				for _, name := range declNames(d) {
					if seen[name] {
						t.Errorf("%s declared twice", name)
					}
					seen[name] = true
				}
			}
		})
	}
}

// declNames returns the top-level names a declaration declares (methods
// are named Receiver.Method).
func declNames(d ast.Decl) []string {
	var names []string
	switch d := d.(type) {
	case *ast.FuncDecl:
		name := d.Name.Name
		if d.Recv != nil && len(d.Recv.List) == 1 {
			t := d.Recv.List[0].Type
			if s, ok := t.(*ast.StarExpr); ok {
				t = s.X
			}
			if id, ok := t.(*ast.Ident); ok {
				name = id.Name + "." + name
			}
		}
		names = append(names, name)
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				names = append(names, s.Name.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					if n.Name != "_" {
						names = append(names, n.Name)
					}
				}
			}
		}
	}
	return names
}

func TestSplitAndEnumNames(t *testing.T) {
	const model = `{"swagger":"2.0","info":{"title":"t","version":"v1"},"paths":{
	  "/a":{"put":{"operationId":"link","responses":{"204":{"description":"ok"}}},
	        "post":{"operationId":"link","responses":{"204":{"description":"ok"}}},
	        "get":{"operationId":"get","responses":{"200":{"description":"ok","schema":{"$ref":"#/definitions/Transaction"}}}}}},
	 "definitions":{
	  "TransactionStatus":{"type":"string","enum":["A","B"]},
	  "Transaction":{"type":"object","properties":{
	     "status":{"type":"string","enum":["X","Y"]},
	     "kind":{"type":"string","enum":["K"]}}}}}`
	js, err := toV3([]byte(model))
	if err != nil {
		t.Fatal(err)
	}
	doc := loadV3(t, js)
	item := doc.Paths.Value("/a")
	if got := item.Put.OperationID + " " + item.Post.OperationID + " " + item.Get.OperationID; got != "linkPUT linkPOST get" {
		t.Errorf("operationIds = %q, want %q", got, "linkPUT linkPOST get")
	}
	props := doc.Components.Schemas["Transaction"].Value.Properties
	if got := props["status"].Value.Extensions[goTypeNameExt]; got != "TransactionStatusEnum" {
		t.Errorf("status x-go-type-name = %v, want TransactionStatusEnum", got)
	}
	if got, ok := props["kind"].Value.Extensions[goTypeNameExt]; ok {
		t.Errorf("kind x-go-type-name = %v, want none (no collision)", got)
	}
}
