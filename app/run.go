package app

import (
	"errors"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"embedscope/assets"
)

// AppID identifies the application to Fyne (preferences, storage).
const AppID = "io.github.embedscope"

// Run opens the main window and blocks until it is closed. Without a
// display (no DISPLAY or WAYLAND_DISPLAY on Linux and BSD) it returns an
// error that points to the headless commands instead of letting the
// windowing library panic.
func Run(opts Options) error {
	if err := checkDisplay(); err != nil {
		return err
	}
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

// checkDisplay reports a missing display on systems that use X11 or
// Wayland.
func checkDisplay() error {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
	default:
		return nil
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set): " +
			"run it in a desktop session, under xvfb-run, or use a headless command (embedscope -h lists them)")
	}
	return nil
}
