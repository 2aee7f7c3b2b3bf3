package notification

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/spapi-go/spapi/apis/notifications"
	"github.com/spapi-go/spapi/client"
)

// GrantlessScope is the LWA scope of the Notifications API's grantless
// operations (createDestination, getDestinations, getDestination,
// deleteDestination).
const GrantlessScope = "sellingpartnerapi::notifications"

// Clients are the two clients Setup needs: destinations belong to the
// application and take a grantless token; subscriptions belong to a seller
// and take the seller's token.
type Clients struct {
	Seller    *client.Client // with the seller's refresh token
	Grantless *client.Client // with Scope GrantlessScope and no refresh token
}

// NewClients makes both clients from the seller's Config: the grantless
// one is cfg without its refresh token and with Scope GrantlessScope. A
// Config from HideSecrets cannot be split so (its secrets are sealed
// together): build Clients from two Configs then.
func NewClients(cfg client.Config) (Clients, error) {
	if cfg.ClientSecret == "" || cfg.RefreshToken == "" {
		return Clients{}, fmt.Errorf("notification: NewClients: the Config needs ClientSecret and RefreshToken as fields (not from HideSecrets): %w", client.ErrInvalidRequest)
	}
	seller, err := client.New(cfg)
	if err != nil {
		return Clients{}, err
	}
	g := cfg
	g.RefreshToken = ""
	g.Scope = GrantlessScope
	grantless, err := client.New(g)
	if err != nil {
		return Clients{}, fmt.Errorf("notification: the grantless client: %w", err)
	}
	return Clients{Seller: seller, Grantless: grantless}, nil
}

// Destination is where notifications go: an SQS queue or the EventBridge
// of an AWS account. Set Name and exactly one of SQSARN and EventBridge.
type Destination struct {
	Name        string
	SQSARN      string       // arn:aws:sqs:<region>:<account>:<queue>
	EventBridge *EventBridge // the account and region of the partner event source
}

// EventBridge names an AWS account and region for an EventBridge
// destination (one per AWS account).
type EventBridge struct {
	AccountID string // 12 digits
	Region    string // such as us-east-1
}

// Subscription is one notification type's subscription after Setup.
type Subscription struct {
	Type           Type
	SubscriptionID string
	PayloadVersion string
	Created        bool // false: it existed and was reused
}

// SetupResult is what Setup found or made.
type SetupResult struct {
	DestinationID      string
	DestinationCreated bool // false: a destination with the same resource existed and was reused
	Subscriptions      []Subscription
}

var (
	sqsARN     = regexp.MustCompile(`^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$`)
	awsAccount = regexp.MustCompile(`^[0-9]{12}$`)
	awsRegion  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	typeName   = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)
)

// Setup makes dest exist and subscribes it to types, reusing what already
// exists, so it can run at every start: a destination with the same
// resource (the same queue ARN, or the same account and region) is reused
// and a type already subscribed to it is left as it is; running it twice
// makes one destination and one subscription per type. A createDestination
// or createSubscription answered 409 (made meanwhile by another process) is
// looked up and reused. Each type is subscribed at its first payload
// version (PayloadVersions), "1.0" for a type without a schema here.
//
// A type already subscribed to another destination is an error naming both
// (Amazon keeps one subscription per type and payload version), left for
// the caller to delete; the types before it stay subscribed. Invalid input
// is refused before anything is sent, with an error wrapping
// client.ErrInvalidRequest.
func Setup(ctx context.Context, cs Clients, dest Destination, types ...Type) (*SetupResult, error) {
	if err := checkSetup(cs, dest, types); err != nil {
		return nil, err
	}
	grantless, err := notifications.New(cs.Grantless)
	if err != nil {
		return nil, err
	}
	seller, err := notifications.New(cs.Seller)
	if err != nil {
		return nil, err
	}
	res := &SetupResult{}
	res.DestinationID, res.DestinationCreated, err = ensureDestination(ctx, grantless, dest)
	if err != nil {
		return nil, err
	}
	for _, t := range types {
		sub, err := ensureSubscription(ctx, seller, t, res.DestinationID)
		if err != nil {
			return res, err
		}
		res.Subscriptions = append(res.Subscriptions, sub)
	}
	return res, nil
}

