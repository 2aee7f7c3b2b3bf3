package sptest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// OperationName resolves a name as Calls, CallsByStatus, Script, Always,
// SpendBudgetOf and Options.Plans take it, and returns the operation's full
// name (the one Operations lists and RecordedRequest.Op holds). One rule for
// every one of them:
//
//   - a full name works: "getOrderAddress", "ordersV0.getOrders",
//     "shippingV2.linkCarrierAccount.PUT"; so do "lwa" (LWA token requests),
//     "other" (requests that match no operation) and the alias "getOrder"
//     (Orders v0's getOrder);
//   - a short name works when it names one operation: the operationId alone,
//     or the model and the operationId without the method;
//   - a name that is no operation, or a short name that fits several
//     ("getOrders" is both ordersV0.getOrders and a vendor API's), is an
//     error that says so and lists the candidates.
//
// Calls and the others panic with this error, as NewServer does for Plans: a
// misspelt name is a bug in the test, and a silent 0 would hide it.
func OperationName(name string) (string, error) {
	switch name {
	case opLWA, opOther:
		return name, nil
	}
	t := mustTable()
	if t.lookup(name) != nil {
		return canonical(name), nil
	}
	cands := shortNames()[name]
	switch len(cands) {
	case 1:
		return cands[0], nil
	case 0:
		return "", fmt.Errorf("%q is no operation of the fake (sptest.Operations lists every name; \"lwa\" and \"other\" count LWA and unmatched requests)", name)
	}
	return "", fmt.Errorf("%q is ambiguous: it names %s; use the full name", name, strings.Join(cands, ", "))
}

// mustName is OperationName for the methods that take a name: it panics
// with a clear message, naming the method, on a name that is no operation.
func mustName(method, name string) string {
	n, err := OperationName(name)
	if err != nil {
		panic("sptest: " + method + ": " + err.Error())
	}
	return n
}

// shortNames maps each short form of every operation's name (its
// operationId, and its model and operationId without the method) to the
// full names it fits, sorted.
var shortNames = sync.OnceValue(func() map[string][]string {
	m := map[string][]string{}
	add := func(short, full string) {
		if short != full && !slices.Contains(m[short], full) {
			m[short] = append(m[short], full)
		}
	}
	for _, op := range mustTable().ops {
		full := op.name
		noMethod := strings.TrimSuffix(full, "."+op.method)
		add(noMethod, full)
		if i := strings.LastIndexByte(noMethod, '.'); i >= 0 {
			add(noMethod[i+1:], full)
		}
	}
	for _, v := range m {
		slices.Sort(v)
	}
	return m
})
