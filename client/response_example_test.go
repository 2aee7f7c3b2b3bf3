package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/spapi-go/spapi/apis/reports20210630"
	"github.com/spapi-go/spapi/client"
)

// ExampleCheckResponse turns a typed reply that is not 2xx, from any
// generated client (apis/reports20210630 here, gen/ or your own), into an
// *APIError. The server stands in for the SP-API: it knows no report.
func ExampleCheckResponse() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/auth/o2/token" {
			fmt.Fprint(w, `{"access_token":"Atza|example","token_type":"bearer","expires_in":3600}`)
			return
		}
		w.Header().Set("x-amzn-RequestId", "example-request")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errors":[{"code":"NotFound","message":"Report not found"}]}`)
	}))
	defer srv.Close()
	c, err := client.New(client.Config{
		ClientID: "id", ClientSecret: "secret", RefreshToken: "Atzr|refresh",
		Endpoint: srv.URL, LWAEndpoint: srv.URL + "/auth/o2/token",
	})
	if err != nil {
		log.Fatal(err)
	}
	reports, err := reports20210630.New(c)
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.Check(reports.GetReportWithResponse(context.Background(), "1234567890"))
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code(), apiErr.RequestID)
	}
	fmt.Println(err)
	// Output:
	// 404 NotFound example-request
	// sp-api getReport: HTTP 404 NotFound: Report not found [request id example-request]
}
