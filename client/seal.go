package client

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
)

// sealer seals the tokens the client keeps in a Store, and names the keys it
// keeps them under.
//
// Keys start with "{" + ns + "}", ns a hash of the endpoint, the client ID
// and the refresh token (or the grantless scope): two sellers, two
// applications or two regions never share a key, and no credential is in
// one. The braces make ns a Redis Cluster hash tag, so one seller's keys
// live in one slot.
//
// Values are sealed with AES-256-GCM under a key derived with HKDF-SHA256
// from the client secret and the refresh token (or scope), with the key name
// as additional data: a dump of the store gives no usable token, a process
// with other credentials cannot read them, and a value moved to another key
// does not open.
type sealer struct {
	ns   string
	aead cipher.AEAD
}

// sealInfo and nsLabel version the derivations: changing either changes
// every key and every seal, so old entries are ignored, never misread.
const (
	sealInfo = "github.com/spapi-go/tokens store seal v1"
	nsLabel  = "github.com/spapi-go/tokens store namespace v1"
)

func newSealer(cfg *Config, endpoint string) (*sealer, error) {
	grant := "refresh_token\x00" + cfg.RefreshToken
	if cfg.RefreshToken == "" {
		grant = "scope\x00" + cfg.Scope
	}
	h := sha256.New()
	for _, part := range []string{nsLabel, endpoint, cfg.ClientID, grant} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	ns := hex.EncodeToString(h.Sum(nil)[:16])
	key, err := hkdf.Key(sha256.New, []byte(cfg.ClientSecret+"\x00"+grant), []byte(ns), sealInfo, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{ns: ns, aead: aead}, nil
}

// key is the store key for name ("lwa", "rdt:<hash>", "rate:<operation>").
func (s *sealer) key(name string) string { return "{" + s.ns + "}:" + name }

// hashName is a short hash of v, for a key name that must not carry v (an
// RDT's grant names paths and a target application).
func hashName(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:12])
}

// seal encrypts plain for key.
func (s *sealer) seal(key string, plain []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	return s.aead.Seal(nonce, nonce, plain, []byte(key))
}

// errUnsealed is a stored value that does not open: written by other
// credentials, another version, or damaged. It is treated as absent.
var errUnsealed = errors.New("store: value does not open with these credentials")

// open decrypts a value sealed for key.
func (s *sealer) open(key string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errUnsealed
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(key))
	if err != nil {
		return nil, errUnsealed
	}
	return plain, nil
}
