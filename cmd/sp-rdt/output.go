package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spapi-go/spapi/client"
)

// tokenJSON is the -json output.
type tokenJSON struct {
	RestrictedDataToken string `json:"restrictedDataToken"`
	ExpiresIn           int    `json:"expiresIn"`
	ExpiresAt           string `json:"expiresAt"` // RFC 3339, UTC
	RequestID           string `json:"requestId"`
}

// writeToken prints the token alone on a line, or the -json object.
func writeToken(w io.Writer, tok *client.RestrictedDataToken, asJSON bool) error {
	if !asJSON {
		_, err := fmt.Fprintln(w, tok.Token)
		return err
	}
	// Encoder.Encode ends the object with a newline.
	return json.NewEncoder(w).Encode(tokenJSON{
		RestrictedDataToken: tok.Token,
		ExpiresIn:           tok.ExpiresIn,
		ExpiresAt:           tok.ExpiresAt.UTC().Format(time.RFC3339),
		RequestID:           tok.RequestID,
	})
}
