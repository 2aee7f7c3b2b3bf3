// Package testclock is the clock tests move by hand, for the Now and now
// fields of the client's parts and sptest.Options.Now: one type, where five
// test files each had their own copy.
package testclock

import (
	"sync"
	"time"
)

// Clock is a clock that moves only when told. It is safe for concurrent
// use: the code under test reads it while the test moves it.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New is a Clock at t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