func checkSetup(cs Clients, dest Destination, types []Type) error {
	invalid := func(format string, a ...any) error {
		return fmt.Errorf("notification: Setup: %s: %w", fmt.Sprintf(format, a...), client.ErrInvalidRequest)
	}
	switch {
	case cs.Seller == nil:
		return invalid("Clients.Seller is nil (subscriptions need the seller's client)")
	case cs.Grantless == nil:
		return invalid("Clients.Grantless is nil (destinations need a grantless client; see NewClients)")
	case dest.Name == "":
		return invalid("Destination.Name is empty")
	case len(dest.Name) > 256:
		return invalid("Destination.Name is %d bytes, over 256", len(dest.Name))
	case (dest.SQSARN == "") == (dest.EventBridge == nil):
		return invalid("Destination needs exactly one of SQSARN and EventBridge")
	case dest.SQSARN != "" && !sqsARN.MatchString(dest.SQSARN):
		return invalid("Destination.SQSARN %q is not an SQS queue ARN (arn:aws:sqs:<region>:<12-digit account>:<queue>)", dest.SQSARN)
	case dest.EventBridge != nil && !awsAccount.MatchString(dest.EventBridge.AccountID):
		return invalid("Destination.EventBridge.AccountID %q is not a 12-digit AWS account id", dest.EventBridge.AccountID)
	case dest.EventBridge != nil && !awsRegion.MatchString(dest.EventBridge.Region):
		return invalid("Destination.EventBridge.Region %q is not an AWS region such as us-east-1", dest.EventBridge.Region)
	case len(types) == 0:
		return invalid("no notification types")
	}
	seen := map[Type]bool{}
	for i, t := range types {
		switch {
		case !typeName.MatchString(string(t)):
			return invalid("types[%d] %q is not a notification type (such as ORDER_CHANGE)", i, t)
		case seen[t]:
			return invalid("types[%d] %s is listed twice", i, t)
		}
		seen[t] = true
	}
	return nil
}

// ensureDestination finds dest among the application's destinations, or
// makes it.
func ensureDestination(ctx context.Context, c *notifications.ClientWithResponses, dest Destination) (id string, created bool, err error) {
	if id, err := findDestination(ctx, c, dest); err != nil || id != "" {
		return id, false, err
	}
	spec := notifications.DestinationResourceSpecification{}
	if dest.SQSARN != "" {
		spec.Sqs = &notifications.SqsResource{Arn: dest.SQSARN}
	} else {
		spec.EventBridge = &notifications.EventBridgeResourceSpecification{AccountID: dest.EventBridge.AccountID, Region: dest.EventBridge.Region}
	}
	resp, err := c.CreateDestinationWithResponse(ctx, notifications.CreateDestinationRequest{Name: dest.Name, ResourceSpecification: spec})
	if err != nil {
		return "", false, fmt.Errorf("notification: createDestination: %w", err)
	}
	if resp.StatusCode() == http.StatusConflict {
		// Made meanwhile (another process running Setup): use it.
		id, err := findDestination(ctx, c, dest)
		if err == nil && id == "" {
			err = fmt.Errorf("notification: createDestination answered 409 but getDestinations lists no destination for %s", describe(dest))
		}
		return id, false, err
	}
	if err := client.CheckResponse(resp); err != nil {
		return "", false, fmt.Errorf("notification: createDestination: %w", err)
	}
	if resp.JSON200 == nil || resp.JSON200.Payload == nil || resp.JSON200.Payload.DestinationID == "" {
		return "", false, errors.New("notification: createDestination: the reply has no destinationId")
	}
	return resp.JSON200.Payload.DestinationID, true, nil
}

