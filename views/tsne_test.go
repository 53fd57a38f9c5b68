package views

import (
	"strings"
	"testing"
	"time"
)

func TestTSNEPanel(t *testing.T) {
	env := newTestEnv(t)
	v := newTSNEView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)

	v.n.SetText("800")
	v.iters.SetText("300")
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
	v.iters.SetText("2000")
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
	v.iters.SetText("250")
	v.perplexity.SetText("300")
	v.final.Rows = 0
	v.run()
	if v.job != nil || v.final.Rows != 0 {
		t.Error("a map was made with a perplexity of 300 for 800 points")
	}
}
