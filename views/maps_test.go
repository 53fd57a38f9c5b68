package views

import (
	"fmt"
	"strings"
	"testing"
)

func TestMapsPanel(t *testing.T) {
	env := newTestEnv(t)
	v := newMapsView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)

	v.n.SetText("800")
	v.forms.iters.SetText("300")
	v.run()
	waitJobs(t, env, "the t-SNE map and its quality", jobLimit)
	if v.job != nil || v.final.Rows != 800 || v.scatter.data.Len() != 800 {
		t.Fatalf("map of %d rows, scatter of %d points", v.final.Rows, v.scatter.data.Len())
	}
	// Reference: scikit-learn's TSNE(perplexity=30, n_iter=300,
	// init="pca", learning_rate="auto", random_state=0, 1, 2) of PCA(50) of
	// the same 800 validation images (exported with `embedscope
	// export-embedding --space pixels --format csv`): leave-one-out 5-NN
	// accuracy 0.7675 (all three seeds), trustworthiness(5) 0.9888. Ours:
	// 0.7613 and 0.9891.
	var knn, trust float64
	i := strings.Index(v.quality.Text, "5-NN accuracy in the map:")
	if i < 0 {
		t.Fatalf("quality %q", v.quality.Text)
	}
	if _, err := fmt.Sscanf(v.quality.Text[i:], "5-NN accuracy in the map: %f · trustworthiness(5) against PCA-50 of pixels: %f", &knn, &trust); err != nil {
		t.Fatalf("quality %q: %v", v.quality.Text, err)
	}
	if knn < 0.74 || trust < 0.985 {
		t.Errorf("5-NN %.4f, trustworthiness %.4f; want ≥ 0.74 and ≥ 0.985 (sklearn: 0.7675, 0.9888)", knn, trust)
	}

	// Pause holds the optimisation: its goroutine waits inside the frame
	// callback, at the frame last drawn, until Resume.
	v.forms.iters.SetText("100000")
	v.run()
	waitUntil(t, "the first frames", jobLimit, func() bool { v.mu.Lock(); defer v.mu.Unlock(); return v.latest != nil })
	v.togglePause()
	if !v.paused || v.pause.Text != "Resume" {
		t.Fatalf("not paused (button %q)", v.pause.Text)
	}
	var at int
	waitUntil(t, "the optimisation to wait in its pause", jobLimit, func() bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		at = v.parked
		return at >= 0
	})
	v.mu.Lock()
	frames := v.frames
	v.mu.Unlock()
	if frames != at || len(env.Jobs.Active()) != 1 {
		t.Errorf("paused at frame %d, the last frame is %d; %d jobs", at, frames, len(env.Jobs.Active()))
	}
	// Resume lets it go on past the pause; Stop ends the job.
	v.togglePause()
	waitUntil(t, "the optimisation to go on", jobLimit, func() bool { v.mu.Lock(); defer v.mu.Unlock(); return v.frames > at })
	v.stop.OnTapped()
	waitJobs(t, env, "the stop", jobLimit)
	if v.job != nil || !strings.Contains(v.info.Text, "Stopped") {
		t.Errorf("after Stop: job %v, info %q", v.job != nil, v.info.Text)
	}

	// Perplexity must be below n/3: refused with the reason, nothing starts.
	v.forms.iters.SetText("250")
	v.forms.perplexity.SetText("300")
	v.final.Rows = 0
	v.run()
	wantRefused(t, env, "perplexity 300 for 800 points", "the perplexity must be below n/3 = 267 for 800 points")
	if v.job != nil || v.final.Rows != 0 {
		t.Error("a map was made with a perplexity of 300 for 800 points")
	}

	// UMAP of every item: fit on the training split, the others placed; a
	// run usable as a space.
	v.method.SetSelected(methodUMAP)
	v.points.SetSelected(pointsPlace)
	v.forms.ep.SetText("30")
	v.final.Rows = 0
	v.run()
	waitJobs(t, env, "the UMAP map", jobLimit)
	if !strings.Contains(v.quality.Text, "5-NN") || v.final.Rows != 10000 || v.scatter.data.Len() != 10000 || !strings.Contains(v.info.Text, "placed") || !strings.Contains(v.info.Text, "Kept as the run") {
		t.Errorf("UMAP map of %d rows; info %q, quality %q", v.final.Rows, v.info.Text, v.quality.Text)
	}
	found := false
	for _, c := range env.Service.Spaces() {
		found = found || c.Kind == "umap"
	}
	if !found {
		t.Error("the UMAP map of every item is not offered as a space")
	}
}
