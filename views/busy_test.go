package views

import (
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestBusyDoShowsThenCloses: an export or a model save shows a busy dialog
// while it works off the UI goroutine, then closes it and reports.
func TestBusyDoShowsThenCloses(t *testing.T) {
	env := newTestEnv(t)
	release, finished := make(chan struct{}), make(chan struct{})
	BusyHook = func() { close(finished) }
	defer func() { BusyHook = nil }()
	var got error
	testUI.do(func() {
		busyDo(env.Window, "Exporting figure", "Writing /tmp/x.png…", func() error {
			<-release
			return errors.New("disk full")
		}, func(err error) { got = err })
	})
	shown := ""
	testUI.do(func() {
		if top := env.Window.Canvas().Overlays().Top(); top != nil {
			for _, o := range test.LaidOutObjects(top) {
				if l, ok := o.(*widget.Label); ok {
					shown += l.Text
				}
			}
		}
	})
	if shown != "Writing /tmp/x.png…Exporting figure" { // the message, then the title
		t.Errorf("busy dialog says %q", shown)
	}
	close(release)
	testUI.released(func() {
		select {
		case <-finished:
		case <-time.After(time.Minute):
			t.Fatal("the work did not finish within a minute")
		}
	})
	testUI.do(func() {
		if got == nil || got.Error() != "disk full" {
			t.Errorf("done got %v", got)
		}
		if top := env.Window.Canvas().Overlays().Top(); top != nil && top.Visible() {
			t.Error("the busy dialog is still shown")
		}
	})
}
