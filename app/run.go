package app

import (
	"os"
	"os/signal"
	"syscall"
	"time"

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
	go u.quitOnSignal()
	u.Window.ShowAndRun()
	return nil
}

// quitOnSignal closes the app on SIGINT or SIGTERM (Ctrl+C in the terminal
// that started it) even while jobs run, which would otherwise make the
// window ask for confirmation: jobs are cancelled (a training keeps its
// last checkpoint) and the window closed; if that has not ended the
// process within five seconds, it exits.
func (u *UI) quitOnSignal() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	u.Env.Jobs.CancelAll()
	fyne.Do(u.Close)
	time.Sleep(5 * time.Second)
	os.Exit(1)
}
