package sellersalesandtraffic_test

import (
	"encoding/json"
	"fmt"
	"log"
	"strings"

	"github.com/spapi-go/spapi/report/sellersalesandtraffic"
)

// Reading a GET_SALES_AND_TRAFFIC_REPORT document (after download and
// gunzip) into the generated types; amounts are float64, so 1234567.89
// stays 1234567.89.
func Example() {
	doc := `{"reportSpecification":{"reportType":"GET_SALES_AND_TRAFFIC_REPORT","reportOptions":{"dateGranularity":"DAY"},
	  "dataStartTime":"2025-01-01","dataEndTime":"2025-01-01","marketplaceIds":["ATVPDKIKX0DER"]},
	 "salesAndTrafficByDate":[{"date":"2025-01-01",
	  "salesByDate":{"orderedProductSales":{"amount":1234567.89,"currencyCode":"USD"},"unitsOrdered":42,"totalOrderItems":40,
	   "averageSalesPerOrderItem":{"amount":30864.2,"currencyCode":"USD"},"averageUnitsPerOrderItem":1.05,
	   "averageSellingPrice":{"amount":29394.47,"currencyCode":"USD"},"unitsRefunded":0,"refundRate":0,"claimsGranted":0,
	   "claimsAmount":{"amount":0,"currencyCode":"USD"},"shippedProductSales":{"amount":0,"currencyCode":"USD"},
	   "unitsShipped":0,"ordersShipped":0},
	  "trafficByDate":{"browserPageViews":100,"mobileAppPageViews":50,"pageViews":150,"browserSessions":80,
	   "mobileAppSessions":20,"sessions":100,"buyBoxPercentage":98.5,"orderItemSessionPercentage":40,
	   "unitSessionPercentage":42,"averageOfferCount":3,"averageParentItems":1,"feedbackReceived":0,
	   "negativeFeedbackReceived":0,"receivedNegativeFeedbackRate":0}}],
	 "salesAndTrafficByAsin":[]}`
	var r sellersalesandtraffic.Report
	if err := json.NewDecoder(strings.NewReader(doc)).Decode(&r); err != nil {
		log.Fatal(err)
	}
	for _, d := range r.SalesAndTrafficByDate {
		s := d.SalesByDate.OrderedProductSales
		fmt.Printf("%s: %.2f %s, %d units, %d sessions\n", d.Date, s.Amount, s.CurrencyCode, d.SalesByDate.UnitsOrdered, d.TrafficByDate.Sessions)
	}
	// Output:
	// 2025-01-01: 1234567.89 USD, 42 units, 100 sessions
}
