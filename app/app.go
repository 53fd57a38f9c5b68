// Package app is the Fyne application: the main window, its menus and
// shortcuts, the status bar, and the wiring of panels to the shared
// workspace and job runner.
package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/jobs"
	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/progress"
	"embedscope/views"
)

// Options are the command-line choices that shape the GUI at start.
type Options struct {
	Data string              // data source: workspace.Embedded (default), a folder or a file
	Load dataset.LoadOptions // how to read it (image folders: side, fit, greyscale)
	View string              // ID of the panel to show first
}

// UI is the running application window.
type UI struct {
	App    fyne.App
	Window fyne.Window
	Env    *views.Env
	Tabs   *container.AppTabs
	Status *views.StatusBar

	cancel      context.CancelFunc
	sessionPath string // the session file last saved or opened; "" when none
	// fileDialogOpen is true while an Open dialog is shown: a second
	// (a repeated shortcut) is not stacked over it.
	fileDialogOpen bool
}

// New builds the main window of a, with every panel, menus and the status
// bar, and starts loading opts.Data. It does not show the window.
func New(a fyne.App, opts Options) (*UI, error) {
	w := a.NewWindow("EmbedScope")
	ctx, cancel := context.WithCancel(context.Background())
	runner := jobs.NewRunner(ctx)
	runner.Dispatch = views.Dispatch
	u := &UI{App: a, Window: w, cancel: cancel}
	ws := workspace.New()
	svc, err := service.New(ws, nil)
	if err != nil {
		return nil, err
	}
	u.Env = &views.Env{Window: w, Workspace: ws, Service: svc, Jobs: runner}
	u.openRunStore()
	u.Env.ShowPanel = u.ShowPanel
	u.Env.SetRunsDir = u.SetRunsDir
	runner.OnError = func(job string, err error) {
		dialog.ShowError(fmt.Errorf("%s failed: %w", job, err), w)
	}

	u.Tabs = container.NewAppTabs()
	for _, p := range views.Panels {
		u.Tabs.Append(container.NewTabItem(p.Title, p.Content(u.Env)))
	}
	u.Status = views.NewStatusBar(runner)
	u.Env.OnPaused = u.Status.SetPaused
	u.Env.OnNote = u.Status.Note
	w.SetContent(container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), u.Status), nil, nil, u.Tabs))
	u.applyThemePreference()
	w.SetMainMenu(u.menu())
	u.addShortcuts()
	w.Resize(u.rememberedWindowSize())
	w.SetCloseIntercept(u.confirmClose)

	if view := u.startPanel(opts.View); view != "" {
		if err := u.ShowPanel(view); err != nil {
			return nil, err
		}
	}
	u.rememberPanels()
	u.OpenWith(opts.Data, opts.Load)
	return u, nil
}

// ShowPanel switches to the panel with the given ID.
func (u *UI) ShowPanel(id string) error {
	for i, p := range views.Panels {
		if p.ID == id {
			u.Tabs.SelectIndex(i)
			return nil
		}
	}
	var ids []string
	for _, p := range views.Panels {
		ids = append(ids, p.ID)
	}
	return fmt.Errorf("no panel named %q: use one of %s", id, strings.Join(ids, ", "))
}

// Open loads a data source with the default options; see OpenWith.
func (u *UI) Open(source string) *jobs.Job { return u.OpenWith(source, dataset.LoadOptions{}) }

// OpenWith loads a data source read with opts in the background and makes
// it the current data set when it has loaded; on failure the previous data
// set stays open and the error is shown.
func (u *UI) OpenWith(source string, opts dataset.LoadOptions) *jobs.Job {
	if source == "" {
		source = workspace.Embedded
	}
	name := "Open " + filepath.Base(source)
	var ds *dataset.Dataset
	return u.Env.Jobs.Start(name, func(ctx context.Context, t *progress.Tracker) error {
		var err error
		ds, err = readSource(ctx, t, source, opts)
		return err
	}, func(err error) {
		if err != nil {
			return // reported by the runner's OnError
		}
		if err := u.Env.Workspace.SetData(ds); err != nil {
			u.Env.ShowError(err)
			return
		}
		u.sessionPath = ""
		u.addRecent(recentData, source)
		u.updateTitle()
	})
}

// readSource loads a data source read with opts, reporting progress on t.
func readSource(ctx context.Context, t *progress.Tracker, source string, opts dataset.LoadOptions) (*dataset.Dataset, error) {
	t.Stage("reading "+source, 0)
	return workspace.OpenWith(ctx, source, opts, func(done, total int) {
		if total > 0 {
			t.Stage("reading images", float64(total))
			t.Set(float64(done))
		}
	})
}

// Close cancels all jobs and closes the window.
func (u *UI) Close() {
	u.rememberWindow()
	u.cancel()
	u.Window.Close()
}

func (u *UI) confirmClose() {
	if n := len(u.Env.Jobs.Active()); n > 0 {
		dialog.ShowConfirm("Quit EmbedScope?",
			fmt.Sprintf("%d job(s) are still running and will be cancelled.", n),
			func(ok bool) {
				if ok {
					u.Close()
				}
			}, u.Window)
		return
	}
	u.Close()
}
