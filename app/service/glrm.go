package service

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"embedscope/app/runs"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/glrm"
	"embedscope/ml/knn"
	"embedscope/ml/metrics"
	"embedscope/ml/progress"

	"gonum.org/v1/gonum/blas/blas32"
)

// GLRMRequest asks for a generalized low-rank model X ≈ A·Y of the
// training split's scaled features (quadratic loss, L2 weights, optional
// non-negativity, alternating least squares).
type GLRMRequest struct {
	K       int     `json:"k"`        // rank, from 1 to the features − 1
	GammaA  float64 `json:"gamma_a"`  // L2 weight on A, ≥ 0
	GammaY  float64 `json:"gamma_y"`  // L2 weight on Y, ≥ 0
	NonNeg  bool    `json:"non_neg"`  // non-negative A and Y
	MaxIter int     `json:"max_iter"` // iterations at most
	Seed    uint64  `json:"seed"`
}

// config checks the request against dim features.
func (r GLRMRequest) config(dim int) (glrm.GLRM, error) {
	if r.K < 1 || r.K >= dim {
		return glrm.GLRM{}, fmt.Errorf("the rank must be from 1 to %d (below the %d features), not %d: a rank of %d or more is no compression", dim-1, dim, r.K, dim)
	}
	for _, g := range []float64{r.GammaA, r.GammaY} {
		if !(g >= 0) || math.IsInf(g, 0) || g > 1e12 {
			return glrm.GLRM{}, fmt.Errorf("the L2 weights must be numbers ≥ 0, not %v", g)
		}
	}
	if r.MaxIter < 1 || r.MaxIter > 10000 {
		return glrm.GLRM{}, fmt.Errorf("the iterations must be from 1 to 10,000, not %d", r.MaxIter)
	}
	return glrm.GLRM{K: r.K, GammaA: r.GammaA, GammaY: r.GammaY, NonNegA: r.NonNeg, NonNegY: r.NonNeg, MaxIter: r.MaxIter, Seed: r.Seed}, nil
}

// GLRMResult is a fitted GLRM and the representation of every split.
type GLRMResult struct {
	Run        runs.Record
	Generation int
	Model      *glrm.Model
	Space      *workspace.Space   // A for train, Transform for the other splits; decodes by A·Y
	Train      workspace.Features // the training split it was fitted on
	Seconds    float64
}

// FitGLRM fits req on the training split, represents every split, records
// the run and publishes its space (with its decoder).
func (s *Service) FitGLRM(ctx context.Context, req GLRMRequest, t *progress.Tracker) (*GLRMResult, error) {
	ds := s.WS.Data()
	if ds == nil {
		return nil, fmt.Errorf("no data set is open")
	}
	cfg, err := req.config(ds.Dim)
	if err != nil {
		return nil, err
	}
	gen := s.WS.Generation()
	name := fmt.Sprintf("GLRM-%d", req.K)
	if req.NonNeg {
		name += " non-negative"
	}
	rec, err := s.begin(runs.KindGLRM, name, req, true)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	res, err := s.fitGLRM(ctx, cfg, t)
	var sp *workspace.Space
	if err == nil {
		res.Generation, sp = gen, res.Space
		m := res.Model
		rec.Metrics = map[string]float64{"objective": m.Objective[len(m.Objective)-1], "iterations": float64(m.Iterations)}
		rec.History = map[string][]float64{"objective": m.Objective}
	}
	if err := s.end(rec, started, sp, gen, err); err != nil {
		return nil, err
	}
	res.Run = *rec
	return res, nil
}

func (s *Service) fitGLRM(ctx context.Context, cfg glrm.GLRM, t *progress.Tracker) (*GLRMResult, error) {
	train, val, test, err := s.WS.Features(ctx)
	if err != nil {
		return nil, err
	}
	cfg.Progress = t
	start := time.Now()
	m, err := cfg.Fit(ctx, train.X, nil)
	if err != nil {
		return nil, err
	}
	res := &GLRMResult{Model: m, Train: train, Seconds: time.Since(start).Seconds()}
	res.Space = &workspace.Space{Kind: runs.KindGLRM, Train: m.A}
	t.Stage("representing the other splits", 0)
	if res.Space.Val, err = m.Transform(ctx, val.X, nil); err != nil {
		return nil, err
	}
	if res.Space.Test, err = m.Transform(ctx, test.X, nil); err != nil {
		return nil, err
	}
	gm := workspace.NewGLRMModel(m)
	res.Space.Model, res.Space.Inverse = gm, gm.InverseFunc()
	return res, nil
}

// ImputationRequest asks for the imputation study: hide a share of the
// training entries, fill them in with a GLRM of rank K, and compare the
// error with column means and PCA of the same rank.
type ImputationRequest struct {
	GLRMRequest
	Fraction float64 `json:"fraction"` // share hidden, in (0, 1)
	// Examples, when > 0, also fills in that many held-out items (the
	// validation split, else test, else train) with the same share hidden,
	// for display.
	Examples int `json:"examples,omitempty"`
}

// ImputationResult is the imputation study and, when asked, its examples.
type ImputationResult struct {
	glrm.Imputation
	Examples *ImputationExamples
}

