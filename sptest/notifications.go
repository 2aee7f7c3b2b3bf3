package sptest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/spapi-go/spapi/notification"
)

// deliveryBuffer is how many undelivered notifications a destination's
// channel holds; Notify fails rather than block when it is full.
const deliveryBuffer = 256

// The Notifications API's paths, as its model spells them.
const (
	pathDestinations     = "/notifications/v1/destinations"
	pathDestination      = "/notifications/v1/destinations/{destinationId}"
	pathSubscriptions    = "/notifications/v1/subscriptions"
	pathSubscription     = "/notifications/v1/subscriptions/{notificationType}"
	pathSubscriptionByI  = "/notifications/v1/subscriptions/{notificationType}/{subscriptionId}"
	pathTestNotification = "/notifications/v1/subscriptions/{notificationType}/testNotification"
)

// notifState is what the fake Notifications API keeps (Options.Notifications).
type notifState struct {
	mu     sync.Mutex
	seq    int
	dests  []*fakeDestination
	subs   []*fakeSubscription
	queues map[string]chan []byte // by destination key (see destKey)
}

type fakeDestination struct {
	ID          string          `json:"destinationId"`
	Name        string          `json:"name"`
	Resource    json.RawMessage `json:"resource"`
	key         string
	eventBridge bool
}

type fakeSubscription struct {
	ID             string `json:"subscriptionId"`
	PayloadVersion string `json:"payloadVersion"`
	DestinationID  string `json:"destinationId"`
	seller         string
	typ            string
}

var (
	fakeSQSARN     = regexp.MustCompile(`^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]+$`)
	fakeAWSAccount = regexp.MustCompile(`^[0-9]{12}$`)
)

// eventBridgeKey names an EventBridge destination's channel.
func eventBridgeKey(accountID, region string) string {
	return "eventbridge:" + accountID + ":" + region
}

// handleNotifications plays the Notifications API when
// Options.Notifications is set: destinations (grantless: they take a
// grantless token) and the seller's subscriptions, kept until Close, with
// Amazon's 409 for a duplicate and 404 for an unknown id; sendTestNotification
// (grantless) delivers the sample of the type (notification.Samples) to the
// destination it names.
func (s *Server) handleNotifications(op *operation, p principal, r *http.Request, body []byte) (rep reply, ok bool) {
	if !strings.HasPrefix(op.path, "/notifications/v1/") {
		return reply{}, false
	}
	grantless := op.path == pathDestinations || op.path == pathDestination || op.path == pathTestNotification
	switch {
	case grantless && (p.seller != "" || p.rdt != nil):
		return errorReply(http.StatusForbidden, "Unauthorized", msgDenied, "This operation is grantless: it takes an access token from the client_credentials grant."), true
	case !grantless && p.seller == "":
		return errorReply(http.StatusForbidden, "Unauthorized", msgDenied, "This operation takes a selling partner's access token, not a grantless one."), true
	}
	st := &s.notif
	st.mu.Lock()
	defer st.mu.Unlock()
	switch op.method + " " + op.path {
	case "GET " + pathDestinations:
		return okJSON(map[string]any{"payload": slices.Clone(st.dests)}), true
	case "POST " + pathDestinations:
		return st.createDestination(body), true
	case "GET " + pathDestination:
		if d := st.destination(segment(r.URL.Path, 4)); d != nil {
			return okJSON(map[string]any{"payload": d}), true
		}
		return notFound("destination"), true
	case "DELETE " + pathDestination:
		id := segment(r.URL.Path, 4)
		i := slices.IndexFunc(st.dests, func(d *fakeDestination) bool { return d.ID == id })
		if i < 0 {
			return notFound("destination"), true
		}
		st.dests = slices.Delete(st.dests, i, i+1)
		return okJSON(struct{}{}), true
	case "GET " + pathSubscriptions:
		types := strings.Split(r.URL.Query().Get("notificationTypes"), ",")
		var out []*fakeSubscription
		for _, sub := range st.subs {
			if sub.seller == p.seller && slices.Contains(types, sub.typ) {
				out = append(out, sub)
			}
		}
		return okJSON(map[string]any{"payload": map[string]any{"subscriptions": out}}), true
	case "GET " + pathSubscription:
		typ, version := segment(r.URL.Path, 4), r.URL.Query().Get("payloadVersion")
		for _, sub := range st.subs {
			if sub.seller == p.seller && sub.typ == typ && (version == "" || sub.PayloadVersion == version) {
				return okJSON(map[string]any{"payload": sub}), true
			}
		}
		return notFound("subscription"), true
	case "POST " + pathSubscription:
		return st.createSubscription(p.seller, segment(r.URL.Path, 4), body), true
	case "POST " + pathTestNotification:
		return s.sendTestNotification(segment(r.URL.Path, 4), body), true
	case "GET " + pathSubscriptionByI, "DELETE " + pathSubscriptionByI:
		typ, id := segment(r.URL.Path, 4), segment(r.URL.Path, 5)
		i := slices.IndexFunc(st.subs, func(sub *fakeSubscription) bool {
			return sub.seller == p.seller && sub.typ == typ && sub.ID == id
		})
		if i < 0 {
			return notFound("subscription"), true
		}
		if r.Method == http.MethodGet {
			return okJSON(map[string]any{"payload": st.subs[i]}), true
		}
		st.subs = slices.Delete(st.subs, i, i+1)
		return okJSON(struct{}{}), true
	}
	return reply{}, false
}

