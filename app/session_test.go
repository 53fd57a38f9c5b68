package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/views"
)

// overlayText returns the text of the labels in the window's top overlay
// (a dialog), "" when none is shown.
func overlayText(u *UI) string {
	var b strings.Builder
	uiDo(func() {
		top := u.Window.Canvas().Overlays().Top()
		if top == nil {
			return
		}
		for _, o := range test.LaidOutObjects(top) {
			switch w := o.(type) {
			case *widget.Label:
				b.WriteString(w.Text + "\n")
			case *widget.RichText:
				b.WriteString(w.String() + "\n")
			}
		}
	})
	return b.String()
}

// menuItem finds the item with the given label in a menu of the window.
func menuItem(u *UI, menu, label string) *fyne.MenuItem {
	for _, m := range u.Window.MainMenu().Items {
		if m.Label != menu {
			continue
		}
		for _, it := range m.Items {
			if it.Label == label {
				return it
			}
		}
	}
	return nil
}

func panelIndex(t *testing.T, id string) int {
	for i, p := range views.Panels {
		if p.ID == id {
			return i
		}
	}
	t.Fatalf("no panel %q", id)
	return -1
}

// The scenario: wrongly classified sandals selected in the
// prototypes panel, the session saved, the app changed, the session opened
// again — and everything is as it was.
func TestSessionSaveAndOpenInApp(t *testing.T) {
	skipShort(t)
	u := newTestUI(t, Options{})
	ws := u.Env.Workspace
	ws.SetScaling(dataset.ScaleStandardize)
	gen := ws.Generation()
	p, err := u.Env.Service.FitPCA(context.Background(), service.PCARequest{Components: 5, Solver: "full"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	items := workspace.NewItems(ws.Splits())
	labels := items.Labels()
	pred := slices.Clone(labels)
	var sandals []workspace.Ref
	for i, l := range labels {
		if l == 5 && len(sandals) < 12 { // Sandal, predicted as a sneaker
			pred[i] = 7
			sandals = append(sandals, items.Ref(i))
		}
	}
	if err := ws.SetLabeling(&workspace.Labeling{Name: "nearest class mean", Labels: pred, Classes: ws.Data().Classes, Prediction: true}, gen); err != nil {
		t.Fatal(err)
	}
	ws.Select(sandals, workspace.Replace, "prototypes confusion matrix")
	ws.SetIsolated(true)
	ws.SetSetting("prototypes.cell", "5,7")
	uiDo(func() {
		u.ShowPanel("prototypes")
		u.Window.Resize(fyne.NewSize(1100, 700))
	})
	path := filepath.Join(t.TempDir(), "sandals"+workspace.SessionExt)
	if err := u.SaveSession(path).Wait(); err != nil {
		t.Fatal(err)
	}
	if r := u.RecentFiles(); len(r) == 0 || r[0] != (recentFile{recentSession, path}) {
		t.Errorf("recent files after saving: %v", r)
	}
	if title := u.Window.Title(); !strings.Contains(title, "sandals.embedscope") {
		t.Errorf("title %q does not name the session", title)
	}

	// Change everything, then open the session again.
	ws.ClearSelection()
	ws.SetScaling(dataset.ScaleDiv255)
	ws.SetSetting("prototypes.cell", "")
	uiDo(func() {
		u.ShowPanel("data")
		u.Window.Resize(fyne.NewSize(1280, 800))
	})
	if err := u.OpenSession(path).Wait(); err != nil {
		t.Fatal(err)
	}
	if ws.Scaling() != dataset.ScaleStandardize {
		t.Errorf("scaling %v after opening the session", ws.Scaling())
	}
	sp := ws.Space(p.Space.ID)
	if sp == nil || sp.Inverse == nil || !slices.Equal(sp.Val.Data, p.Space.Val.Data) {
		t.Fatal("the PCA space or its decoder did not come back")
	}
	refs, src := ws.Selection()
	if !slices.Equal(refs, sandals) || src != "prototypes confusion matrix" || !ws.Isolated() {
		t.Errorf("selection %d items from %q (isolated %v), want the %d sandals", len(refs), src, ws.Isolated(), len(sandals))
	}
	if l := ws.Labeling("nearest class mean"); l == nil || !slices.Equal(l.Labels, pred) {
		t.Error("the labelling did not come back")
	}
	if ws.Setting("prototypes.cell") != "5,7" {
		t.Error("the panel setting did not come back")
	}
	var idx int
	var size fyne.Size
	uiDo(func() { idx, size = u.Tabs.SelectedIndex(), u.Window.Canvas().Size() })
	if idx != panelIndex(t, "prototypes") || size != fyne.NewSize(1100, 700) {
		t.Errorf("panel %d, window %v after opening: want the prototypes panel at 1100×700", idx, size)
	}
}

func TestOpenSessionFailuresKeepTheWorkspace(t *testing.T) {
	skipShort(t)
	u := newTestUI(t, Options{})
	ws := u.Env.Workspace
	dir := t.TempDir()

	// A session for the embedded data as if it lived in a folder that has gone.
	ds, err := workspace.Open(context.Background(), workspace.Embedded, nil)
	if err != nil {
		t.Fatal(err)
	}
	ds.Source = filepath.Join(dir, "gone")
	other := workspace.New()
	if err := other.SetData(ds); err != nil {
		t.Fatal(err)
	}
	gonePath := filepath.Join(dir, "gone"+workspace.SessionExt)
	if err := other.SaveSession(gonePath, workspace.SessionExtra{}); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(gonePath)
	if err != nil {
		t.Fatal(err)
	}
	damagedPath := filepath.Join(dir, "damaged"+workspace.SessionExt)
	if err := os.WriteFile(damagedPath, good[:len(good)-20], 0o644); err != nil {
		t.Fatal(err)
	}

	ws.Select([]workspace.Ref{{Part: "train", Row: 3}}, workspace.Replace, "test")
	before, gen := ws.Data(), ws.Generation()
	for _, c := range []struct {
		path string
		want []string
	}{
		{damagedPath, []string{"damaged", "nothing was loaded"}},
		{gonePath, []string{"could not be opened", "Put the data back"}},
		{filepath.Join(dir, "missing"+workspace.SessionExt), []string{"no session file"}},
	} {
		err := u.OpenSession(c.path).Wait()
		if err == nil {
			t.Errorf("%s: opened", c.path)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want it to say %q", filepath.Base(c.path), err, w)
			}
		}
		var shown string
		waitFor(t, "the error dialog", 5*time.Second, func() bool { shown = overlayText(u); return shown != "" })
		if !strings.Contains(shown, c.want[0]) {
			t.Errorf("the dialog says %q", shown)
		}
		uiDo(func() { u.Window.Canvas().Overlays().Top().Hide() })
	}
	if refs, _ := ws.Selection(); ws.Data() != before || ws.Generation() != gen || len(refs) != 1 {
		t.Error("a failed open changed the workspace")
	}

	// Saving over a read-only file fails and keeps the file.
	ro := filepath.Join(dir, "ro"+workspace.SessionExt)
	if err := os.WriteFile(ro, []byte("old"), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := u.SaveSession(ro).Wait(); !errors.Is(err, workspace.ErrReadOnly) {
		t.Errorf("saving over a read-only file: %v", err)
	}
	if b, _ := os.ReadFile(ro); !bytes.Equal(b, []byte("old")) {
		t.Error("the read-only file changed")
	}
}

func TestRecentFiles(t *testing.T) {
	skipShort(t)
	u := newTestUI(t, Options{})
	dir := t.TempDir()
	var files []string
	for i := range 10 {
		f := filepath.Join(dir, string(rune('a'+i))+workspace.SessionExt)
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	uiDo(func() {
		u.addRecent(recentSession, files[0])
		u.addRecent(recentData, dir)
		u.addRecent(recentSession, files[0])
	})
	if r := u.RecentFiles(); len(r) != 2 || r[0].Path != files[0] || r[1] != (recentFile{recentData, dir}) {
		t.Errorf("recent %v", r)
	}
	uiDo(func() {
		for _, f := range files {
			u.addRecent(recentSession, f)
		}
	})
	r := u.RecentFiles()
	if len(r) != maxRecent || r[0].Path != files[9] {
		t.Errorf("%d recent files, first %v", len(r), r[0])
	}
	os.Remove(files[9])
	if r := u.RecentFiles(); len(r) != maxRecent-1 || r[0].Path != files[8] || len(u.App.Preferences().StringList(prefRecent)) != maxRecent-1 {
		t.Errorf("a deleted file stays in the recent list: %v", r)
	}
	uiDo(func() { u.openRecent(recentFile{recentSession, files[9]}) })
	if txt := overlayText(u); !strings.Contains(txt, "can no longer be found") {
		t.Errorf("opening a recent file that has gone: %q", txt)
	}
	recent := menuItem(u, "File", "Open recent")
	if recent == nil || recent.ChildMenu == nil || len(recent.ChildMenu.Items) != maxRecent-1+2 ||
		!strings.HasPrefix(recent.ChildMenu.Items[0].Label, "i.embedscope") {
		t.Fatalf("File ▸ Open recent: %+v", recent)
	}

	// Opening data puts it first.
	csv, _ := filepath.Abs(filepath.Join("..", "ml", "dataset", "testdata", "fashion-mnist_small.csv"))
	if err := u.Open(csv).Wait(); err != nil {
		t.Fatal(err)
	}
	if r := u.RecentFiles(); r[0] != (recentFile{recentData, csv}) {
		t.Errorf("after opening %s the first recent file is %v", csv, r[0])
	}
	uiDo(u.clearRecent)
	if len(u.RecentFiles()) != 0 || !menuItem(u, "File", "Open recent").ChildMenu.Items[0].Disabled {
		t.Error("the recent list was not cleared")
	}
}

func TestWindowSizeAndPanelAreRemembered(t *testing.T) {
	skipShort(t)
	a := test.NewTempApp(t)
	u, err := newUIOn(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	uiDo(func() {
		u.ShowPanel("pca")
		u.Window.Resize(fyne.NewSize(1000, 650))
		u.Close()
	})
	u2, err := newUIOn(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var idx int
	var size fyne.Size
	uiDo(func() { idx, size = u2.Tabs.SelectedIndex(), u2.Window.Canvas().Size() })
	if idx != panelIndex(t, "pca") || size != fyne.NewSize(1000, 650) {
		t.Errorf("started on panel %d at %v, want the PCA panel at 1000×650", idx, size)
	}
	u3, err := newUIOn(a, Options{View: "data"})
	if err != nil {
		t.Fatal(err)
	}
	if u3.Tabs.SelectedIndex() != 0 {
		t.Error("--view did not win over the remembered panel")
	}
	uiDo(func() { u2.Close(); u3.Close() })
}

func TestThemeSwitch(t *testing.T) {
	a := test.NewTempApp(t)
	u, err := newUIOn(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	bg := func() any { return a.Settings().Theme().Color(theme.ColorNameBackground, theme.VariantLight) }
	dark := theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantDark)
	light := theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantLight)
	uiDo(func() { u.SetTheme(ThemeDark) })
	if bg() != dark || a.Preferences().String(prefTheme) != ThemeDark {
		t.Errorf("dark theme: background %v, preference %q", bg(), a.Preferences().String(prefTheme))
	}
	var themeItem *fyne.MenuItem
	for _, m := range u.Window.MainMenu().Items {
		for _, it := range m.Items {
			if it.Label == "Theme" {
				themeItem = it
			}
		}
	}
	if themeItem == nil || len(themeItem.ChildMenu.Items) != 3 || !themeItem.ChildMenu.Items[2].Checked || themeItem.ChildMenu.Items[0].Checked {
		t.Errorf("View ▸ Theme does not check Dark: %+v", themeItem)
	}
	// The next start applies the remembered choice.
	uiDo(func() { a.Settings().SetTheme(theme.DefaultTheme()) })
	u2, err := newUIOn(a, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if bg() != dark {
		t.Error("the dark theme was not applied at start")
	}
	uiDo(func() { u2.SetTheme(ThemeLight) })
	if bg2 := a.Settings().Theme().Color(theme.ColorNameBackground, theme.VariantDark); bg2 != light {
		t.Errorf("light theme under a dark desktop: background %v", bg2)
	}
	uiDo(func() { u2.SetTheme(ThemeSystem) })
	if a.Settings().Theme() != theme.DefaultTheme() {
		t.Error("the system choice does not use the default theme")
	}
	uiDo(func() { u.Close(); u2.Close() })
}

func TestSessionMenuAndShortcuts(t *testing.T) {
	u := newTestUI(t, Options{})
	for label, sc := range map[string]fyne.Shortcut{
		"Open session…": shortcutOpenSession, "Save session": shortcutSaveSession, "Save session as…": shortcutSaveSessionAs,
	} {
		if it := menuItem(u, "File", label); it == nil || it.Shortcut != sc {
			t.Errorf("File ▸ %s missing or without its shortcut", label)
		}
	}
	uiDo(u.showShortcuts)
	if txt := overlayText(u); !strings.Contains(txt, "Ctrl+S") || !strings.Contains(txt, "Ctrl+L") {
		t.Errorf("the shortcuts dialog does not list the session shortcuts: %q", txt)
	}
	for _, c := range []struct{ in, want string }{
		{"/tmp/a", "/tmp/a.embedscope"}, {"/tmp/a.embedscope", "/tmp/a.embedscope"},
	} {
		if got, err := sessionPathFrom(c.in); err != nil || got != c.want {
			t.Errorf("sessionPathFrom(%q) = %q, %v", c.in, got, err)
		}
	}
	if _, err := sessionPathFrom("  "); err == nil {
		t.Error("an empty session name was accepted")
	}
	if got := u.suggestedSessionPath(); filepath.Base(got) != "fashion-mnist-embedded-test-set.embedscope" {
		t.Errorf("suggested %q", got)
	}
}
