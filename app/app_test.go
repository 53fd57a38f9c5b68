package app

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"embedscope/views"
)

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func newTestUI(t *testing.T, opts Options) *UI {
	t.Helper()
	a := test.NewTempApp(t)
	var u *UI
	var err error
	uiDo(func() { // as the driver would: on the UI goroutine
		if u, err = New(a, opts); err == nil {
			u.Window.Resize(fyne.NewSize(1280, 800))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	track(u)
	t.Cleanup(func() { stopJobs(u) })
	waitFor(t, "the data set to load", 20*time.Second, func() bool { return u.Env.Workspace.Data() != nil })
	return u
}

// newUIOn builds the window of a on the (serialised) UI goroutine.
func newUIOn(a fyne.App, opts Options) (u *UI, err error) {
	uiDo(func() { u, err = New(a, opts) })
	if err == nil {
		track(u)
	}
	return u, err
}

// figureView finds the FigureView with the given export name in the window.
func figureView(u *UI, name string) (fv *views.FigureView) {
	uiDo(func() {
		for _, o := range test.LaidOutObjects(u.Window.Content()) {
			if f, ok := o.(*views.FigureView); ok && f.Name == name {
				fv = f
			}
		}
	})
	return fv
}

func TestAppOpensEmbeddedDataAndExportsAFigure(t *testing.T) {
	u := newTestUI(t, Options{})
	ds := u.Env.Workspace.Data()
	if ds.Train.N != 10000 || len(ds.Classes) != 10 || ds.Classes[9] != "Ankle boot" {
		t.Fatalf("embedded data: %d rows, classes %v", ds.Train.N, ds.Classes)
	}
	s := u.Env.Workspace.Splits()
	if s.Train.Len() != 8000 || s.Val.Len() != 2000 || s.Test.Len() != 0 {
		t.Errorf("split %d/%d/%d, want 8000/2000/0", s.Train.Len(), s.Val.Len(), s.Test.Len())
	}
	waitFor(t, "the window title", 5*time.Second, func() bool {
		var title string
		uiDo(func() { title = u.Window.Title() })
		return strings.Contains(title, "Fashion-MNIST")
	})
	if got := len(u.Tabs.Items); got != len(views.Panels) {
		t.Errorf("%d tabs, want one per panel (%d)", got, len(views.Panels))
	}

	fv := figureView(u, "class-counts")
	if fv == nil {
		t.Fatal("no class-counts figure in the Data panel")
	}
	waitFor(t, "the class-counts figure", 5*time.Second, func() bool { return fv.Plot() != nil })
	out := filepath.Join(t.TempDir(), "class-counts.png")
	if err := fv.ExportTo(out); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("exported PNG does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 300 {
		t.Errorf("exported PNG is %v, too small", b)
	}
	// The window fits a 1280×800 screen with every panel built and data shown
	// (a panel whose content outgrows it pushes the status bar off screen).
	var minH float32
	uiDo(func() { minH = u.Window.Content().MinSize().Height })
	if minH > 760 {
		t.Errorf("the window needs %v pixels of height, more than a 1280×800 screen gives", minH)
	}
	// Exporting to a folder that does not exist fails cleanly.
	if err := fv.ExportTo(filepath.Join(t.TempDir(), "missing", "x.png")); err == nil {
		t.Error("export into a missing folder succeeded")
	}
}

func TestSwitchPanels(t *testing.T) {
	u := newTestUI(t, Options{View: "data"})
	for i, p := range views.Panels {
		var err error
		var sel int
		uiDo(func() {
			err = u.ShowPanel(p.ID)
			sel = u.Tabs.SelectedIndex()
		})
		if err != nil {
			t.Fatal(err)
		}
		if sel != i {
			t.Errorf("ShowPanel(%q) selected tab %d, want %d", p.ID, sel, i)
		}
	}
	if err := u.ShowPanel("no-such-panel"); err == nil || !strings.Contains(err.Error(), "data") {
		t.Errorf("ShowPanel of an unknown panel: %v, want an error listing the panels", err)
	}
	if _, err := newUIOn(test.NewTempApp(t), Options{View: "nope"}); err == nil {
		t.Error("--view with an unknown panel was accepted")
	}
}

func TestOpenBadSourceKeepsCurrentData(t *testing.T) {
	skipShort(t)
	u := newTestUI(t, Options{})
	before := u.Env.Workspace.Data()
	err := u.Open(filepath.Join(t.TempDir(), "does-not-exist")).Wait()
	if err == nil {
		t.Fatal("opening a missing folder succeeded")
	}
	if u.Env.Workspace.Data() != before {
		t.Error("a failed open replaced the open data set")
	}
}

func TestOpenMNISTFromSharedFolder(t *testing.T) {
	skipShort(t)
	dir := filepath.Join("..", "..", "shared", "datasets", "mnist-t10k")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("MNIST t10k not present in ../shared")
	}
	u := newTestUI(t, Options{})
	if err := u.Open(dir).Wait(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "MNIST to become the data set", 5*time.Second, func() bool {
		d := u.Env.Workspace.Data()
		return d != nil && d.Name == "MNIST"
	})
	if got := u.Env.Workspace.Data().Classes[3]; got != "3" {
		t.Errorf("MNIST class 3 is named %q", got)
	}
}
