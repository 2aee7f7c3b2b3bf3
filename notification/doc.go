// Package notification reads the notifications the Selling Partner API
// sends (ORDER_CHANGE, REPORT_PROCESSING_FINISHED, ANY_OFFER_CHANGED, ...)
// and sets up where they go.
//
// Every notification type Amazon publishes a payload schema for has a Go
// struct here, generated from the schema (api/schemas/notifications) by
// internal/cmd/gennotifications: the envelope (NotificationVersion,
// NotificationType, PayloadVersion, EventTime, NotificationMetadata) and the
// typed Payload, with JSON names exactly as Amazon spells them, so decoding
// and encoding a notification keeps every member.
//
// Parse takes what arrives: the body of an SQS message (the notification
// itself) or an Amazon EventBridge event whose detail is the notification,
// and returns the typed value (*OrderChange, *ReportProcessingFinished, ...)
// or an error saying why it cannot be read. A Dispatcher calls the handler
// registered for each type (Handle), and a default for the rest.
//
// Setup makes a destination (an SQS queue or EventBridge) and subscribes it
// to notification types, reusing what already exists, so running it at
// every start is safe. Reading the queue stays the caller's: the module does
// not depend on the AWS SDK (examples/sqs shows it with the AWS SDK for Go
// v2). The sptest fake plays the Notifications API and delivers
// notifications to a test (sptest.Server.Destination).
package notification