func notFound(what string) reply {
	return errorReply(http.StatusNotFound, "NotFound", "The resource specified does not exist.", "No such "+what+".")
}

func conflict(details string) reply {
	return errorReply(http.StatusConflict, "Conflict", "A conflict exists with the current state of the resource.", details)
}

func (st *notifState) nextID(prefix string) string {
	st.seq++
	return fmt.Sprintf("%s-%04d-%s", prefix, st.seq, randomHex(6))
}

func (st *notifState) destination(id string) *fakeDestination {
	for _, d := range st.dests {
		if d.ID == id {
			return d
		}
	}
	return nil
}

func (st *notifState) createDestination(body []byte) reply {
	var req struct {
		Name                  string `json:"name"`
		ResourceSpecification struct {
			SQS *struct {
				ARN string `json:"arn"`
			} `json:"sqs"`
			EventBridge *struct {
				AccountID string `json:"accountId"`
				Region    string `json:"region"`
			} `json:"eventBridge"`
		} `json:"resourceSpecification"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return invalidInput("Could not parse the request body as JSON.", "")
	}
	spec := req.ResourceSpecification
	d := &fakeDestination{Name: req.Name}
	switch {
	case req.Name == "":
		return invalidInput("name is required.", "")
	case (spec.SQS == nil) == (spec.EventBridge == nil):
		return invalidInput("resourceSpecification needs exactly one of sqs and eventBridge.", "")
	case spec.SQS != nil && !fakeSQSARN.MatchString(spec.SQS.ARN):
		return invalidInput("resourceSpecification.sqs.arn is not an SQS queue ARN.", "")
	case spec.SQS != nil:
		d.key = spec.SQS.ARN
		d.Resource = mustJSON(map[string]any{"sqs": map[string]string{"arn": spec.SQS.ARN}})
	case !fakeAWSAccount.MatchString(spec.EventBridge.AccountID) || spec.EventBridge.Region == "":
		return invalidInput("resourceSpecification.eventBridge needs a 12-digit accountId and a region.", "")
	default:
		eb := spec.EventBridge
		d.key, d.eventBridge = eventBridgeKey(eb.AccountID, eb.Region), true
		d.Resource = mustJSON(map[string]any{"eventBridge": map[string]string{
			"name": "aws.partner/sellingpartnerapi.amazon.com/" + eb.AccountID + "/" + ApplicationID, "region": eb.Region, "accountId": eb.AccountID}})
	}
	for _, other := range st.dests {
		if other.key == d.key {
			return conflict("A destination with this resource exists: " + other.ID + ".")
		}
	}
	d.ID = st.nextID("sptest-destination")
	st.dests = append(st.dests, d)
	return okJSON(map[string]any{"payload": d})
}

func (st *notifState) createSubscription(seller, typ string, body []byte) reply {
	var req struct {
		PayloadVersion string `json:"payloadVersion"`
		DestinationID  string `json:"destinationId"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return invalidInput("Could not parse the request body as JSON.", "")
	}
	switch {
	case req.PayloadVersion == "":
		return invalidInput("payloadVersion is required.", "")
	case req.DestinationID == "":
		return invalidInput("destinationId is required.", "")
	case st.destination(req.DestinationID) == nil:
		return invalidInput("The destination "+req.DestinationID+" does not exist.", "")
	}
	for _, sub := range st.subs {
		if sub.seller == seller && sub.typ == typ && sub.PayloadVersion == req.PayloadVersion {
			return conflict("A subscription for " + typ + " exists: " + sub.ID + ".")
		}
	}
	sub := &fakeSubscription{ID: st.nextID("sptest-subscription"), PayloadVersion: req.PayloadVersion,
		DestinationID: req.DestinationID, seller: seller, typ: typ}
	st.subs = append(st.subs, sub)
	return okJSON(map[string]any{"payload": sub})
}

