// Package pca computes principal component analysis of a float32 feature
// matrix, in the configure-fit-transform shape of scikit-learn's
// sklearn.decomposition.PCA.
//
// Fit centres the data on its column means but does not scale it. Up to
// 1,024 features it forms the covariance matrix (n−1 denominator) in
// float64 with blocked matrix products through gonum's blas64 (OpenBLAS
// unless built with the purego tag) and takes its leading eigenvectors,
// either from a full symmetric eigendecomposition or from a randomized
// subspace iteration that is run to convergence, so both solvers give the
// same axes to rounding. From 1,025 features (CIFAR's 32×32×3 = 3,072) the
// covariance costs d² work per row: the randomized solver then runs a
// block Krylov iteration on the data itself, in float32 products, to their
// rounding floor, and only the full solver and the spectrum form the
// covariance (its products of each block summed in float32), up to 4,096
// features; wider data (colour images of 96×96 pixels have 27,648) is
// always fitted on the data. Signs follow scikit-learn 1.2.1 (see
// FlipScores), so components, explained variances and projections compare
// directly with sklearn's.
package pca

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/mat"

	"embedscope/ml/internal/parfor"
	_ "embedscope/ml/linalg" // route gonum BLAS to OpenBLAS unless built with purego
	"embedscope/ml/progress"
)

// Solver selects how the leading eigenvectors of the covariance are found.
type Solver int

const (
	// Auto picks Full for small problems (at most 500 rows and columns) or
	// when at least 80 % of min(n, d) components are wanted, and Randomized
	// otherwise, as scikit-learn's svd_solver="auto" does.
	Auto Solver = iota
	// Full eigendecomposes the whole d×d covariance matrix (gonum
	// mat.EigenSym). Its model holds the whole spectrum.
	Full
	// Randomized runs a randomized block subspace iteration (Halko,
	// Martinsson and Tropp 2011, Algorithms 4.4 and 5.3, the method of
	// sklearn's randomized_svd) on the covariance matrix with k+max(10,k)
	// Gaussian start vectors, re-orthonormalised each step, until the
	// residuals of the k Ritz pairs fall below 1e-10 of the largest
	// eigenvalue (at most 1000 steps). The spectrum beyond the k components
	// is computed only when PCA.Spectrum is set. From 1,025 features on,
	// unless PCA.Spectrum is set, it iterates on the data instead: block
	// Krylov with k+10 Gaussian start vectors until the residuals fall
	// below 1e-7 of the largest eigenvalue or stop falling (the float32
	// floor), about seven passes over the data for CIFAR-10.
	Randomized
)

var solverNames = []string{"auto", "full", "randomized"}

// String returns the solver's short name.
func (s Solver) String() string {
	if s < 0 || int(s) >= len(solverNames) {
		return fmt.Sprintf("Solver(%d)", int(s))
	}
	return solverNames[s]
}

// Flip is the rule that fixes the sign of each principal axis.
type Flip int

const (
	// FlipScores makes, for each component, the training sample with the
	// largest absolute score (projection) have a positive score; among
	// equal absolute scores the first sample counts. This is svd_flip with
	// u_based_decision=True, which scikit-learn up to 1.4 (1.2.1 here)
	// applies for both the full and the randomized solver.
	FlipScores Flip = iota
	// FlipLoadings makes the largest-magnitude entry (the first among
	// equals) of each component positive, as scikit-learn ≥ 1.5 does.
	FlipLoadings
)

// PCA configures a principal component analysis.
type PCA struct {
	Components int    // number of components to keep, 1..min(n, d)
	Solver     Solver // how to find the axes; Auto by default
	Flip       Flip   // sign convention; FlipScores (sklearn 1.2.1) by default
	Seed       uint64 // seeds the Randomized solver's start vectors
	// Spectrum asks the Randomized solver to compute all eigenvalues (not
	// eigenvectors) of the covariance too, for Model.Spectrum: O(d³), about
	// 0.15 s for d = 784; from 1,025 features it makes the Randomized
	// solver form the covariance. The Full solver always has them. Neither
	// has them for more than 4,096 features, whose covariance is not formed.
	Spectrum bool
	Progress *progress.Tracker
}

// Model is a fitted principal component analysis. It is not modified after
// Fit and is safe for concurrent use.
type Model struct {
	Solver   Solver // the solver that was used: Full or Randomized
	NSamples int    // number of training rows
	Dim      int    // number of features d

	// Mean holds the column means of the training data (length d).
	Mean []float64
	// Components holds the principal axes as rows (k×d), unit length,
	// mutually orthogonal, by decreasing explained variance.
	Components *mat.Dense
	// ExplainedVariance holds the variance of the training data along each
	// component, with the n−1 denominator (the covariance eigenvalues).
	ExplainedVariance []float64
	// ExplainedVarianceRatio holds ExplainedVariance divided by TotalVariance.
	ExplainedVarianceRatio []float64
	// TotalVariance is the sum of the per-feature variances (n−1 denominator),
	// the trace of the covariance matrix.
	TotalVariance float64
	// Spectrum holds all min(n, d) covariance eigenvalues in decreasing order
	// (negative rounding noise clamped to 0) when the Full solver was used or
	// PCA.Spectrum was set, nil otherwise.
	Spectrum []float64
}

// Errors returned by Fit for unusable data.
var (
	ErrTooFewRows = errors.New("pca: need at least 2 rows")
	ErrConstant   = errors.New("pca: all rows are equal, the data has no variance")
)

