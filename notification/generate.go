package notification

// The notification types are generated from Amazon's payload schemas rather
// than typed in; `make check-generate` catches drift.
//go:generate go tool gennotifications -schemas ../api/schemas/notifications -out .