// queue is the channel of a destination key, made on first use.
func (st *notifState) queue(key string) chan []byte {
	if st.queues == nil {
		st.queues = map[string]chan []byte{}
	}
	q := st.queues[key]
	if q == nil {
		q = make(chan []byte, deliveryBuffer)
		st.queues[key] = q
	}
	return q
}

// Destination is the channel on which the notifications sent to the SQS
// queue with this ARN arrive, each the message body Amazon writes to the
// queue (the notification JSON). It can be called before the destination
// exists. See Options.Notifications.
func (s *Server) Destination(sqsARN string) <-chan []byte {
	s.notif.mu.Lock()
	defer s.notif.mu.Unlock()
	return s.notif.queue(sqsARN)
}

// EventBridge is the channel on which the notifications sent to the
// EventBridge destination of this AWS account and region arrive, each an
// EventBridge event whose detail is the notification.
func (s *Server) EventBridge(accountID, region string) <-chan []byte {
	s.notif.mu.Lock()
	defer s.notif.mu.Unlock()
	return s.notif.queue(eventBridgeKey(accountID, region))
}

// ErrNoSubscription is returned (wrapped) by Notify when no seller is
// subscribed to the notification's type.
var ErrNoSubscription = errors.New("sptest: no subscription for the notification type")

// Notify sends n as Amazon would to every destination subscribed to its
// type (and payload version), and returns how many it reached: it fills in
// the envelope (NotificationType, PayloadVersion, NotificationVersion 1.0,
// EventTime if empty) and NotificationMetadata (ApplicationID, the
// subscription's id, PublishTime from Options.Now, a new NotificationId),
// then puts the SQS body or the EventBridge event on the destination's
// channel (Destination, EventBridge). It fails without a subscription
// (ErrNoSubscription) and when a channel is full (nobody reads it).
func (s *Server) Notify(n notification.Notification) (int, error) {
	if n == nil {
		return 0, errors.New("sptest: Notify(nil)")
	}
	typ := string(n.Type())
	raw, err := json.Marshal(n)
	if err != nil {
		return 0, fmt.Errorf("sptest: Notify: %w", err)
	}
	env := n.Envelope()
	st := &s.notif
	st.mu.Lock()
	defer st.mu.Unlock()
	sent := 0
	for _, sub := range st.subs {
		if sub.typ != typ || (env.PayloadVersion != "" && env.PayloadVersion != sub.PayloadVersion) {
			continue
		}
		d := st.destination(sub.DestinationID)
		if d == nil {
			continue
		}
		if err := s.deliverLocked(d, typ, sub.PayloadVersion, sub.ID, raw); err != nil {
			return sent, err
		}
		sent++
	}
	if sent == 0 {
		return 0, fmt.Errorf("%w %s", ErrNoSubscription, typ)
	}
	return sent, nil
}

// deliverLocked puts a notification on d's channel as Amazon would send it
// for subscription subID, with st.mu held.
func (s *Server) deliverLocked(d *fakeDestination, typ, version, subID string, raw []byte) error {
	body, err := s.envelope(raw, typ, version, subID)
	if err != nil {
		return err
	}
	if d.eventBridge {
		body = s.eventBridgeEvent(d, typ, body)
	}
	select {
	case s.notif.queue(d.key) <- body:
		return nil
	default:
		return fmt.Errorf("sptest: Notify %s: the channel of %s is full (%d undelivered)", typ, d.key, deliveryBuffer)
	}
}

