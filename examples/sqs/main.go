// Command sqs receives Selling Partner API notifications from an Amazon SQS
// queue with the AWS SDK for Go v2 and hands each to a typed handler. It is
// a module of its own (examples/sqs/go.mod) so that the AWS SDK stays out of
// github.com/spapi-go/spapi's dependencies: the library parses and
// dispatches message bodies, reading the queue is the application's.
//
// Usage:
//
//	SQS_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/123456789012/sp-notifications \
//	SQS_QUEUE_ARN=arn:aws:sqs:us-east-1:123456789012:sp-notifications \
//	go run .
//
// SP-API credentials come from the environment as client.ConfigFromEnv reads
// them (LWA_CLIENT_ID, LWA_CLIENT_SECRET, LWA_REFRESH_TOKEN, SP_API_REGION,
// ...), AWS credentials as the AWS SDK reads them (AWS_PROFILE,
// AWS_REGION, ...). The queue's access policy must let the SP-API send to it
// (principal arn:aws:iam::437568002678:root, actions sqs:SendMessage and
// sqs:GetQueueAttributes), as Amazon's notifications guide describes.
//
// At start it runs notification.Setup, which makes the destination and the
// subscriptions or reuses those that exist. A message is deleted once
// handled, or when it can never be read (not a notification, an unknown
// type); a handler's error leaves it in the queue, to come back after its
// visibility timeout.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/notification"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	queueURL, queueARN := os.Getenv("SQS_QUEUE_URL"), os.Getenv("SQS_QUEUE_ARN")
	if queueURL == "" || queueARN == "" {
		return errors.New("set SQS_QUEUE_URL and SQS_QUEUE_ARN")
	}
	cfg, err := client.ConfigFromEnv()
	if err != nil {
		return err
	}
	clients, err := notification.NewClients(cfg)
	if err != nil {
		return err
	}
	res, err := notification.Setup(ctx, clients, notification.Destination{Name: "sp-notifications", SQSARN: queueARN},
		notification.TypeOrderChange, notification.TypeReportProcessingFinished, notification.TypeFeedProcessingFinished)
	if err != nil {
		return err
	}
	log.Printf("destination %s (created: %v), %d subscriptions", res.DestinationID, res.DestinationCreated, len(res.Subscriptions))

	var d notification.Dispatcher
	notification.Handle(&d, func(ctx context.Context, n *notification.OrderChange) error {
		o := n.Payload.OrderChangeNotification
		log.Printf("order %s: %s (%s)", o.AmazonOrderID, o.Summary.OrderStatus, o.OrderChangeType)
		return nil
	})
	notification.Handle(&d, func(ctx context.Context, n *notification.ReportProcessingFinished) error {
		r := n.Payload.ReportProcessingFinishedNotification
		log.Printf("report %s (%s): %s", r.ReportID, r.ReportType, r.ProcessingStatus)
		return nil
	})
	notification.Handle(&d, func(ctx context.Context, n *notification.FeedProcessingFinished) error {
		f := n.Payload.FeedProcessingFinishedNotification
		log.Printf("feed %s (%s): %s", f.FeedID, f.FeedType, f.ProcessingStatus)
		return nil
	})
	d.HandleDefault(func(ctx context.Context, n notification.Notification) error {
		log.Printf("ignored %s %s", n.Type(), n.Envelope().Metadata.NotificationID)
		return nil
	})

	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	q := sqs.NewFromConfig(awsCfg)
	for {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:            aws.String(queueURL),
			MaxNumberOfMessages: 10,
			WaitTimeSeconds:     20, // long polling
		})
		if err != nil {
			return fmt.Errorf("receive: %w", err)
		}
		for _, m := range out.Messages {
			err := d.DispatchBody(ctx, []byte(aws.ToString(m.Body)))
			permanent := errors.Is(err, notification.ErrMalformed) || errors.Is(err, notification.ErrUnknownType) ||
				errors.Is(err, notification.ErrTooLarge)
			if err != nil {
				log.Printf("message %s: %v", aws.ToString(m.MessageId), err)
			}
			if err != nil && !permanent {
				continue // back in the queue after its visibility timeout
			}
			if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return fmt.Errorf("delete: %w", err)
			}
		}
	}
}
