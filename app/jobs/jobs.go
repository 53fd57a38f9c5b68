// Package jobs runs the app's heavy work in the background: every long
// computation (loading, fitting, training) is a Job with a name, a progress
// Tracker and a cancel function.
//
// The runner knows nothing about the GUI. Completion callbacks are handed to
// Dispatch (fyne.Do in the app, a direct call in tests), so widgets are only
// touched on the UI goroutine; the UI polls Active() for progress at its own
// rate, so a fast inner loop never floods the UI.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"embedscope/ml/progress"
)

// Func is the work of a job. It must return ctx.Err() (or an error wrapping
// it) promptly after ctx is cancelled, and report progress on t.
type Func func(ctx context.Context, t *progress.Tracker) error

// Job is one running or finished piece of background work.
type Job struct {
	Name     string
	Tracker  *progress.Tracker
	Started  time.Time
	cancel   context.CancelFunc
	done     chan struct{}
	err      error
	finished time.Time
}

// Cancel asks the job to stop. It returns at once; the job's completion
// callback still runs, with an error for which IsCancelled is true.
func (j *Job) Cancel() { j.cancel() }

// Wait blocks until the job has finished and returns its error. With a nil
// Dispatch the completion callbacks have run by then; with an asynchronous
// Dispatch they have been queued.
func (j *Job) Wait() error {
	<-j.done
	return j.err
}

// Done is closed when the job has finished.
func (j *Job) Done() <-chan struct{} { return j.done }

// IsCancelled reports whether err means that a job was cancelled.
func IsCancelled(err error) bool {
	return errors.Is(err, context.Canceled)
}

// Runner starts jobs and keeps the list of those running.
type Runner struct {
	// Dispatch runs completion callbacks; in the app it is fyne.Do so that
	// callbacks may touch widgets. Nil means call directly.
	Dispatch func(func())
	// OnError, if set, is called (through Dispatch) for every job that
	// fails with an error other than cancellation, after the job's own callback.
	OnError func(job string, err error)
	// OnStart, if set, is called (on the goroutine that called Start) after
	// a job has started: a status display that sleeps while nothing runs
	// wakes up.
	OnStart func()

	mu     sync.Mutex
	active []*Job
	ctx    context.Context
	// busy counts the jobs started whose completion callback has not yet
	// returned; idle is closed when it falls to 0 (see WaitIdle).
	busy int
	idle chan struct{}
	// gate, while Hold is in force, keeps new jobs from starting their work.
	gate chan struct{}
}

// NewRunner returns a runner whose jobs are all cancelled when parent is.
func NewRunner(parent context.Context) *Runner {
	return &Runner{ctx: parent}
}

// Start runs fn in the background as a job named name. then, if not nil,
// is called through Dispatch when fn has returned, with its error (nil on
// success). A panic inside fn becomes an error: the app keeps running.
func (r *Runner) Start(name string, fn Func, then func(err error)) *Job {
	parent := r.ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	j := &Job{Name: name, Tracker: progress.New(), Started: time.Now(), cancel: cancel, done: make(chan struct{})}
	r.mu.Lock()
	r.active = append(r.active, j)
	if r.busy == 0 {
		r.idle = make(chan struct{})
	}
	r.busy++
	gate := r.gate
	r.mu.Unlock()
	if r.OnStart != nil {
		r.OnStart()
	}
	go func() {
		if gate != nil {
			select {
			case <-gate:
			case <-ctx.Done(): // cancelled while held: the work runs with a cancelled context
			}
		}
		err := runSafely(ctx, fn, j.Tracker)
		if err == nil && ctx.Err() != nil {
			err = ctx.Err()
		}
		cancel()
		j.err = err
		j.finished = time.Now()
		r.remove(j)
		r.dispatch(func() {
			if then != nil {
				then(err)
			}
			if err != nil && !IsCancelled(err) && r.OnError != nil {
				r.OnError(name, err)
			}
			r.settle()
		})
		close(j.done)
	}()
	return j
}

func runSafely(ctx context.Context, fn Func, t *progress.Tracker) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v\n\n%s", p, debug.Stack())
		}
	}()
	return fn(ctx, t)
}

func (r *Runner) dispatch(f func()) {
	if r.Dispatch != nil {
		r.Dispatch(f)
		return
	}
	f()
}

func (r *Runner) remove(j *Job) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, a := range r.active {
		if a == j {
			r.active = append(r.active[:i], r.active[i+1:]...)
			return
		}
	}
}

// settle marks one job's completion callback as returned.
func (r *Runner) settle() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.busy--
	if r.busy == 0 {
		close(r.idle)
	}
}

// WaitIdle blocks until no job is running and the completion callbacks of
// all finished jobs have returned (a callback that starts another job keeps
// the runner busy until that one is done too), or until ctx is done; then
// it returns an error naming the jobs still running. Tests wait on it
// instead of sleeping.
func (r *Runner) WaitIdle(ctx context.Context) error {
	r.mu.Lock()
	idle := r.idle
	busy := r.busy
	r.mu.Unlock()
	if busy == 0 {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		var names []string
		for _, j := range r.Active() {
			names = append(names, j.Name)
		}
		if len(names) == 0 {
			return fmt.Errorf("%w: a finished job's completion callback has not returned", ctx.Err())
		}
		return fmt.Errorf("%w: still running: %s", ctx.Err(), strings.Join(names, ", "))
	}
}

// Hold keeps the jobs started from now on from beginning their work until
// release is called (once; later calls do nothing). A job cancelled while
// held runs its work with a cancelled context, so a test can check that
// the work stops when cancelled, whatever the machine's speed.
func (r *Runner) Hold() (release func()) {
	gate := make(chan struct{})
	r.mu.Lock()
	r.gate = gate
	r.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			if r.gate == gate {
				r.gate = nil
			}
			r.mu.Unlock()
			close(gate)
		})
	}
}

// Active returns the running jobs, oldest first.
func (r *Runner) Active() []*Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Job(nil), r.active...)
}

// CancelAll cancels every running job.
func (r *Runner) CancelAll() {
	for _, j := range r.Active() {
		j.Cancel()
	}
}
