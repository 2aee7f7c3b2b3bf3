package redact

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"redis://:secret@host:6379/0", "redis://xxxxx@host:6379/0"},
		{"redis://user:secret@host:badport/0", "redis://xxxxx@host:badport/0"},
		{"rediss://:p@ss@host/1?x=@y", "rediss://xxxxx@host/1?x=@y"},
		{"redis://host:6379/0", "redis://host:6379/0"},
		{"https://sellingpartnerapi-na.amazon.com/x@y", "https://sellingpartnerapi-na.amazon.com/x@y"},
		{"not a url", "not a url"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := URL(tt.in); got != tt.want {
				t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestError(t *testing.T) {
	raw := "redis://:s3cret@host:badport/0"
	_, perr := url.Parse(raw) //lint:ignore SA1007 the invalid URL is the point
	if perr == nil {
		t.Fatal("want a parse error")
	}
	err := Error(perr, raw)
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Error kept the password: %q", err)
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Error("the cause is lost")
	}
	if Error(nil, raw) != nil {
		t.Error("Error(nil) != nil")
	}
	plain := errors.New("nothing to hide")
	if Error(plain, raw) != plain {
		t.Error("an error with nothing to hide was wrapped")
	}
}
