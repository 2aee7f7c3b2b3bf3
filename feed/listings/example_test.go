package listings_test

import (
	"encoding/json"
	"fmt"

	"github.com/spapi-go/spapi/feed/listings"
)

// A JSON_LISTINGS_FEED that sets one SKU's quantity, built with the
// generated types, and a processing report read back.
func Example() {
	feed := listings.Feed{
		Header: listings.Header{SellerID: "A1SELLER", Version: listings.Version20},
		Messages: []listings.Message{{
			MessageID:     1,
			SKU:           "SKU-MUG-01",
			OperationType: listings.OperationTypePatch,
			ProductType:   new("PRODUCT"),
			Patches: []listings.Patch{{
				Op:    listings.OpReplace,
				Path:  "/attributes/fulfillment_availability",
				Value: []map[string]any{{"fulfillment_channel_code": "DEFAULT", "quantity": 5}},
			}},
		}},
	}
	body, _ := json.Marshal(feed)
	fmt.Println(string(body))

	var report listings.ProcessingReport
	_ = json.Unmarshal([]byte(`{"header":{"sellerId":"A1SELLER","version":"2.0","feedId":"50001"},
		"issues":[{"messageId":1,"code":"90220","severity":"ERROR","message":"'quantity' is required but not supplied."}],
		"summary":{"errors":1,"warnings":0,"messagesProcessed":1,"messagesAccepted":0,"messagesInvalid":1}}`), &report)
	for _, is := range report.Issues {
		fmt.Println(*is.MessageID, is.Severity, *is.Code, is.Message)
	}
	fmt.Println("accepted:", report.Summary.MessagesAccepted, "invalid:", report.Summary.MessagesInvalid)
	// Output:
	// {"header":{"sellerId":"A1SELLER","version":"2.0"},"messages":[{"messageId":1,"sku":"SKU-MUG-01","operationType":"PATCH","productType":"PRODUCT","patches":[{"op":"replace","path":"/attributes/fulfillment_availability","value":[{"fulfillment_channel_code":"DEFAULT","quantity":5}]}]}]}
	// 1 ERROR 90220 'quantity' is required but not supplied.
	// accepted: 0 invalid: 1
}
