package shared

import (
	"strconv"
	"testing"
)

// opMap keeps one value per operation, replaces and removes it, and is
// cleared rather than grown past maxSharedRates.
func TestOpMap(t *testing.T) {
	var m opMap[int]
	if _, ok := m.get("a"); ok {
		t.Fatal("an empty map has a")
	}
	m.set("a", 1)
	m.set("b", 2)
	m.set("a", 3)
	if v, ok := m.get("a"); !ok || v != 3 {
		t.Errorf("a = %d, %v; want 3", v, ok)
	}
	m.remove("a")
	if _, ok := m.get("a"); ok {
		t.Error("a removed is still there")
	}
	if v, ok := m.get("b"); !ok || v != 2 {
		t.Errorf("b = %d, %v; want 2", v, ok)
	}
	for i := range maxSharedRates + 1 {
		m.set(strconv.Itoa(i), i)
	}
	if len(m.es) > maxSharedRates {
		t.Errorf("%d entries kept, want at most %d", len(m.es), maxSharedRates)
	}
}
