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

func TestTrackerETA(t *testing.T) {
	tr := New()
	tr.Stage("timed", 100)
	time.Sleep(250 * time.Millisecond)
	tr.Set(50)
	s := tr.Snapshot()
	if s.ETA < 100*time.Millisecond || s.ETA > 2*time.Second {
		t.Errorf("ETA %v after half the work in 250 ms", s.ETA)
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
