package notification_test

import (
	"context"
	"fmt"

	"github.com/spapi-go/spapi/notification"
	"github.com/spapi-go/spapi/sptest"
)

// Example sets up an SQS destination and two subscriptions against the
// sptest fake, makes it send two notifications, and reads them as a queue
// consumer would: each message body through a Dispatcher.
func Example() {
	srv := sptest.NewServer(sptest.Options{Notifications: true, NoRateLimit: true})
	defer srv.Close()
	ctx := context.Background()

	// Once, at start: idempotent, so safe to run at every start.
	clients, err := notification.NewClients(srv.ClientConfig())
	if err != nil {
		panic(err)
	}
	const queue = "arn:aws:sqs:us-east-1:123456789012:sp-notifications"
	res, err := notification.Setup(ctx, clients, notification.Destination{Name: "orders", SQSARN: queue},
		notification.TypeOrderChange, notification.TypeReportProcessingFinished)
	if err != nil {
		panic(err)
	}
	fmt.Println("subscriptions:", len(res.Subscriptions), "destination created:", res.DestinationCreated)

	var d notification.Dispatcher
	notification.Handle(&d, func(ctx context.Context, n *notification.OrderChange) error {
		o := n.Payload.OrderChangeNotification
		fmt.Println("order", o.AmazonOrderID, "is", o.Summary.OrderStatus)
		return nil
	})
	notification.Handle(&d, func(ctx context.Context, n *notification.ReportProcessingFinished) error {
		r := n.Payload.ReportProcessingFinishedNotification
		fmt.Println("report", r.ReportID, r.ProcessingStatus, "document", *r.ReportDocumentID)
		return nil
	})
	d.HandleDefault(func(ctx context.Context, n notification.Notification) error {
		fmt.Println("ignored", n.Type())
		return nil
	})

	// The fake sends what Amazon would; a real consumer receives the same
	// bodies from SQS (see examples/sqs).
	if _, err := srv.NotifyOrderChange("902-1845936-5435065", notification.OrderChangeOrderStatusShipped); err != nil {
		panic(err)
	}
	if _, err := srv.NotifyReportDone("50013019999", "GET_FLAT_FILE_OPEN_LISTINGS_DATA"); err != nil {
		panic(err)
	}
	queueCh := srv.Destination(queue)
	for range 2 {
		body := <-queueCh
		if err := d.DispatchBody(ctx, body); err != nil {
			fmt.Println("not handled:", err) // leave the message in the queue
		}
	}
	// Output:
	// subscriptions: 2 destination created: true
	// order 902-1845936-5435065 is Shipped
	// report 50013019999 DONE document amzn1.spdoc.1.4.50013019999
}

// ExampleParse reads an SQS message body, here one of Amazon's examples.
func ExampleParse() {
	body := []byte(`{"notificationVersion":"2020-09-04","notificationType":"FEED_PROCESSING_FINISHED","payloadVersion":"2020-09-04",
		"eventTime":"2020-07-13T19:42:04.284Z","payload":{"feedProcessingFinishedNotification":{"sellerId":"A3TH9S8BH6GOGM",
		"accountId":"amzn1.merchant.o.A3TH9S8BH6GOGM","feedId":"123123","feedType":"POST_PRODUCT_DATA","processingStatus":"DONE",
		"resultFeedDocumentId":"amzn1.tortuga.3.ed4cd0d8-447b-4a84-a0fd-dc39dad3d31b.T3YUVYPGKE9BMY"}},
		"notificationMetadata":{"applicationId":"amzn1.sellerapps.app.aacccfff-44aa-4b7c-b42b-ed4ec98dd746",
		"subscriptionId":"subscription-id-d0e9e693-c3ad-4373-979f-ed4ec98dd746","publishTime":"2020-07-13T19:42:04.284Z",
		"notificationId":"d0e9e693-c3ad-4373-979f-ed4ec98dd746"}}`)
	n, err := notification.Parse(body)
	if err != nil {
		panic(err)
	}
	switch n := n.(type) {
	case *notification.FeedProcessingFinished:
		f := n.Payload.FeedProcessingFinishedNotification
		fmt.Println(n.Type(), f.FeedID, f.ProcessingStatus, n.Envelope().Metadata.NotificationID)
	}
	_, err = notification.Parse([]byte(`{"NotificationType":"NO_SUCH_TYPE","Payload":{}}`))
	fmt.Println(err)
	// Output:
	// FEED_PROCESSING_FINISHED 123123 DONE d0e9e693-c3ad-4373-979f-ed4ec98dd746
	// notification: unknown notification type: "NO_SUCH_TYPE"
}
