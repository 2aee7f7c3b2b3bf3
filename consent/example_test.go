package consent_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/consent"
	"github.com/spapi-go/spapi/marketplace"
	"github.com/spapi-go/spapi/sptest"
)

// The consent URL of a draft application for a seller in Germany.
func ExampleAuthorizer_SellerURL() {
	key := make([]byte, consent.MinStateKeyLen)
	rand.Read(key) // in production: a secret every instance shares
	a, err := consent.New(consent.Config{
		ApplicationID: "amzn1.sp.solution.example",
		ClientID:      "amzn1.application-oa2-client.example",
		ClientSecret:  "client-secret",
		RedirectURI:   "https://app.example.com/spapi/callback",
		Draft:         true, // version=beta until the application is published
		StateKey:      key,
		Session:       consent.CookieSession("session"),
	})
	if err != nil {
		log.Fatal(err)
	}
	// The user's session id, from the application's own session.
	u, err := a.SellerURL(context.Background(), "the-user's-session-id", marketplace.DE)
	if err != nil {
		log.Fatal(err)
	}
	// The state is random; show its place.
	p, _ := url.Parse(u)
	q := p.Query()
	q.Set("state", "STATE")
	p.RawQuery = q.Encode()
	fmt.Println(p)
	// Output:
	// https://sellercentral-europe.amazon.com/apps/authorize/consent?application_id=amzn1.sp.solution.example&redirect_uri=https%3A%2F%2Fapp.example.com%2Fspapi%2Fcallback&state=STATE&version=beta
}

// The whole workflow against sptest: the application sends the user to the
// consent page, serves the callback with Handler, and calls the SP-API for
// the seller with the refresh token it got.
func ExampleAuthorizer_Handler() {
	amazon := sptest.NewServer(sptest.Options{RateScale: 100}) // plays Seller Central and LWA
	defer amazon.Close()

	mux := http.NewServeMux()
	web := httptest.NewServer(mux) // the application's web server
	defer web.Close()

	key := make([]byte, consent.MinStateKeyLen)
	rand.Read(key)
	a, err := consent.New(consent.Config{
		ApplicationID:  sptest.ApplicationID,
		ClientID:       sptest.ClientID,
		ClientSecret:   sptest.ClientSecret,
		RedirectURI:    web.URL + "/spapi/callback",
		StateKey:       key,
		Session:        consent.CookieSession("session"),
		ConsentBaseURL: amazon.URL(),    // tests only: Seller Central is sptest
		LWAEndpoint:    amazon.LWAURL(), // tests only
	})
	if err != nil {
		log.Fatal(err)
	}
	authorized := make(chan consent.Authorization, 1)
	mux.Handle("/spapi/callback", a.Handler(
		func(w http.ResponseWriter, r *http.Request, auth consent.Authorization) {
			authorized <- auth // store auth.RefreshToken for auth.SellingPartnerID
			http.Redirect(w, r, "/done", http.StatusSeeOther)
		},
		nil, // DefaultError: 400 or 502 with what went wrong
	))
	mux.HandleFunc("/done", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "done") })

	// The user's browser, signed in to the application (cookie "session").
	jar, _ := cookiejar.New(nil)
	site, _ := url.Parse(web.URL)
	jar.SetCookies(site, []*http.Cookie{{Name: "session", Value: "user-42", Path: "/"}})
	browser := &http.Client{Jar: jar}

	consentURL, err := a.SellerURL(context.Background(), "user-42", marketplace.US)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := browser.Get(consentURL) // consent page -> callback -> /done
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	auth := <-authorized
	fmt.Println("landed on", resp.Request.URL.Path)
	fmt.Printf("authorized: %+v\n", auth) // the refresh token prints redacted

	// A first call for the seller.
	c, err := client.New(auth.Config(amazon.ClientConfig()))
	if err != nil {
		log.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, amazon.URL()+"/sellers/v1/marketplaceParticipations", nil)
	resp, err = c.HTTPClient().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println("getMarketplaceParticipations:", resp.Status)
	// Output:
	// landed on /done
	// authorized: {SellingPartnerID:ASPTESTSELLER1 RefreshToken:Atzr|[REDACTED] MWSAuthToken: Marketplace:US (ATVPDKIKX0DER) Vendor:false}
	// getMarketplaceParticipations: 200 OK
}
