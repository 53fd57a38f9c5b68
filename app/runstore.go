package app

import (
	"fmt"

	"fyne.io/fyne/v2/dialog"

	"embedscope/app/runs"
)

// prefRunsDir is the preference that names the folder of the runs ("": the
// default, runs.DefaultDir).
const prefRunsDir = "runs.dir"

// runsDir is the folder the app keeps its runs in.
func (u *UI) runsDir() string {
	if d := u.App.Preferences().String(prefRunsDir); d != "" {
		return d
	}
	return runs.DefaultDir()
}

// openRunStore opens the folder of the runs and lists them; when it cannot
// be opened the runs are kept in memory and a dialog says why.
func (u *UI) openRunStore() {
	dir := u.runsDir()
	store, err := runs.Open(dir)
	if err != nil {
		u.Env.Service.SetStore(nil)
		dialog.ShowError(fmt.Errorf("%w\n\nRuns are kept in memory until you choose another folder (Runs panel ▸ Folder…)", err), u.Window)
		return
	}
	if err := u.Env.Service.SetStore(store); err != nil {
		dialog.ShowError(fmt.Errorf("some runs in %s could not be read: %w", dir, err), u.Window)
	}
}

// SetRunsDir keeps the runs in dir from now on (a preference) and lists its
// runs.
func (u *UI) SetRunsDir(dir string) error {
	store, err := runs.Open(dir)
	if err != nil {
		return err
	}
	u.App.Preferences().SetString(prefRunsDir, dir)
	return u.Env.Service.SetStore(store)
}
