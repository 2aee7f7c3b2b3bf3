package consent

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/spapi-go/spapi/marketplace"
)

// A state is base64url (no padding) of:
//
//	version (1) | nonce (16) | expiry, Unix seconds (8, big endian) |
//	flags (1: bit 0 vendor) | len(marketplace id) (1) | marketplace id |
//	HMAC-SHA256 (32)
//
// The MAC, under Config.StateKey, covers a domain label, every byte before
// it, the application id and the session id: so a state cannot be made
// without the key, cannot be altered (say, to a later expiry), and verifies
// only for the session it was made for. Its nonce is the key of its entry
// in the StateStore, which makes it single use.
const (
	stateVersion  = 1
	nonceLen      = 16
	macLen        = sha256.Size
	stateFixedLen = 1 + nonceLen + 8 + 1 + 1 + macLen
	// maxStateLen bounds what is decoded from a request (the longest
	// marketplace id is 15 characters).
	maxStateLen = 128
	stateLabel  = "spapi-go consent state v1\x00"
)

// state is what a verified state says.
type state struct {
	nonce       string // hex, the StateStore key
	expires     time.Time
	vendor      bool
	marketplace marketplace.Marketplace
}

// newState makes a signed state for sessionID.
func (a *Authorizer) newState(sessionID string, m marketplace.Marketplace, vendor bool) (string, state, error) {
	var nonce [nonceLen]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", state{}, fmt.Errorf("consent: state nonce: %w", err)
	}
	expires := a.now().Add(a.ttl).Truncate(time.Second)
	id := m.ID()
	b := make([]byte, 0, stateFixedLen+len(id))
	b = append(b, stateVersion)
	b = append(b, nonce[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(expires.Unix()))
	var flags byte
	if vendor {
		flags = 1
	}
	b = append(b, flags, byte(len(id)))
	b = append(b, id...)
	b = append(b, a.mac(b, sessionID)...)
	st := state{nonce: hex.EncodeToString(nonce[:]), expires: expires, vendor: vendor, marketplace: m}
	return base64.RawURLEncoding.EncodeToString(b), st, nil
}

// mac is the state's HMAC over its body, the application and the session.
func (a *Authorizer) mac(body []byte, sessionID string) []byte {
	h := hmac.New(sha256.New, a.key)
	h.Write([]byte(stateLabel))
	h.Write(body)
	writeField(h, a.cfg.ApplicationID)
	writeField(h, sessionID)
	return h.Sum(nil)
}

// writeField writes a length-prefixed string, so that no two different
// (application, session) pairs hash the same bytes.
func writeField(h interface{ Write([]byte) (int, error) }, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// openState verifies a state for sessionID: the MAC first (nothing in a
// state is trusted before it), then the expiry. It does not consume it.
func (a *Authorizer) openState(raw, sessionID string) (state, error) {
	if len(raw) > maxStateLen {
		return state{}, fmt.Errorf("consent: %w (%d characters, longer than any state this package makes)", ErrStateMismatch, len(raw))
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(b) < stateFixedLen || b[0] != stateVersion {
		return state{}, fmt.Errorf("consent: %w (not a state this package makes)", ErrStateMismatch)
	}
	idLen := int(b[1+nonceLen+8+1])
	if len(b) != stateFixedLen+idLen {
		return state{}, fmt.Errorf("consent: %w (not a state this package makes)", ErrStateMismatch)
	}
	body, sum := b[:len(b)-macLen], b[len(b)-macLen:]
	if !hmac.Equal(sum, a.mac(body, sessionID)) {
		return state{}, fmt.Errorf("consent: %w", ErrStateMismatch)
	}
	nonce := body[1 : 1+nonceLen]
	expires := time.Unix(int64(binary.BigEndian.Uint64(body[1+nonceLen:])), 0)
	flags := body[1+nonceLen+8]
	id := string(body[stateFixedLen-macLen:])
	st := state{nonce: hex.EncodeToString(nonce), expires: expires, vendor: flags&1 != 0, marketplace: marketplace.Marketplace(id)}
	if now := a.now(); !now.Before(expires) {
		return st, fmt.Errorf("consent: %w (at %s, %s ago)", ErrStateExpired,
			expires.UTC().Format(time.RFC3339), now.Sub(expires).Round(time.Second))
	}
	return st, nil
}
