package pca

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"embedscope/ml/progress"
)

// maxCovFeatures is the most features whose d×d covariance Fit forms:
// 4,096 (128 MiB in float64, 64×64 greyscale images; CIFAR's 3,072 fit).
// Wider data, such as the 96×96×3 = 27,648 features of an image folder at
// its default size, would need 6 GB for it: Fit then iterates on the data
// itself (see wideEigen).
const maxCovFeatures = 4096

// Stopping rules of wideEigen: its operator is computed in float32, whose
// rounding floor (a relative residual of about 10⁻⁶) stops the iteration
// when 1e-9 is not reached, through the stall rule.
var wideIteration = iteration{tol: 1e-9, maxIter: 300, stall: 5}

// wideFlushRows is how many rows wideEigen's operator sums in float32
// before adding the sum to its float64 total.
const wideFlushRows = 2048

// wideEigen returns the k largest eigenpairs of the covariance of the rows
// of X (column means mean) without forming it: the subspace iteration of
// subspaceEigen with the operator C·Q = Zᵀ(Z·Q)/(n−1) applied to the
// centred rows Z block by block (see dataOperator), at a cost of 4·n·d·l
// multiply-adds a step and O((n + d)·l) memory besides X.
func wideEigen(ctx context.Context, X blas32.General, mean []float64, k int, seed uint64, tr *progress.Tracker) ([]float64, *mat.Dense, error) {
	return subspaceIterate(ctx, X.Cols, k, seed, wideIteration, dataOperator(ctx, X, mean), tr)
}

// dataOperator returns Y = C·Q for the covariance C of the rows of X:
// each block of rowsPerBlock rows is centred in float64 and rounded to
// float32, P = Z·Q and Zᵀ·P are taken by Sgemm, and the products are summed
// in float32 over wideFlushRows rows, then in float64.
func dataOperator(ctx context.Context, X blas32.General, mean []float64) func(q, y blas64.General) error {
	n, d := X.Rows, X.Cols
	br := rowsPerBlock(d)
	z := make([]float32, min(br, n)*d)
	var q32, p32, y32 []float32
	return func(q, y blas64.General) error {
		l := q.Cols
		if len(q32) != d*l {
			q32, p32, y32 = make([]float32, d*l), make([]float32, min(br, n)*l), make([]float32, d*l)
		}
		for i, v := range q.Data[:d*l] {
			q32[i] = float32(v)
		}
		clear(y.Data[:d*l])
		qg := blas32.General{Rows: d, Cols: l, Stride: l, Data: q32}
		yg := blas32.General{Rows: d, Cols: l, Stride: l, Data: y32}
		flush := func() {
			for i, v := range y32 {
				y.Data[i] += float64(v)
			}
		}
		pending := 0
		for lo := 0; lo < n; lo += br {
			if err := ctx.Err(); err != nil {
				return err
			}
			hi := min(lo+br, n)
			for i := lo; i < hi; i++ {
				src := X.Data[i*X.Stride : i*X.Stride+d]
				dst := z[(i-lo)*d : (i-lo+1)*d]
				for j, v := range src {
					dst[j] = float32(float64(v) - mean[j])
				}
			}
			zb := blas32.General{Rows: hi - lo, Cols: d, Stride: d, Data: z[:(hi-lo)*d]}
			pb := blas32.General{Rows: hi - lo, Cols: l, Stride: l, Data: p32[:(hi-lo)*l]}
			blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, zb, qg, 0, pb)
			beta := float32(1)
			if pending == 0 {
				beta = 0
			}
			blas32.Gemm(blas.Trans, blas.NoTrans, 1, zb, pb, beta, yg)
			if pending += hi - lo; pending >= wideFlushRows || hi == n {
				flush()
				pending = 0
			}
		}
		s := 1 / float64(n-1)
		for i := range y.Data[:d*l] {
			y.Data[i] *= s
		}
		return nil
	}
}

// totalVariance returns the sum of the column variances of X (n−1
// denominator), the trace of its covariance, in float64.
func totalVariance(X blas32.General, mean []float64) float64 {
	n, d := X.Rows, X.Cols
	ss := make([]float64, d)
	for i := range n {
		for j, v := range X.Data[i*X.Stride : i*X.Stride+d] {
			dv := float64(v) - mean[j]
			ss[j] += dv * dv
		}
	}
	t := 0.0
	for _, v := range ss {
		t += v
	}
	return t / float64(n-1)
}

// fitWide is Fit for more than maxCovFeatures features: the Randomized
// solver through wideEigen; the Full solver and the Spectrum are refused
// (both need the d×d covariance).
func (p PCA) fitWide(ctx context.Context, X blas32.General, mean []float64, solver Solver) (*Model, []float64, *mat.Dense, error) {
	n, d := X.Rows, X.Cols
	if solver == Full && p.Solver == Full {
		return nil, nil, nil, fmt.Errorf("pca: the full solver needs the %d×%d covariance of %d features, more than %d: use the randomized solver", d, d, d, maxCovFeatures)
	}
	tr := p.Progress
	total := totalVariance(X, mean)
	if !(total > 0) {
		return nil, nil, nil, ErrConstant
	}
	tr.Stage(fmt.Sprintf("PCA: subspace iteration on %d×%d data", n, d), 0)
	vals, vecs, err := wideEigen(ctx, X, mean, p.Components, p.Seed, tr)
	if err != nil {
		return nil, nil, nil, err
	}
	return &Model{Solver: Randomized, NSamples: n, Dim: d, Mean: mean, TotalVariance: total}, vals, vecs, nil
}
