package shared

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
)

// Sealer seals the tokens the client keeps in a Store, and names the keys it
// keeps them under.
//
// Names are keyed: keys start with "{" + ns + "}", ns an HMAC-SHA256 of the
// endpoint, the client ID and the grant (refresh token or scope) under the
// name key, and an RDT's key ends with an HMAC of what it grants under the
// same key. The name key is derived with HKDF-SHA256 from the refresh token,
// a secret that a client-secret rotation does not change, so processes with
// the old and the new client secret use the same names; a grantless client
// has no refresh token, so its name key comes from the oldest client secret
// it is given (PreviousClientSecret if set, else ClientSecret), which keeps
// the old and the new processes of a rolling restart together. Nobody
// without the secret can name, or find by a dictionary, any key: the
// namespace of a grantless client is not a function of public facts, and an
// RDT's key differs per seller. The braces make ns a Redis Cluster hash tag,
// so one seller's keys live in one slot.
//
// Values are sealed with AES-256-GCM under a key derived with HKDF-SHA256
// from the client secret and the grant, with the key name as additional
// data: a dump of the store gives no usable token, a process with other
// credentials cannot read them, and a value moved to another key does not
// open. Each sealed value starts with a version byte and a key id (a hash of
// the seal key), so a process given PreviousClientSecret opens values sealed
// under the old secret as well as the new one: it seals with ClientSecret,
// and opens with either.
type Sealer struct {
	ns    string
	names [32]byte  // the name key (HMAC-SHA256)
	keys  []sealKey // keys[0] seals; every one opens
}

// sealKey is one client secret's seal key. It keeps the key, not an
// AES-GCM instance: a Client seals and opens a value about once an hour (a
// token fetch), and an instance kept per Client was 750 bytes of each
// seller's heap (issue 22).
type sealKey struct {
	id  [keyIDLen]byte
	key [32]byte
}

// aead is k's AES-256-GCM.
func (k *sealKey) aead() cipher.AEAD {
	block, err := aes.NewCipher(k.key[:])
	if err != nil {
		panic("shared: AES-256 refused a 32-byte key: " + err.Error()) // cannot happen
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic("shared: GCM refused AES: " + err.Error()) // cannot happen
	}
	return aead
}

// The labels version the derivations: changing one changes every key or
// every seal, so old entries are ignored, never misread. v1 names were
// unkeyed SHA-256 and v1 values had no key id. They start with the
// module's first name, and keep it: they are bytes that a running fleet's
// keys and seals are made of, not an import path (TestGoldenStoreNamesAndSeals).
const (
	labelRoot = "github.com/spapi-go/" + "tokens store "
	sealInfo  = labelRoot + "seal v2"
	nameInfo  = labelRoot + "names v2"
	nsLabel   = labelRoot + "namespace v2"
	rdtLabel  = labelRoot + "rdt name v2"
	keyIDInfo = labelRoot + "key id v2"
)

// Sealed value layout: sealVersion, the key id, the GCM nonce, then the
// ciphertext and its tag.
const (
	sealVersion byte = 2
	keyIDLen         = 4
	sealHeader       = 1 + keyIDLen
)

// Credentials are what a Sealer derives its keys from: the LWA
// credentials of a Config.
type Credentials struct {
	ClientID, ClientSecret, PreviousClientSecret, RefreshToken, Scope string
}

// NewSealer derives the name and seal keys of cfg's credentials for the
// SP-API endpoint.
func NewSealer(cfg Credentials, endpoint string) (*Sealer, error) {
	grant := "refresh_token\x00" + cfg.RefreshToken
	nameSecret := cfg.RefreshToken
	if cfg.RefreshToken == "" {
		grant = "scope\x00" + cfg.Scope
		nameSecret = cfg.ClientSecret
		if cfg.PreviousClientSecret != "" {
			nameSecret = cfg.PreviousClientSecret
		}
	}
	names, err := hkdf.Key(sha256.New, []byte(nameSecret), nil, nameInfo, 32)
	if err != nil {
		return nil, err
	}
	s := &Sealer{}
	copy(s.names[:], names)
	s.ns = hex.EncodeToString(s.mac(nsLabel, endpoint, cfg.ClientID, grant)[:16])
	secrets := []string{cfg.ClientSecret}
	if p := cfg.PreviousClientSecret; p != "" && p != cfg.ClientSecret {
		secrets = append(secrets, p)
	}
	for _, secret := range secrets {
		key, err := hkdf.Key(sha256.New, []byte(secret+"\x00"+grant), []byte(s.ns), sealInfo, 32)
		if err != nil {
			return nil, err
		}
		if _, err := aes.NewCipher(key); err != nil {
			return nil, err
		}
		var k sealKey
		copy(k.key[:], key)
		id, err := hkdf.Key(sha256.New, key, nil, keyIDInfo, keyIDLen)
		if err != nil {
			return nil, err
		}
		copy(k.id[:], id)
		s.keys = append(s.keys, k)
	}
	return s, nil
}

// mac is the HMAC-SHA256 of parts (each ended by a NUL) under the name key.
func (s *Sealer) mac(parts ...string) []byte {
	h := hmac.New(sha256.New, s.names[:])
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

// key is the store key for name ("lwa", "rdt:<hash>", "rate:<operation>"):
// keys.go names them all.
func (s *Sealer) key(name string) string { return "{" + s.ns + "}:" + name }

// hashName is a short keyed hash of v, for a key name that must not carry v
// (an RDT's grant names paths and a target application) and must not be
// found from v by anyone without the credentials.
func (s *Sealer) hashName(v string) string {
	return hex.EncodeToString(s.mac(rdtLabel, v)[:12])
}

// seal encrypts plain for key under the current client secret.
func (s *Sealer) seal(key string, plain []byte) []byte {
	k := &s.keys[0]
	aead := k.aead()
	n := aead.NonceSize()
	out := make([]byte, sealHeader+n, sealHeader+n+len(plain)+aead.Overhead())
	out[0] = sealVersion
	copy(out[1:sealHeader], k.id[:])
	nonce := out[sealHeader:]
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	return aead.Seal(out, nonce, plain, s.aad(key, out[:sealHeader]))
}

// aad binds a sealed value to its key name and its header.
func (s *Sealer) aad(key string, header []byte) []byte {
	return append(append([]byte(key), 0), header...)
}

// errUnsealed is a stored value that does not open: written by other
// credentials, another version, or damaged. It is treated as absent.
var errUnsealed = errors.New("store: value does not open with these credentials")

// open decrypts a value sealed for key under the current or the previous
// client secret. Anything else, whatever its length or content, is
// errUnsealed.
func (s *Sealer) open(key string, sealed []byte) ([]byte, error) {
	if len(sealed) < sealHeader || sealed[0] != sealVersion {
		return nil, errUnsealed
	}
	for i := range s.keys {
		k := &s.keys[i]
		if !hmac.Equal(sealed[1:sealHeader], k.id[:]) {
			continue
		}
		aead := k.aead()
		n := aead.NonceSize()
		if len(sealed) < sealHeader+n+aead.Overhead() {
			return nil, errUnsealed
		}
		plain, err := aead.Open(nil, sealed[sealHeader:sealHeader+n], sealed[sealHeader+n:], s.aad(key, sealed[:sealHeader]))
		if err != nil {
			return nil, errUnsealed
		}
		return plain, nil
	}
	return nil, errUnsealed
}
