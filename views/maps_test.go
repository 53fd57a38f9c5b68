package views

import (
	"strings"
	"testing"
	"time"
)

func TestMapsPanel(t *testing.T) {
	env := newTestEnv(t)
	v := newMapsView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)

	v.n.SetText("800")
	v.forms.iters.SetText("300")
	v.run()
	waitUntil(t, "the t-SNE map and its quality", 120*time.Second, func() bool {
		return v.job == nil && strings.Contains(v.quality.Text, "5-NN")
	})
	if v.final.Rows != 800 || v.scatter.data.Len() != 800 {
		t.Fatalf("map of %d rows, scatter of %d points", v.final.Rows, v.scatter.data.Len())
	}
	if !strings.Contains(v.quality.Text, "trustworthiness") {
		t.Errorf("quality %q", v.quality.Text)
	}

	// Pause holds the optimisation; Resume lets it finish.
	v.forms.iters.SetText("2000")
	v.run()
	waitUntil(t, "the first frames", 60*time.Second, func() bool { v.mu.Lock(); defer v.mu.Unlock(); return v.latest != nil })
	v.togglePause()
	if !v.paused {
		t.Fatal("not paused")
	}
	v.togglePause()
	v.stop.OnTapped()
	waitUntil(t, "the stop", 60*time.Second, func() bool { return v.job == nil })

	// Perplexity must be below n/3.
	v.forms.iters.SetText("250")
	v.forms.perplexity.SetText("300")
	v.final.Rows = 0
	v.run()
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
	waitUntil(t, "the UMAP map", 120*time.Second, func() bool { return v.job == nil && strings.Contains(v.quality.Text, "5-NN") })
	if v.final.Rows != 10000 || v.scatter.data.Len() != 10000 || !strings.Contains(v.info.Text, "placed") || !strings.Contains(v.info.Text, "Kept as the run") {
		t.Errorf("UMAP map of %d rows; info %q", v.final.Rows, v.info.Text)
	}
	found := false
	for _, c := range env.Service.Spaces() {
		found = found || c.Kind == "umap"
	}
	if !found {
		t.Error("the UMAP map of every item is not offered as a space")
	}
}