// sendTestNotification delivers the sample of typ at the requested payload
// version to the destination the request names, as the sandbox does.
func (s *Server) sendTestNotification(typ string, body []byte) reply {
	var req struct {
		DestinationID    string `json:"destinationId"`
		TestNotification *struct {
			PayloadVersion string `json:"payloadVersion"`
			TestScenario   string `json:"testScenario"`
		} `json:"testNotification"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return invalidInput("Could not parse the request body as JSON.", "")
	}
	tn := req.TestNotification
	switch {
	case req.DestinationID == "":
		return invalidInput("destinationId is required.", "")
	case tn == nil || tn.PayloadVersion == "":
		return invalidInput("testNotification.payloadVersion is required.", "")
	case tn.TestScenario == "":
		return invalidInput("testNotification.testScenario is required.", "")
	}
	d := s.notif.destination(req.DestinationID)
	if d == nil {
		return invalidInput("The destination "+req.DestinationID+" does not exist.", "")
	}
	for _, n := range notification.Samples() {
		if string(n.Type()) != typ || n.Envelope().PayloadVersion != tn.PayloadVersion {
			continue
		}
		raw, err := json.Marshal(n)
		if err != nil {
			return errorReply(http.StatusInternalServerError, "InternalFailure", err.Error(), "")
		}
		if err := s.deliverLocked(d, typ, tn.PayloadVersion, "sptest-test-notification", raw); err != nil {
			return errorReply(http.StatusServiceUnavailable, "ServiceUnavailable", err.Error(), "")
		}
		return okJSON(map[string]any{"payload": map[string]any{}})
	}
	return invalidInput("No test notification for "+typ+" at payload version "+tn.PayloadVersion+".", "")
}

// envelope sets the envelope and metadata members of a notification,
// spelled as its schema spells them.
func (s *Server) envelope(raw []byte, typ, version, subID string) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	camel := false
	for k := range m {
		if strings.EqualFold(k, "notificationType") {
			camel = k[0] == 'n'
		}
	}
	key := func(pascal string) string {
		if camel {
			return strings.ToLower(pascal[:1]) + pascal[1:]
		}
		return pascal
	}
	now := s.opts.Now().UTC()
	m[key("NotificationVersion")] = mustJSON("1.0")
	m[key("NotificationType")] = mustJSON(typ)
	m[key("PayloadVersion")] = mustJSON(version)
	var et string
	_ = json.Unmarshal(m[key("EventTime")], &et)
	if et == "" {
		m[key("EventTime")] = mustJSON(now.Format("2006-01-02T15:04:05.000Z"))
	}
	m[key("NotificationMetadata")] = mustJSON(map[string]string{
		key("ApplicationId"):  ApplicationID,
		key("SubscriptionId"): subID,
		key("PublishTime"):    now.Format("2006-01-02T15:04:05.000Z"),
		key("NotificationId"): uuid(),
	})
	return json.Marshal(m)
}

// eventBridgeEvent wraps a notification in the event EventBridge delivers.
func (s *Server) eventBridgeEvent(d *fakeDestination, typ string, detail []byte) []byte {
	var eb struct {
		EventBridge struct {
			AccountID string `json:"accountId"`
			Region    string `json:"region"`
		} `json:"eventBridge"`
	}
	_ = json.Unmarshal(d.Resource, &eb)
	return mustJSON(map[string]any{
		"version":     "0",
		"id":          uuid(),
		"detail-type": typ,
		"source":      notification.EventSourcePrefix + "/" + ApplicationID,
		"account":     eb.EventBridge.AccountID,
		"time":        s.opts.Now().UTC().Format("2006-01-02T15:04:05Z"),
		"region":      eb.EventBridge.Region,
		"resources":   []string{},
		"detail":      json.RawMessage(detail),
	})
}

// uuid is a random version-4 UUID.
func uuid() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
}

// NotifyReportDone sends REPORT_PROCESSING_FINISHED for reportID, DONE with
// a document id of "amzn1.spdoc.1.4." + reportID, to the subscribed
// destinations (see Notify).
func (s *Server) NotifyReportDone(reportID, reportType string) (int, error) {
	n := notification.Sample(notification.TypeReportProcessingFinished).(*notification.ReportProcessingFinished)
	p := &n.Payload.ReportProcessingFinishedNotification
	doc := "amzn1.spdoc.1.4." + reportID
	p.ReportID, p.ReportType, p.ProcessingStatus, p.ReportDocumentID =
		reportID, reportType, notification.ReportProcessingFinishedProcessingStatusDONE, &doc
	n.EventTime = ""
	return s.Notify(n)
}

// NotifyFeedDone sends FEED_PROCESSING_FINISHED for feedID, DONE with a
// result document id of "amzn1.tortuga.4.na." + feedID (see Notify).
func (s *Server) NotifyFeedDone(feedID, feedType string) (int, error) {
	n := notification.Sample(notification.TypeFeedProcessingFinished).(*notification.FeedProcessingFinished)
	p := &n.Payload.FeedProcessingFinishedNotification
	doc := "amzn1.tortuga.4.na." + feedID
	p.FeedID, p.FeedType, p.ProcessingStatus, p.ResultFeedDocumentID =
		feedID, feedType, notification.FeedProcessingFinishedProcessingStatusDONE, &doc
	n.EventTime = ""
	return s.Notify(n)
}

// NotifyOrderChange sends ORDER_CHANGE for orderID: its status changed to
// status (such as notification.OrderChangeOrderStatusShipped), at the
// order level (see Notify).
func (s *Server) NotifyOrderChange(orderID string, status notification.OrderChangeOrderStatus) (int, error) {
	n := notification.Sample(notification.TypeOrderChange).(*notification.OrderChange)
	o := &n.Payload.OrderChangeNotification
	o.AmazonOrderID, o.NotificationLevel, o.OrderChangeType = orderID,
		notification.OrderChangeNotificationLevelOrderLevel, notification.OrderChangeTypeOrderStatusChange
	o.Summary.OrderStatus = status
	o.Summary.MarketplaceID = "ATVPDKIKX0DER"
	n.EventTime = ""
	return s.Notify(n)
}
