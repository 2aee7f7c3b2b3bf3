package notification

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
)

// ErrUnhandled is returned (wrapped) by Dispatch for a notification no
// handler is registered for, when the Dispatcher has no default: a queue
// consumer that deletes only handled messages then keeps the others.
var ErrUnhandled = errors.New("no handler for the notification type")

// A Dispatcher calls the handler registered for each notification's Go
// type (Handle), or the default (HandleDefault). It is safe for concurrent
// use; handlers may be registered while it dispatches. The zero value is
// ready to use.
type Dispatcher struct {
	mu       sync.RWMutex
	handlers map[reflect.Type]func(context.Context, Notification) error
	fallback func(context.Context, Notification) error
}

// Handle registers h for the notifications of type N (a generated pointer
// type such as *OrderChange), replacing any handler registered before:
//
//	notification.Handle(d, func(ctx context.Context, n *notification.OrderChange) error { ... })
//
// Types with two payload versions (ListingsItemIssuesChange and
// ListingsItemIssuesChangeV20231213) each need their own handler. With N
// the Notification interface itself, h becomes the default (HandleDefault).
func Handle[N Notification](d *Dispatcher, h func(context.Context, N) error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if reflect.TypeFor[N]().Kind() == reflect.Interface {
		d.fallback = func(ctx context.Context, n Notification) error {
			v, ok := n.(N)
			if !ok {
				return fmt.Errorf("notification: %w: %s (%T)", ErrUnhandled, n.Type(), n)
			}
			return h(ctx, v)
		}
		return
	}
	if d.handlers == nil {
		d.handlers = map[reflect.Type]func(context.Context, Notification) error{}
	}
	d.handlers[reflect.TypeFor[N]()] = func(ctx context.Context, n Notification) error { return h(ctx, n.(N)) }
}

// HandleDefault registers h for every notification without a handler of
// its own. Without one, Dispatch returns an error wrapping ErrUnhandled.
func (d *Dispatcher) HandleDefault(h func(context.Context, Notification) error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fallback = h
}

// Dispatch calls n's handler and returns its error.
func (d *Dispatcher) Dispatch(ctx context.Context, n Notification) error {
	if v := reflect.ValueOf(n); n == nil || (v.Kind() == reflect.Pointer && v.IsNil()) {
		return errors.New("notification: Dispatch: nil notification")
	}
	d.mu.RLock()
	h := d.handlers[reflect.TypeOf(n)]
	if h == nil {
		h = d.fallback
	}
	d.mu.RUnlock()
	if h == nil {
		return fmt.Errorf("notification: %w: %s (%T)", ErrUnhandled, n.Type(), n)
	}
	return h(ctx, n)
}

// DispatchBody parses body (see Parse) and dispatches the notification; a
// body Parse refuses is returned as Parse's error, no handler called.
func (d *Dispatcher) DispatchBody(ctx context.Context, body []byte) error {
	n, err := Parse(body)
	if err != nil {
		return err
	}
	return d.Dispatch(ctx, n)
}
