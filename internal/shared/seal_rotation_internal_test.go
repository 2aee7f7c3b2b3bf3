package shared

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestSealerKeyedNames: names in the store are keyed hashes. A grantless
// client's namespace depends on the client secret (its client ID and scope
// are public), a seller's on the refresh token, and an RDT's key name
// differs per seller for the same grant; none is the unkeyed SHA-256 of
// public facts.
func TestSealerKeyedNames(t *testing.T) {
	const na = "https://sellingpartnerapi-na.amazon.com"
	mk := func(cfg Credentials) *Sealer {
		t.Helper()
		s, err := NewSealer(cfg, na)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	const id = "amzn1.application-oa2-client.one"
	seller1 := mk(Credentials{ClientID: id, ClientSecret: "secret-one", RefreshToken: "Atzr|seller-one"})
	seller2 := mk(Credentials{ClientID: id, ClientSecret: "secret-one", RefreshToken: "Atzr|seller-two"})
	grantless1 := mk(Credentials{ClientID: id, ClientSecret: "secret-one", Scope: "sellingpartnerapi::notifications"})
	grantless2 := mk(Credentials{ClientID: id, ClientSecret: "secret-two", Scope: "sellingpartnerapi::notifications"})

	if grantless1.ns == grantless2.ns {
		t.Errorf("a grantless namespace does not depend on the client secret: it can be computed from public facts")
	}
	const grant = "GET /orders/v0/orders/{orderId}/address"
	if seller1.hashName(grant) == seller2.hashName(grant) {
		t.Errorf("an RDT key name is the same for two sellers: %s", seller1.hashName(grant))
	}
	// What anyone could compute without a secret.
	public := func(parts ...string) string {
		h := sha256.New()
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
		return hex.EncodeToString(h.Sum(nil))
	}
	for _, guess := range []string{
		public(nsLabel, na, id, "scope\x00sellingpartnerapi::notifications"),
		public(labelRoot+"namespace v1", na, id, "scope\x00sellingpartnerapi::notifications"),
		public(grant), hex.EncodeToString(func() []byte { s := sha256.Sum256([]byte(grant)); return s[:] }()),
	} {
		for _, name := range []string{grantless1.ns, seller1.hashName(grant)} {
			if strings.HasPrefix(guess, name) {
				t.Errorf("name %s is an unkeyed hash of public facts", name)
			}
		}
	}
}

// TestSealerRotation: a process given the new client secret and the old
// one as PreviousClientSecret names every key as the old processes do,
// opens what they sealed, and seals under the new secret (with a key id),
// which a process with only the new secret opens too. For a refresh-token
// client the names do not depend on the client secret at all; for a
// grantless one they follow the previous secret while it is given.
func TestSealerRotation(t *testing.T) {
	const na = "https://sellingpartnerapi-na.amazon.com"
	for _, grant := range []struct {
		name string
		set  func(*Credentials)
	}{
		{"seller", func(c *Credentials) { c.RefreshToken = "Atzr|seller-one" }},
		{"grantless", func(c *Credentials) { c.Scope = "sellingpartnerapi::notifications" }},
	} {
		t.Run(grant.name, func(t *testing.T) {
			mk := func(secret, previous string) *Sealer {
				t.Helper()
				cfg := Credentials{ClientID: "amzn1.application-oa2-client.one", ClientSecret: secret, PreviousClientSecret: previous}
				grant.set(&cfg)
				s, err := NewSealer(cfg, na)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			old, next, done := mk("secret-old", ""), mk("secret-new", "secret-old"), mk("secret-new", "")
			stranger := mk("secret-other", "")
			if old.key("lwa") != next.key("lwa") || old.hashName("x") != next.hashName("x") {
				t.Fatalf("old and new processes name keys differently: %s, %s", old.key("lwa"), next.key("lwa"))
			}
			if grant.name == "seller" && done.key("lwa") != old.key("lwa") {
				t.Errorf("a seller's names depend on the client secret: %s, %s", done.key("lwa"), old.key("lwa"))
			}
			key := old.key("lwa")
			plain := []byte(`{"v":"Atza|token"}`)
			byOld, byNext := old.seal(key, plain), next.seal(key, plain)
			if byOld[0] != sealVersion || byNext[0] != sealVersion || bytes.Equal(byOld[1:sealHeader], byNext[1:sealHeader]) {
				t.Errorf("sealed values carry no distinct key ids: %x, %x", byOld[:sealHeader], byNext[:sealHeader])
			}
			for _, c := range []struct {
				name   string
				s      *Sealer
				sealed []byte
				opens  bool
			}{
				{"new opens old", next, byOld, true},
				{"new opens new", next, byNext, true},
				{"old opens old", old, byOld, true},
				{"old cannot open new", old, byNext, false},
				{"new-only opens new", done, next.seal(done.key("lwa"), plain), grant.name == "seller"},
				{"a stranger opens nothing", stranger, byOld, false},
			} {
				got, err := c.s.open(key, c.sealed)
				if c.opens && (err != nil || !bytes.Equal(got, plain)) {
					t.Errorf("%s: open = %q, %v", c.name, got, err)
				}
				if !c.opens && err == nil {
					t.Errorf("%s: opened", c.name)
				}
			}
			// A damaged key id or version does not open, whatever follows.
			for _, i := range []int{0, 1, sealHeader - 1} {
				bad := bytes.Clone(byOld)
				bad[i] ^= 1
				if _, err := next.open(key, bad); err == nil {
					t.Errorf("a value with byte %d changed opens", i)
				}
			}
		})
	}
}
