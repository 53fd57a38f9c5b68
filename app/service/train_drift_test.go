package service

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
	"embedscope/ml/compare"
	"embedscope/ml/embed"
	"embedscope/ml/knn"
)

// TestTrainingDrift: after every epoch but the first, the drift is the
// agreement of the validation sample's 10-NN sets before and after the
// epoch; it is kept in the run's curves and, for a run resumed from the
// store, measured again from the next epoch on.
func TestTrainingDrift(t *testing.T) {
	ctx := context.Background()
	svc := embeddedService(t)
	cfg := embed.DefaultConfig(embed.MLP, embed.Softmax)
	cfg.Epochs, cfg.ProjectionSample, cfg.Dim = 1, 300, 16
	tr, err := svc.NewTraining(ctx, TrainRequest{cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	if d := tr.Drift(); len(d) != 0 {
		t.Fatalf("drift after one epoch: %v (the first epoch has no predecessor)", d)
	}
	sample := func(tr *Training) blas32.General {
		s := tr.Trainer.Snapshot()
		E, err := tr.Trainer.Embed(ctx, rowsOf(tr.Data.Eval, s.SampleIndex))
		if err != nil {
			t.Fatal(err)
		}
		return E
	}
	e1 := sample(tr)

	// Two more epochs in another service, resumed from the store.
	ws2 := workspace.New()
	ws2.SetData(svc.WS.Data())
	svc2, _ := New(ws2, svc.Store())
	again, err := svc2.ResumeTraining(ctx, tr.Record().ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	var e2 blas32.General
	if err := again.Run(ctx, nil, func(e embed.EpochStat) {
		if e.Epoch == 2 {
			e2 = again.Trainer.Snapshot().SampleEmbedding
		}
	}); err != nil {
		t.Fatal(err)
	}
	d := again.Drift()
	if len(d) != 1 || d[0].Epoch != 2 {
		t.Fatalf("drift %v, want epoch 2's", d)
	}
	want, err := compare.Drift(ctx, e1, e2, DriftK, knn.Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(d[0].Agreement-want) > 1e-12 || !(want > 0.1 && want < 1) {
		t.Errorf("drift %v, want %v", d[0].Agreement, want)
	}
	r := again.Record()
	if h := r.History["drift"]; len(h) != 2 || h[0] != -1 || h[1] != d[0].Agreement {
		t.Errorf("recorded drift curve %v", h)
	}
}
