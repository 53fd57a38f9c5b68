package progress

import (
	"testing"
	"time"
)

func TestTrackerSnapshot(t *testing.T) {
	tr := New()
	if s := tr.Snapshot(); s.Fraction != -1 || s.ETA != -1 {
		t.Errorf("fresh tracker: fraction %v, ETA %v; want unknown", s.Fraction, s.ETA)
	}
	tr.Stage("work", 200)
	tr.Add(50)
	tr.Detail("loss 0.3")
	s := tr.Snapshot()
	if s.Stage != "work" || s.Detail != "loss 0.3" || s.Done != 50 || s.Fraction != 0.25 {
		t.Errorf("snapshot %+v", s)
	}
	tr.Set(400) // past the end is clamped
	if s := tr.Snapshot(); s.Fraction != 1 {
		t.Errorf("fraction %v, want 1", s.Fraction)
	}
	tr.Stage("next", 0)
	if s := tr.Snapshot(); s.Fraction != -1 || s.Done != 0 || s.Detail != "" {
		t.Errorf("new stage not reset: %+v", s)
	}
}

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestTrackerETA(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	tr := newWithClock(clock.now)
	clock.advance(time.Second)
	tr.Stage("timed", 100)
	clock.advance(150 * time.Millisecond)
	tr.Set(50)
	if s := tr.Snapshot(); s.ETA != -1 || s.Elapsed != 1150*time.Millisecond {
		t.Errorf("after 150 ms: ETA %v (want unknown: under 200 ms in the stage), elapsed %v", s.ETA, s.Elapsed)
	}
	clock.advance(100 * time.Millisecond)
	// Half the work in 250 ms: 250 ms to go.
	if s := tr.Snapshot(); s.ETA != 250*time.Millisecond || s.Fraction != 0.5 {
		t.Errorf("half done after 250 ms: ETA %v, fraction %v; want 250ms, 0.5", s.ETA, s.Fraction)
	}
	tr.Set(75) // three quarters after 250 ms: 1/3 of that to go
	if s := tr.Snapshot(); s.ETA != 250*time.Millisecond/3 {
		t.Errorf("three quarters after 250 ms: ETA %v, want %v", s.ETA, 250*time.Millisecond/3)
	}
	tr.Set(1) // 1 %: too little to tell
	if s := tr.Snapshot(); s.ETA != -1 {
		t.Errorf("1 %% done: ETA %v, want unknown", s.ETA)
	}
	// A new stage starts its own clock; the elapsed time goes on.
	tr.Stage("second", 10)
	clock.advance(time.Second)
	tr.Set(5)
	if s := tr.Snapshot(); s.ETA != time.Second || s.Elapsed != 2250*time.Millisecond {
		t.Errorf("second stage: ETA %v, elapsed %v; want 1s, 2.25s", s.ETA, s.Elapsed)
	}
}

func TestNilTrackerIsSafe(t *testing.T) {
	var tr *Tracker
	tr.Stage("x", 1)
	tr.Add(1)
	tr.Set(1)
	tr.Detail("d")
	if s := tr.Snapshot(); s.Fraction != -1 {
		t.Errorf("nil tracker snapshot %+v", s)
	}
}
