// Package cancelctx helps the tests of ml/ check cancellation without a
// clock: Countdown is a context cancelled at a chosen point of the work
// (its n-th check), and Within fails a test whose call does not return in
// time instead of letting it hang until the test binary's timeout.
package cancelctx

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Countdown is a context that reports cancellation (context.Canceled) from
// its left-th call of Err on, and closes Done then. It counts the calls:
// After, the calls that reported the cancellation, bounds the work done
// once cancelled (each call is a point where the work could stop).
type Countdown struct {
	context.Context
	mu    sync.Mutex
	left  int
	calls int
	after int
	done  chan struct{}
}

// New returns a Countdown whose first left calls of Err return nil.
func New(left int) *Countdown {
	return &Countdown{Context: context.Background(), left: left, done: make(chan struct{})}
}

// Err returns nil for the first left calls, then context.Canceled.
func (c *Countdown) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.left > 0 {
		c.left--
		return nil
	}
	if c.after == 0 {
		close(c.done)
	}
	c.after++
	return context.Canceled
}

// Done is closed once Err has reported the cancellation.
func (c *Countdown) Done() <-chan struct{} { return c.done }

// Calls returns the number of Err calls so far.
func (c *Countdown) Calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// After returns the number of Err calls that reported the cancellation.
func (c *Countdown) After() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.after
}

// Cancelled reports whether Err has reported the cancellation.
func (c *Countdown) Cancelled() bool { return c.After() > 0 }

// Within runs f on another goroutine and returns its error; t fails at
// once if f has not returned after limit (a bound for a broken build, far
// above what a working one takes on a loaded machine).
func Within(t testing.TB, limit time.Duration, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("%s did not return within %v of being cancelled", what, limit)
		return nil
	}
}
