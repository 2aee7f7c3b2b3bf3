package sptest_test

import (
	"strings"
	"testing"

	"github.com/spapi-go/spapi/sptest"
)

// mustPanic runs f and returns its panic message, failing when f does not
// panic.
func mustPanic(t *testing.T, f func()) (msg string) {
	t.Helper()
	defer func() {
		p := recover()
		if p == nil {
			t.Error("no panic")
			return
		}
		msg, _ = p.(string)
	}()
	f()
	return ""
}

// One rule for names everywhere: a full or unambiguous short name works;
// an unknown or ambiguous one is an error (OperationName) or a panic that
// says so (Calls, CallsByStatus, Script, Always, SpendBudgetOf, Plans),
// never a silent 0.
func TestNamesOneRule(t *testing.T) {
	srv := sptest.Start(t, sptest.Options{NoRateLimit: true})
	for _, tt := range []struct{ name, want string }{
		{"getOrderAddress", "getOrderAddress"},
		{"ordersV0.getOrders", "ordersV0.getOrders"},
		{"getOrder", "ordersV0.getOrder"}, // the alias
		{"shippingV2.linkCarrierAccount.PUT", "shippingV2.linkCarrierAccount.PUT"},
		{"lwa", "lwa"},
		{"other", "other"},
	} {
		if got, err := sptest.OperationName(tt.name); err != nil || got != tt.want {
			t.Errorf("OperationName(%q) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	bad := []struct{ name, says string }{
		{"getOrders", "ambiguous"}, // ordersV0's and two vendor APIs'
		{"shippingV2.linkCarrierAccount", "ambiguous"},
		{"getOrderAdress", "no operation"},
		{"", "no operation"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := sptest.OperationName(tt.name); err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("OperationName(%q) err = %v, want one saying %q", tt.name, err, tt.says)
			}
			for method, call := range map[string]func(){
				"Calls":         func() { srv.Calls(tt.name) },
				"CallsByStatus": func() { srv.CallsByStatus(tt.name, 200) },
				"Script":        func() { srv.Script(tt.name, sptest.Fault{Status: 503}) },
				"Always":        func() { srv.Always(tt.name, nil) },
				"SpendBudgetOf": func() { srv.SpendBudgetOf(tt.name) },
				"Plans":         func() { sptest.NewServer(sptest.Options{Plans: map[string]sptest.Plan{tt.name: {Rate: 1}}}).Close() },
			} {
				if msg := mustPanic(t, call); !strings.Contains(msg, tt.says) || !strings.Contains(msg, tt.name) {
					t.Errorf("%s(%q): panic %q, want one naming it and saying %q", method, tt.name, msg, tt.says)
				}
			}
		})
	}
}
