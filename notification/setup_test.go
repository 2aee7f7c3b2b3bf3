package notification_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/spapi-go/spapi/apis/notifications"
	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/notification"
	"github.com/spapi-go/spapi/sptest"
)

const queueARN = "arn:aws:sqs:us-east-1:123456789012:sp-notifications"

func setupServer(t *testing.T) (*sptest.Server, notification.Clients) {
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

// listState reads the destinations and, per type, the subscription the
// fake holds, through the typed client.
func listDestinations(t *testing.T, cs notification.Clients) []notifications.Destination {
	t.Helper()
	c, err := notifications.New(cs.Grantless)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Check(c.GetDestinationsWithResponse(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return *resp.JSON200.Payload
}

// TestSetupTwice: Setup run twice makes one destination and one
// subscription per type; the second run reuses them all.
func TestSetupTwice(t *testing.T) {
	for _, tt := range []struct {
		name string
		dest notification.Destination
	}{
		{"sqs", notification.Destination{Name: "orders", SQSARN: queueARN}},
		{"eventbridge", notification.Destination{Name: "bus", EventBridge: &notification.EventBridge{AccountID: "123456789012", Region: "us-east-1"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, cs := setupServer(t)
			ctx := context.Background()
			types := []notification.Type{notification.TypeOrderChange, notification.TypeReportProcessingFinished,
				notification.TypeListingsItemIssuesChange, "ACCOUNT_STATUS_CHANGED"}
			first, err := notification.Setup(ctx, cs, tt.dest, types...)
			if err != nil {
				t.Fatal(err)
			}
			if !first.DestinationCreated || first.DestinationID == "" || len(first.Subscriptions) != len(types) {
				t.Fatalf("first Setup = %+v", first)
			}
			for i, s := range first.Subscriptions {
				if !s.Created || s.SubscriptionID == "" || s.Type != types[i] {
					t.Errorf("first Setup subscription %d = %+v", i, s)
				}
			}
			if v := first.Subscriptions[2].PayloadVersion; v != "1.0" {
				t.Errorf("LISTINGS_ITEM_ISSUES_CHANGE subscribed at %q, want its first version 1.0", v)
			}
			second, err := notification.Setup(ctx, cs, tt.dest, types...)
			if err != nil {
				t.Fatal(err)
			}
			if second.DestinationCreated || second.DestinationID != first.DestinationID {
				t.Errorf("second Setup destination = %s created=%v, want %s reused", second.DestinationID, second.DestinationCreated, first.DestinationID)
			}
			for i, s := range second.Subscriptions {
				if s.Created || s.SubscriptionID != first.Subscriptions[i].SubscriptionID {
					t.Errorf("second Setup subscription %d = %+v, want %s reused", i, s, first.Subscriptions[i].SubscriptionID)
				}
			}
			if d := listDestinations(t, cs); len(d) != 1 {
				t.Errorf("%d destinations, want 1: %+v", len(d), d)
			}
			if n := srv.CallsByStatus("createDestination", 200); n != 1 {
				t.Errorf("createDestination succeeded %d times, want 1", n)
			}
			if n := srv.CallsByStatus("createSubscription", 200); n != len(types) {
				t.Errorf("createSubscription succeeded %d times, want %d", n, len(types))
			}
		})
	}
}

// TestSetupConflicts: a 409 on create (the destination or subscription was
// made between the lookup and the create, as by another process) is looked
// up and reused.
func TestSetupConflicts(t *testing.T) {
	srv, cs := setupServer(t)
	ctx := context.Background()
	dest := notification.Destination{Name: "orders", SQSARN: queueARN}
	first, err := notification.Setup(ctx, cs, dest, notification.TypeOrderChange)
	if err != nil {
		t.Fatal(err)
	}
	// The lookups miss once each, as in a race with another process.
	srv.Script("getDestinations", sptest.Fault{Status: http.StatusOK, Body: []byte(`{"payload":[]}`)})
	srv.Script("getSubscription", sptest.Fault{Status: http.StatusNotFound})
	again, err := notification.Setup(ctx, cs, dest, notification.TypeOrderChange)
	if err != nil {
		t.Fatal(err)
	}
	if srv.CallsByStatus("createDestination", http.StatusConflict) != 1 || srv.CallsByStatus("createSubscription", http.StatusConflict) != 1 {
		t.Fatalf("no 409s: createDestination %d, createSubscription %d",
			srv.CallsByStatus("createDestination", http.StatusConflict), srv.CallsByStatus("createSubscription", http.StatusConflict))
	}
	if again.DestinationID != first.DestinationID || again.DestinationCreated ||
		again.Subscriptions[0].SubscriptionID != first.Subscriptions[0].SubscriptionID || again.Subscriptions[0].Created {
		t.Errorf("after 409s Setup = %+v, want %+v reused", again, first)
	}
}

// TestSetupOtherDestination: a type subscribed to another destination is an
// error naming both, not silently moved.
func TestSetupOtherDestination(t *testing.T) {
	_, cs := setupServer(t)
	ctx := context.Background()
	a, err := notification.Setup(ctx, cs, notification.Destination{Name: "a", SQSARN: queueARN}, notification.TypeOrderChange)
	if err != nil {
		t.Fatal(err)
	}
	_, err = notification.Setup(ctx, cs, notification.Destination{Name: "b", SQSARN: queueARN + "-b"}, notification.TypeOrderChange)
	if err == nil || !strings.Contains(err.Error(), "subscribed to destination "+a.DestinationID) {
		t.Errorf("Setup to another destination: %v", err)
	}
}

// TestSetupGrantless: destinations take the grantless token; a seller
// client in its place gets the API's 403.
func TestSetupGrantless(t *testing.T) {
	_, cs := setupServer(t)
	cs.Grantless = cs.Seller
	_, err := notification.Setup(context.Background(), cs, notification.Destination{Name: "a", SQSARN: queueARN}, notification.TypeOrderChange)
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden || !strings.Contains(err.Error(), "getDestinations") {
		t.Errorf("Setup with a seller token for destinations: %v", err)
	}
}

// TestSetupInvalid: bad input is refused before anything is sent, with an
// error naming the field.
func TestSetupInvalid(t *testing.T) {
	srv, cs := setupServer(t)
	eb := func(acct, region string) *notification.EventBridge {
		return &notification.EventBridge{AccountID: acct, Region: region}
	}
	tests := []struct {
		name  string
		cs    notification.Clients
		dest  notification.Destination
		types []notification.Type
		want  string
	}{
		{"no seller", notification.Clients{Grantless: cs.Grantless}, notification.Destination{Name: "a", SQSARN: queueARN}, []notification.Type{"ORDER_CHANGE"}, "Clients.Seller is nil"},
		{"no grantless", notification.Clients{Seller: cs.Seller}, notification.Destination{Name: "a", SQSARN: queueARN}, []notification.Type{"ORDER_CHANGE"}, "Clients.Grantless is nil"},
		{"no name", cs, notification.Destination{SQSARN: queueARN}, []notification.Type{"ORDER_CHANGE"}, "Destination.Name is empty"},
		{"neither", cs, notification.Destination{Name: "a"}, []notification.Type{"ORDER_CHANGE"}, "exactly one of SQSARN and EventBridge"},
		{"both", cs, notification.Destination{Name: "a", SQSARN: queueARN, EventBridge: eb("123456789012", "us-east-1")}, []notification.Type{"ORDER_CHANGE"}, "exactly one"},
		{"bad arn", cs, notification.Destination{Name: "a", SQSARN: "arn:aws:sns:us-east-1:123456789012:t"}, []notification.Type{"ORDER_CHANGE"}, "Destination.SQSARN"},
		{"bad account", cs, notification.Destination{Name: "a", EventBridge: eb("12345", "us-east-1")}, []notification.Type{"ORDER_CHANGE"}, "AccountID"},
		{"bad region", cs, notification.Destination{Name: "a", EventBridge: eb("123456789012", "Virginia")}, []notification.Type{"ORDER_CHANGE"}, "Region"},
		{"no types", cs, notification.Destination{Name: "a", SQSARN: queueARN}, nil, "no notification types"},
		{"bad type", cs, notification.Destination{Name: "a", SQSARN: queueARN}, []notification.Type{"order change"}, `types[0] "order change"`},
		{"twice", cs, notification.Destination{Name: "a", SQSARN: queueARN}, []notification.Type{"ORDER_CHANGE", "ORDER_CHANGE"}, "types[1] ORDER_CHANGE is listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := notification.Setup(context.Background(), tt.cs, tt.dest, tt.types...)
			if !errors.Is(err, client.ErrInvalidRequest) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Setup: %v, want ErrInvalidRequest saying %q", err, tt.want)
			}
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
}

// TestNewClients: the grantless client is made without the refresh token;
// a Config without its secrets as fields is refused.
func TestNewClients(t *testing.T) {
	srv, _ := setupServer(t)
	if _, err := notification.NewClients(srv.ClientConfig().HideSecrets()); !errors.Is(err, client.ErrInvalidRequest) {
		t.Errorf("NewClients(HideSecrets): %v", err)
	}
}
