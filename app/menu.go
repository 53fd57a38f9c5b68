package app

import (
	"fmt"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/jobs"
	"embedscope/app/workspace"
	"embedscope/ml/linalg"
	"embedscope/views"
)

var (
	shortcutOpenFolder = &desktop.CustomShortcut{KeyName: fyne.KeyO, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutOpenFile   = &desktop.CustomShortcut{KeyName: fyne.KeyO, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}
	shortcutCancel     = &desktop.CustomShortcut{KeyName: fyne.KeyPeriod, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutExport     = &desktop.CustomShortcut{KeyName: fyne.KeyE, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutTraining   = &desktop.CustomShortcut{KeyName: fyne.KeyT, Modifier: fyne.KeyModifierShortcutDefault}
)

var panelKeys = []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5, fyne.Key6, fyne.Key7, fyne.Key8, fyne.Key9}

func (u *UI) menu() *fyne.MainMenu {
	openFolder := fyne.NewMenuItem("Open data folder…", u.showOpenFolder)
	openFolder.Shortcut = shortcutOpenFolder
	openFile := fyne.NewMenuItem("Open CSV or TSV file…", u.showOpenFile)
	openFile.Shortcut = shortcutOpenFile
	file := fyne.NewMenu("File", openFolder, openFile, u.recentMenuItem(), fyne.NewMenuItemSeparator())
	if workspace.FullFashionMNISTAvailable() {
		file.Items = append(file.Items, fyne.NewMenuItem("Open full Fashion-MNIST (70,000 images)", func() { u.Open(workspace.FashionMNISTDir) }))
	}
	file.Items = append(file.Items, fyne.NewMenuItem("Open embedded sample (10,000 images)", func() { u.Open(workspace.Embedded) }))
	file.Items = append(file.Items, fyne.NewMenuItemSeparator())
	file.Items = append(file.Items, u.sessionMenuItems()...)
	export := fyne.NewMenuItem("Export a feature space (CSV, projector TSV)…", func() { views.ShowExportSpaceDialog(u.Env) })
	export.Shortcut = shortcutExport
	file.Items = append(file.Items, fyne.NewMenuItemSeparator(), export)
	cancel := fyne.NewMenuItem("Cancel running jobs", u.Env.Jobs.CancelAll)
	cancel.Shortcut = shortcutCancel
	file.Items = append(file.Items, fyne.NewMenuItemSeparator(), cancel)

	view := fyne.NewMenu("View")
	for i, p := range views.Panels {
		id := p.ID
		item := fyne.NewMenuItem(p.Title, func() { u.ShowPanel(id) })
		if i < len(panelKeys) {
			item.Shortcut = &desktop.CustomShortcut{KeyName: panelKeys[i], Modifier: fyne.KeyModifierShortcutDefault}
		}
		view.Items = append(view.Items, item)
	}
	training := fyne.NewMenuItem("Start / pause training", u.toggleTraining)
	training.Shortcut = shortcutTraining
	view.Items = append(view.Items, fyne.NewMenuItemSeparator(), training, fyne.NewMenuItemSeparator(), u.themeMenuItem())
	help := fyne.NewMenu("Help",
		fyne.NewMenuItem("Keyboard shortcuts", u.showShortcuts),
		fyne.NewMenuItem("About EmbedScope", u.showAbout),
	)
	return fyne.NewMainMenu(file, view, help)
}

// addShortcuts makes the menu shortcuts work anywhere in the window.
func (u *UI) addShortcuts() {
	c := u.Window.Canvas()
	c.AddShortcut(shortcutOpenFolder, func(fyne.Shortcut) { u.showOpenFolder() })
	c.AddShortcut(shortcutOpenFile, func(fyne.Shortcut) { u.showOpenFile() })
	c.AddShortcut(shortcutCancel, func(fyne.Shortcut) { u.Env.Jobs.CancelAll() })
	c.AddShortcut(shortcutExport, func(fyne.Shortcut) { views.ShowExportSpaceDialog(u.Env) })
	c.AddShortcut(shortcutTraining, func(fyne.Shortcut) { u.toggleTraining() })
	u.addSessionShortcuts(c)
	for i, p := range views.Panels {
		if i >= len(panelKeys) {
			break
		}
		id := p.ID
		c.AddShortcut(&desktop.CustomShortcut{KeyName: panelKeys[i], Modifier: fyne.KeyModifierShortcutDefault},
			func(fyne.Shortcut) { u.ShowPanel(id) })
	}
}

func (u *UI) showOpenFolder() {
	d := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
		if err != nil {
			u.Env.ShowError(err)
			return
		}
		if l != nil {
			u.Open(l.Path())
		}
	}, u.Window)
	d.SetTitleText("Open a folder of IDX files, or of one sub-folder of images per class")
	if workspace.FullFashionMNISTAvailable() {
		if l, err := storage.ListerForURI(storage.NewFileURI(workspace.FashionMNISTDir)); err == nil {
			d.SetLocation(l)
		}
	}
	d.Show()
}

func (u *UI) showOpenFile() {
	home, _ := os.UserHomeDir()
	u.showFileOpen([]string{".csv", ".CSV", ".tsv", ".TSV"}, home, u.Open)
}

// showFileOpen asks for a file with one of exts, starting in dir, and
// hands its path to open.
func (u *UI) showFileOpen(exts []string, dir string, open func(path string) *jobs.Job) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			u.Env.ShowError(err)
			return
		}
		if r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		open(path)
	}, u.Window)
	d.SetFilter(storage.NewExtensionFileFilter(exts))
	if dir != "" {
		if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
			d.SetLocation(l)
		}
	}
	d.Show()
}

func (u *UI) showShortcuts() {
	lines := []string{
		"Ctrl+O\tOpen a data folder (IDX files or class sub-folders)",
		"Ctrl+Shift+O\tOpen a CSV file",
	}
	lines = append(lines, sessionShortcutHelp...)
	lines = append(lines, "Ctrl+E\tExport a feature space (CSV or projector TSV)",
		"Ctrl+T\tStart, pause or resume the embedding / autoencoder training",
		"Ctrl+.\tCancel running jobs")
	for i, p := range views.Panels {
		if i < len(panelKeys) {
			lines = append(lines, fmt.Sprintf("Ctrl+%d\tShow the %s panel", i+1, p.Title))
		}
	}
	lines = append(lines, "Right-click a figure\tExport it as PNG, SVG or PDF")
	dialog.ShowInformation("Keyboard shortcuts", strings.Join(lines, "\n"), u.Window)
}

func (u *UI) showAbout() {
	meta := u.App.Metadata()
	txt := fmt.Sprintf("EmbedScope %s\nLearn, inspect and compare embeddings of labelled image data.\n\nLinear algebra: %s.\nDefault data: Fashion-MNIST test set © Zalando SE (MIT licence).",
		meta.Version, linalg.Backend)
	l := widget.NewLabel(txt)
	l.Wrapping = fyne.TextWrapWord
	dialog.ShowCustom("About EmbedScope", "Close", l, u.Window)
}

// toggleTraining shows the embedding panel and starts, pauses or resumes
// its training.
func (u *UI) toggleTraining() {
	u.ShowPanel("embedding")
	u.Env.ToggleTraining()
}
