package service

import (
	"context"
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/compare"
	"embedscope/ml/knn"
)

// DriftK is the number of neighbours whose agreement measures the
// training drift.
const DriftK = 10

// DriftPoint is the training drift after one epoch: the mean agreement
// (Jaccard of the DriftK nearest neighbours, Euclidean) of the fixed
// validation sample's embeddings after epoch Epoch−1 and after epoch
// Epoch. Near 1 the embedding has settled; low values show where it is
// still moving.
type DriftPoint struct {
	Epoch     int     `json:"epoch"`
	Agreement float64 `json:"agreement"`
}

// driftState follows a training's drift.
type driftState struct {
	mu        sync.Mutex
	prev      blas32.General // the sample's embeddings after prevEpoch
	prevEpoch int
	points    []DriftPoint
}

// Drift returns the training drift of every epoch measured so far (by
// this process, or recorded in the run before it was resumed), by epoch.
func (t *Training) Drift() []DriftPoint {
	t.drift.mu.Lock()
	defer t.drift.mu.Unlock()
	return slices.Clone(t.drift.points)
}

// restoreDrift takes the drift recorded in the run's curves (history key
// "drift", −1 where it is unknown).
func (t *Training) restoreDrift(curve []float64) {
	t.drift.mu.Lock()
	defer t.drift.mu.Unlock()
	t.drift.points = nil
	for i, v := range curve {
		if v >= 0 {
			t.drift.points = append(t.drift.points, DriftPoint{Epoch: i + 1, Agreement: v})
		}
	}
}

// startDrift embeds the sample with the network as it stands, when it has
// completed epochs but no embedding of them is known (a resumed run), so
// that the next epoch's drift can be measured. It runs before the
// trainer's Run (Embed refuses while it runs).
func (t *Training) startDrift(ctx context.Context) {
	snap := t.Trainer.Snapshot()
	t.drift.mu.Lock()
	known := t.drift.prev.Rows > 0 && t.drift.prevEpoch == snap.Epoch
	t.drift.mu.Unlock()
	if known || snap.Epoch == 0 || len(snap.SampleIndex) <= DriftK {
		return
	}
	E, err := t.Trainer.Embed(ctx, rowsOf(t.Data.Eval, snap.SampleIndex))
	if err != nil {
		return // no drift for the next epoch; training goes on
	}
	t.drift.mu.Lock()
	t.drift.prev, t.drift.prevEpoch = E, snap.Epoch
	t.drift.mu.Unlock()
}

// noteDrift measures the drift of the epoch just completed (called after
// every epoch, on Run's goroutine).
func (t *Training) noteDrift(ctx context.Context) {
	snap := t.Trainer.Snapshot()
	cur := snap.SampleEmbedding
	if cur.Rows <= DriftK {
		return
	}
	t.drift.mu.Lock()
	prev, prevEpoch := t.drift.prev, t.drift.prevEpoch
	t.drift.prev, t.drift.prevEpoch = cur, snap.SampleEpoch
	t.drift.mu.Unlock()
	if prev.Rows != cur.Rows || prevEpoch != snap.SampleEpoch-1 {
		return
	}
	a, err := compare.Drift(ctx, prev, cur, DriftK, knn.Euclidean)
	if err != nil || math.IsNaN(a) {
		return
	}
	t.drift.mu.Lock()
	defer t.drift.mu.Unlock()
	t.drift.points = slices.DeleteFunc(t.drift.points, func(p DriftPoint) bool { return p.Epoch >= snap.SampleEpoch })
	t.drift.points = append(t.drift.points, DriftPoint{Epoch: snap.SampleEpoch, Agreement: a})
}

// driftCurve returns the drift per epoch 1..epochs for the run's curves,
// −1 where it is unknown (the first epoch has no predecessor).
func (t *Training) driftCurve(epochs int) []float64 {
	t.drift.mu.Lock()
	defer t.drift.mu.Unlock()
	if len(t.drift.points) == 0 {
		return nil
	}
	out := make([]float64, epochs)
	for i := range out {
		out[i] = -1
	}
	for _, p := range t.drift.points {
		if p.Epoch >= 1 && p.Epoch <= epochs {
			out[p.Epoch-1] = p.Agreement
		}
	}
	return out
}

// rowsOf gathers rows of X.
func rowsOf(X blas32.General, rows []int) blas32.General {
	out := blas32.General{Rows: len(rows), Cols: X.Cols, Stride: X.Cols, Data: make([]float32, len(rows)*X.Cols)}
	for i, r := range rows {
		copy(out.Data[i*X.Cols:(i+1)*X.Cols], X.Data[r*X.Stride:r*X.Stride+X.Cols])
	}
	return out
}