// Fit computes the principal axes of the rows of X. It returns an error for
// fewer than 2 rows, a number of components outside 1..min(n, d), NaN or
// infinite values, constant data, or a cancelled ctx. X is not modified.
func (p PCA) Fit(ctx context.Context, X blas32.General) (*Model, error) {
	n, d := X.Rows, X.Cols
	if n < 2 {
		return nil, ErrTooFewRows
	}
	if d < 1 {
		return nil, errors.New("pca: data has no features")
	}
	k := p.Components
	if k < 1 || k > d || k > n {
		return nil, fmt.Errorf("pca: %d components requested, need 1..min(%d rows, %d features)", k, n, d)
	}
	solver := p.Solver
	switch solver {
	case Auto:
		solver = Randomized
		if max(n, d) <= 500 || float64(k) >= 0.8*float64(min(n, d)) {
			solver = Full
		}
	case Full, Randomized:
	default:
		return nil, fmt.Errorf("pca: unknown solver %d", int(solver))
	}
	if p.Flip != FlipScores && p.Flip != FlipLoadings {
		return nil, fmt.Errorf("pca: unknown sign rule %d", int(p.Flip))
	}
	tr := p.Progress

	mean, err := columnMeans(X)
	if err != nil {
		return nil, err
	}
	if isConstant(X) {
		return nil, ErrConstant
	}
	var m *Model
	var vals []float64
	var vecs *mat.Dense // d×k, columns are axes
	if p.onData(d, solver) {
		m, vals, vecs, err = p.fitOnData(ctx, X, mean, solver)
	} else {
		m, vals, vecs, err = p.fitCov(ctx, X, mean, solver)
	}
	if err != nil {
		return nil, err
	}
	comps := mat.NewDense(k, d, nil)
	comps.Copy(vecs.T())
	m.Components = comps

	switch p.Flip {
	case FlipScores:
		tr.Stage("PCA: signs", float64(n))
		if err := flipByScores(ctx, X, mean, comps, tr); err != nil {
			return nil, err
		}
	case FlipLoadings:
		flipByLoadings(comps)
	}

	m.ExplainedVariance = make([]float64, k)
	m.ExplainedVarianceRatio = make([]float64, k)
	for j := 0; j < k; j++ {
		v := math.Max(vals[j], 0)
		m.ExplainedVariance[j] = v
		m.ExplainedVarianceRatio[j] = v / m.TotalVariance
	}
	return m, nil
}

// fitCov finds the axes from the d×d covariance of X: the model without
// its components, the k largest eigenvalues and their eigenvectors.
func (p PCA) fitCov(ctx context.Context, X blas32.General, mean []float64, solver Solver) (*Model, []float64, *mat.Dense, error) {
	n, d, k, tr := X.Rows, X.Cols, p.Components, p.Progress
	tr.Stage("PCA: covariance", float64(n))
	cov, err := scatter(ctx, X, mean, tr)
	if err != nil {
		return nil, nil, nil, err
	}
	// cov holds Σ (x−μ)(x−μ)ᵀ; divide by n−1 (upper triangle is what counts).
	scale := 1 / float64(n-1)
	for i := 0; i < d; i++ {
		row := cov.RawSymmetric().Data[i*d : (i+1)*d]
		for j := i; j < d; j++ {
			row[j] *= scale
		}
	}
	total := 0.0
	for i := 0; i < d; i++ {
		total += cov.At(i, i)
	}
	if !(total > 0) {
		return nil, nil, nil, ErrConstant
	}
	m := &Model{Solver: solver, NSamples: n, Dim: d, Mean: mean, TotalVariance: total}
	var vals []float64
	var vecs *mat.Dense
	switch solver {
	case Full:
		tr.Stage("PCA: eigendecomposition", 0)
		vals, vecs, m.Spectrum, err = fullEigen(cov, k, min(n, d))
	case Randomized:
		tr.Stage("PCA: subspace iteration", 0)
		vals, vecs, err = subspaceEigen(ctx, cov, k, p.Seed, tr)
		if err == nil && p.Spectrum {
			m.Spectrum, err = eigenvalues(cov, min(n, d))
		}
	}
	return m, vals, vecs, err
}

// columnGrain is the fewest columns a worker takes in the passes that
// split the data by columns (each column's sum then runs in row order
// whatever the number of workers).
const columnGrain = 256

// columnMeans returns the column means of X in float64, or an error naming
// the first NaN or infinite value. The sums of finite float32 values
// cannot overflow float64, so a NaN or infinite sum is what sends it
// looking for the culprit.
func columnMeans(X blas32.General) ([]float64, error) {
	n, d := X.Rows, X.Cols
	sum := make([]float64, d)
	parfor.Rows(d, columnGrain, func(a, b int) { // columns [a, b), each summed in row order
		s := sum[a:b]
		for i := 0; i < n; i++ {
			for j, v := range X.Data[i*X.Stride+a : i*X.Stride+b] {
				s[j] += float64(v)
			}
		}
	})
	for j := range sum {
		if math.IsNaN(sum[j]) || math.IsInf(sum[j], 0) {
			return nil, firstNonFinite(X)
		}
		sum[j] /= float64(n)
	}
	return sum, nil
}

// firstNonFinite returns an error naming the first NaN or infinite value
// of X in row order.
func firstNonFinite(X blas32.General) error {
	for i := 0; i < X.Rows; i++ {
		for j, v := range X.Data[i*X.Stride : i*X.Stride+X.Cols] {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("pca: row %d, feature %d is %v", i, j, v)
			}
		}
	}
	return errors.New("pca: the data sum to a non-finite value")
}

// isConstant reports whether every row of X equals the first.
func isConstant(X blas32.General) bool {
	first := X.Data[:X.Cols]
	for i := 1; i < X.Rows; i++ {
		row := X.Data[i*X.Stride : i*X.Stride+X.Cols]
		for j, v := range row {
			if v != first[j] {
				return false
			}
		}
	}
	return true
}
