// Package neterr says what a network error means for the client: that
// nothing was sent (the dial failed), or that a server did not answer at
// all. The retry layer, the telemetry and the Store's breaker ask it, so
// that each judges the same error the same way. Standard library only.
package neterr

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"syscall"
)

// DialFailed reports whether err is a failure to connect: nothing was sent.
func DialFailed(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect") {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns) || errors.Is(err, syscall.ECONNREFUSED)
}

// NoReply reports whether err means the other end did not answer (it timed
// out, refused or dropped the connection), as opposed to an error it sent
// back (a script error, a wrong type), which shows that it is up.
func NoReply(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// UnwrapURLError drops net/http's *url.Error layers from the outside of
// err, whose text starts with `Post "https://..."`, so that the message
// starts with the cause. Only the outer layers: an error of ours that wraps
// one (a request not retried, say) keeps what it says.
func UnwrapURLError(err error) error {
	for {
		ue, ok := err.(*url.Error)
		if !ok {
			return err
		}
		err = ue.Err
	}
}

// InnerURLError is the cause inside the first *url.Error anywhere in err's
// chain, or err: x/oauth2 wraps net/http's error in its own.
func InnerURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return UnwrapURLError(ue.Err)
	}
	return err
}