// findDestination is the id of the destination with dest's resource, "" if
// none.
func findDestination(ctx context.Context, c *notifications.ClientWithResponses, dest Destination) (string, error) {
	resp, err := c.GetDestinationsWithResponse(ctx)
	if err != nil {
		return "", fmt.Errorf("notification: getDestinations: %w", err)
	}
	if err := client.CheckResponse(resp); err != nil {
		return "", fmt.Errorf("notification: getDestinations: %w", err)
	}
	if resp.JSON200 == nil || resp.JSON200.Payload == nil {
		return "", nil
	}
	for _, d := range *resp.JSON200.Payload {
		r := d.Resource
		switch {
		case dest.SQSARN != "" && r.Sqs != nil && r.Sqs.Arn == dest.SQSARN:
			return d.DestinationID, nil
		case dest.EventBridge != nil && r.EventBridge != nil &&
			r.EventBridge.AccountID == dest.EventBridge.AccountID && r.EventBridge.Region == dest.EventBridge.Region:
			return d.DestinationID, nil
		}
	}
	return "", nil
}

func describe(dest Destination) string {
	if dest.SQSARN != "" {
		return dest.SQSARN
	}
	return "EventBridge " + dest.EventBridge.AccountID + " " + dest.EventBridge.Region
}

// ensureSubscription finds t's subscription, or makes it.
func ensureSubscription(ctx context.Context, c *notifications.ClientWithResponses, t Type, destID string) (Subscription, error) {
	version := "1.0"
	if vs := PayloadVersions(t); len(vs) > 0 {
		version = vs[0]
	}
	sub := Subscription{Type: t, PayloadVersion: version}
	existing, err := findSubscription(ctx, c, t, version)
	if err != nil {
		return sub, err
	}
	if existing == nil {
		resp, err := c.CreateSubscriptionWithResponse(ctx, string(t), notifications.CreateSubscriptionRequest{DestinationID: destID, PayloadVersion: version})
		if err != nil {
			return sub, fmt.Errorf("notification: createSubscription %s: %w", t, err)
		}
		if resp.StatusCode() != http.StatusConflict {
			if err := client.CheckResponse(resp); err != nil {
				return sub, fmt.Errorf("notification: createSubscription %s: %w", t, err)
			}
			if resp.JSON200 == nil || resp.JSON200.Payload == nil || resp.JSON200.Payload.SubscriptionID == "" {
				return sub, fmt.Errorf("notification: createSubscription %s: the reply has no subscriptionId", t)
			}
			sub.SubscriptionID, sub.Created = resp.JSON200.Payload.SubscriptionID, true
			return sub, nil
		}
		// 409: it exists (made meanwhile): look it up.
		if existing, err = findSubscription(ctx, c, t, version); err != nil {
			return sub, err
		}
		if existing == nil {
			return sub, fmt.Errorf("notification: createSubscription %s answered 409 but getSubscription finds none", t)
		}
	}
	if existing.DestinationID != destID {
		return sub, fmt.Errorf("notification: %s (payload version %s) is subscribed to destination %s, not %s: delete subscription %s to move it",
			t, version, existing.DestinationID, destID, existing.SubscriptionID)
	}
	sub.SubscriptionID = existing.SubscriptionID
	return sub, nil
}

// findSubscription is t's subscription at version, nil if it has none.
func findSubscription(ctx context.Context, c *notifications.ClientWithResponses, t Type, version string) (*notifications.Subscription, error) {
	resp, err := c.GetSubscriptionWithResponse(ctx, string(t), &notifications.GetSubscriptionParams{PayloadVersion: &version})
	if err != nil {
		return nil, fmt.Errorf("notification: getSubscription %s: %w", t, err)
	}
	if resp.StatusCode() == http.StatusNotFound {
		return nil, nil
	}
	if err := client.CheckResponse(resp); err != nil {
		return nil, fmt.Errorf("notification: getSubscription %s: %w", t, err)
	}
	if resp.JSON200 == nil || resp.JSON200.Payload == nil || resp.JSON200.Payload.SubscriptionID == "" {
		return nil, nil
	}
	return resp.JSON200.Payload, nil
}
