package glrm

import (
	"context"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/knn"
	"embedscope/ml/pca"
)

// DefaultImputationFraction is the share of entries the imputation study
// hides unless told otherwise.
const DefaultImputationFraction = 0.2

// Imputation is the outcome of ImputationStudy: root-mean-square errors on
// the hidden entries of three ways of filling them in.
type Imputation struct {
	Fraction float64 `json:"fraction"` // share of entries asked to hide
	Hidden   int     `json:"hidden"`   // entries hidden
	K        int     `json:"k"`        // rank of the GLRM and number of PCA components

	GLRM float64 `json:"rmse_glrm"` // RMSE of the GLRM reconstruction a_iᵀy_j
	Mean float64 `json:"rmse_mean"` // RMSE of the mean of the column's observed entries
	PCA  float64 `json:"rmse_pca"`  // RMSE of the rank-K PCA reconstruction of the mean-filled data

	Iterations  int     `json:"iterations"`   // GLRM iterations
	Objective   float64 `json:"objective"`    // final GLRM objective
	GLRMSeconds float64 `json:"glrm_seconds"` // time of the GLRM fit
	PCASeconds  float64 `json:"pca_seconds"`  // time of the PCA fit and reconstruction
}

// ImputationStudy hides round(fraction·n·d) entries of X chosen at random
// (RandomMask with seed), fills them in three ways and returns the RMSE of
// each on the hidden entries against their true values:
//
//   - GLRM: cfg fitted to the observed entries (with K = k and Seed = seed;
//     cfg's own K and Seed are ignored), hidden entries ← a_iᵀy_j;
//   - Mean: hidden entries ← the mean of the observed entries of their
//     column;
//   - PCA: a k-component PCA (ml/pca, centred, Auto solver) fitted to the
//     mean-filled data, hidden entries ← its reconstruction
//     InverseTransform(Transform(·)).
//
// No estimate is clipped to the range of the data. It returns an error for a
// fraction outside (0, 1), k outside 1..min(n, d)−1, NaN or infinite values
// in X, a row or column left with no observed entry, or a cancelled ctx.
func ImputationStudy(ctx context.Context, X blas32.General, fraction float64, k int, seed uint64, cfg GLRM) (Imputation, error) {
	if err := checkMatrix(X); err != nil {
		return Imputation{}, err
	}
	n, d := X.Rows, X.Cols
	if !(fraction > 0 && fraction < 1) {
		return Imputation{}, fmt.Errorf("glrm: fraction %v is outside (0, 1)", fraction)
	}
	if k < 1 || k >= d || k > n {
		return Imputation{}, fmt.Errorf("glrm: rank %d, need 1..%d", k, min(n, d-1))
	}
	mask, err := RandomMask(n, d, fraction, seed)
	if err != nil {
		return Imputation{}, err
	}
	res := Imputation{Fraction: fraction, Hidden: mask.Missing(), K: k}

	cfg.K, cfg.Seed = k, seed
	start := time.Now()
	model, err := cfg.Fit(ctx, X, mask)
	if err != nil {
		return Imputation{}, err
	}
	res.GLRMSeconds = time.Since(start).Seconds()
	res.Iterations = model.Iterations
	res.Objective = model.Objective[len(model.Objective)-1]
	res.GLRM = hiddenRMSE(X, mask, func(i, j int) float64 { return model.entry(i, j) })

	mean := make([]float64, d)
	count := make([]int, d)
	for i := 0; i < n; i++ {
		for j, v := range X.Data[i*X.Stride : i*X.Stride+d] {
			if !mask.hiddenAt(i*d + j) {
				mean[j] += float64(v)
				count[j]++
			}
		}
	}
	for j := range mean {
		mean[j] /= float64(count[j]) // Fit has checked that count[j] > 0
	}
	res.Mean = hiddenRMSE(X, mask, func(i, j int) float64 { return mean[j] })

	if err := ctx.Err(); err != nil {
		return Imputation{}, err
	}
	cfg.Progress.Stage("imputation: PCA", 0)
	start = time.Now()
	filled := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	for i := 0; i < n; i++ {
		row := filled.Data[i*d : (i+1)*d]
		copy(row, X.Data[i*X.Stride:i*X.Stride+d])
		for j := range row {
			if mask.hiddenAt(i*d + j) {
				row[j] = float32(mean[j])
			}
		}
	}
	p, err := pca.PCA{Components: k, Seed: seed}.Fit(ctx, filled)
	if err != nil {
		return Imputation{}, err
	}
	recon := p.InverseTransform(p.Transform(filled, blas32.General{}), blas32.General{})
	res.PCASeconds = time.Since(start).Seconds()
	res.PCA = hiddenRMSE(X, mask, func(i, j int) float64 { return float64(recon.Data[i*d+j]) })
	return res, nil
}

