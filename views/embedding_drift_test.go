package views

import (
	"strings"
	"testing"
	"time"
)

// TestTrainingDriftCurve: after the second epoch of an MLP, the training
// view's progress tab draws the drift, the agreement of the validation
// sample's neighbourhoods before and after that epoch.
func TestTrainingDriftCurve(t *testing.T) {
	skipShort(t)
	env := newTestEnv(t)
	v := newEmbeddingView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)
	if v.live.drift.Plot() != nil || !strings.Contains(v.live.drift.Message(), "second epoch") {
		t.Fatalf("a drift curve before training: %q", v.live.drift.Message())
	}
	v.arch.SetSelected("MLP (fastest)")
	v.loss.SetSelected("softmax, in-batch (best)")
	v.epochs.SetText("2")
	v.startTraining()
	waitUntil(t, "two epochs and the drift curve", 120*time.Second, func() bool {
		return v.trainer.Snapshot().Epoch == 2 && v.live.drift.Plot() != nil
	})
	d := v.training.Drift()
	if len(d) != 1 || d[0].Epoch != 2 || !(d[0].Agreement > 0 && d[0].Agreement < 1) {
		t.Fatalf("drift %+v after two epochs", d)
	}
	if p := v.live.drift.Plot(); !strings.Contains(p.Title.Text, "Drift") || p.X.Max != 2.5 {
		t.Errorf("drift figure %q over epochs up to %v", p.Title.Text, p.X.Max)
	}
	waitUntil(t, "the run to be published", 120*time.Second, func() bool { return v.job == nil && len(env.Jobs.Active()) == 0 })
	if h := v.training.Record().History["drift"]; len(h) != 2 || h[1] != d[0].Agreement {
		t.Errorf("recorded drift %v", h)
	}
}
