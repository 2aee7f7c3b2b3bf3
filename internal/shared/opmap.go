package shared

// opMap is a Limiter's small per-operation state: a slice searched in
// order, since a seller's Client uses a handful of operations, and a map
// per kind of state cost each idle-ish Client about a kilobyte (issue 22:
// 5 KB of heap per seller). It holds at most maxSharedRates entries: it is
// a cache, cleared when full. Not safe for concurrent use (the Limiter's
// mutex guards it).
type opMap[V any] struct {
	es []opEntry[V]
}

// opEntry is one operation's value.
type opEntry[V any] struct {
	op string
	v  V
}

// get returns op's value and whether it has one.
func (m *opMap[V]) get(op string) (v V, ok bool) {
	for _, e := range m.es {
		if e.op == op {
			return e.v, true
		}
	}
	return v, false
}

// set makes v op's value.
func (m *opMap[V]) set(op string, v V) {
	for i := range m.es {
		if m.es[i].op == op {
			m.es[i].v = v
			return
		}
	}
	if len(m.es) >= maxSharedRates {
		m.es = nil
	}
	m.es = append(m.es, opEntry[V]{op, v})
}

// remove drops op's value.
func (m *opMap[V]) remove(op string) {
	for i := range m.es {
		if m.es[i].op == op {
			last := len(m.es) - 1
			m.es[i] = m.es[last]
			m.es[last] = opEntry[V]{}
			m.es = m.es[:last]
			return
		}
	}
}
