package views

import (
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
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

// TestTSNEPublishesMapsOfAllItems checks that a map of every item becomes
// a 2-D space (each split's rows in order) that k-means can use, and that
// a map of a subset does not.
func TestTSNEPublishesMapsOfAllItems(t *testing.T) {
	env := newTestEnv(t)
	v := newTSNEView(env)
	openEmbedded(t, env)
	ws := env.Workspace
	all := workspace.NewItems(ws.Splits())
	items := make([]workspace.Item, all.Len())
	Y := blas32.General{Rows: all.Len(), Cols: 2, Stride: 2, Data: make([]float32, 2*all.Len())}
	for i := range items {
		items[i] = all.At(i)
		Y.Data[2*i], Y.Data[2*i+1] = float32(i), float32(items[i].Label())
	}
	v.publish(items[:100], Y, tsneInputPixels, ws.Generation())
	if len(ws.SpaceNames()) != 0 {
		t.Fatalf("a map of 100 items was published: %v", ws.SpaceNames())
	}
	v.publish(items, Y, tsneInputPixels, ws.Generation())
	s := ws.Space("t-SNE of pixels")
	if s == nil {
		t.Fatalf("spaces %v", ws.SpaceNames())
	}
	if s.Dim() != 2 || s.Train.Rows != ws.Splits().Train.Len() || s.Val.Rows != ws.Splits().Val.Len() {
		t.Fatalf("space %d-D, %d train and %d validation rows", s.Dim(), s.Train.Rows, s.Val.Rows)
	}
	// Validation row 3 is item train+3, whose x is its position.
	if got, want := s.Val.Data[2*3], float32(s.Train.Rows+3); got != want {
		t.Errorf("validation row 3 has x %v, want %v", got, want)
	}
	v.refreshInputs()
	if indexOf(v.input.Options, "t-SNE of pixels") >= 0 {
		t.Error("a t-SNE map is offered as t-SNE input")
	}
}
