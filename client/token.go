package client

import (
	"fmt"
	"log/slog"
	"time"

	urlredact "github.com/spapi-go/spapi/internal/redact"
)

// RestrictedDataToken is a minted RDT. Its Token never prints: %v, %+v,
// %#v and slog show it redacted; read the field to use it.
//
// Except in one place, which no type can guard: fmt calls no method on a
// value it reaches through an unexported struct field, so a
// RestrictedDataToken held by value there prints Token raw. Keep the
// *RestrictedDataToken the client returns: a pointer in a struct field
// prints as an address.
type RestrictedDataToken struct {
	Token     string    // send as x-amz-access-token on the restricted call
	ExpiresIn int       // seconds, as returned
	ExpiresAt time.Time // when it stops working, by this machine's clock
	RequestID string    // x-amzn-RequestId of the Tokens call
}

type safeRDT struct {
	Token     string
	ExpiresIn int
	ExpiresAt time.Time
	RequestID string
}

func (t RestrictedDataToken) safe() safeRDT {
	return safeRDT{Token: redact(t.Token), ExpiresIn: t.ExpiresIn, ExpiresAt: t.ExpiresAt, RequestID: t.RequestID}
}

// String shows the token redacted.
func (t RestrictedDataToken) String() string { return fmt.Sprintf("%+v", t.safe()) }

// Format makes every verb print the redacted form.
func (t RestrictedDataToken) Format(f fmt.State, verb rune) {
	urlredact.Format(f, verb, "client.RestrictedDataToken", t.safe())
}

// LogValue makes slog print the redacted form.
func (t RestrictedDataToken) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("token", redact(t.Token)),
		slog.Int("expires_in", t.ExpiresIn),
		slog.Time("expires_at", t.ExpiresAt),
		slog.String("request_id", t.RequestID),
	)
}
