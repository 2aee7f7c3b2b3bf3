package client

import (
	"errors"
	"testing"
	"time"
)

// A remembered refusal lasts refusalTTL, then the Tokens API is asked again.
func TestRefusalsExpire(t *testing.T) {
	var r refusals
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cause := &APIError{StatusCode: 400}
	r.add("k", cause, t0)
	err := r.get("k", t0.Add(refusalTTL-time.Second))
	var re *RefusedError
	if !errors.As(err, &re) || !errors.Is(err, cause) || !re.Until.Equal(t0.Add(refusalTTL)) {
		t.Fatalf("get within the TTL = %v, want the remembered refusal until %v", err, t0.Add(refusalTTL))
	}
	if err := r.get("k", t0.Add(refusalTTL)); err != nil {
		t.Errorf("get at the TTL = %v, want nil (ask again)", err)
	}
	if err := r.get("other", t0); err != nil {
		t.Errorf("get of another key = %v", err)
	}
}
