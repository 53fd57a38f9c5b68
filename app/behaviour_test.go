package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/linalg"
	"embedscope/views"
)

// TestShortcutsDialogHasTwoColumns: each key is its own label beside its
// text, so "Ctrl+S" never runs into "Save…".
func TestShortcutsDialogHasTwoColumns(t *testing.T) {
	u := newTestUI(t, Options{})
	uiDo(u.showShortcuts)
	var keys, texts []string
	uiDo(func() {
		top := u.Window.Canvas().Overlays().Top()
		for _, o := range test.LaidOutObjects(top) {
			if c, ok := o.(*fyne.Container); ok {
				if fmt.Sprintf("%T", c.Layout) == "*layout.formLayout" {
					for i, cell := range c.Objects {
						l := cell.(*widget.Label)
						if i%2 == 0 {
							keys = append(keys, l.Text)
						} else {
							texts = append(texts, l.Text)
						}
					}
				}
			}
		}
	})
	if len(keys) != len(shortcutRows()) || len(texts) != len(keys) {
		t.Fatalf("%d keys and %d texts in a two-column layout, want %d rows", len(keys), len(texts), len(shortcutRows()))
	}
	if keys[0] != "Ctrl+O" || !strings.HasPrefix(texts[0], "Open a data folder") {
		t.Errorf("first row %q | %q", keys[0], texts[0])
	}
	for i, k := range keys {
		if k == "Ctrl+S" && !strings.HasPrefix(texts[i], "Save the session") {
			t.Errorf("Ctrl+S beside %q", texts[i])
		}
	}
}

// TestOpeningOtherDataAsksFirst: with results and a selection in the
// workspace, opening other data (or a session) asks first and says what is
// lost; with nothing to lose it opens at once.
func TestOpeningOtherDataAsksFirst(t *testing.T) {
	u := newTestUI(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := u.Env.Jobs.WaitIdle(ctx); err != nil { // the PCA panel's own PCA-32 and the prototypes
		t.Fatal(err)
	}
	opened := 0
	var asked []string
	ReplaceHook = func(text string) { asked = append(asked, text) }
	defer func() { ReplaceHook = nil }()
	uiDo(func() { u.confirmReplace("the embedded sample", func() { opened++ }) })
	if opened != 1 || len(asked) != 0 {
		t.Fatalf("nothing to lose: opened %d times, asked %q", opened, asked)
	}
	if _, err := u.Env.Service.FitPCA(context.Background(), service.PCARequest{Components: 3, Solver: "full"}, nil); err != nil {
		t.Fatal(err)
	}
	uiDo(func() { u.confirmReplace("the embedded sample", func() { opened++ }) })
	if opened != 1 || len(asked) != 1 || !strings.Contains(asked[0], "(PCA-3)") {
		t.Fatalf("with a PCA-3: opened %d times, asked %q", opened, asked)
	}
	uiDo(func() { u.Window.Canvas().Overlays().Top().Hide() })
	items := workspace.NewItems(u.Env.Workspace.Splits())
	u.Env.Workspace.Select([]workspace.Ref{items.Ref(1), items.Ref(2), items.Ref(3)}, workspace.Replace, "test")
	uiDo(func() { u.confirmReplace("the embedded sample", func() { opened++ }) })
	if opened != 1 || len(asked) != 2 {
		t.Fatalf("with results and a selection: opened %d times, asked %d times", opened, len(asked))
	}
	for _, want := range []string{"closes Fashion-MNIST", "the 1 result(s) the panels show (PCA-3)", "the selection of 3 item(s)", "save it as a session"} {
		if !strings.Contains(asked[1], want) {
			t.Errorf("the question %q does not say %q", asked[1], want)
		}
	}
	if txt := overlayText(u); !strings.Contains(txt, "the selection of 3 item(s)") {
		t.Errorf("the dialog shows %q", txt)
	}
}

// TestDialogsRememberTheLastFolderPerKind: each kind of file keeps its own
// folder, in the app's preferences; a folder that has gone falls back to
// the home folder.
func TestDialogsRememberTheLastFolderPerKind(t *testing.T) {
	u := newTestUI(t, Options{})
	data, sess := t.TempDir(), t.TempDir()
	views.RememberDir(views.DirData, filepath.Join(data, "x.csv"))
	views.RememberDir(views.DirSession, sess)
	if got := views.LastDir(views.DirData); got != data {
		t.Errorf("data folder %q, want %q", got, data)
	}
	if got := views.LastDir(views.DirSession); got != sess {
		t.Errorf("session folder %q, want %q", got, sess)
	}
	if got := u.App.Preferences().String("lastdir.session"); got != sess {
		t.Errorf("preference %q, want %q", got, sess)
	}
	if got := filepath.Dir(u.suggestedSessionPath()); got != sess {
		t.Errorf("a new session is suggested in %q, want %q", got, sess)
	}
	gone := filepath.Join(t.TempDir(), "gone")
	os.Mkdir(gone, 0o755)
	views.RememberDir(views.DirExport, gone)
	os.Remove(gone)
	home, _ := os.UserHomeDir()
	if got := views.LastDir(views.DirExport); got != home {
		t.Errorf("a folder that has gone gives %q, want the home folder %q", got, home)
	}
	// A second Open session (a repeated Ctrl+L) does not stack a second dialog.
	var before, after int
	uiDo(func() { before = len(u.Window.Canvas().Overlays().List()) })
	uiDo(u.showOpenSession)
	uiDo(u.showOpenSession)
	uiDo(func() { after = len(u.Window.Canvas().Overlays().List()) })
	if after != before+1 {
		t.Errorf("%d overlays after two Open session calls, want %d", after, before+1)
	}
}

// TestSaveSessionConfirmsInTheStatusBar and About names version, BLAS and
// folders.
func TestSaveSessionConfirmsAndAboutNamesFolders(t *testing.T) {
	u := newTestUI(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := u.Env.Jobs.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "s"+workspace.SessionExt)
	if err := u.SaveSession(path).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := u.Env.Jobs.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	var status string
	uiDo(func() { status = u.Status.Text() })
	if status != "Session saved to "+path {
		t.Errorf("status bar after saving: %q", status)
	}
	about := u.aboutText(linalg.Info(), "1 GFLOP/s")
	for _, want := range []string{"Linear algebra: " + linalg.Backend, "sgemm: 1 GFLOP/s", "Data open: Fashion-MNIST", "Runs folder: " + os.Getenv("EMBEDSCOPE_RUNS")} {
		if !strings.Contains(about, want) {
			t.Errorf("About does not say %q:\n%s", want, about)
		}
	}
}
