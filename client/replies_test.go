package client_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/gen"
	"github.com/spapi-go/spapi/sptest"
)

// What each path returns for a final 429, as APIError's doc says: the Tokens
// call an *APIError; HTTPClient and Gen the reply itself, with no error. The
// doc must say so (it said "the error for every non-2xx reply").
func TestFinal429PerPath(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{RateScale: 100})
	cfg := srv.ClientConfig()
	cfg.MaxRetries = -1 // the first 429 is the final one
	cfg.Logger = slog.New(slog.DiscardHandler)
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req := client.CreateRestrictedDataTokenRequest{RestrictedResources: []client.RestrictedResource{{Method: client.MethodGET, Path: "/orders/v0/orders/{orderId}/address"}}}
	quota := sptest.Fault{Status: http.StatusTooManyRequests}

	srv.Script("createRestrictedDataToken", quota)
	_, err = c.CreateRestrictedDataToken(ctx, req)
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests {
		t.Errorf("CreateRestrictedDataToken: %v, want *APIError 429", err)
	}

	srv.Script("getMarketplaceParticipations", quota)
	resp, err := c.HTTPClient().Get(srv.URL() + "/sellers/v1/marketplaceParticipations")
	if err != nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("HTTPClient: %v, %v; want the 429 reply and no error", resp, err)
	}
	if resp != nil {
		resp.Body.Close()
	}

	srv.Script("createRestrictedDataToken", quota)
	gr, err := c.Gen().CreateRestrictedDataTokenWithResponse(ctx, gen.CreateRestrictedDataTokenJSONRequestBody(req))
	if err != nil || gr.StatusCode() != http.StatusTooManyRequests || gr.JSON429 == nil {
		t.Errorf("Gen: %v; want the 429 in HTTPResponse and JSON429, and no error", err)
	}

	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "errors.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var doc string
	ast.Inspect(f, func(n ast.Node) bool {
		if g, ok := n.(*ast.GenDecl); ok && len(g.Specs) == 1 {
			if ts, ok := g.Specs[0].(*ast.TypeSpec); ok && ts.Name.Name == "APIError" {
				doc = g.Doc.Text()
			}
		}
		return true
	})
	if strings.Contains(doc, "every non-2xx") || !strings.Contains(doc, "HTTPClient()") || !strings.Contains(doc, "Gen()") {
		t.Errorf("APIError's doc must say what each path returns, not claim every non-2xx reply:\n%s", doc)
	}
}
