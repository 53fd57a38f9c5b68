package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"embedscope/app/jobs"
	_ "embedscope/app/locale" // before fyne: see the package doc
	"embedscope/app/runs"
	"embedscope/app/service"
	"embedscope/app/workspace"
)

func waitUntil(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	// The condition is read while no UI work runs (see serialUI), so a
	// callback that has begun changing the panel has finished when the
	// test goes on.
	check := func() (ok bool) {
		testUI.do(func() { ok = cond() })
		return ok
	}
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		testUI.sleep(20 * time.Millisecond)
	}
}

// newTestEnv returns an Env on the embedded data set with a test window.
func newTestEnv(t *testing.T) *Env {
	t.Helper()
	test.NewTempApp(t)
	runner := jobs.NewRunner(context.Background())
	runner.Dispatch = serialiseUI(t)
	var failures []error
	runner.OnError = func(job string, err error) { failures = append(failures, err) }
	t.Cleanup(func() {
		runner.CancelAll()
		for _, err := range failures {
			t.Errorf("job failed: %v", err)
		}
	})
	t.Cleanup(testUI.hold()) // the test is the UI goroutine (it builds and taps widgets)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	ws := workspace.New()
	store, err := runs.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(ws, store)
	if err != nil {
		t.Fatal(err)
	}
	return &Env{Window: w, Workspace: ws, Service: svc, Jobs: runner}
}

// spaceNamed returns the stored space the user sees under name (nil when
// there is none); called while no UI work runs.
func spaceNamed(ws *workspace.Workspace, name string) *workspace.Space {
	for _, s := range ws.Spaces() {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func openEmbedded(t *testing.T, env *Env) {
	t.Helper()
	ds, err := workspace.Open(context.Background(), workspace.Embedded, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Workspace.SetData(ds); err != nil {
		t.Fatal(err)
	}
}

func TestPCAPanelFitsShowsAndClassifies(t *testing.T) {
	env := newTestEnv(t)
	v := newPCAView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env) // the panel fits PCA on its own when data arrives
	waitUntil(t, "the automatic PCA fit", 30*time.Second, func() bool { return spaceNamed(env.Workspace, "PCA-32") != nil })
	waitUntil(t, "the panel to show the fit", 5*time.Second, func() bool {
		return v.fit != nil && v.variance.Plot() != nil && v.density.Plot() != nil && v.hexbin.Plot() != nil
	})

	if !strings.Contains(v.summary.Text, "32 components capture") {
		t.Errorf("summary %q", v.summary.Text)
	}
	for name, f := range map[string]*FigureView{"variance": v.variance, "density": v.density, "hexbin": v.hexbin} {
		if f.Plot() == nil {
			t.Errorf("no %s figure after the fit", name)
		}
	}
	if v.scatter.data.Len() != 10000 {
		t.Errorf("scatter shows %d points, want all 10,000 items", v.scatter.data.Len())
	}

	// Clicking a point lists its neighbours in both spaces.
	v.showNeighbours(123)
	waitUntil(t, "neighbour thumbnails", 10*time.Second, func() bool {
		return len(v.nearOrig.Items()) == DefaultNeighbours && len(v.nearProj.Items()) == DefaultNeighbours
	})
	item := v.fit.Items.At(123)
	for _, th := range v.nearOrig.Items() {
		if item.Split.Name == "train" && th.Index == item.Row() {
			t.Error("the clicked training image is listed as its own neighbour")
		}
	}

	// kNN on the projection: accuracy on the validation split.
	v.k.SetText("5")
	v.startKNN()
	waitUntil(t, "the kNN result", 30*time.Second, func() bool {
		return strings.Contains(v.knnSummary.Text, "accuracy") && strings.Contains(v.knnTable.Text, "Ankle boot") && v.perClass.Plot() != nil
	})

	// Bad input: components out of range gives an error, not a fit.
	before := v.fit
	v.comps.SetText("0")
	v.startFit()
	if v.fit != before || v.fitJob != nil {
		t.Error("a fit started with 0 components")
	}
	v.comps.SetText("785")
	v.startFit()
	if v.fitJob != nil {
		t.Error("a fit started with more components than features")
	}

	// Cancelling a fit keeps the previous one on screen.
	v.comps.SetText("50")
	v.startFit()
	if v.fitJob != nil {
		v.fitJob.Cancel()
	}
	waitUntil(t, "the cancelled fit to end", 30*time.Second, func() bool { return v.fitJob == nil })
	if v.fit != before && v.fit.Model.K() != 50 {
		t.Error("a cancelled fit replaced the shown one with something else")
	}

	// Changing the scaling refits on the new features.
	env.Workspace.SetScaling(2)
	waitUntil(t, "the refit after a scaling change", 30*time.Second, func() bool {
		return v.fit != nil && v.fit.Generation == env.Workspace.Generation()
	})
}
