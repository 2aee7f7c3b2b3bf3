package rdt

import (
	"context"
	"errors"
	"github.com/spapi-go/spapi/internal/testclock"
	"testing"
	"time"

	"github.com/spapi-go/spapi/gen"
)

func TestRDTCacheExpiry(t *testing.T) {
	clk := testclock.New(time.Unix(1e9, 0))
	c := NewCache(10, nil, nil)
	mints := 0
	mint := func(context.Context) (*Token, error) {
		mints++
		return &Token{Token: "Atz.sprdt|x", ExpiresIn: 3600, ExpiresAt: clk.Now().Add(time.Hour)}, nil
	}
	get := func() {
		if _, err := c.Get(context.Background(), "k", false, clk.Now, mint); err != nil {
			t.Fatal(err)
		}
	}
	get()
	clk.Add(58 * time.Minute)
	get()
	if mints != 1 {
		t.Fatalf("mints = %d before the refresh margin, want 1", mints)
	}
	clk.Add(90 * time.Second) // 59m30s: within the last minute
	get()
	if mints != 2 {
		t.Fatalf("mints = %d inside the refresh margin, want 2", mints)
	}
	c.Evict("k", "Atz.sprdt|other") // another token: kept
	if c.Len() != 1 {
		t.Fatal("evict dropped an entry holding another token")
	}
	c.Evict("k", "Atz.sprdt|x")
	if c.Len() != 0 {
		t.Fatal("evict kept the rejected token")
	}
}

func TestRDTKeyOrderInsensitive(t *testing.T) {
	d1, d2 := []string{"b", "a", "a"}, []string{"a", "b"}
	ta := "app"
	r := func(m, p string, de *[]string) gen.RestrictedResource {
		return gen.RestrictedResource{Method: gen.RestrictedResourceMethod(m), Path: p, DataElements: de}
	}
	k1 := Key(gen.CreateRestrictedDataTokenRequest{RestrictedResources: []gen.RestrictedResource{r("GET", "/a", &d1), r("GET", "/b", nil)}})
	k2 := Key(gen.CreateRestrictedDataTokenRequest{RestrictedResources: []gen.RestrictedResource{r("GET", "/b", nil), r("GET", "/a", &d2)}})
	k3 := Key(gen.CreateRestrictedDataTokenRequest{TargetApplication: &ta, RestrictedResources: []gen.RestrictedResource{r("GET", "/b", nil), r("GET", "/a", &d2)}})
	k4 := Key(gen.CreateRestrictedDataTokenRequest{RestrictedResources: []gen.RestrictedResource{r("GET", "/a", nil), r("GET", "/b", &d2)}})
	if k1 != k2 {
		t.Errorf("order changed the key: %q vs %q", k1, k2)
	}
	if k1 == k3 || k1 == k4 {
		t.Errorf("different grants share a key")
	}
}

// Issue 17, item 8: the key joined its parts with spaces and newlines, so a
// target application that held them passed for resources: "\nGET /p1 " with
// [GET /p2] had the key of no target application with [GET /p1, GET /p2],
// and got its RDT from the cache.
func TestRDTKeyInjective(t *testing.T) {
	r := func(m, p string, de ...string) gen.RestrictedResource {
		res := gen.RestrictedResource{Method: gen.RestrictedResourceMethod(m), Path: p}
		if de != nil {
			res.DataElements = &de
		}
		return res
	}
	str := func(s string) *string { return &s }
	tests := []struct {
		name string
		a, b gen.CreateRestrictedDataTokenRequest
	}{
		{"target application posing as a resource",
			gen.CreateRestrictedDataTokenRequest{TargetApplication: str("\nGET /p1 "), RestrictedResources: []gen.RestrictedResource{r("GET", "/p2")}},
			gen.CreateRestrictedDataTokenRequest{RestrictedResources: []gen.RestrictedResource{r("GET", "/p1"), r("GET", "/p2")}}},
		{"path posing as data elements",
			gen.CreateRestrictedDataTokenRequest{RestrictedResources: []gen.RestrictedResource{r("GET", "/p buyerInfo")}},
			gen.CreateRestrictedDataTokenRequest{RestrictedResources: []gen.RestrictedResource{r("GET", "/p", "buyerInfo")}}},
		{"data element posing as two",
			gen.CreateRestrictedDataTokenRequest{RestrictedResources: []gen.RestrictedResource{r("GET", "/p", "a,b")}},
			gen.CreateRestrictedDataTokenRequest{RestrictedResources: []gen.RestrictedResource{r("GET", "/p", "a", "b")}}},
		{"path posing as a second resource",
			gen.CreateRestrictedDataTokenRequest{RestrictedResources: []gen.RestrictedResource{r("GET", "/p1 \nGET /p2")}},
			gen.CreateRestrictedDataTokenRequest{RestrictedResources: []gen.RestrictedResource{r("GET", "/p1"), r("GET", "/p2")}}},
		{"empty target application and none",
			gen.CreateRestrictedDataTokenRequest{TargetApplication: str(""), RestrictedResources: []gen.RestrictedResource{r("GET", "/p")}},
			gen.CreateRestrictedDataTokenRequest{RestrictedResources: []gen.RestrictedResource{r("GET", "/p")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ka, kb := Key(tt.a), Key(tt.b); ka == kb {
				t.Errorf("two different grants share the key %q", ka)
			}
		})
	}
}

// A remembered refusal lasts refusalTTL, then the Tokens API is asked again.
func TestRefusalsExpire(t *testing.T) {
	var r refusals
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cause := errors.New("HTTP 400")
	r.add("k", cause, t0)
	until, err := r.get("k", t0.Add(refusalTTL-time.Second))
	if !errors.Is(err, cause) || !until.Equal(t0.Add(refusalTTL)) {
		t.Fatalf("get within the TTL = %v until %v, want the remembered refusal until %v", err, until, t0.Add(refusalTTL))
	}
	if _, err := r.get("k", t0.Add(refusalTTL)); err != nil {
		t.Errorf("get at the TTL = %v, want nil (ask again)", err)
	}
	if _, err := r.get("other", t0); err != nil {
		t.Errorf("get of another key = %v", err)
	}
}
