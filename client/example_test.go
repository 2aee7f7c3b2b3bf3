package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// A client needs the LWA credentials of the seller's authorization; here
// they come from sptest, the in-process fake. With real credentials, use
// client.ConfigFromEnv() and leave Endpoint and LWAEndpoint empty.
func ExampleNew() {
	srv := sptest.NewServer(sptest.Options{})
	defer srv.Close()

	cfg := client.Config{
		ClientID:     sptest.ClientID,
		ClientSecret: sptest.ClientSecret,
		RefreshToken: sptest.RefreshToken,
		Endpoint:     srv.URL(),    // default: the region's host
		LWAEndpoint:  srv.LWAURL(), // default: https://api.amazon.com/auth/o2/token
	}
	c, err := client.New(cfg) // no I/O yet: the first call fetches the LWA token
	if err != nil {
		log.Fatal(err)
	}
	_ = c

	// Secrets never print, however the config is logged.
	fmt.Println(strings.Contains(fmt.Sprintf("%+v %#v", cfg, cfg), sptest.ClientSecret))

	_, err = client.New(client.Config{ClientID: "id"})
	fmt.Println(err)
	// Output:
	// false
	// config: ClientID and ClientSecret are required (LWA credentials)
}

// An RDT for the model's own sandbox example: the fake answers it exactly as
// the model says.
func ExampleClient_CreateRestrictedDataToken() {
	srv := sptest.NewServer(sptest.Options{})
	defer srv.Close()
	c, err := client.New(client.Config{
		ClientID: sptest.ClientID, ClientSecret: sptest.ClientSecret, RefreshToken: sptest.RefreshToken,
		Endpoint: srv.URL(), LWAEndpoint: srv.LWAURL(),
	})
	if err != nil {
		log.Fatal(err)
	}

	target := "amzn1.sellerapps.app.target-application"
	rdt, err := c.CreateRestrictedDataToken(context.Background(), client.CreateRestrictedDataTokenRequest{
		TargetApplication: &target,
		RestrictedResources: []client.RestrictedResource{{
			Method: client.MethodGET,
			Path:   "/orders/v0/orders/{orderId}/address", // one RDT for every order
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rdt.Token, rdt.ExpiresIn)
	fmt.Println(strings.Contains(fmt.Sprint(rdt), rdt.Token)) // printing redacts the token

	// Invalid input fails before anything is sent.
	_, err = c.CreateRestrictedDataToken(context.Background(), client.CreateRestrictedDataTokenRequest{
		RestrictedResources: []client.RestrictedResource{{Method: "FETCH", Path: "/orders/v0/orders"}},
	})
	fmt.Println(errors.Is(err, client.ErrInvalidRequest), err)
	// Output:
	// Atz.sprdt|IQEBLjAsAhRmHjNgHpi0U-Dme37rR6CuUpSR 3600
	// false
	// true invalid request: restrictedResources[0].method: "FETCH" must be one of GET, PUT, POST, DELETE
}

// Errors from the API are *APIError, with the status, the error list and the
// request id to quote to Amazon.
func ExampleAPIError() {
	srv := sptest.NewServer(sptest.Options{})
	defer srv.Close()
	c, err := client.New(client.Config{
		ClientID: sptest.ClientID, ClientSecret: sptest.ClientSecret, RefreshToken: sptest.RefreshToken,
		Endpoint: srv.URL(), LWAEndpoint: srv.LWAURL(), MaxRetries: -1,
	})
	if err != nil {
		log.Fatal(err)
	}
	srv.Script(client.OpCreateRestrictedDataToken, sptest.Fault{Status: 429})

	_, err = c.CreateRestrictedDataToken(context.Background(), client.CreateRestrictedDataTokenRequest{
		RestrictedResources: []client.RestrictedResource{{Method: client.MethodGET, Path: "/orders/v0/orders/{orderId}/address"}},
	})
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code(), apiErr.Throttled(), apiErr.RequestID != "")
	}
	// Output:
	// 429 QuotaExceeded true true
}

// HTTPClient calls any SP-API operation with the right token: here
// getOrderAddress for three orders, which needs an RDT. The client mints one
// RDT for the path template and reuses it for every order.
func ExampleClient_HTTPClient() {
	srv := sptest.NewServer(sptest.Options{})
	defer srv.Close()
	c, err := client.New(client.Config{
		ClientID: sptest.ClientID, ClientSecret: sptest.ClientSecret, RefreshToken: sptest.RefreshToken,
		Endpoint: srv.URL(), LWAEndpoint: srv.LWAURL(),
	})
	if err != nil {
		log.Fatal(err)
	}

	hc := c.HTTPClient()
	for _, id := range []string{"902-1845936-5435065", "902-1845936-5435066", "902-1845936-5435067"} {
		resp, err := hc.Get(srv.URL() + "/orders/v0/orders/" + id + "/address")
		if err != nil {
			log.Fatal(err)
		}
		var out struct {
			Payload struct {
				AmazonOrderID   string `json:"AmazonOrderId"`
				ShippingAddress struct{ Name, City string }
			}
		}
		err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			log.Fatal(resp.Status, err)
		}
		fmt.Println(out.Payload.AmazonOrderID, out.Payload.ShippingAddress.Name, out.Payload.ShippingAddress.City)
	}
	fmt.Println("RDTs minted:", srv.RDTCalls())
	// Output:
	// 902-1845936-5435065 Jane Doe Seattle
	// 902-1845936-5435066 Jane Doe Seattle
	// 902-1845936-5435067 Jane Doe Seattle
	// RDTs minted: 1
}

// A Config kept in a struct field: fmt calls no Format on an unexported
// field, so the string fields would print raw there. HideSecrets moves the
// client secret and refresh token where nothing can print them; New still
// uses them.
func ExampleConfig_HideSecrets() {
	type worker struct {
		cfg client.Config // unexported: %+v of a worker cannot call cfg's Format
	}
	cfg := client.Config{ClientID: "amzn1.application-oa2-client.x", ClientSecret: "amzn1.oa2-cs.v1.s3cret", RefreshToken: "Atzr|r3fresh"}
	w := worker{cfg: cfg.HideSecrets()}
	out := fmt.Sprintf("%+v", w)
	fmt.Println(strings.Contains(out, "s3cret"), strings.Contains(out, "r3fresh"))
	_, err := client.New(w.cfg)
	fmt.Println(err)
	// Output:
	// false false
	// <nil>
}
