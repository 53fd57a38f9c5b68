package app

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"embedscope/app/jobs"
	"embedscope/ml/progress"
)

// TestCtrlPeriodAndTheMenuCancelEveryJob: Ctrl+. (anywhere in the window)
// and File ▸ Cancel running jobs cancel all running jobs, and their work
// stops.
func TestCtrlPeriodAndTheMenuCancelEveryJob(t *testing.T) {
	u := newTestUI(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := u.Env.Jobs.WaitIdle(ctx); err != nil { // the panels' first fits
		t.Fatal(err)
	}
	var menuItem *fyne.MenuItem
	uiDo(func() {
		for _, m := range u.Window.MainMenu().Items {
			for _, it := range m.Items {
				if it.Label == "Cancel running jobs" {
					menuItem = it
				}
			}
		}
	})
	if menuItem == nil || menuItem.Shortcut != shortcutCancel {
		t.Fatal("no File ▸ Cancel running jobs item with Ctrl+.")
	}
	for _, c := range []struct {
		how     string
		trigger func()
	}{
		{"Ctrl+.", func() {
			u.Window.Canvas().(interface{ TypedShortcut(fyne.Shortcut) }).TypedShortcut(shortcutCancel)
		}},
		{"the menu", menuItem.Action},
	} {
		started := make(chan struct{}, 2)
		stopped := make(chan struct{}, 2)
		work := func(ctx context.Context, tr *progress.Tracker) error {
			started <- struct{}{}
			<-ctx.Done()
			stopped <- struct{}{}
			return ctx.Err()
		}
		a := u.Env.Jobs.Start("first", work, nil)
		b := u.Env.Jobs.Start("second", work, nil)
		<-started
		<-started
		uiDo(c.trigger)
		for i := 0; i < 2; i++ {
			select {
			case <-stopped:
			case <-ctx.Done():
				t.Fatalf("%s: the jobs' work did not stop", c.how)
			}
		}
		if !jobs.IsCancelled(a.Wait()) || !jobs.IsCancelled(b.Wait()) {
			t.Errorf("%s: jobs ended with %v and %v, want cancellation", c.how, a.Wait(), b.Wait())
		}
	}
}
