package service

import (
	"context"
	"fmt"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/runs"
	"embedscope/app/workspace"
	"embedscope/ml/pca"
	"embedscope/ml/progress"
)

// PCARequest asks for PCA fitted on the training split's scaled features.
type PCARequest struct {
	Components int    `json:"components"`       // kept components, ≥ 1
	Solver     string `json:"solver,omitempty"` // "auto" (default), "full" or "randomized"
}

// PCAResult is PCA fitted on the training split with every split
// projected: what the PCA panel and the `pca` command show.
type PCAResult struct {
	Run        runs.Record
	Generation int // the workspace generation it was computed for
	Model      *pca.Model
	Space      *workspace.Space // the projection of every split; its ID is the run's
	Pixels     *workspace.Space // the scaled features it was fitted on
	Items      workspace.Items  // train, validation, test in order
	Seconds    float64          // the fit alone (as scikit-learn's PCA.fit is timed)
}

// ParseSolver reads a solver name: auto, full (exact) or randomized.
func ParseSolver(name string) (pca.Solver, error) {
	switch name {
	case "", "auto":
		return pca.Auto, nil
	case "full", "exact":
		return pca.Full, nil
	case "randomized", "subspace":
		return pca.Randomized, nil
	}
	return 0, fmt.Errorf("unknown PCA solver %q: use auto, full or randomized", name)
}

// FitPCA fits PCA with req.Components components (and the whole spectrum)
// on the training split's scaled features, projects every split, records
// the run and publishes its space. Repeating the same request on the same
// data updates the same run.
func (s *Service) FitPCA(ctx context.Context, req PCARequest, t *progress.Tracker) (*PCAResult, error) {
	solver, err := ParseSolver(req.Solver)
	if err != nil {
		return nil, err
	}
	ds := s.WS.Data()
	if ds == nil {
		return nil, fmt.Errorf("no data set is open")
	}
	if req.Components < 1 || req.Components > ds.Dim {
		return nil, fmt.Errorf("PCA keeps from 1 to %d components (the number of features), not %d", ds.Dim, req.Components)
	}
	gen := s.WS.Generation()
	rec, err := s.begin(runs.KindPCA, fmt.Sprintf("PCA-%d", req.Components), req, true)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	res, err := s.fitPCA(ctx, req.Components, solver, t)
	if err == nil {
		res.Generation = gen
		rec.Metrics = map[string]float64{"explained_variance": sum(res.Model.ExplainedVarianceRatio), "fit_seconds": res.Seconds}
		rec.History = map[string][]float64{"explained_variance_ratio": res.Model.ExplainedVarianceRatio}
	}
	var sp *workspace.Space
	if res != nil {
		sp = res.Space
	}
	if err := s.end(rec, started, sp, gen, err); err != nil {
		return nil, err
	}
	res.Run = *rec
	return res, nil
}

func (s *Service) fitPCA(ctx context.Context, k int, solver pca.Solver, t *progress.Tracker) (*PCAResult, error) {
	t.Stage("scaling features", 0)
	train, val, test, err := s.WS.Features(ctx)
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
	space := &workspace.Space{Name: fmt.Sprintf("PCA-%d", model.K()), Kind: runs.KindPCA, Train: proj(train.X), Val: proj(val.X), Test: proj(test.X)}
	pm := workspace.NewPCAModel(model)
	space.Model, space.Inverse = pm, pm.InverseFunc()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	px, err := s.WS.PixelSpace(ctx)
	if err != nil {
		return nil, err
	}
	return &PCAResult{Model: model, Space: space, Pixels: px, Items: workspace.NewItems(s.WS.Splits()), Seconds: secs}, nil
}

// SpectrumRatios returns the share of the variance of every component of
// the whole spectrum when it was computed, else of the kept components.
func (p *PCAResult) SpectrumRatios() []float64 {
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

func sum(v []float64) float64 {
	t := 0.0
	for _, x := range v {
		t += x
	}
	return t
}
