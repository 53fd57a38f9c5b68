package jobs

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"embedscope/ml/progress"
)

func TestJobSucceedsAndReportsProgress(t *testing.T) {
	r := NewRunner(context.Background())
	release := make(chan struct{})
	var got error = errors.New("callback not called")
	j := r.Start("count", func(ctx context.Context, tr *progress.Tracker) error {
		tr.Stage("counting", 10)
		tr.Add(5)
		<-release
		return nil
	}, func(err error) { got = err })
	// While running, the job is listed and its progress is visible.
	deadline := time.Now().Add(2 * time.Second)
	for j.Tracker.Snapshot().Done < 5 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if a := r.Active(); len(a) != 1 || a[0].Name != "count" {
		t.Fatalf("active jobs = %v, want the one job", a)
	}
	if f := j.Tracker.Snapshot().Fraction; f != 0.5 {
		t.Errorf("fraction = %v, want 0.5", f)
	}
	close(release)
	if err := j.Wait(); err != nil {
		t.Fatal(err)
	}
	if got != nil {
		t.Errorf("callback error = %v, want nil", got)
	}
	if len(r.Active()) != 0 {
		t.Errorf("job still listed after finishing")
	}
}

func TestCancelStopsJob(t *testing.T) {
	r := NewRunner(context.Background())
	var reported []string
	r.OnError = func(name string, err error) { reported = append(reported, name) }
	var cbErr error
	j := r.Start("forever", func(ctx context.Context, tr *progress.Tracker) error {
		<-ctx.Done()
		return ctx.Err()
	}, func(err error) { cbErr = err })
	j.Cancel()
	err := j.Wait()
	if !IsCancelled(err) || !IsCancelled(cbErr) {
		t.Fatalf("err = %v, callback err = %v; want cancellation", err, cbErr)
	}
	if len(reported) != 0 {
		t.Errorf("cancellation was reported as an error: %v", reported)
	}
}

func TestPanicBecomesError(t *testing.T) {
	r := NewRunner(context.Background())
	var reported error
	r.OnError = func(name string, err error) { reported = err }
	j := r.Start("boom", func(ctx context.Context, tr *progress.Tracker) error {
		var m map[string]int
		m["x"] = 1 // nil map write panics
		return nil
	}, nil)
	err := j.Wait()
	if err == nil || !strings.Contains(err.Error(), "internal error") {
		t.Fatalf("err = %v, want an internal error", err)
	}
	if reported == nil {
		t.Errorf("OnError was not called")
	}
}

func TestDispatchIsUsedForCallbacks(t *testing.T) {
	r := NewRunner(context.Background())
	var dispatched atomic.Int32
	r.Dispatch = func(f func()) { dispatched.Add(1); f() }
	j := r.Start("quick", func(ctx context.Context, tr *progress.Tracker) error { return nil }, func(error) {})
	j.Wait()
	// Wait returns when done is closed; the dispatch happens right after.
	deadline := time.Now().Add(time.Second)
	for dispatched.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := dispatched.Load(); n != 1 {
		t.Errorf("dispatched %d callbacks, want 1", n)
	}
}

func TestParentCancelCancelsAll(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := NewRunner(ctx)
	j1 := r.Start("a", func(ctx context.Context, tr *progress.Tracker) error { <-ctx.Done(); return ctx.Err() }, nil)
	j2 := r.Start("b", func(ctx context.Context, tr *progress.Tracker) error { <-ctx.Done(); return ctx.Err() }, nil)
	cancel()
	if !IsCancelled(j1.Wait()) || !IsCancelled(j2.Wait()) {
		t.Fatal("jobs not cancelled with their parent")
	}
}
