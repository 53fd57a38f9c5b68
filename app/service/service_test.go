package service

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"embedscope/app/runs"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/embed"
)

// TestDeterministicRunsReplaceTheirTwin fits the same PCA twice (one run,
// updated), another PCA (a second run), renames and deletes runs, and reads
// them back from the store in a second service as the CLI and the GUI do.
func TestDeterministicRunsReplaceTheirTwin(t *testing.T) {
	ctx := context.Background()
	svc := embeddedService(t)
	a, err := svc.FitPCA(ctx, PCARequest{Components: 8}, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := svc.FitPCA(ctx, PCARequest{Components: 8}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Run.ID != a.Run.ID || len(svc.Runs()) != 1 {
		t.Fatalf("the same PCA twice made runs %s and %s (%d listed)", a.Run.ID, again.Run.ID, len(svc.Runs()))
	}
	b, err := svc.FitPCA(ctx, PCARequest{Components: 4, Solver: "full"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Run.ID == a.Run.ID || len(svc.Runs()) != 2 {
		t.Fatalf("another PCA did not make a new run")
	}
	r := b.Run
	if r.Status != runs.Finished || r.Kind != runs.KindPCA || r.Name != "PCA-4" || !r.HasSpace() || r.Model != "pca" ||
		!(r.Metrics["explained_variance"] > 0.4) || !r.Data.Same(svc.Fingerprint()) || r.Seconds <= 0 {
		t.Errorf("record %+v", r)
	}
	// The spaces panels offer, by name; a rename shows everywhere.
	if err := svc.Rename(b.Run.ID, "four components"); err != nil {
		t.Fatal(err)
	}
	if got := svc.WS.Space(b.Run.ID).Name; got != "four components" {
		t.Errorf("renamed space is called %q", got)
	}
	labels := SpaceLabels(svc.Spaces())
	if !slices.Equal(labels, []string{"pixels", "PCA-8", "four components"}) {
		t.Errorf("spaces %v", labels)
	}

	// A second service on the same store (another process): same runs,
	// spaces loaded from disk with their decoders.
	ws2 := workspace.New()
	ws2.SetData(svc.WS.Data())
	svc2, err := New(ws2, svc.Store())
	if err != nil {
		t.Fatal(err)
	}
	if len(svc2.Runs()) != 2 {
		t.Fatalf("the second service lists %d runs", len(svc2.Runs()))
	}
	sp, err := svc2.Space(ctx, b.Run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Name != "four components" || sp.Inverse == nil || !slices.Equal(sp.Val.Data, b.Space.Val.Data) || !slices.Equal(sp.Train.Data, b.Space.Train.Data) {
		t.Errorf("the space read back differs: %q, decoder %v", sp.Name, sp.Inverse != nil)
	}
	// Another split: the run is listed but not usable.
	if err := ws2.SetSplit(dataset.SplitOptions{ValFraction: 0.5, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc2.Space(ctx, a.Run.ID); err == nil {
		t.Error("a run of another split was used")
	}
	if len(svc2.Runs()) != 2 || len(svc2.Spaces()) != 1 {
		t.Errorf("after a new split: %d runs, %d spaces", len(svc2.Runs()), len(svc2.Spaces()))
	}

	if err := svc.Delete(a.Run.ID); err != nil {
		t.Fatal(err)
	}
	if svc.WS.Space(a.Run.ID) != nil || len(svc.Runs()) != 1 {
		t.Error("a deleted run is still there")
	}
	svc2.Refresh()
	if _, ok := svc2.Run(a.Run.ID); ok {
		t.Error("the other service still lists the deleted run after Refresh")
	}
}

// TestTrainingRunsNeverOverwriteEachOther is the scenario in the
// service: an MLP trained to its end and published; a second network
// stopped in its first epoch stays stopped, unpublished, and the MLP stays
// the published space; the stopped run resumes from the store in another
// service and is then published.
func TestTrainingRunsNeverOverwriteEachOther(t *testing.T) {
	ctx := context.Background()
	svc := embeddedService(t)
	cfg := embed.DefaultConfig(embed.MLP, embed.Softmax)
	cfg.Epochs, cfg.ProjectionSample = 1, 0
	first, err := svc.NewTraining(ctx, TrainRequest{cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Run(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	pub, err := first.Publish(ctx, PublishOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := pub.Run
	if r.Status != runs.Finished || r.Name != "MLP · softmax · 32-d · 1 ep" || !(r.Metrics["knn5_val"] > 0.75) || r.Epoch != 1 ||
		len(r.History["train_loss"]) != 1 || svc.WS.Space(r.ID) == nil {
		t.Fatalf("published run %+v", r)
	}

	cfg2 := cfg
	cfg2.Epochs, cfg2.Dim = 3, 16
	second, err := svc.NewTraining(ctx, TrainRequest{cfg2})
	if err != nil {
		t.Fatal(err)
	}
	stopCtx, cancel := context.WithCancel(ctx)
	second.Trainer.OnEpoch = nil
	go func() {
		for second.Trainer.Snapshot().Batch < 2 {
			time.Sleep(time.Millisecond)
		}
		second.Stop()
		cancel()
	}()
	if err := second.Run(stopCtx, nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped run: %v", err)
	}
	s := second.Record()
	if s.Status != runs.Stopped || s.Epoch != 0 || s.Epochs != 3 || s.Space != nil || !s.Resumable() {
		t.Fatalf("stopped run %+v", s)
	}
	if svc.WS.Space(s.ID) != nil || svc.WS.Space(r.ID) == nil || len(svc.Runs()) != 2 {
		t.Fatal("stopping the second run changed the published spaces")
	}

	// The CLI's view of the store: resume the stopped run, finish, publish.
	ws2 := workspace.New()
	ws2.SetData(svc.WS.Data())
	svc2, _ := New(ws2, svc.Store())
	again, err := svc2.ResumeTraining(ctx, s.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if again.Trainer.Config().Dim != 16 || again.Trainer.Snapshot().Batch < 2 {
		t.Fatalf("resumed at batch %d with dim %d", again.Trainer.Snapshot().Batch, again.Trainer.Config().Dim)
	}
	if err := again.Run(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := again.Publish(ctx, PublishOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	svc.Refresh()
	got, _ := svc.Run(s.ID)
	if got.Status != runs.Finished || got.Epoch != 3 || !(got.Metrics["knn5_val"] > 0.75) {
		t.Errorf("after resuming elsewhere: %+v", got)
	}
}
