// Package redact hides the user information of URLs (a Redis password in
// redis://:secret@host:6379/0, say) in text meant for people: error
// messages and logs. It works on strings that do not parse as URLs too,
// since a URL that fails to parse is exactly the one an error quotes.
package redact

import (
	"fmt"
	"strconv"
	"strings"
)

// Mask replaces user information.
const Mask = "xxxxx"

// userinfo returns the bounds of raw's user information (between "//" and
// the last "@" of the authority), or ok false when it has none.
func userinfo(raw string) (start, end int, ok bool) {
	i := strings.Index(raw, "//")
	if i < 0 {
		return 0, 0, false
	}
	start = i + 2
	auth := raw[start:]
	if j := strings.IndexAny(auth, "/?#"); j >= 0 {
		auth = auth[:j]
	}
	at := strings.LastIndexByte(auth, '@')
	if at < 0 {
		return 0, 0, false
	}
	return start, start + at, true
}

// URL returns raw with its user information, if any, replaced by Mask.
func URL(raw string) string {
	s, e, ok := userinfo(raw)
	if !ok {
		return raw
	}
	return raw[:s] + Mask + raw[e:]
}

// String returns msg with each of urls that carries user information shown
// redacted: as it is, quoted (as url.Error and %q print it), and the user
// information alone wherever it appears.
func String(msg string, urls ...string) string {
	for _, raw := range urls {
		s, e, ok := userinfo(raw)
		if !ok {
			continue
		}
		safe := URL(raw)
		msg = strings.ReplaceAll(msg, raw, safe)
		if q := strconv.Quote(raw); len(q) > 2 {
			msg = strings.ReplaceAll(msg, q[1:len(q)-1], safe)
		}
		if info := raw[s:e]; info != "" {
			msg = strings.ReplaceAll(msg, info, Mask)
			if _, pw, found := strings.Cut(info, ":"); found && pw != "" {
				msg = strings.ReplaceAll(msg, pw, Mask)
			}
		}
	}
	return msg
}

// Error returns err with urls redacted in its message (see String). It
// unwraps to err, so errors.Is and errors.As still see the cause; nil stays
// nil, and an error whose message holds none of them is returned as it is.
func Error(err error, urls ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	safe := String(msg, urls...)
	if safe == msg {
		return err
	}
	return &redacted{msg: safe, err: err}
}

type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }

// Format prints v, a value whose secrets are already redacted, for any
// verb of a type's fmt.Formatter: %#v as typeName followed by v's fields,
// %+v with field names, every other verb as %v. A type with secrets
// implements Format with it, so that no verb reaches its own fields.
func Format(f fmt.State, verb rune, typeName string, v any) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprintf(f, "%s%+v", typeName, v)
	case verb == 'v' && f.Flag('+'):
		fmt.Fprintf(f, "%+v", v)
	default:
		fmt.Fprintf(f, "%v", v)
	}
}
