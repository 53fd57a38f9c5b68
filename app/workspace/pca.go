package workspace

import (
	"context"
	"fmt"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/pca"
	"embedscope/ml/progress"
)

// PCAProjection is PCA fitted on the training split with every split
// projected: what the PCA panel and the CLI show.
type PCAProjection struct {
	Generation int // the workspace generation it was computed for
	Model      *pca.Model
	Space      *Space // the projection of every split, named "PCA-k"
	Pixels     *Space // the scaled features it was fitted on
	Items      Items  // train, validation, test in order
	Seconds    float64
}

// FitPCA fits PCA with k components (and the whole spectrum) on the
// training split's scaled features and projects every split. The result is
// not stored; see SetSpace.
func (w *Workspace) FitPCA(ctx context.Context, k int, solver pca.Solver, t *progress.Tracker) (*PCAProjection, error) {
	gen := w.Generation()
	t.Stage("scaling features", 0)
	train, val, test, err := w.Features(ctx)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	model, err := pca.PCA{Components: k, Solver: solver, Spectrum: true, Progress: t}.Fit(ctx, train.X)
	if err != nil {
		return nil, err
	}
	secs := time.Since(start).Seconds()
	t.Stage("projecting the splits", 3)
	proj := func(x blas32.General) blas32.General {
		defer t.Add(1)
		if x.Rows == 0 {
			return blas32.General{Cols: model.K(), Stride: model.K()}
		}
		return model.Transform(x, blas32.General{})
	}
	space := &Space{Name: fmt.Sprintf("PCA-%d", model.K()), Train: proj(train.X), Val: proj(val.X), Test: proj(test.X)}
	space.Model = NewPCAModel(model)
	space.Inverse = space.Model.(*PCAModel).InverseFunc()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &PCAProjection{
		Generation: gen, Model: model, Space: space,
		Pixels:  &Space{Name: PixelsSpace, Train: train.X, Val: val.X, Test: test.X},
		Items:   NewItems(w.Splits()),
		Seconds: secs,
	}, nil
}

// SpectrumRatios returns the share of the variance of every component of
// the whole spectrum when it was computed, else of the kept components.
func (p *PCAProjection) SpectrumRatios() []float64 {
	m := p.Model
	if m.Spectrum == nil {
		return m.ExplainedVarianceRatio
	}
	r := make([]float64, len(m.Spectrum))
	for i, ev := range m.Spectrum {
		r[i] = ev / m.TotalVariance
	}
	return r
}
