// Package views holds the app's panels and the widgets they share.
//
// A panel is registered as data (Panel: an ID, a title, an intro line and a
// View function), one file per panel, as in the Fyne demo. Panels reach the
// rest of the app only through Env: the window, the shared workspace and
// the job runner.
package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/jobs"
	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/embed"
)

// Env is what a panel may use.
type Env struct {
	Window    fyne.Window
	Workspace *workspace.Workspace
	// Service runs every computation (and records the runs); panels never
	// call ml/ themselves.
	Service *service.Service
	Jobs    *jobs.Runner
	// ShowPanel, when set (by the app), switches to the panel with the
	// given ID.
	ShowPanel func(id string) error

	// presetAutoencoder, set by the embedding panel, selects an
	// autoencoder there (for the Clusters panel's "Train an autoencoder").
	presetAutoencoder func()
	// toggleTraining, set by the embedding panel, starts, pauses or
	// resumes its training.
	toggleTraining func()
	// showRun, set by the embedding panel, shows a training run there;
	// trainAgain fills its form with a run's settings.
	showRun    func(id string) error
	trainAgain func(cfg embed.Config)
	// SetRunsDir, when set (by the app), keeps the runs in another folder.
	SetRunsDir func(dir string) error
	// OnPaused, when set (by the app's status bar), is told when a
	// training is paused (name) or no longer paused ("").
	OnPaused func(name string)
	// OnNote, when set (by the app's status bar), shows what an action
	// just did until the next job starts.
	OnNote func(text string)
}

// Notify says in the status bar what an action just did ("Session saved
// to …", "Stopped: …"); it is called on the UI goroutine.
func (e *Env) Notify(text string) {
	if e.OnNote != nil {
		e.OnNote(text)
	}
}

// setPaused tells the status bar that a training is paused (or not).
func (e *Env) setPaused(paused bool, name string) {
	if e.OnPaused == nil {
		return
	}
	if !paused {
		name = ""
	}
	e.OnPaused(name)
}

// ToggleTraining starts the embedding panel's training, pauses it while it
// runs, or resumes a paused one (the app's Ctrl+T).
func (e *Env) ToggleTraining() {
	if e.toggleTraining != nil {
		e.toggleTraining()
	}
}

// ShowError shows err in a dialog over the window.
func (e *Env) ShowError(err error) {
	if err == nil {
		return
	}
	dialog.ShowError(err, e.Window)
}

// Panel is one tab of the main window.
type Panel struct {
	ID    string // short name used by --view and export-figure
	Title string // tab title
	Intro string // one line shown at the top of the panel
	// View builds the panel's content once; the panel keeps itself up to
	// date through Env.Workspace.OnChange.
	View func(env *Env) fyne.CanvasObject
}

// Content builds the panel's view under its introduction, as its tab
// shows it. The introduction is in the normal text colour, italic (grey
// text is hard to read on the dark theme).
func (p Panel) Content(env *Env) fyne.CanvasObject {
	intro := widget.NewLabelWithStyle(p.Intro, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	intro.Wrapping = fyne.TextWrapWord
	return container.NewBorder(intro, nil, nil, nil, p.View(env))
}

// Panels lists the panels in tab order.
var Panels = []Panel{
	dataPanel,
	pcaPanel,
	embeddingPanel,
	prototypesPanel,
	clustersPanel,
	lowRankPanel,
	mapsPanel,
	comparePanel,
	selectionPanel,
	runsPanel,
}

// PanelByID returns the panel with the given ID.
// The t-SNE panel became the Maps panel: its old ID still finds it.
func PanelByID(id string) (Panel, bool) {
	if id == "tsne" {
		id = mapsPanel.ID
	}
	for _, p := range Panels {
		if p.ID == id {
			return p, true
		}
	}
	return Panel{}, false
}
