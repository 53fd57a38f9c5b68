package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"embedscope/app/jobs"
	"embedscope/ml/progress"
)

// TestStatusBarShowsAndCancelsTheJob: the bar names the running job with
// its stage and progress, and its Cancel button cancels that job, which
// stops (its work returns when its context ends).
func TestStatusBarShowsAndCancelsTheJob(t *testing.T) {
	newTempApp(t)
	r := jobs.NewRunner(context.Background())
	r.Dispatch = serialiseUI(t)
	var s *StatusBar
	testUI.do(func() { s = NewStatusBar(r) })
	t.Cleanup(func() { waitAsleep(t, s) })
	// state reads the bar on the UI goroutine, as its poll writes it there.
	var text string
	var cancelShown bool
	var value float64
	state := func() {
		testUI.do(func() { s.update(); text, cancelShown, value = s.label.Text, s.cancel.Visible(), s.bar.Value })
	}
	state()
	if text != "Ready" || cancelShown {
		t.Fatalf("idle bar: %q, cancel visible %v", text, cancelShown)
	}
	halfway, stopped := make(chan struct{}), make(chan error, 1)
	j := r.Start("Long job", func(ctx context.Context, tr *progress.Tracker) error {
		tr.Stage("counting", 4)
		tr.Add(1)
		close(halfway)
		<-ctx.Done()
		stopped <- ctx.Err()
		return ctx.Err()
	}, nil)
	<-halfway
	state() // what the bar's poll does every 250 ms
	if !strings.HasPrefix(text, "Long job — counting") || !cancelShown || value != 0.25 {
		t.Fatalf("bar while running: %q, cancel visible %v, progress %v", text, cancelShown, value)
	}
	testUI.do(func() { test.Tap(s.cancel) })
	select {
	case err := <-stopped:
		if err != context.Canceled {
			t.Errorf("the work ended with %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Cancel did not stop the job within a minute")
	}
	if err := j.Wait(); !jobs.IsCancelled(err) {
		t.Errorf("job error %v, want cancellation", err)
	}
	state()
	if text != "Ready" || cancelShown {
		t.Errorf("bar after the cancel: %q, cancel visible %v", text, cancelShown)
	}
	// A paused training is named when nothing runs.
	testUI.do(func() { s.SetPaused("MLP run"); text = s.label.Text })
	if !strings.HasPrefix(text, "Paused: MLP run") {
		t.Errorf("bar with a paused training: %q", text)
	}
}

// TestStatusBarNotesRunningPausedStopped: the bar tells running, paused
// and stopped apart: a paused training is named (never "Ready"), a note
// ("Stopped: …", "Session saved …") stays until the next job starts, and
// the running job replaces it.
func TestStatusBarNotesRunningPausedStopped(t *testing.T) {
	newTempApp(t)
	r := jobs.NewRunner(context.Background())
	r.Dispatch = serialiseUI(t)
	var s *StatusBar
	testUI.do(func() { s = NewStatusBar(r) })
	t.Cleanup(func() { waitAsleep(t, s) })
	text := func() (t string) { testUI.do(func() { t = s.Text() }); return t }
	testUI.do(func() { s.SetPaused("MLP run") })
	if got := text(); !strings.HasPrefix(got, "Paused: MLP run") {
		t.Fatalf("paused: %q", got)
	}
	testUI.do(func() { s.SetPaused(""); s.Note("Stopped: MLP run at epoch 2 of 10") })
	if got := text(); got != "Stopped: MLP run at epoch 2 of 10" {
		t.Fatalf("stopped: %q", got)
	}
	release := make(chan struct{})
	j := r.Start("Fit PCA", func(ctx context.Context, tr *progress.Tracker) error {
		<-release
		return nil
	}, nil)
	testUI.do(s.update)
	if got := text(); !strings.HasPrefix(got, "Fit PCA") {
		t.Errorf("running: %q", got)
	}
	close(release)
	if err := j.Wait(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	testUI.do(s.update)
	if got := text(); got != "Ready" {
		t.Errorf("after the job the note is gone: %q, want Ready", got)
	}
}

// waitAsleep waits until the bar has stopped polling (nothing runs), so
// that no poll of it runs while the next test sets up.
func waitAsleep(t *testing.T, s *StatusBar) {
	t.Helper()
	select {
	case <-s.Asleep():
	case <-time.After(time.Minute):
		t.Error("the status bar still polls a minute after its jobs ended")
	}
}
