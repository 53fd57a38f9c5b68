package views

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/jobs"
	"embedscope/ml/progress"
)

// StatusBar shows the running job (name, stage, progress with ETA) and a
// Cancel button, or "Ready" when nothing runs. It polls the runner at a
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
	go s.poll()
	return s
}

func (s *StatusBar) poll() {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for range t.C {
		uiDo(s.update)
	}
}

// update refreshes the bar from the runner; it runs on the UI goroutine.
func (s *StatusBar) update() {
	active := s.runner.Active()
	if len(active) == 0 {
		s.shown = nil
		s.label.SetText("Ready")
		s.bar.Hide()
		s.spinner.Hide()
		s.spinner.Stop()
		s.cancel.Hide()
		return
	}
	j := active[len(active)-1]
	s.shown = j
	snap := j.Tracker.Snapshot()
	s.label.SetText(StatusText(j.Name, snap, len(active)-1))
	s.cancel.Show()
	if snap.Fraction < 0 {
		s.bar.Hide()
		if !s.spinner.Running() {
			s.spinner.Start()
		}
		s.spinner.Show()
		return
	}
	s.spinner.Hide()
	s.spinner.Stop()
	s.bar.Show()
	s.bar.SetValue(snap.Fraction)
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
