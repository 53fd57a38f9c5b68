package views

import (
	"strings"
	"testing"
	"time"

	"embedscope/ml/embed"
)

// TestAutoencoderPanelsTogether trains the dense autoencoder in the
// embedding panel (reached through the Clusters panel's "Train an
// autoencoder…"), checks the live reconstructions, publishes the code and
// clusters it with decoded centroids; a space without a decoder explains
// why its centroids have no images.
func TestAutoencoderPanelsTogether(t *testing.T) {
	skipShort(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	env := newTestEnv(t)
	ev := newEmbeddingView(env)
	cv := newClustersView(env)
	shown := ""
	env.ShowPanel = func(id string) error { shown = id; return nil }
	env.Window.SetContent(ev.content)
	openEmbedded(t, env)

	cv.trainAE.OnTapped()
	if shown != "embedding" {
		t.Fatalf("Train an autoencoder switched to %q", shown)
	}
	if a, _ := ev.selectedArch(); a != embed.DenseAE || !strings.HasPrefix(ev.loss.Selected, "mse") || ev.dim.Text != "3" {
		t.Fatalf("preset: arch %s, loss %q, dim %q", a, ev.loss.Selected, ev.dim.Text)
	}
	// The conv autoencoder offers its 4×4×8 code; back to dense, d=3.
	ev.arch.SetSelected("conv autoencoder (seed 003)")
	if ev.dim.Text != "128" {
		t.Errorf("conv: dim %q, loss %q", ev.dim.Text, ev.loss.Selected)
	}
	// The modern one learns in few epochs (the sigmoid seed-004 one needs
	// tens on the full data).
	ev.arch.SetSelected("modern autoencoder (ReLU, faster)")
	ev.loss.SetSelected("mse (reconstruction)")
	ev.dim.SetText("3")
	ev.epochs.SetText("3")
	ev.startTraining()
	if ev.trainer == nil {
		t.Fatal("training did not start")
	}
	name := "modern AE · mse · 3-d · 3 ep"
	waitUntil(t, "training and publishing the code", 120*time.Second, func() bool {
		return ev.result != nil && spaceNamed(env.Workspace, name) != nil
	})
	waitUntil(t, "the live reconstructions", 10*time.Second, func() bool { return ev.reconView.Plot() != nil })
	if !strings.Contains(ev.final.Text, "Reconstruction MSE") || !(ev.result.reconMSE < ev.result.meanMSE) {
		t.Errorf("final %q: MSE %.4f vs mean image %.4f", ev.final.Text, ev.result.reconMSE, ev.result.meanMSE)
	}

	// k-means on the code, centroids decoded to images.
	cv.space.refresh()
	if indexOf(cv.space.Select.Options, name) < 0 {
		t.Fatalf("the code is not offered: %v", cv.space.Select.Options)
	}
	cv.space.Select.SetSelected(name)
	cv.nInit.SetText("1")
	cv.startClustering()
	waitUntil(t, "k-means on the code", 30*time.Second, func() bool {
		return cv.cl != nil && cv.cl.Space.Name == name && cv.centroids.Plot() != nil
	})
	if q := cv.cl.Quality; q.PurityWeighted < 0.25 {
		t.Errorf("quality on the code %+v", q)
	}
	if len(cv.axes.Options) != 4 { // PCA view and dimension pairs 1-2, 1-3, 2-3
		t.Errorf("axes options %v", cv.axes.Options)
	}
	cv.axes.SetSelected("dimensions 1 and 3")
	waitUntil(t, "the scatter on dimensions 1 and 3", 10*time.Second, func() bool {
		return cv.proj != nil && cv.proj.XLabel == name+" dimension 1" && cv.proj.YLabel == name+" dimension 3"
	})

	// A space without a decoder: clustering works, the centroids explain.
	sp := *spaceNamed(env.Workspace, name)
	sp.ID, sp.Name, sp.Inverse = "no-decoder", "no-decoder", nil
	if err := env.Workspace.SetSpace(&sp, env.Workspace.Generation()); err != nil {
		t.Fatal(err)
	}
	cv.space.refresh()
	cv.space.Select.SetSelected("no-decoder")
	cv.startClustering()
	waitUntil(t, "k-means without a decoder", 30*time.Second, func() bool {
		return cv.cl != nil && cv.cl.Space.Name == "no-decoder"
	})
	waitUntil(t, "the explanation", 5*time.Second, func() bool { return strings.Contains(cv.centroids.Message(), "no decoder") })
}
