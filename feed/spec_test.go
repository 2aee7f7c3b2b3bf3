package feed_test

import "github.com/spapi-go/spapi/apis/feeds20210630"

func feedSpec(docID string) feeds20210630.CreateFeedSpecification {
	return feeds20210630.CreateFeedSpecification{FeedType: "JSON_LISTINGS_FEED", MarketplaceIds: []string{"ATVPDKIKX0DER"}, InputFeedDocumentID: docID}
}
