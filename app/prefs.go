package app

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"embedscope/app/workspace"
	"embedscope/views"
)

// Preferences kept through fyne.App.Preferences().
const (
	prefRecent       = "recent"        // recently opened files, most recent first
	prefWindowWidth  = "window.width"  // size of the main window when it closed
	prefWindowHeight = "window.height" //
	prefPanel        = "panel"         // ID of the panel shown last
)

// maxRecent is the length of File ▸ Open recent.
const maxRecent = 8

// Kinds of recent files.
const (
	recentData    = "data"
	recentSession = "session"
)

// recentFile is an entry of File ▸ Open recent: a data source or a
// session file, stored as "kind\tpath".
type recentFile struct{ Kind, Path string }

func (r recentFile) String() string { return r.Kind + "\t" + r.Path }

// label is what the menu shows: "name (kind, folder)".
func (r recentFile) label() string {
	return fmt.Sprintf("%s  (%s, %s)", filepath.Base(r.Path), r.Kind, filepath.Dir(r.Path))
}

// RecentFiles returns the recent data sources and sessions that still
// exist, most recent first; those that have gone are dropped from the
// preferences.
func (u *UI) RecentFiles() []recentFile {
	stored := u.App.Preferences().StringList(prefRecent)
	var out []recentFile
	var keep []string
	for _, s := range stored {
		kind, path, ok := strings.Cut(s, "\t")
		if !ok || (kind != recentData && kind != recentSession) {
			continue
		}
		if _, err := os.Stat(path); err != nil {
			continue
		}
		out = append(out, recentFile{kind, path})
		keep = append(keep, s)
	}
	if len(keep) != len(stored) {
		u.App.Preferences().SetStringList(prefRecent, keep)
	}
	return out
}

// addRecent puts a file at the top of the recent list (the embedded data
// set is not a file and is not listed) and rebuilds the menu.
func (u *UI) addRecent(kind, path string) {
	if path == "" || path == workspace.Embedded {
		return
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	entry := recentFile{kind, path}.String()
	list := slices.DeleteFunc(u.App.Preferences().StringList(prefRecent), func(s string) bool { return s == entry })
	list = append([]string{entry}, list...)
	u.App.Preferences().SetStringList(prefRecent, list[:min(len(list), maxRecent)])
	u.refreshMenu()
}

// clearRecent empties the recent list.
func (u *UI) clearRecent() {
	u.App.Preferences().SetStringList(prefRecent, nil)
	u.refreshMenu()
}

// openRecent opens a recent data source or session; one that has gone is
// dropped from the list.
func (u *UI) openRecent(r recentFile) {
	if _, err := os.Stat(r.Path); err != nil {
		u.refreshMenu()
		u.Env.ShowError(fmt.Errorf("%s can no longer be found, so it was removed from the recent files", r.Path))
		return
	}
	if r.Kind == recentSession {
		u.confirmReplace("the session "+filepath.Base(r.Path), func() { u.OpenSession(r.Path) })
		return
	}
	u.confirmReplace(filepath.Base(r.Path), func() { u.Open(r.Path) })
}

// recentMenuItem is File ▸ Open recent.
func (u *UI) recentMenuItem() *fyne.MenuItem {
	sub := fyne.NewMenu("Open recent")
	for _, r := range u.RecentFiles() {
		sub.Items = append(sub.Items, fyne.NewMenuItem(r.label(), func() { u.openRecent(r) }))
	}
	if len(sub.Items) == 0 {
		none := fyne.NewMenuItem("No recent files", nil)
		none.Disabled = true
		sub.Items = append(sub.Items, none)
	} else {
		sub.Items = append(sub.Items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem("Clear recent files", u.clearRecent))
	}
	item := fyne.NewMenuItem("Open recent", nil)
	item.ChildMenu = sub
	return item
}

// refreshMenu rebuilds the main menu (recent files, theme checks).
func (u *UI) refreshMenu() {
	if u.Window != nil && u.Env != nil {
		u.Window.SetMainMenu(u.menu())
	}
}

// defaultWindowSize fits a 1280×800 screen.
var defaultWindowSize = fyne.NewSize(1280, 800)

// rememberedWindowSize returns the window size when the app last closed
// (never smaller than 640×400), else the default.
func (u *UI) rememberedWindowSize() fyne.Size {
	p := u.App.Preferences()
	w, h := p.Float(prefWindowWidth), p.Float(prefWindowHeight)
	if !(w >= 640 && h >= 400 && w < 1e5 && h < 1e5) {
		return defaultWindowSize
	}
	return fyne.NewSize(float32(w), float32(h))
}

// rememberWindow keeps the window size and the panel shown for the next
// start.
func (u *UI) rememberWindow() {
	s := u.Window.Canvas().Size()
	if s.Width > 0 && s.Height > 0 {
		u.App.Preferences().SetFloat(prefWindowWidth, float64(s.Width))
		u.App.Preferences().SetFloat(prefWindowHeight, float64(s.Height))
	}
}

// rememberPanels keeps the panel shown whenever it changes.
func (u *UI) rememberPanels() {
	u.Tabs.OnSelected = func(*container.TabItem) {
		u.App.Preferences().SetString(prefPanel, u.currentPanelID())
	}
}

// currentPanelID returns the ID of the panel shown.
func (u *UI) currentPanelID() string {
	if i := u.Tabs.SelectedIndex(); i >= 0 && i < len(views.Panels) {
		return views.Panels[i].ID
	}
	return ""
}

// startPanel returns the panel to show at start: the --view flag, else
// the panel shown last if it still exists.
func (u *UI) startPanel(view string) string {
	if view != "" {
		return view
	}
	if id := u.App.Preferences().String(prefPanel); id != "" {
		if _, ok := views.PanelByID(id); ok {
			return id
		}
	}
	return ""
}
