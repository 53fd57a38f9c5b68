package views

import (
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
)

// Kinds of file the dialogs ask for; each kind remembers the folder last
// used with it, for the rest of the session and, through the app's
// preferences, for the next.
const (
	DirData    = "data"    // data sets: folders, CSV, TSV and NumPy files
	DirSession = "session" // session files
	DirExport  = "export"  // figures, spaces, maps and tables written out
	DirModel   = "model"   // trained models saved and loaded
)

// prefLastDir is the preference key prefix: "lastdir.data" and so on.
const prefLastDir = "lastdir."

// LastDir returns the folder last used for kind if it still exists, else
// the home folder ("" when even that is unknown).
func LastDir(kind string) string {
	if a := fyne.CurrentApp(); a != nil {
		if d := a.Preferences().String(prefLastDir + kind); d != "" {
			if st, err := os.Stat(d); err == nil && st.IsDir() {
				return d
			}
		}
	}
	home, _ := os.UserHomeDir()
	return home
}

// RememberDir keeps the folder of path (path itself when it is a folder)
// as the last one used for kind.
func RememberDir(kind, path string) {
	a := fyne.CurrentApp()
	if a == nil || path == "" {
		return
	}
	dir := path
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		dir = filepath.Dir(path)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	a.Preferences().SetString(prefLastDir+kind, dir)
}

// locatable is a file or folder dialog that can start in a folder.
type locatable interface{ SetLocation(fyne.ListableURI) }

// StartIn makes d open in dir (when it can be listed).
func StartIn(d locatable, dir string) {
	if dir == "" {
		return
	}
	if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
		d.SetLocation(l)
	}
}

// StartInLast makes d open in the folder last used for kind.
func StartInLast(d locatable, kind string) { StartIn(d, LastDir(kind)) }
