package app

import (
	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"embedscope/assets"
)

// AppID identifies the application to Fyne (preferences, storage).
const AppID = "io.github.embedscope"

// Run opens the main window and blocks until it is closed.
func Run(opts Options) error {
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon()))
	u, err := New(a, opts)
	if err != nil {
		return err
	}
	u.Window.SetMaster()
	u.Window.ShowAndRun()
	return nil
}
