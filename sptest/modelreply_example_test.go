package sptest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/spapi-go/spapi/sptest"
)

// Example_modelReplies calls operations that have no handler of their own:
// each answers the status and body its model documents (createReportSchedule:
// 201 and the model's sandbox example), a request without a required parameter
// gets 400 naming it, and a persistent fault replaces the reply for a test
// that needs another one.
func Example_modelReplies() {
	srv := sptest.NewServer(sptest.Options{NoRateLimit: true})
	defer srv.Close()
	resp, err := http.PostForm(srv.LWAURL(), url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {sptest.RefreshToken},
		"client_id": {sptest.ClientID}, "client_secret": {sptest.ClientSecret},
	})
	if err != nil {
		panic(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, token, _ := strings.Cut(string(b), `"access_token":"`)
	token, _, _ = strings.Cut(token, `"`)

	call := func(method, path, body string) {
		req, _ := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-amz-access-token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(b))
	}
	call(http.MethodPost, "/reports/2021-06-30/schedules", `{"reportType":"GET_MERCHANT_LISTINGS_ALL_DATA","marketplaceIds":["ATVPDKIKX0DER"],"period":"P1D"}`)
	call(http.MethodGet, "/listings/2021-08-01/items/A1SELLER/SKU-1", "")

	srv.Always("createReportSchedule", &sptest.Fault{Status: 201, Body: []byte(`{"reportScheduleId":"mine"}`)})
	call(http.MethodPost, "/reports/2021-06-30/schedules", `{}`)
	// Output:
	// 201 {"reportScheduleId":"ID323"}
	// 400 {"errors":[{"code":"InvalidInput","message":"Missing required query parameter \"marketplaceIds\".","details":""}]}
	// 201 {"reportScheduleId":"mine"}
}
