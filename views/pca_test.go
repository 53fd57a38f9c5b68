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
	return newTestEnvIn(t, t.TempDir())
}

// newTestEnvIn is newTestEnv with its run folder at dir.
func newTestEnvIn(t *testing.T, dir string) *Env {
	t.Helper()
	newTempApp(t)
	runner := jobs.NewRunner(context.Background())
	runner.Dispatch = serialiseUI(t)
	var failures []error
	runner.OnError = func(job string, err error) { failures = append(failures, err) }
	t.Cleanup(func() {
		runner.CancelAll()
		// The next test starts with no job of this one still running.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := runner.WaitIdle(ctx); err != nil {
			t.Errorf("after the test: %v", err)
		}
		for _, err := range failures {
			t.Errorf("job failed: %v", err)
		}
	})
	t.Cleanup(testUI.hold()) // the test is the UI goroutine (it builds and taps widgets)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1280, 800))
	ws := workspace.New()
	store, err := runs.Open(dir)
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
	waitJobs(t, env, "the automatic PCA fit", jobLimit)
	if spaceNamed(env.Workspace, "PCA-32") == nil || v.fit == nil || v.variance.Plot() == nil || v.density.Plot() == nil || v.hexbin.Plot() == nil {
		t.Fatalf("after the automatic fit: space %v, fit %v, figures %v/%v/%v", spaceNamed(env.Workspace, "PCA-32") != nil, v.fit != nil,
			v.variance.Plot() != nil, v.density.Plot() != nil, v.hexbin.Plot() != nil)
	}
	// Reference: PCA(32, svd_solver="full") of scikit-learn on the same
	// 8,000 training rows (exported with `embedscope export-embedding
	// --space pixels --format csv`): explained_variance_ratio_.sum() 0.82536.
	if !strings.Contains(v.summary.Text, "32 components capture 82.5 %") {
		t.Errorf("summary %q, want 82.5 %% (sklearn: 0.82536)", v.summary.Text)
	}
	if v.scatter.data.Len() != 10000 {
		t.Errorf("scatter shows %d points, want all 10,000 items", v.scatter.data.Len())
	}

	// Clicking a point lists its neighbours in both spaces (a search in
	// the background, not a job).
	v.showNeighbours(123)
	waitUntil(t, "neighbour thumbnails", jobLimit, func() bool {
		return len(v.nearOrig.Items()) == DefaultNeighbours && len(v.nearProj.Items()) == DefaultNeighbours
	})
	item := v.fit.Items.At(123)
	for _, th := range v.nearOrig.Items() {
		if item.Split.Name == "train" && th.Index == item.Row() {
			t.Error("the clicked training image is listed as its own neighbour")
		}
	}

	// kNN on the projection: accuracy on the validation split. Reference:
	// KNeighborsClassifier(5, algorithm="brute") on sklearn's PCA(32) of the
	// same rows: 0.813.
	v.k.SetText("5")
	v.startKNN()
	waitJobs(t, env, "the kNN result", jobLimit)
	if !strings.Contains(v.knnSummary.Text, "validation accuracy 0.8130 (2000 images)") || !strings.Contains(v.knnTable.Text, "Ankle boot") || v.perClass.Plot() == nil {
		t.Errorf("kNN summary %q, table %q, figure %v", v.knnSummary.Text, v.knnTable.Text, v.perClass.Plot() != nil)
	}

	// Bad input: components out of range are refused with the reason, no fit starts.
	before := v.fit
	v.comps.SetText("0")
	v.startFit()
	wantRefused(t, env, "0 components", "The number of components must be a whole number from 1 to 784")
	v.comps.SetText("785")
	v.startFit()
	wantRefused(t, env, "785 components", "The number of components must be a whole number from 1 to 784")
	if v.fit != before || v.fitJob != nil {
		t.Error("a fit started with components out of range")
	}

	// Cancelling a fit stops it: the job is held before its work begins,
	// cancelled, then let go, so the fit sees a cancelled context whatever
	// the machine's speed. It must publish nothing, and the panel keeps
	// the previous fit and says the last one was cancelled.
	release := env.Jobs.Hold()
	v.comps.SetText("50")
	v.startFit()
	if v.fitJob == nil {
		t.Fatal("no fit job for 50 components")
	}
	v.fitJob.Cancel()
	release()
	waitJobs(t, env, "the cancelled fit", jobLimit)
	if v.fit != before || v.fitJob != nil || spaceNamed(env.Workspace, "PCA-50") != nil {
		t.Errorf("after the cancel: fit replaced %v, job %v, PCA-50 published %v", v.fit != before, v.fitJob != nil, spaceNamed(env.Workspace, "PCA-50") != nil)
	}
	if !strings.Contains(v.summary.Text, "(The last fit was cancelled.)") {
		t.Errorf("summary after the cancel %q", v.summary.Text)
	}

	// Changing the scaling refits on the new features.
	env.Workspace.SetScaling(2)
	waitJobs(t, env, "the refit after a scaling change", jobLimit)
	if v.fit == nil || v.fit.Generation != env.Workspace.Generation() {
		t.Error("no refit after the scaling changed")
	}
}
