package views

import (
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/jobs"
	"embedscope/ml/progress"
)

// StatusBar shows the running job (name, stage, progress with ETA) and a
// Cancel button; when nothing runs, a paused training ("Paused: …"), else
// what the last action did ("Stopped: …", "Session saved …"), else "Ready". It polls the runner at a
// fixed rate, so a job's step rate never drives the redraw rate.
type StatusBar struct {
	widget.BaseWidget
	runner *jobs.Runner

	label   *widget.Label
	bar     *widget.ProgressBar
	spinner *widget.ProgressBarInfinite
	cancel  *widget.Button
	box     *fyne.Container
	shown   *jobs.Job
	paused  string // name of a paused training ("" when none)
	note    string // what the last action did, shown instead of "Ready" until a job starts

	wake chan struct{} // a job started: poll again

	mu     sync.Mutex
	asleep chan struct{} // closed while the poll sleeps (nothing runs)
}

// Asleep returns a channel that is closed once the bar has shown that
// nothing runs and stopped polling: from then on it does no work at all
// until a job starts. Tests wait on it before they check that an idle
// window does not repaint.
func (s *StatusBar) Asleep() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asleep
}

func (s *StatusBar) setAsleep(yes bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.asleep:
		if !yes {
			s.asleep = make(chan struct{})
		}
	default:
		if yes {
			close(s.asleep)
		}
	}
}

// SetPaused says that a training is paused (name), or that none is ("").
// It is called on the UI goroutine.
func (s *StatusBar) SetPaused(name string) {
	s.paused = name
	s.update()
}

// Note shows what an action just did (a session saved, a training
// stopped) in place of "Ready" until the next job starts. It is called on
// the UI goroutine.
func (s *StatusBar) Note(text string) {
	s.note = text
	s.update()
}

// Text returns the line the bar shows.
func (s *StatusBar) Text() string { return s.label.Text }

// setText changes the label only when its text changes, so an idle bar
// never asks for a repaint.
func (s *StatusBar) setText(t string) {
	if s.label.Text != t {
		s.label.SetText(t)
	}
}

func hide(o fyne.CanvasObject) {
	if o.Visible() {
		o.Hide()
	}
}

func show(o fyne.CanvasObject) {
	if !o.Visible() {
		o.Show()
	}
}

// NewStatusBar returns a status bar for r; it starts polling at once.
func NewStatusBar(r *jobs.Runner) *StatusBar {
	s := &StatusBar{runner: r}
	s.label = widget.NewLabel("Ready")
	s.label.Truncation = fyne.TextTruncateEllipsis
	s.bar = widget.NewProgressBar()
	s.spinner = widget.NewProgressBarInfinite()
	s.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() {
		if s.shown != nil {
			s.shown.Cancel()
		}
	})
	right := container.NewHBox(container.NewGridWrap(fyne.NewSize(260, s.bar.MinSize().Height), container.NewStack(s.bar, s.spinner)), s.cancel)
	s.box = container.NewBorder(nil, nil, nil, right, s.label)
	s.ExtendBaseWidget(s)
	s.update()
	s.wake = make(chan struct{}, 1)
	s.asleep = make(chan struct{})
	r.OnStart = s.Wake
	go s.poll()
	return s
}

// Wake makes the bar poll the runner again (a job started). Safe from any
// goroutine.
func (s *StatusBar) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// poll refreshes the bar four times a second while jobs run, and sleeps
// (no timer, no UI work) while none does, so that an idle app uses no CPU.
func (s *StatusBar) poll() {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		busy := true
		uiDoAndWait(func() { s.update(); busy = s.shown != nil })
		if !busy {
			t.Stop()
			s.setAsleep(true)
			<-s.wake
			s.setAsleep(false)
			t.Reset(250 * time.Millisecond)
			continue
		}
		<-t.C
	}
}

// update refreshes the bar from the runner; it runs on the UI goroutine.
func (s *StatusBar) update() {
	active := s.runner.Active()
	if len(active) == 0 {
		s.shown = nil
		switch {
		case s.paused != "":
			s.setText("Paused: " + s.paused + " — Resume in the Embedding training panel (Ctrl+T)")
		case s.note != "":
			s.setText(s.note)
		default:
			s.setText("Ready")
		}
		hide(s.bar)
		if s.spinner.Running() {
			s.spinner.Stop()
		}
		hide(s.spinner)
		hide(s.cancel)
		return
	}
	j := active[len(active)-1]
	s.shown = j
	s.note = ""
	snap := j.Tracker.Snapshot()
	s.setText(StatusText(j.Name, snap, len(active)-1))
	show(s.cancel)
	if snap.Fraction < 0 {
		hide(s.bar)
		if !s.spinner.Running() {
			s.spinner.Start()
		}
		show(s.spinner)
		return
	}
	if s.spinner.Running() {
		s.spinner.Stop()
	}
	hide(s.spinner)
	show(s.bar)
	if s.bar.Value != snap.Fraction {
		s.bar.SetValue(snap.Fraction)
	}
}

// StatusText is the line shown for a running job: its name, stage, detail,
// elapsed time and ETA, and how many other jobs run.
func StatusText(name string, snap progress.Snapshot, others int) string {
	txt := name
	if snap.Stage != "" {
		txt += " — " + snap.Stage
	}
	if snap.Detail != "" {
		txt += " (" + snap.Detail + ")"
	}
	txt += " · " + formatDuration(snap.Elapsed)
	if snap.ETA >= 0 {
		txt += ", about " + formatDuration(snap.ETA) + " left"
	}
	if others > 0 {
		txt += fmt.Sprintf(" · %d more job(s) running", others)
	}
	return txt
}

func formatDuration(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%.0f s", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%d min %02d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d h %02d min", int(d.Hours()), int(d.Minutes())%60)
}

// CreateRenderer implements fyne.Widget.
func (s *StatusBar) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(s.box)
}