// ImputationExamples are items with hidden entries filled in by the GLRM
// (Transform with the mask, then A·Y), as scaled feature rows.
type ImputationExamples struct {
	Items                   []workspace.Item
	Original, Holes, Filled [][]float32 // Holes has hidden entries at mid-grey (128 unscaled)
	Scaler                  *dataset.Scaler
}

// Imputation runs the imputation study.
func (s *Service) Imputation(ctx context.Context, req ImputationRequest, t *progress.Tracker) (*ImputationResult, error) {
	ds := s.WS.Data()
	if ds == nil {
		return nil, fmt.Errorf("no data set is open")
	}
	cfg, err := req.config(ds.Dim)
	if err != nil {
		return nil, err
	}
	if !(req.Fraction > 0 && req.Fraction < 1) {
		return nil, fmt.Errorf("the share of hidden entries must be in (0, 1), e.g. 0.2, not %v", req.Fraction)
	}
	train, val, test, err := s.WS.Features(ctx)
	if err != nil {
		return nil, err
	}
	cfg.Progress = t
	res := &ImputationResult{}
	if res.Imputation, err = glrm.ImputationStudy(ctx, train.X, req.Fraction, req.K, 1, cfg); err != nil {
		return nil, err
	}
	if req.Examples <= 0 {
		return res, nil
	}
	ev := val
	if ev.X.Rows == 0 {
		ev = test
	}
	if ev.X.Rows == 0 {
		ev = train
	}
	n := min(req.Examples, ev.X.Rows)
	X := blas32.General{Rows: n, Cols: ev.X.Cols, Stride: ev.X.Stride, Data: ev.X.Data[:n*ev.X.Stride]}
	mask, err := glrm.RandomMask(n, X.Cols, req.Fraction, 7)
	if err != nil {
		return nil, err
	}
	cfg.Progress = nil
	m, err := cfg.Fit(ctx, train.X, nil)
	if err != nil {
		return nil, err
	}
	A, err := m.Transform(ctx, X, mask)
	if err != nil {
		return nil, err
	}
	rec := m.InverseTransform(A)
	ex := &ImputationExamples{Scaler: train.Scaler}
	for i := 0; i < n; i++ {
		row := X.Data[i*X.Stride : i*X.Stride+X.Cols]
		holes, filled := slices.Clone(row), slices.Clone(row)
		for j := range row {
			if !mask.Observed(i, j) {
				filled[j] = rec.Data[i*rec.Stride+j]
				holes[j] = (128 - train.Scaler.Offset[j]) * train.Scaler.Factor[j] // mid-grey
			}
		}
		ex.Items = append(ex.Items, workspace.Item{Split: ev.Split, Pos: i})
		ex.Original, ex.Holes, ex.Filled = append(ex.Original, slices.Clone(row)), append(ex.Holes, holes), append(ex.Filled, filled)
	}
	res.Examples = ex
	return res, nil
}

// CompressionRequest asks for the compression study: a GLRM of every rank,
// and kNN(5) accuracy on its representation.
type CompressionRequest struct {
	GLRMRequest
	Ranks []int `json:"ranks"`
}

// CompressionResult is the compression study's accuracy by rank, on the
// evaluation split (test, else validation), with kNN(5) on all features for
// reference.
type CompressionResult struct {
	EvalSplit string
	Points    []glrm.CompressionPoint
	Full      float64 // kNN(5) accuracy on every feature
}

// Compression runs the compression study.
func (s *Service) Compression(ctx context.Context, req CompressionRequest, t *progress.Tracker) (*CompressionResult, error) {
	ds := s.WS.Data()
	if ds == nil {
		return nil, fmt.Errorf("no data set is open")
	}
	if len(req.Ranks) == 0 {
		return nil, fmt.Errorf("give at least one rank for the compression study")
	}
	for _, k := range req.Ranks {
		if k < 1 || k >= ds.Dim {
			return nil, fmt.Errorf("rank %d is not from 1 to %d (below the %d features)", k, ds.Dim-1, ds.Dim)
		}
	}
	r := req.GLRMRequest
	r.K = req.Ranks[0]
	cfg, err := r.config(ds.Dim)
	if err != nil {
		return nil, err
	}
	train, val, test, err := s.WS.Features(ctx)
	if err != nil {
		return nil, err
	}
	ev := test
	if ev.X.Rows == 0 {
		ev = val
	}
	if ev.X.Rows == 0 {
		return nil, fmt.Errorf("the compression study needs a validation or test split: set a validation share in the Data panel (or --val 0.2)")
	}
	cfg.Progress = t
	res := &CompressionResult{EvalSplit: ev.Split.Name}
	if res.Points, err = glrm.CompressionStudy(ctx, train.X, train.Split.Labels(), ev.X, ev.Split.Labels(), req.Ranks, 5, cfg); err != nil {
		return nil, err
	}
	t.Stage("kNN(5) on all features, for reference", 0)
	cl := &knn.Classifier{K: 5}
	if err := cl.Fit(train.X, train.Split.Labels()); err != nil {
		return nil, err
	}
	pred, err := cl.Predict(ctx, ev.X)
	if err != nil {
		return nil, err
	}
	res.Full = metrics.Accuracy(pred, ev.Split.Labels())
	return res, nil
}

// Result types of the GLRM studies, as the front ends print them.
type (
	Imputation       = glrm.Imputation
	CompressionPoint = glrm.CompressionPoint
)
