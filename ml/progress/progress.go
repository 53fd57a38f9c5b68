// Package progress carries progress from long computations to whoever shows it.
//
// A Tracker is written by the computation (stage, done, total) and read by the
// UI or the CLI at its own pace through Snapshot, so the step rate of an
// algorithm never drives the redraw rate. All methods are safe for concurrent
// use and all are no-ops on a nil *Tracker, so library code can take an
// optional tracker without checks.
package progress

import (
	"sync"
	"time"
)

// Tracker records the progress of one job.
type Tracker struct {
	mu         sync.Mutex
	stage      string
	done       float64
	total      float64
	stageStart time.Time
	started    time.Time
	detail     string
	now        func() time.Time // the clock: time.Now, a fake one in tests
}

// New returns a Tracker started now.
func New() *Tracker { return newWithClock(time.Now) }

func newWithClock(now func() time.Time) *Tracker {
	t := now()
	return &Tracker{started: t, stageStart: t, now: now}
}

// Stage starts a new stage of work with the given name and amount of work.
// A total of 0 means the amount is unknown.
func (t *Tracker) Stage(name string, total float64) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.stage, t.done, t.total, t.detail = name, 0, total, ""
	t.stageStart = t.now()
	t.mu.Unlock()
}

// Add records n more units of work done in the current stage.
func (t *Tracker) Add(n float64) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.done += n
	t.mu.Unlock()
}

// Set records the amount of work done so far in the current stage.
func (t *Tracker) Set(done float64) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.done = done
	t.mu.Unlock()
}

// Detail sets a short free-form line (a loss value, an objective) shown
// beside the stage name.
func (t *Tracker) Detail(s string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.detail = s
	t.mu.Unlock()
}

// Snapshot is the state of a Tracker at one moment.
type Snapshot struct {
	Stage    string
	Detail   string
	Done     float64
	Total    float64
	Fraction float64       // Done/Total in [0,1]; -1 when Total is unknown
	Elapsed  time.Duration // since the tracker was created
	ETA      time.Duration // remaining time of the current stage; -1 when unknown
}

// Snapshot returns the current state.
func (t *Tracker) Snapshot() Snapshot {
	if t == nil {
		return Snapshot{Fraction: -1, ETA: -1}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s := Snapshot{Stage: t.stage, Detail: t.detail, Done: t.done, Total: t.total, Fraction: -1, ETA: -1}
	now := t.now()
	s.Elapsed = now.Sub(t.started)
	if t.total > 0 {
		f := t.done / t.total
		if f < 0 {
			f = 0
		}
		if f > 1 {
			f = 1
		}
		s.Fraction = f
		inStage := now.Sub(t.stageStart)
		if f > 0.01 && inStage > 200*time.Millisecond {
			s.ETA = time.Duration(float64(inStage) * (1 - f) / f)
		}
	}
	return s
}
