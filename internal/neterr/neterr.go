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
