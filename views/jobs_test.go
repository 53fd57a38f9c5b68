package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// waitJobs waits until every job the panel started has finished and its
// completion callback has returned (jobs.Runner.WaitIdle); the test fails
// at the deadline, naming the jobs still running. The deadline is a
// limit for a broken build, not a wait: a working one ends long before.
func waitJobs(t *testing.T, env *Env, what string, limit time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var err error
	testUI.released(func() { err = env.Jobs.WaitIdle(ctx) })
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// released runs f with the UI let go when the calling goroutine (a test)
// holds it, so that the jobs' callbacks it waits for can run, as they
// would while an idle UI goroutine waits for events.
func (s *serialUI) released(f func()) {
	id := goroutineID()
	if _, mine := s.owner.Load(id); !mine {
		f()
		return
	}
	s.owner.Delete(id)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.owner.Store(id, true)
	}()
	f()
}

// jobLimit is the deadline of a job on the embedded data in the tests:
// far above what any of them takes on a loaded 2-core machine.
const jobLimit = 5 * time.Minute

// takeDialogs returns the text of the dialogs shown over env's window
// (error dialogs: "Error" and the message) and closes them.
func takeDialogs(env *Env) string {
	var b strings.Builder
	testUI.do(func() {
		ov := env.Window.Canvas().Overlays()
		for _, o := range ov.List() {
			for _, obj := range test.LaidOutObjects(o) {
				switch x := obj.(type) {
				case *widget.Label:
					b.WriteString(x.Text + "\n")
				case *widget.RichText:
					b.WriteString(x.String() + "\n")
				case *canvas.Text:
					b.WriteString(x.Text + "\n")
				}
			}
		}
		for ov.Top() != nil {
			ov.Remove(ov.Top())
		}
	})
	return b.String()
}

// wantRefused checks that a panel action refused its input at once: an
// error dialog whose text holds want, and no job started.
func wantRefused(t *testing.T, env *Env, action, want string) {
	t.Helper()
	if n := len(env.Jobs.Active()); n != 0 {
		t.Errorf("%s started %d job(s) instead of refusing its input", action, n)
	}
	got := takeDialogs(env)
	if !strings.Contains(strings.ToLower(got), strings.ToLower(want)) {
		t.Errorf("%s: the dialog says %q, want the reason %q", action, strings.TrimSpace(got), want)
	}
}
