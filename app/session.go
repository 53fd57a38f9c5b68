package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/jobs"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/progress"
	"embedscope/views"
)

var (
	shortcutSaveSession   = &desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutSaveSessionAs = &desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}
	shortcutOpenSession   = &desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault}
)

// sessionShortcutHelp are the lines of the keyboard shortcuts dialog.
var sessionShortcutHelp = [][2]string{
	{"Ctrl+S", "Save the session (the whole workspace) to its file"},
	{"Ctrl+Shift+S", "Save the session under a new name"},
	{"Ctrl+L", "Load (open) a saved session"},
}

// sessionMenuItems are File ▸ Open session…, Save session, Save session as….
func (u *UI) sessionMenuItems() []*fyne.MenuItem {
	open := fyne.NewMenuItem("Open session…", u.showOpenSession)
	open.Shortcut = shortcutOpenSession
	save := fyne.NewMenuItem("Save session", u.saveSession)
	save.Shortcut = shortcutSaveSession
	saveAs := fyne.NewMenuItem("Save session as…", u.showSaveSessionAs)
	saveAs.Shortcut = shortcutSaveSessionAs
	return []*fyne.MenuItem{open, save, saveAs}
}

// addSessionShortcuts makes the session shortcuts work anywhere in the window.
func (u *UI) addSessionShortcuts(c fyne.Canvas) {
	c.AddShortcut(shortcutSaveSession, func(fyne.Shortcut) { u.saveSession() })
	c.AddShortcut(shortcutSaveSessionAs, func(fyne.Shortcut) { u.showSaveSessionAs() })
	c.AddShortcut(shortcutOpenSession, func(fyne.Shortcut) { u.showOpenSession() })
}

// saveSession saves to the session's file, asking for one the first time.
func (u *UI) saveSession() {
	if u.sessionPath == "" {
		u.showSaveSessionAs()
		return
	}
	u.SaveSession(u.sessionPath)
}

// SaveSession writes the workspace, the panel shown and the window size to
// path in the background (atomically: a failure leaves an existing file as
// it was). Errors are shown in a dialog.
func (u *UI) SaveSession(path string) *jobs.Job {
	ws := u.Env.Workspace
	s := u.Window.Canvas().Size()
	extra := workspace.SessionExtra{Panel: u.currentPanelID(), Width: s.Width, Height: s.Height, Runs: u.Env.Service.SessionRuns()}
	return u.Env.Jobs.Start("Save session "+filepath.Base(path), func(ctx context.Context, t *progress.Tracker) error {
		t.Stage("writing "+path, 0)
		return ws.SaveSession(path, extra)
	}, func(err error) {
		if err != nil {
			return // reported by the runner's OnError
		}
		u.sessionPath = path
		u.addRecent(recentSession, path)
		u.updateTitle()
		views.RememberDir(views.DirSession, path)
		u.Env.Notify("Session saved to " + path)
	})
}

// OpenSession restores a saved session in the background: the file is
// read and checked whole, its data source opened (the open data set is
// used when it is the same) and checked against the session, and only
// then does the workspace take the session's state, switch to its panel
// and take its window size. On any failure the current workspace stays as
// it was and a dialog says why.
func (u *UI) OpenSession(path string) *jobs.Job {
	ws := u.Env.Workspace
	var s *workspace.Session
	var ds *dataset.Dataset
	return u.Env.Jobs.Start("Open session "+filepath.Base(path), func(ctx context.Context, t *progress.Tracker) error {
		t.Stage("reading "+path, 0)
		var err error
		if s, err = workspace.LoadSession(path); err != nil {
			return err
		}
		if cur := ws.Data(); cur != nil && sameSource(cur.Source, s.Source) && cur.Options == s.Load {
			ds = cur
		} else if ds, err = readSource(ctx, t, s.Source, s.Load); err != nil {
			return fmt.Errorf("the session's data could not be opened: %w\n\nPut the data back at %s, then open the session again", err, s.Source)
		}
		_, err = s.Check(ds)
		return err
	}, func(err error) {
		if err != nil {
			return // reported by the runner's OnError
		}
		if err := ws.Restore(s, ds); err != nil {
			u.Env.ShowError(err)
			return
		}
		if err := u.Env.Service.AdoptSession(s.Runs); err != nil {
			u.Env.ShowError(fmt.Errorf("the session is open, but its runs could not all be kept in the run folder: %w", err))
		}
		u.sessionPath = path
		u.addRecent(recentSession, path)
		if s.Panel != "" {
			u.ShowPanel(s.Panel) // a panel this version lacks: stay where we are
		}
		if s.Width >= 320 && s.Height >= 200 {
			u.Window.Resize(fyne.NewSize(s.Width, s.Height))
		}
		u.updateTitle()
		u.Env.Notify("Session " + filepath.Base(path) + " opened")
	})
}

