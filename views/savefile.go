package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"embedscope/views/figures"
)

// askSavePath shows a save dialog on w that opens in the folder last used
// for kind with name filled in. When the user picks a path, it closes the
// empty file the dialog created, remembers the folder for kind and calls
// then with the path (then replaces the file).
func askSavePath(w fyne.Window, kind, name string, then func(path string)) {
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		path := wc.URI().Path()
		wc.Close()
		RememberDir(kind, path)
		then(path)
	}, w)
	StartInLast(d, kind)
	d.SetFileName(name)
	d.Show()
}

// saveBytesAs asks where to save b (see askSavePath; kind DirExport),
// writes it there atomically and notes "Saved what to path" in the status
// bar, or shows the error.
func (e *Env) saveBytesAs(name string, b []byte, what string) {
	askSavePath(e.Window, DirExport, name, func(path string) { e.writeSaved(path, b, what) })
}

// writeSaved writes b to path atomically and notes "Saved what to path",
// or shows the error (the file as it was is kept).
func (e *Env) writeSaved(path string, b []byte, what string) {
	if err := figures.WriteFileAtomic(path, b); err != nil {
		e.ShowError(err)
		return
	}
	e.Notify("Saved " + what + " to " + path)
}
