package sptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/apis/notifications"
	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/notification"
	"github.com/spapi-go/spapi/sptest"
)

const testQueue = "arn:aws:sqs:us-east-1:123456789012:sptest-queue"

func notifServer(t *testing.T) (*sptest.Server, notification.Clients) {
	t.Helper()
	srv := sptest.Start(t, sptest.Options{Notifications: true, NoRateLimit: true})
	cfg := srv.ClientConfig()
	cfg.NoRateLimit = true
	cs, err := notification.NewClients(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, cs
}

// receive takes the one body waiting on ch: Notify delivers before it
// returns, so nothing is waited for.
func receive(t *testing.T, ch <-chan []byte) []byte {
	t.Helper()
	select {
	case b := <-ch:
		return b
	default:
		t.Fatal("nothing delivered")
		return nil
	}
}

// TestNotifyDelivers: a test subscribes, causes an event and receives it
// in Amazon's shape, SQS body or EventBridge event, and Parse reads it.
func TestNotifyDelivers(t *testing.T) {
	ctx := context.Background()
	t.Run("report done to SQS", func(t *testing.T) {
		srv, cs := notifServer(t)
		res, err := notification.Setup(ctx, cs, notification.Destination{Name: "q", SQSARN: testQueue}, notification.TypeReportProcessingFinished)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := srv.NotifyReportDone("50013019999", "GET_FLAT_FILE_OPEN_LISTINGS_DATA"); err != nil || n != 1 {
			t.Fatalf("NotifyReportDone = %d, %v", n, err)
		}
		body := receive(t, srv.Destination(testQueue))
		if !strings.Contains(string(body), `"notificationType":"REPORT_PROCESSING_FINISHED"`) || strings.Contains(string(body), "detail-type") {
			t.Errorf("SQS body is not the notification itself: %s", body)
		}
		n, err := notification.Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		r, ok := n.(*notification.ReportProcessingFinished)
		if !ok {
			t.Fatalf("Parse gave %T", n)
		}
		p := r.Payload.ReportProcessingFinishedNotification
		if p.ReportID != "50013019999" || p.ProcessingStatus != notification.ReportProcessingFinishedProcessingStatusDONE ||
			p.ReportDocumentID == nil || *p.ReportDocumentID == "" {
			t.Errorf("payload = %+v", p)
		}
		md := r.Envelope().Metadata
		if md.SubscriptionID != res.Subscriptions[0].SubscriptionID || md.ApplicationID != sptest.ApplicationID ||
			md.NotificationID == "" || md.PublishTime == "" || r.EventTime == "" {
			t.Errorf("envelope = %+v", r.Envelope())
		}
	})
	t.Run("order change to EventBridge", func(t *testing.T) {
		srv, cs := notifServer(t)
		dest := notification.Destination{Name: "bus", EventBridge: &notification.EventBridge{AccountID: "123456789012", Region: "us-west-2"}}
		if _, err := notification.Setup(ctx, cs, dest, notification.TypeOrderChange, notification.TypeFeedProcessingFinished); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.NotifyOrderChange("902-1845936-5435065", notification.OrderChangeOrderStatusShipped); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.NotifyFeedDone("23492394", "POST_PRODUCT_DATA"); err != nil {
			t.Fatal(err)
		}
		ch := srv.EventBridge("123456789012", "us-west-2")
		event := receive(t, ch)
		var ev struct {
			DetailType string          `json:"detail-type"`
			Source     string          `json:"source"`
			Account    string          `json:"account"`
			Region     string          `json:"region"`
			Detail     json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal(event, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.DetailType != "ORDER_CHANGE" || !strings.HasPrefix(ev.Source, notification.EventSourcePrefix+"/") ||
			ev.Account != "123456789012" || ev.Region != "us-west-2" || len(ev.Detail) == 0 {
			t.Errorf("event = %s", event)
		}
		n, err := notification.Parse(event)
		if err != nil {
			t.Fatal(err)
		}
		o, ok := n.(*notification.OrderChange)
		if !ok || o.Payload.OrderChangeNotification.AmazonOrderID != "902-1845936-5435065" ||
			o.Payload.OrderChangeNotification.Summary.OrderStatus != notification.OrderChangeOrderStatusShipped {
			t.Errorf("Parse = %#v", n)
		}
		f, err := notification.Parse(receive(t, ch))
		if err != nil {
			t.Fatal(err)
		}
		if fd, ok := f.(*notification.FeedProcessingFinished); !ok || fd.Payload.FeedProcessingFinishedNotification.FeedID != "23492394" {
			t.Errorf("Parse = %#v", f)
		}
	})
}

// TestNotifyEveryType: every schema's sample, sent through the fake, comes
// out as its type.
func TestNotifyEveryType(t *testing.T) {
	srv, cs := notifServer(t)
	ctx := context.Background()
	res, err := notification.Setup(ctx, cs, notification.Destination{Name: "q", SQSARN: testQueue}, notification.Types()...)
	if err != nil {
		t.Fatal(err)
	}
	// The second payload version of LISTINGS_ITEM_ISSUES_CHANGE has a
	// subscription of its own.
	c, _ := notifications.New(cs.Seller)
	if _, err := client.Check(c.CreateSubscriptionWithResponse(ctx, string(notification.TypeListingsItemIssuesChange),
		notifications.CreateSubscriptionRequest{DestinationID: res.DestinationID, PayloadVersion: "2023-12-13"})); err != nil {
		t.Fatal(err)
	}
	ch := srv.Destination(testQueue)
	for _, s := range notification.Samples() {
		t.Run(notification.SchemaFile(s), func(t *testing.T) {
			if n, err := srv.Notify(s); err != nil || n != 1 {
				t.Fatalf("Notify = %d, %v", n, err)
			}
			got, err := notification.Parse(receive(t, ch))
			if err != nil {
				t.Fatal(err)
			}
			if reflect.TypeOf(got) != reflect.TypeOf(s) {
				t.Errorf("Parse gave %T, want %T", got, s)
			}
			if got.Envelope().Metadata.NotificationID == "" {
				t.Error("no NotificationId")
			}
		})
	}
}

// TestNotifyWithoutSubscription: nothing subscribed, nothing delivered.
func TestNotifyWithoutSubscription(t *testing.T) {
	srv, _ := notifServer(t)
	if _, err := srv.NotifyOrderChange("1", notification.OrderChangeOrderStatusShipped); !errors.Is(err, sptest.ErrNoSubscription) {
		t.Errorf("Notify without subscription: %v", err)
	}
}

// TestNotificationsAPI: the fake keeps destinations and subscriptions as
// Amazon does: 409 on a duplicate, 404 on an unknown id, grantless
// destinations, a seller's own subscriptions.
func TestNotificationsAPI(t *testing.T) {
	_, cs := notifServer(t)
	ctx := context.Background()
	g, _ := notifications.New(cs.Grantless)
	s, _ := notifications.New(cs.Seller)
	sqs := notifications.CreateDestinationRequest{Name: "q", ResourceSpecification: notifications.DestinationResourceSpecification{
		Sqs: &notifications.SqsResource{Arn: testQueue}}}
	created, err := client.Check(g.CreateDestinationWithResponse(ctx, sqs))
	if err != nil {
		t.Fatal(err)
	}
	id := created.JSON200.Payload.DestinationID
	status := func(r interface{ StatusCode() int }, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode()
	}
	sub := notifications.CreateSubscriptionRequest{DestinationID: id, PayloadVersion: "1.0"}
	tests := []struct {
		name string
		got  func() int
		want int
	}{
		{"duplicate destination", func() int { return status(g.CreateDestinationWithResponse(ctx, sqs)) }, http.StatusConflict},
		{"destination with a seller token", func() int { return status(s.CreateDestinationWithResponse(ctx, sqs)) }, http.StatusForbidden},
		{"get destination", func() int { return status(g.GetDestinationWithResponse(ctx, id)) }, http.StatusOK},
		{"get unknown destination", func() int { return status(g.GetDestinationWithResponse(ctx, "nope")) }, http.StatusNotFound},
		{"no subscription yet", func() int { return status(s.GetSubscriptionWithResponse(ctx, "ORDER_CHANGE", nil)) }, http.StatusNotFound},
		{"subscribe", func() int { return status(s.CreateSubscriptionWithResponse(ctx, "ORDER_CHANGE", sub)) }, http.StatusOK},
		{"subscribe again", func() int { return status(s.CreateSubscriptionWithResponse(ctx, "ORDER_CHANGE", sub)) }, http.StatusConflict},
		{"subscribe with a grantless token", func() int { return status(g.CreateSubscriptionWithResponse(ctx, "ITEM_PRODUCT_TYPE_CHANGE", sub)) }, http.StatusForbidden},
		{"subscribe to an unknown destination", func() int {
			return status(s.CreateSubscriptionWithResponse(ctx, "FEE_PROMOTION", notifications.CreateSubscriptionRequest{DestinationID: "nope", PayloadVersion: "1.0"}))
		}, http.StatusBadRequest},
		{"get subscription", func() int { return status(s.GetSubscriptionWithResponse(ctx, "ORDER_CHANGE", nil)) }, http.StatusOK},
		{"delete unknown subscription", func() int { return status(s.DeleteSubscriptionByIDWithResponse(ctx, "ORDER_CHANGE", "nope")) }, http.StatusNotFound},
		{"delete destination", func() int { return status(g.DeleteDestinationWithResponse(ctx, id)) }, http.StatusOK},
		{"delete it again", func() int { return status(g.DeleteDestinationWithResponse(ctx, id)) }, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got(); got != tt.want {
				t.Errorf("status %d, want %d", got, tt.want)
			}
		})
	}
	// A subscription by id, then gone once deleted.
	got, err := client.Check(s.GetSubscriptionWithResponse(ctx, "ORDER_CHANGE", nil))
	if err != nil {
		t.Fatal(err)
	}
	subID := got.JSON200.Payload.SubscriptionID
	if st := status(s.GetSubscriptionByIDWithResponse(ctx, "ORDER_CHANGE", subID)); st != http.StatusOK {
		t.Errorf("getSubscriptionById = %d", st)
	}
	if st := status(s.DeleteSubscriptionByIDWithResponse(ctx, "ORDER_CHANGE", subID)); st != http.StatusOK {
		t.Errorf("deleteSubscriptionById = %d", st)
	}
	if st := status(s.GetSubscriptionByIDWithResponse(ctx, "ORDER_CHANGE", subID)); st != http.StatusNotFound {
		t.Errorf("getSubscriptionById after delete = %d", st)
	}
}

// TestSendTestNotification: the grantless sendTestNotification delivers a
// notification of the type to the destination it names, which Parse reads.
func TestSendTestNotification(t *testing.T) {
	srv, cs := notifServer(t)
	ctx := context.Background()
	res, err := notification.Setup(ctx, cs, notification.Destination{Name: "q", SQSARN: testQueue}, notification.TypeAnyOfferChanged)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := notifications.New(cs.Grantless)
	scenario := "DEFAULT"
	req := func(version string, scenario *string) notifications.SendTestNotificationRequest {
		return notifications.SendTestNotificationRequest{DestinationID: &res.DestinationID,
			TestNotification: &notifications.TestNotification{PayloadVersion: version, TestScenario: scenario}}
	}
	if _, err := client.Check(g.SendTestNotificationWithResponse(ctx, string(notification.TypeListingsItemIssuesChange), req("2023-12-13", &scenario))); err != nil {
		t.Fatal(err)
	}
	n, err := notification.Parse(receive(t, srv.Destination(testQueue)))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := n.(*notification.ListingsItemIssuesChangeV20231213); !ok {
		t.Errorf("Parse gave %T", n)
	}
	for _, tt := range []struct {
		name string
		req  notifications.SendTestNotificationRequest
	}{
		{"no scenario", req("1.0", nil)},
		{"unknown version", req("9.9", &scenario)},
	} {
		resp, err := g.SendTestNotificationWithResponse(ctx, string(notification.TypeAnyOfferChanged), tt.req)
		if err != nil || resp.StatusCode() != http.StatusBadRequest {
			t.Errorf("%s: %v %v", tt.name, resp.StatusCode(), err)
		}
	}
	select {
	case b := <-srv.Destination(testQueue):
		t.Errorf("refused requests delivered %s", b)
	default:
	}
}
