package main

import (
	"errors"
	"fmt"
	"sync"

	"github.com/spapi-go/tokens/client"
)

// lastRetry remembers the client's last retry, so that an error that ends
// the call while it waits to retry (the -timeout) still says what the
// server answered before: the context error alone would not.
type lastRetry struct {
	mu   sync.Mutex
	info *client.RetryInfo
}

// record is a client.Config.OnRetry hook.
func (l *lastRetry) record(info client.RetryInfo) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.info = &info
}

// annotate adds the last failed attempt to err, unless err already is the
// server's answer.
func (l *lastRetry) annotate(err error) error {
	var apiErr *client.APIError
	var lwaErr *client.LWAError
	if errors.As(err, &apiErr) || errors.As(err, &lwaErr) {
		return err
	}
	l.mu.Lock()
	info := l.info
	l.mu.Unlock()
	if info == nil {
		return err
	}
	what := "a network error"
	switch {
	case info.StatusCode != 0:
		what = fmt.Sprintf("HTTP %d", info.StatusCode)
	case info.Err != nil:
		what = info.Err.Error()
	}
	if info.RequestID != "" {
		what += " [request id " + info.RequestID + "]"
	}
	return fmt.Errorf("%w; %s attempt %d had failed with %s", err, info.Operation, info.Attempt-1, what)
}
