package sptest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spapi-go/spapi/sptest"
)

// Example gets an LWA access token and a Restricted Data Token from the fake
// with plain net/http, then calls a restricted operation with the RDT.
func Example() {
	srv := sptest.NewServer(sptest.Options{})
	defer srv.Close()

	// Login with Amazon: exchange the refresh token for an access token.
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {sptest.RefreshToken},
		"client_id":     {sptest.ClientID},
		"client_secret": {sptest.ClientSecret},
	}
	resp, err := http.PostForm(srv.LWAURL(), form)
	if err != nil {
		panic(err)
	}
	var lwa struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&lwa)
	resp.Body.Close()
	fmt.Println("LWA:", resp.StatusCode, lwa.TokenType, lwa.ExpiresIn, strings.HasPrefix(lwa.AccessToken, "Atza|"))

	// Tokens API: an RDT for any order's shipping address.
	body := `{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders/{orderId}/address"}]}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/tokens/2021-03-01/restrictedDataToken", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-amz-access-token", lwa.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	var rdt struct {
		RestrictedDataToken string `json:"restrictedDataToken"`
		ExpiresIn           int    `json:"expiresIn"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&rdt)
	resp.Body.Close()
	fmt.Println("RDT:", resp.StatusCode, rdt.ExpiresIn, strings.HasPrefix(rdt.RestrictedDataToken, "Atz.sprdt|"),
		"rate limit", resp.Header.Get("x-amzn-RateLimit-Limit"))

	// The restricted operation, with the RDT.
	req, _ = http.NewRequest(http.MethodGet, srv.URL()+"/orders/v0/orders/902-1845936-5435065/address", nil)
	req.Header.Set("x-amz-access-token", rdt.RestrictedDataToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	var addr struct {
		Payload struct {
			AmazonOrderID   string `json:"AmazonOrderId"`
			ShippingAddress struct{ City string }
		} `json:"payload"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&addr)
	resp.Body.Close()
	fmt.Println("getOrderAddress:", resp.StatusCode, addr.Payload.AmazonOrderID, addr.Payload.ShippingAddress.City)

	fmt.Println("calls:", srv.LWACalls(), srv.RDTCalls(), srv.Calls("getOrderAddress"))
	// Output:
	// LWA: 200 bearer 3600 true
	// RDT: 200 3600 true rate limit 1
	// getOrderAddress: 200 902-1845936-5435065 Seattle
	// calls: 1 1 1
}
