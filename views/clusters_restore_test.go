package views

import (
	"context"
	"path/filepath"
	"testing"

	"embedscope/app/service"
	"embedscope/app/workspace"
)

// TestClustersAfterSessionRestore: the Space box names the space the
// session chose, and results of another space are not left on show.
func TestClustersAfterSessionRestore(t *testing.T) {
	env := newTestEnv(t)
	v := newClustersView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)
	p, err := env.Service.FitPCA(context.Background(), service.PCARequest{Components: 8, Solver: "full"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The session chooses PCA-8 in the Clusters panel.
	testUI.do(func() { v.space.SetID(p.Space.ID) })
	path := filepath.Join(t.TempDir(), "clusters"+workspace.SessionExt)
	if err := env.Workspace.SaveSession(path, workspace.SessionExtra{Panel: "clusters"}); err != nil {
		t.Fatal(err)
	}
	// Then k-means on the pixels is shown…
	testUI.do(func() {
		v.space.Select.SetSelected("pixels")
		v.k.SetText("3")
		v.nInit.SetText("1")
		v.startClustering()
	})
	waitJobs(t, env, "k-means on the pixels", jobLimit)
	if v.cl == nil || v.centroids.Plot() == nil {
		t.Fatal("no k-means result shown")
	}
	// …and the session is opened again.
	s, err := workspace.LoadSession(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Workspace.Restore(s, env.Workspace.Data()); err != nil {
		t.Fatal(err)
	}
	waitJobs(t, env, "the restore", jobLimit)
	testUI.do(func() {
		if v.space.ID() != p.Space.ID || v.space.Select.Selected != p.Space.Name {
			t.Errorf("Space box %q (%s) after the restore, want %q", v.space.Select.Selected, v.space.ID(), p.Space.Name)
		}
		if v.cl != nil || v.centroids.Plot() != nil || v.table.export.Disabled() == false {
			t.Errorf("the k-means of the pixels is still shown after the restore (result %v, centroids %v)", v.cl != nil, v.centroids.Plot() != nil)
		}
	})
}
