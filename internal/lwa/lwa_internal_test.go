package lwa

import (
	"context"
	"github.com/spapi-go/spapi/internal/testclock"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestRefreshMargin(t *testing.T) {
	for life, want := range map[time.Duration]time.Duration{
		time.Hour:        time.Minute,
		2 * time.Second:  200 * time.Millisecond,
		10 * time.Minute: time.Minute,
		5 * time.Minute:  30 * time.Second,
	} {
		if got := RefreshMargin(life); got != want {
			t.Errorf("refreshMargin(%v) = %v, want %v", life, got, want)
		}
	}
}

func TestLWATokenRefreshedEarly(t *testing.T) {
	clk := testclock.New(time.Unix(1e9, 0))
	fetches := 0
	s := &Source{now: clk.Now, fetch: func(context.Context) (*oauth2.Token, error) {
		fetches++
		return &oauth2.Token{AccessToken: "Atza|" + string(rune('a'+fetches)), ExpiresIn: 3600}, nil
	}}
	ctx := context.Background()
	tok := func() string {
		v, err := s.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	first := tok()
	clk.Add(58 * time.Minute)
	if tok() != first || fetches != 1 {
		t.Fatalf("token refetched %d times before its refresh time", fetches)
	}
	clk.Add(time.Minute + time.Second) // 59m01s: inside the last minute
	if second := tok(); second == first || fetches != 2 {
		t.Fatalf("token not refreshed a minute before expiry (fetches %d)", fetches)
	}
	// A 2 s token is refreshed at 1.8 s, not on every call.
	fetches = 0
	s.cur.Store(nil)
	s.fetch = func(context.Context) (*oauth2.Token, error) {
		fetches++
		return &oauth2.Token{AccessToken: "Atza|short", ExpiresIn: 2}, nil
	}
	tok()
	clk.Add(1700 * time.Millisecond)
	tok()
	if fetches != 1 {
		t.Fatalf("short-lived token fetched %d times in its first 1.7 s, want 1", fetches)
	}
	clk.Add(200 * time.Millisecond)
	tok()
	if fetches != 2 {
		t.Fatalf("short-lived token fetched %d times by 1.9 s, want 2", fetches)
	}
}

func TestLWARefreshFailureKeepsValidToken(t *testing.T) {
	clk := testclock.New(time.Unix(1e9, 0))
	fail := false
	s := &Source{now: clk.Now, fetch: func(context.Context) (*oauth2.Token, error) {
		if fail {
			return nil, &oauth2.RetrieveError{ErrorCode: "server_error"}
		}
		return &oauth2.Token{AccessToken: "Atza|good", ExpiresIn: 3600}, nil
	}}
	ctx := context.Background()
	if _, err := s.Token(ctx); err != nil {
		t.Fatal(err)
	}
	fail = true
	clk.Add(59*time.Minute + 30*time.Second) // due for refresh, not yet expired
	if v, err := s.Token(ctx); err != nil || v != "Atza|good" {
		t.Fatalf("Token = %q, %v; want the still-valid token", v, err)
	}
	clk.Add(time.Minute) // expired
	if _, err := s.Token(ctx); err == nil {
		t.Fatal("expired token handed out after a failed refresh")
	}
}
