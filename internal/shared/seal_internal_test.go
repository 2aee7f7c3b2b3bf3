package shared

import (
	"bytes"
	"strings"
	"testing"
)

func TestSealerKeysAndSeals(t *testing.T) {
	base := Credentials{ClientID: "amzn1.application-oa2-client.one", ClientSecret: "secret-one", RefreshToken: "Atzr|refresh-one"}
	mk := func(mod func(*Credentials), endpoint string) *Sealer {
		t.Helper()
		cfg := base
		if mod != nil {
			mod(&cfg)
		}
		s, err := NewSealer(cfg, endpoint)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	const na = "https://sellingpartnerapi-na.amazon.com"
	a := mk(nil, na)
	others := map[string]*Sealer{
		"another region":        mk(nil, "https://sellingpartnerapi-eu.amazon.com"),
		"another application":   mk(func(c *Credentials) { c.ClientID = "amzn1.application-oa2-client.two" }, na),
		"another seller":        mk(func(c *Credentials) { c.RefreshToken = "Atzr|refresh-two" }, na),
		"grantless":             mk(func(c *Credentials) { c.RefreshToken, c.Scope = "", "sellingpartnerapi::notifications" }, na),
		"another client secret": mk(func(c *Credentials) { c.ClientSecret = "secret-two" }, na),
	}
	key := a.lwaKey()
	if !strings.HasPrefix(key, "{") || !strings.HasSuffix(key, "}:lwa") {
		t.Errorf("key %q: want {hash}:lwa", key)
	}
	for _, s := range []string{base.ClientID, base.ClientSecret, base.RefreshToken, "refresh-one", "one"} {
		if strings.Contains(key, s) {
			t.Errorf("key %q holds %q", key, s)
		}
	}
	if a.lwaKey() != mk(nil, na).lwaKey() {
		t.Errorf("the same credentials make different keys")
	}
	plain := []byte(`{"v":"Atza|the-access-token"}`)
	sealed := a.seal(key, plain)
	if bytes.Contains(sealed, []byte("the-access-token")) || bytes.Equal(sealed, a.seal(key, plain)) {
		t.Errorf("sealed value shows the token, or sealing is deterministic")
	}
	if got, err := a.open(key, sealed); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open = %q, %v", got, err)
	}
	for name, o := range others {
		if name != "another client secret" && o.lwaKey() == key {
			t.Errorf("%s shares the key %q", name, key)
		}
		if _, err := o.open(key, sealed); err == nil {
			t.Errorf("%s opens the value", name)
		}
	}
	if _, err := a.open(a.key("rdt:x"), sealed); err == nil {
		t.Errorf("a value moved to another key opens")
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	for _, bad := range [][]byte{tampered, sealed[:5], nil, []byte("not sealed at all, but long enough to try")} {
		if _, err := a.open(key, bad); err == nil {
			t.Errorf("open(%q) succeeded", bad)
		}
	}
}
