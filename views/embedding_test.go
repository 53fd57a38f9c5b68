package views

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestEmbeddingPanelTrainsPausesResumesAndPublishes(t *testing.T) {
	skipShort(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // checkpoints go to the user cache folder
	env := newTestEnv(t)
	v := newEmbeddingView(env)
	env.Window.SetContent(v.content)
	openEmbedded(t, env)

	v.arch.SetSelected("MLP (fastest)")
	v.loss.SetSelected("softmax, in-batch (best)")
	v.epochs.SetText("3")
	v.startTraining()
	if v.trainer == nil {
		t.Fatal("training did not start")
	}
	// Pause as soon as the first epoch is done, then resume.
	waitUntil(t, "the first epoch", 60*time.Second, func() bool { return v.trainer.Snapshot().Epoch >= 1 })
	v.halt(false)
	waitUntil(t, "the pause", 30*time.Second, func() bool { return v.job == nil })
	if v.trainer.Snapshot().Done {
		t.Skip("training finished before the pause took effect")
	}
	if _, err := os.Stat(v.trainer.Config().CheckpointPath); err != nil {
		t.Errorf("no checkpoint after an epoch: %v", err)
	}
	v.resumeTraining()
	waitUntil(t, "training to end and the embedding to be published", 120*time.Second, func() bool {
		return v.result != nil && env.Workspace.Space(v.training.Record().ID) != nil
	})
	if v.result.accuracy < 0.75 {
		t.Errorf("embedding + kNN(5) accuracy %.4f on the validation split, want ≥ 0.75", v.result.accuracy)
	}
	s := v.trainer.Snapshot()
	if len(s.EpochStats) != 3 || len(s.Projections) < 3 || len(s.BatchLoss) == 0 {
		t.Errorf("snapshot: %d epochs, %d projections, %d batch losses", len(s.EpochStats), len(s.Projections), len(s.BatchLoss))
	}
	waitUntil(t, "the progress figures", 10*time.Second, func() bool {
		return v.live.batchLoss.Plot() != nil && v.live.epochAcc.Plot() != nil && v.live.liveScatter.data.Len() > 0
	})
	if !strings.Contains(v.final.Text, "PCA(32) + kNN(5)") {
		t.Errorf("final text %q", v.final.Text)
	}

	// Bad input: a batch larger than the training split, a rate ≤ 0.
	v.batch.SetText("100000")
	before := v.trainer
	v.startTraining()
	if v.trainer != before {
		t.Error("a batch larger than the data was accepted")
	}
	v.batch.SetText("256")
	v.lr.SetText("0")
	v.startTraining()
	if v.trainer != before {
		t.Error("a learning rate of 0 was accepted")
	}
}
