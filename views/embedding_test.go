package views

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"embedscope/app/runs"
	"embedscope/app/service"
	"embedscope/ml/embed"
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
	// Pause as soon as the first epoch is done: the hook runs on the
	// training's goroutine after the epoch, so the pause lands in the
	// second epoch whatever the machine's speed.
	v.onEpoch = func(e embed.EpochStat) {
		if e.Epoch == 1 {
			uiDo(func() { v.halt(false) })
		}
	}
	testUI.do(v.startTraining)
	if v.trainer == nil {
		t.Fatal("training did not start")
	}
	waitJobs(t, env, "the pause", jobLimit)
	v.onEpoch = nil
	snap := v.trainer.Snapshot()
	if v.job != nil || snap.Done || snap.Epoch != 1 {
		t.Fatalf("after the pause: job %v, done %v, %d epochs", v.job != nil, snap.Done, snap.Epoch)
	}
	if rec := v.training.Record(); rec.Status != runs.Paused || !strings.Contains(v.status.Text, "Paused") {
		t.Errorf("run status %q, panel says %q", rec.Status, v.status.Text)
	}
	if v.stop.Disabled() {
		t.Error("Stop is disabled while the training is paused")
	}
	testUI.do(v.refresh) // as a restored session's panel does: no stale time left
	if strings.Contains(v.status.Text, " left") {
		t.Errorf("a paused training tells the time left: %q", v.status.Text)
	}
	if _, err := os.Stat(v.trainer.Config().CheckpointPath); err != nil {
		t.Errorf("no checkpoint after an epoch: %v", err)
	}
	cfg := v.trainer.Config()
	testUI.do(v.resumeTraining)
	waitJobs(t, env, "training to end and the embedding to be published", jobLimit)
	if v.result == nil || env.Workspace.Space(v.training.Record().ID) == nil {
		t.Fatal("the embedding was not published")
	}
	// Resume continues exactly where the pause stopped: the same network as
	// three epochs without a pause, trained here through the service.
	// (Reference: `embedscope train-siamese --arch mlp --loss softmax
	// --epochs 3` gives kNN(5) 0.8200 on this split; kNN(5) on the pixels
	// 0.813, scikit-learn's KNeighborsClassifier on the same rows.)
	ctx := context.Background()
	cfg.CheckpointPath = ""
	straight, err := env.Service.NewTraining(ctx, service.TrainRequest{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := straight.Run(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	pub, err := straight.Publish(ctx, service.PublishOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := pub.KNN5["validation"]; v.result.accuracy != want || want < 0.80 {
		t.Errorf("embedding + kNN(5) accuracy %.4f after a pause and resume; %.4f without a pause (want the same, ≥ 0.80)", v.result.accuracy, want)
	}
	s := v.trainer.Snapshot()
	if len(s.EpochStats) != 3 || len(s.Projections) < 3 || len(s.BatchLoss) == 0 {
		t.Errorf("snapshot: %d epochs, %d projections, %d batch losses", len(s.EpochStats), len(s.Projections), len(s.BatchLoss))
	}
	waitUntil(t, "the progress figures", time.Minute, func() bool {
		return v.live.batchLoss.Plot() != nil && v.live.epochAcc.Plot() != nil && v.live.liveScatter.data.Len() > 0
	})
	if !strings.Contains(v.final.Text, "PCA(32) + kNN(5)") {
		t.Errorf("final text %q", v.final.Text)
	}

	// Bad input: a batch larger than the training split, a rate ≤ 0: refused
	// with the reason, nothing starts.
	v.batch.SetText("100000")
	before := v.trainer
	v.startTraining()
	wantRefused(t, env, "a batch of 100,000", "batch")
	v.batch.SetText("256")
	v.lr.SetText("0")
	v.startTraining()
	wantRefused(t, env, "a learning rate of 0", "learning rate")
	if v.trainer != before {
		t.Error("refused settings replaced the training")
	}
}
