package shared

// opMap is a Limiter's small per-operation state: a slice searched in
// order, since a seller's Client uses a handful of operations, and a map
// per kind of state cost each idle-ish Client about a kilobyte (issue 22:
// 5 KB of heap per seller). It holds at most maxSharedRates entries: it is
// a cache, cleared when full. Not safe for concurrent use (the Limiter's
// mutex guards it).
type opMap[V any] struct {
	ops []string
	vs  []V
}

// get returns op's value and whether it has one.
func (m *opMap[V]) get(op string) (v V, ok bool) {
	for i, o := range m.ops {
		if o == op {
			return m.vs[i], true
		}
	}
	return v, false
}

// set makes v op's value.
func (m *opMap[V]) set(op string, v V) {
	for i, o := range m.ops {
		if o == op {
			m.vs[i] = v
			return
		}
	}
	if len(m.ops) >= maxSharedRates {
		m.ops, m.vs = nil, nil
	}
	m.ops, m.vs = append(m.ops, op), append(m.vs, v)
}

// remove drops op's value.
func (m *opMap[V]) remove(op string) {
	for i, o := range m.ops {
		if o == op {
			last := len(m.ops) - 1
			m.ops[i], m.vs[i] = m.ops[last], m.vs[last]
			var zero V
			m.ops[last], m.vs[last] = "", zero
			m.ops, m.vs = m.ops[:last], m.vs[:last]
			return
		}
	}
}