// hiddenRMSE returns √(mean over the hidden entries of (x_ij − est(i, j))²).
func hiddenRMSE(X blas32.General, mask *Mask, est func(i, j int) float64) float64 {
	s, c := 0.0, 0
	for i := 0; i < X.Rows; i++ {
		for j, v := range X.Data[i*X.Stride : i*X.Stride+X.Cols] {
			if mask.hiddenAt(i*X.Cols + j) {
				e := float64(v) - est(i, j)
				s += e * e
				c++
			}
		}
	}
	return math.Sqrt(s / float64(max(c, 1)))
}

// DefaultCompressionRanks returns the ranks of the compression study of seed
// notebook 002: 2, 4, 8, …, 256.
func DefaultCompressionRanks() []int { return []int{2, 4, 8, 16, 32, 64, 128, 256} }

// CompressionPoint is the result of one rank of CompressionStudy.
type CompressionPoint struct {
	K                int     `json:"k"`
	Accuracy         float64 `json:"accuracy"`          // kNN accuracy on the evaluation rows
	Iterations       int     `json:"iterations"`        // GLRM iterations
	FitSeconds       float64 `json:"fit_seconds"`       // GLRM fit on the training rows
	TransformSeconds float64 `json:"transform_seconds"` // Transform of the evaluation rows
	ClassifySeconds  float64 `json:"classify_seconds"`  // kNN Fit and Predict on the k-dimensional rows
}

// CompressionStudy measures, for each rank k in ks, how well a
// k-dimensional GLRM representation keeps the classes apart: cfg (with
// K = k; all other fields as given) is fitted to the training rows, whose
// representation is A, the evaluation rows are represented by
// Model.Transform, and an exact Euclidean kNN classifier (ml/knn, uniform
// votes, neighbors neighbours) trained on A predicts the evaluation labels.
// It returns an error for mismatched labels or features, a rank outside
// 1..d−1, neighbors outside 1..n, or any error of the fits.
func CompressionStudy(ctx context.Context, train blas32.General, trainLabels []int, eval blas32.General, evalLabels []int, ks []int, neighbors int, cfg GLRM) ([]CompressionPoint, error) {
	if len(trainLabels) != train.Rows || len(evalLabels) != eval.Rows {
		return nil, fmt.Errorf("glrm: %d and %d labels for %d training and %d evaluation rows",
			len(trainLabels), len(evalLabels), train.Rows, eval.Rows)
	}
	if train.Cols != eval.Cols {
		return nil, fmt.Errorf("glrm: %d training and %d evaluation features", train.Cols, eval.Cols)
	}
	if neighbors < 1 || neighbors > train.Rows {
		return nil, fmt.Errorf("glrm: %d neighbours for %d training rows", neighbors, train.Rows)
	}
	for _, k := range ks {
		if k < 1 || k >= train.Cols {
			return nil, fmt.Errorf("glrm: rank %d, need 1..%d", k, train.Cols-1)
		}
	}
	out := make([]CompressionPoint, 0, len(ks))
	for _, k := range ks {
		cfg.K = k
		pt := CompressionPoint{K: k}
		start := time.Now()
		m, err := cfg.Fit(ctx, train, nil)
		if err != nil {
			return nil, err
		}
		pt.FitSeconds = time.Since(start).Seconds()
		pt.Iterations = m.Iterations
		start = time.Now()
		q, err := m.Transform(ctx, eval, nil)
		if err != nil {
			return nil, err
		}
		pt.TransformSeconds = time.Since(start).Seconds()
		start = time.Now()
		c := &knn.Classifier{K: neighbors}
		if err := c.Fit(m.A, trainLabels); err != nil {
			return nil, err
		}
		pred, err := c.Predict(ctx, q)
		if err != nil {
			return nil, err
		}
		pt.ClassifySeconds = time.Since(start).Seconds()
		ok := 0
		for i, p := range pred {
			if p == evalLabels[i] {
				ok++
			}
		}
		pt.Accuracy = float64(ok) / float64(max(len(pred), 1))
		out = append(out, pt)
	}
	return out, nil
}