// sameSource reports whether two data sources name the same data.
func sameSource(a, b string) bool {
	if a == b {
		return true
	}
	if a == workspace.Embedded || b == workspace.Embedded || a == "" || b == "" {
		return false
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// updateTitle shows the session file and the data set in the title bar.
func (u *UI) updateTitle() {
	title := "EmbedScope"
	if u.sessionPath != "" {
		title += " — " + filepath.Base(u.sessionPath)
	}
	if ds := u.Env.Workspace.Data(); ds != nil {
		title += " — " + ds.Name
	}
	u.Window.SetTitle(title)
}

// sessionPathFrom turns what the user typed into a session file path:
// "~" expanded, relative names put in the home folder, SessionExt added.
func sessionPathFrom(text string) (string, error) {
	p := strings.TrimSpace(text)
	if p == "" {
		return "", fmt.Errorf("type a file name for the session")
	}
	home, _ := os.UserHomeDir()
	if p == "~" || strings.HasPrefix(p, "~/") {
		p = filepath.Join(home, p[1:])
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(home, p)
	}
	if filepath.Ext(p) != workspace.SessionExt {
		p += workspace.SessionExt
	}
	return filepath.Clean(p), nil
}

// suggestedSessionPath is the session's file, else a name made from the
// data set's in the home folder.
func (u *UI) suggestedSessionPath() string {
	if u.sessionPath != "" {
		return u.sessionPath
	}
	name := "session"
	if ds := u.Env.Workspace.Data(); ds != nil {
		name = strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
				return r
			case r >= 'A' && r <= 'Z':
				return r + 'a' - 'A'
			}
			return '-'
		}, ds.Name)
		name = strings.Trim(strings.Join(strings.FieldsFunc(name, func(r rune) bool { return r == '-' }), "-"), "-")
	}
	return filepath.Join(views.LastDir(views.DirSession), name+workspace.SessionExt)
}

// showSaveSessionAs asks for a file name. Fyne's save dialog empties an
// existing file before the callback runs, which would lose the old session
// if saving then failed, so the path is typed (or its folder chosen) here
// and written atomically.
func (u *UI) showSaveSessionAs() {
	if u.Env.Workspace.Data() == nil {
		u.Env.ShowError(fmt.Errorf("no data set is open yet: there is nothing to save"))
		return
	}
	entry := widget.NewEntry()
	entry.SetText(u.suggestedSessionPath())
	browse := widget.NewButton("Choose folder…", func() {
		d := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
			if err == nil && l != nil {
				entry.SetText(filepath.Join(l.Path(), filepath.Base(entry.Text)))
			}
		}, u.Window)
		if l, err := storage.ListerForURI(storage.NewFileURI(filepath.Dir(entry.Text))); err == nil {
			d.SetLocation(l)
		}
		d.Show()
	})
	note := widget.NewLabel("The session keeps where the data is, the split and scaling, every projection and trained model, the labellings, the selection and the panel shown. The data itself is not copied.")
	note.Wrapping = fyne.TextWrapWord
	content := container.NewVBox(container.NewBorder(nil, nil, nil, browse, entry), note)
	d := dialog.NewCustomConfirm("Save session", "Save", "Cancel", content, func(ok bool) {
		if !ok {
			return
		}
		path, err := sessionPathFrom(entry.Text)
		if err != nil {
			u.Env.ShowError(err)
			return
		}
		if _, err := os.Stat(path); err == nil {
			dialog.ShowConfirm("Replace "+filepath.Base(path)+"?",
				fmt.Sprintf("A file named %s already exists in %s. Replace it?", filepath.Base(path), filepath.Dir(path)),
				func(ok bool) {
					if ok {
						u.SaveSession(path)
					}
				}, u.Window)
			return
		}
		u.SaveSession(path)
	}, u.Window)
	entry.OnSubmitted = func(string) { d.Confirm() }
	d.Resize(fyne.NewSize(640, 220))
	d.Show()
}

// showOpenSession asks for a session file to open.
func (u *UI) showOpenSession() {
	if u.sessionOpening() {
		return // a session is loading: its job shows in the status bar
	}
	u.showFileOpen([]string{workspace.SessionExt}, views.DirSession, func(path string) {
		u.confirmReplace("the session "+filepath.Base(path), func() { u.OpenSession(path) })
	})
}

// sessionOpening reports whether a session is being opened.
func (u *UI) sessionOpening() bool {
	for _, j := range u.Env.Jobs.Active() {
		if strings.HasPrefix(j.Name, "Open session ") {
			return true
		}
	}
	return false
}
