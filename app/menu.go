package app

import (
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/workspace"
	"embedscope/ml/dataset"
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
	openFile := fyne.NewMenuItem("Open CSV, TSV or NumPy file…", u.showOpenFile)
	openFile.Shortcut = shortcutOpenFile
	file := fyne.NewMenu("File", openFolder, openFile, u.recentMenuItem(), fyne.NewMenuItemSeparator())
	if workspace.FullFashionMNISTAvailable() {
		file.Items = append(file.Items, fyne.NewMenuItem("Open full Fashion-MNIST (70,000 images)", func() {
			u.confirmReplace("the full Fashion-MNIST", func() { u.Open(workspace.FashionMNISTDir) })
		}))
	}
	file.Items = append(file.Items, fyne.NewMenuItem("Open embedded sample (10,000 images)", func() {
		u.confirmReplace("the embedded sample", func() { u.Open(workspace.Embedded) })
	}))
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
		if l == nil {
			return
		}
		dir := l.Path()
		views.RememberDir(views.DirData, filepath.Dir(dir))
		u.confirmReplace(filepath.Base(dir), func() {
			if dataset.IsImageFolder(dir) {
				u.showImageOptions(dir)
				return
			}
			u.Open(dir)
		})
	}, u.Window)
	d.SetTitleText("Open a folder of IDX files, CIFAR batches, or one sub-folder of images per class")
	start := views.LastDir(views.DirData)
	if u.App.Preferences().String("lastdir."+views.DirData) == "" && workspace.FullFashionMNISTAvailable() {
		start = filepath.Dir(workspace.FashionMNISTDir)
	}
	views.StartIn(d, start)
	d.Show()
}

func (u *UI) showOpenFile() {
	u.showFileOpen([]string{".csv", ".CSV", ".tsv", ".TSV", ".npy", ".npz", ".NPY", ".NPZ"}, views.DirData, func(path string) {
		u.confirmReplace(filepath.Base(path), func() { u.Open(path) })
	})
}

// showFileOpen asks for a file with one of exts, starting in the folder
// last used for kind (see views.LastDir), and hands its path to open.
// While its dialog is open, a second one is not shown.
func (u *UI) showFileOpen(exts []string, kind string, open func(path string)) {
	if u.fileDialogOpen {
		return
	}
	u.fileDialogOpen = true
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		u.fileDialogOpen = false
		if err != nil {
			u.Env.ShowError(err)
			return
		}
		if r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		views.RememberDir(kind, path)
		open(path)
	}, u.Window)
	d.SetFilter(storage.NewExtensionFileFilter(exts))
	views.StartInLast(d, kind)
	d.Show()
}

// shortcutRows are the rows of Help ▸ Keyboard shortcuts: keys, then what they do.
func shortcutRows() [][2]string {
	rows := [][2]string{
		{"Ctrl+O", "Open a data folder (IDX files or class sub-folders)"},
		{"Ctrl+Shift+O", "Open a CSV, TSV or NumPy file"},
	}
	rows = append(rows, sessionShortcutHelp...)
	rows = append(rows,
		[2]string{"Ctrl+E", "Export a feature space (CSV or projector TSV)"},
		[2]string{"Ctrl+T", "Start, pause or resume the embedding / autoencoder training"},
		[2]string{"Ctrl+.", "Cancel running jobs"})
	for i, p := range views.Panels {
		if i < len(panelKeys) {
			rows = append(rows, [2]string{fmt.Sprintf("Ctrl+%d", i+1), "Show the " + p.Title + " panel"})
		}
	}
	return append(rows, [2]string{"Right-click a figure", "Export it as PNG, SVG or PDF"})
}

// shortcutTable lays the rows out in two columns: the keys (bold) in one,
// what they do in the other, so a key never runs into its text.
func shortcutTable(rows [][2]string) *fyne.Container {
	cells := make([]fyne.CanvasObject, 0, 2*len(rows))
	for _, r := range rows {
		key := widget.NewLabelWithStyle(r[0], fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		cells = append(cells, key, widget.NewLabel(r[1]))
	}
	return container.New(layout.NewFormLayout(), cells...)
}

func (u *UI) showShortcuts() {
	dialog.ShowCustom("Keyboard shortcuts", "Close", shortcutTable(shortcutRows()), u.Window)
}

func (u *UI) showAbout() {
	b := linalg.Info()
	l := widget.NewLabel(u.aboutText(b, "measuring…"))
	l.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom("About EmbedScope", "Close", l, u.Window)
	d.Resize(fyne.NewSize(620, 400))
	d.Show()
	go func() { // a fraction of a second: off the UI thread
		rate := fmt.Sprintf("%.0f GFLOP/s on %d threads (measured now)", linalg.MeasureSgemm(), b.Threads)
		fyne.Do(func() { l.SetText(u.aboutText(b, rate)) })
	}()
}

// aboutText is Help ▸ About: the version, the BLAS in use (its core and
// how it was chosen, and the sgemm rate), the data set open and where the
// data and the runs are kept.
func (u *UI) aboutText(b linalg.BLASInfo, rate string) string {
	meta := u.App.Metadata()
	version := meta.Version
	if version == "" {
		version = "(development build)"
	}
	core := ""
	if b.Core != "" {
		core = ", core " + b.Choice
	}
	data := "none open"
	if ds := u.Env.Workspace.Data(); ds != nil {
		data = ds.Name
		if ds.Source != "" && ds.Source != workspace.Embedded {
			data += " — " + ds.Source
		} else {
			data += " — embedded in the program"
		}
	}
	full := workspace.FashionMNISTDir + " (not installed)"
	if workspace.FullFashionMNISTAvailable() {
		full = workspace.FashionMNISTDir
	}
	runsDir := "none (runs are not kept)"
	if st := u.Env.Service.Store(); st != nil {
		runsDir = st.Dir
	}
	return fmt.Sprintf("EmbedScope %s\nLearn, inspect and compare embeddings of labelled image data.\n\n"+
		"Linear algebra: %s%s.\nsgemm: %s.\n\nData open: %s.\nFull Fashion-MNIST: %s.\nRuns folder: %s.\n\n"+
		"Default data: Fashion-MNIST test set © Zalando SE (MIT licence).",
		version, b.Backend, core, rate, data, full, runsDir)
}

// toggleTraining shows the embedding panel and starts, pauses or resumes
// its training.
func (u *UI) toggleTraining() {
	u.ShowPanel("embedding")
	u.Env.ToggleTraining()
}
