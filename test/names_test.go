package test

import (
	"testing"

	"github.com/spapi-go/spapi/client"
	"github.com/spapi-go/spapi/sptest"
)

// The client names operations from its generated table, and sptest from
// its own reading of the same models: the two must agree on every name,
// method, path and published plan, or a user's test of
// srv.Calls("getListingsItem") would count nothing.
func TestOperationNamesAgree(t *testing.T) {
	fake := map[string]sptest.Operation{}
	for _, op := range sptest.Operations() {
		fake[op.Method+" "+op.Path] = op
	}
	ours := client.Operations()
	if len(ours) != len(fake) || len(ours) != 371 {
		t.Fatalf("client knows %d operations, sptest %d, want 371 each", len(ours), len(fake))
	}
	seen := map[string]bool{}
	for _, op := range ours {
		f, ok := fake[op.Method+" "+op.Path]
		switch {
		case !ok:
			t.Errorf("%s %s (%s): not in sptest", op.Method, op.Path, op.Name)
		case f.Name != op.Name:
			t.Errorf("%s %s: client names it %q, sptest %q", op.Method, op.Path, op.Name, f.Name)
		case f.Plan.Rate != op.Rate || (op.Rate > 0 && f.Plan.Burst != op.Burst):
			t.Errorf("%s: client plan %v/%d, sptest %v/%d", op.Name, op.Rate, op.Burst, f.Plan.Rate, f.Plan.Burst)
		case f.Restricted != op.Restricted:
			t.Errorf("%s: client restricted %v, sptest %v", op.Name, op.Restricted, f.Restricted)
		}
		if seen[op.Name] {
			t.Errorf("name %q used twice", op.Name)
		}
		seen[op.Name] = true
	}
}
