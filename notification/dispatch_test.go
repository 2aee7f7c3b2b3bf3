package notification_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/spapi-go/spapi/notification"
)

// TestDispatch: each notification reaches the handler of its Go type, the
// rest the default; without a default, ErrUnhandled.
func TestDispatch(t *testing.T) {
	var mu sync.Mutex
	got := map[string]int{}
	note := func(k string) { mu.Lock(); got[k]++; mu.Unlock() }
	var d notification.Dispatcher
	notification.Handle(&d, func(_ context.Context, n *notification.OrderChange) error {
		note("order:" + string(n.Payload.OrderChangeNotification.Summary.OrderStatus))
		return nil
	})
	notification.Handle(&d, func(_ context.Context, n *notification.ReportProcessingFinished) error {
		note("report")
		return nil
	})
	errFeed := errors.New("feed handler failed")
	notification.Handle(&d, func(_ context.Context, n *notification.FeedProcessingFinished) error { return errFeed })
	ctx := context.Background()

	samples := notification.Samples()
	for _, s := range samples {
		err := d.Dispatch(ctx, s)
		switch s.(type) {
		case *notification.FeedProcessingFinished:
			if !errors.Is(err, errFeed) {
				t.Errorf("Dispatch(feed) = %v, want the handler's error", err)
			}
		case *notification.OrderChange, *notification.ReportProcessingFinished:
			if err != nil {
				t.Errorf("Dispatch(%T) = %v", s, err)
			}
		default:
			if !errors.Is(err, notification.ErrUnhandled) {
				t.Errorf("Dispatch(%T) without a default = %v, want ErrUnhandled", s, err)
			}
		}
	}
	if got["order:Pending"] != 1 || got["report"] != 1 || len(got) != 2 {
		t.Errorf("handlers called: %v", got)
	}

	var others []notification.Type
	d.HandleDefault(func(_ context.Context, n notification.Notification) error {
		mu.Lock()
		others = append(others, n.Type())
		mu.Unlock()
		return nil
	})
	// Bodies, concurrently (run with -race).
	var wg sync.WaitGroup
	for _, s := range samples {
		b, _ := json.Marshal(s)
		wg.Go(func() {
			if err := d.DispatchBody(ctx, b); err != nil && !errors.Is(err, errFeed) {
				t.Errorf("DispatchBody(%s): %v", s.Type(), err)
			}
		})
	}
	wg.Wait()
	if want := len(samples) - 3; len(others) != want {
		t.Errorf("default called %d times, want %d: %v", len(others), want, others)
	}
	if got["order:Pending"] != 2 || got["report"] != 2 {
		t.Errorf("handlers called: %v", got)
	}

	// A body Parse refuses reaches no handler.
	if err := d.DispatchBody(ctx, []byte("{}")); !errors.Is(err, notification.ErrMalformed) {
		t.Errorf("DispatchBody({}) = %v", err)
	}
	if err := d.Dispatch(ctx, nil); err == nil {
		t.Error("Dispatch(nil) = nil")
	}
	var nilOrder *notification.OrderChange
	if err := d.Dispatch(ctx, nilOrder); err == nil {
		t.Error("Dispatch((*OrderChange)(nil)) = nil")
	}
}

// TestHandleReplaces: a second Handle for a type replaces the first.
func TestHandleReplaces(t *testing.T) {
	var d notification.Dispatcher
	calls := ""
	notification.Handle(&d, func(context.Context, *notification.OrderChange) error { calls += "a"; return nil })
	notification.Handle(&d, func(context.Context, *notification.OrderChange) error { calls += "b"; return nil })
	if err := d.Dispatch(context.Background(), notification.Sample(notification.TypeOrderChange)); err != nil || calls != "b" {
		t.Errorf("Dispatch: %v, calls %q, want b", err, calls)
	}
}

// TestHandleInterface: Handle with the interface type is the default.
func TestHandleInterface(t *testing.T) {
	var d notification.Dispatcher
	var got notification.Type
	notification.Handle(&d, func(_ context.Context, n notification.Notification) error { got = n.Type(); return nil })
	if err := d.Dispatch(context.Background(), notification.Sample(notification.TypePricingHealth)); err != nil || got != notification.TypePricingHealth {
		t.Errorf("Dispatch: %v, default saw %q", err, got)
	}
}
