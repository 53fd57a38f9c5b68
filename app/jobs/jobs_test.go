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
	release, halfway := make(chan struct{}), make(chan struct{})
	var got error = errors.New("callback not called")
	j := r.Start("count", func(ctx context.Context, tr *progress.Tracker) error {
		tr.Stage("counting", 10)
		tr.Add(5)
		close(halfway)
		<-release
		return nil
	}, func(err error) { got = err })
	// While running, the job is listed and its progress is visible.
	<-halfway
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
	j.Wait() // done is closed after the callback is dispatched
	if n := dispatched.Load(); n != 1 {
		t.Errorf("dispatched %d callbacks, want 1", n)
	}
}

// deadline returns a context that ends after d: a test's limit, never a
// wait for something to happen.
func deadline(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestWaitIdleWaitsForCallbacksAndChainedJobs(t *testing.T) {
	r := NewRunner(context.Background())
	if err := r.WaitIdle(deadline(t, time.Second)); err != nil {
		t.Fatalf("a runner with no jobs is not idle: %v", err)
	}
	// Callbacks are queued, as fyne.Do does, and run by the test below.
	queue := make(chan func(), 4)
	r.Dispatch = func(f func()) { queue <- f }
	var order []string
	r.Start("first", func(ctx context.Context, tr *progress.Tracker) error { return nil }, func(error) {
		order = append(order, "first")
		r.Start("second", func(ctx context.Context, tr *progress.Tracker) error { return nil }, func(error) { order = append(order, "second") })
	})
	waited := make(chan error, 1)
	go func() { waited <- r.WaitIdle(deadline(t, time.Minute)) }()
	(<-queue)() // the first callback, which starts the second job
	select {
	case err := <-waited:
		t.Fatalf("WaitIdle returned (%v) while the second job's callback was pending", err)
	default:
	}
	(<-queue)()
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	if strings.Join(order, ",") != "first,second" {
		t.Errorf("callbacks ran %v", order)
	}
}

func TestWaitIdleFailsAtTheDeadlineNamingTheJob(t *testing.T) {
	r := NewRunner(context.Background())
	j := r.Start("endless", func(ctx context.Context, tr *progress.Tracker) error { <-ctx.Done(); return ctx.Err() }, nil)
	err := r.WaitIdle(deadline(t, 10*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "endless") {
		t.Errorf("err = %v, want the deadline and the job's name", err)
	}
	j.Cancel()
	if err := r.WaitIdle(deadline(t, time.Minute)); err != nil {
		t.Fatal(err)
	}
}

func TestHoldLetsATestCancelBeforeTheWorkStarts(t *testing.T) {
	r := NewRunner(context.Background())
	release := r.Hold()
	var sawCancelled atomic.Bool
	j := r.Start("held", func(ctx context.Context, tr *progress.Tracker) error {
		sawCancelled.Store(ctx.Err() != nil)
		return nil // the work ignores ctx: the runner still reports the cancel
	}, nil)
	j.Cancel()
	if err := j.Wait(); !IsCancelled(err) {
		t.Errorf("err = %v, want cancellation", err)
	}
	if !sawCancelled.Load() {
		t.Error("the held job's work began with a live context")
	}
	release()
	release() // a second call does nothing
	// Jobs started after the release run at once.
	if err := r.Start("free", func(ctx context.Context, tr *progress.Tracker) error { return nil }, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	// A held job starts its work when released.
	release = r.Hold()
	started := make(chan struct{})
	j = r.Start("later", func(ctx context.Context, tr *progress.Tracker) error { close(started); return nil }, nil)
	select {
	case <-started:
		t.Fatal("a held job started its work")
	default:
	}
	release()
	if err := j.Wait(); err != nil {
		t.Fatal(err)
	}
	<-started
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
