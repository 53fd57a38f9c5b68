package pca

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"embedscope/ml/internal/parfor"
	"embedscope/ml/progress"
)

// maxCovFeatures is the most features whose d×d covariance Fit forms:
// 4,096 (128 MiB in float64, 64×64 greyscale images; CIFAR's 3,072 fit).
// Wider data, such as the 96×96×3 = 27,648 features of an image folder at
// its default size, would need 6 GB for it: Fit then iterates on the data
// itself (see dataEigen), whatever the solver asked for.
const maxCovFeatures = 4096

// dataMinFeatures is the number of features from which the Randomized
// solver iterates on the data instead of forming the covariance: from
// there the d² work per row of the covariance product dominates (50,000
// rows of 3,072 features, CIFAR-10's size, are 2.4·10¹¹ multiply-adds,
// 2.8 s at 170 GFLOP/s), while a block Krylov step costs 4·n·d·(k+10)
// (0.3 s for k = 32) and about seven steps reach the float32 floor. The
// Full solver and the Spectrum option keep the covariance up to
// maxCovFeatures. Fashion-MNIST's 784 features never take this path.
const dataMinFeatures = 1025

// Stopping rules on the data: its operator is computed in float32, whose
// rounding floor (a relative residual of 10⁻⁸ to 10⁻⁷ for scaled pixels)
// stops the iteration through the stall rule when 10⁻⁷ is not reached.
var (
	dataKrylov   = iteration{tol: 1e-7, maxIter: 200, stall: 2}
	dataSubspace = iteration{tol: 1e-9, maxIter: 300, stall: 5}
)

// wideFlushRows is how many rows dataOperator multiplies at a time: the
// float32 sums of one block are added to a float64 total.
const wideFlushRows = 2048

// dataEigen returns the k largest eigenpairs of the covariance of the rows
// of X (column means mean) without forming it: blockKrylov with the
// operator C·Q = Zᵀ(Z·Q)/(n−1) of the centred rows Z (see dataOperator);
// when k is too large for its basis, the subspace iteration of
// subspaceEigen with the same operator.
func dataEigen(ctx context.Context, X blas32.General, mean []float64, k int, seed uint64, tr *progress.Tracker) ([]float64, *mat.Dense, error) {
	op := dataOperator(ctx, X, mean)
	if blocks := krylovBlocks(X.Cols, k); blocks >= 2 {
		return blockKrylov(ctx, X.Cols, k, blocks, seed, dataKrylov, op, tr)
	}
	return subspaceIterate(ctx, X.Cols, k, seed, dataSubspace, op, tr)
}

// dataOperator returns Y = C·Q for the covariance C of the rows of X
// without centring or copying X: with Z = X − 1·μᵀ the centred rows,
// ZᵀZ·Q = Xᵀ·P − μ·(1ᵀP) for P = Z·Q = X·Q − 1·(μᵀQ). Each block of
// wideFlushRows rows takes two float32 products (Sgemm: P = X·Q, then XᵀP)
// whose sums are added up in float64, as are μᵀQ and 1ᵀP. The data enter
// uncentred, so the products round relative to the rows' length rather
// than their spread (a few bits of float32 for scaled pixels); the floor
// of the relative residual on CIFAR-size synthetic pixels stayed at
// 3·10⁻⁸, as with rows centred in float64 before the products.
func dataOperator(ctx context.Context, X blas32.General, mean []float64) func(q, y blas64.General) error {
	n, d := X.Rows, X.Cols
	br := min(wideFlushRows, n)
	var q32, p32, y32 []float32
	var mq, colSum []float64
	return func(q, y blas64.General) error {
		l := q.Cols
		if len(q32) != d*l {
			q32, p32, y32 = make([]float32, d*l), make([]float32, br*l), make([]float32, d*l)
			mq, colSum = make([]float64, l), make([]float64, l)
		}
		for i, v := range q.Data[:d*l] {
			q32[i] = float32(v)
		}
		clear(mq)
		for i, m := range mean {
			for j, v := range q32[i*l : (i+1)*l] {
				mq[j] += m * float64(v)
			}
		}
		clear(y.Data[:d*l])
		clear(colSum)
		qg := blas32.General{Rows: d, Cols: l, Stride: l, Data: q32}
		yg := blas32.General{Rows: d, Cols: l, Stride: l, Data: y32}
		for lo := 0; lo < n; lo += br {
			if err := ctx.Err(); err != nil {
				return err
			}
			hi := min(lo+br, n)
			xb := blas32.General{Rows: hi - lo, Cols: d, Stride: X.Stride, Data: X.Data[lo*X.Stride : (hi-1)*X.Stride+d]}
			pb := blas32.General{Rows: hi - lo, Cols: l, Stride: l, Data: p32[:(hi-lo)*l]}
			blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, xb, qg, 0, pb)
			for i := range hi - lo {
				row := pb.Data[i*l : (i+1)*l]
				for j, v := range row {
					c := float64(v) - mq[j]
					row[j] = float32(c)
					colSum[j] += c
				}
			}
			blas32.Gemm(blas.Trans, blas.NoTrans, 1, xb, pb, 0, yg)
			for i, v := range y32 {
				y.Data[i] += float64(v)
			}
		}
		s := 1 / float64(n-1)
		for i, m := range mean {
			row := y.Data[i*l : (i+1)*l]
			for j := range row {
				row[j] = (row[j] - m*colSum[j]) * s
			}
		}
		return nil
	}
}

// totalVariance returns the sum of the column variances of X (n−1
// denominator), the trace of its covariance, in float64.
func totalVariance(X blas32.General, mean []float64) float64 {
	n, d := X.Rows, X.Cols
	ss := make([]float64, d)
	parfor.Rows(d, columnGrain, func(a, b int) {
		s, m := ss[a:b], mean[a:b]
		for i := range n {
			for j, v := range X.Data[i*X.Stride+a : i*X.Stride+b] {
				dv := float64(v) - m[j]
				s[j] += dv * dv
			}
		}
	})
	t := 0.0
	for _, v := range ss {
		t += v
	}
	return t / float64(n-1)
}

// fitOnData is Fit without the covariance (see dataMinFeatures and
// maxCovFeatures): the Randomized solver through dataEigen. The Full
// solver is refused above maxCovFeatures; no spectrum is computed.
func (p PCA) fitOnData(ctx context.Context, X blas32.General, mean []float64, solver Solver) (*Model, []float64, *mat.Dense, error) {
	n, d := X.Rows, X.Cols
	if solver == Full {
		return nil, nil, nil, fmt.Errorf("pca: the full solver needs the %d×%d covariance of %d features, more than %d: use the randomized solver", d, d, d, maxCovFeatures)
	}
	tr := p.Progress
	total := totalVariance(X, mean)
	if !(total > 0) {
		return nil, nil, nil, ErrConstant
	}
	tr.Stage(fmt.Sprintf("PCA: block Krylov iteration on %d×%d data", n, d), 0)
	vals, vecs, err := dataEigen(ctx, X, mean, p.Components, p.Seed, tr)
	if err != nil {
		return nil, nil, nil, err
	}
	return &Model{Solver: Randomized, NSamples: n, Dim: d, Mean: mean, TotalVariance: total}, vals, vecs, nil
}

// onData reports whether Fit, with the solver resolved from Auto, works
// on the data rather than on the covariance.
func (p PCA) onData(d int, solver Solver) bool {
	return d > maxCovFeatures || d >= dataMinFeatures && solver == Randomized && !p.Spectrum
}
