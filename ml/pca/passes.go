package pca

import (
	"context"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"embedscope/ml/internal/parfor"
	"embedscope/ml/linalg"
	"embedscope/ml/progress"

	"gonum.org/v1/gonum/blas/blas32"
)

// blockRows is the number of rows converted to float64 and centred at a time
// in the passes over the data (2048×784 float64 = 12.8 MB), for up to
// 1,024 features; wider rows come fewer at a time (see rowsPerBlock).
const blockRows = 2048

// rowsPerBlock returns the rows of d features converted at a time:
// blockRows up to 1,024 features, then as many as fit in 16 MiB of
// float64 (at least 16), so that a block of 96×96×3 features takes 16 MiB
// and not 450 MB.
func rowsPerBlock(d int) int { return max(16, min(blockRows, blockRows*1024/max(d, 1))) }

// centreBlock writes rows [lo, hi) of X, minus mean, into the float64 matrix z
// (hi−lo rows) and returns it.
func centreBlock(z []float64, X blas32.General, mean []float64, lo, hi int) blas64.General {
	d := X.Cols
	for i := lo; i < hi; i++ {
		src := X.Data[i*X.Stride : i*X.Stride+d]
		dst := z[(i-lo)*d : (i-lo+1)*d]
		for j, v := range src {
			dst[j] = float64(v) - mean[j]
		}
	}
	return blas64.General{Rows: hi - lo, Cols: d, Stride: d, Data: z[:(hi-lo)*d]}
}

// scatter32MinFeatures is the number of features from which scatter
// multiplies in float32: the d² work per row then dominates (60,000 rows of
// 3,072 features, CIFAR-10's size, are 5.7·10¹¹ multiply-adds), and
// OpenBLAS's Ssyrk does it in half the time of Dsyrk. Fashion-MNIST's 784
// features stay in float64 throughout.
const scatter32MinFeatures = 1025

// scatter returns the scatter matrix Σᵢ (xᵢ−μ)(xᵢ−μ)ᵀ of the rows of X in
// float64 (the upper triangle is set), accumulated over blocks of centred
// rows. With a native BLAS it uses Dsyrk (half the work); gonum's pure-Go
// Dsyrk is slower than its Dgemm, so the pure-Go build uses Dgemm. From
// scatter32MinFeatures features on, see scatter32.
func scatter(ctx context.Context, X blas32.General, mean []float64, tr *progress.Tracker) (*mat.SymDense, error) {
	if X.Cols >= scatter32MinFeatures {
		return scatter32(ctx, X, mean, tr)
	}
	return scatter64(ctx, X, mean, tr)
}

// scatter32 is scatter with the products of each block of blockRows
// centred rows (centred in float64, then rounded to float32) summed in
// float32 by Ssyrk (Sgemm in the pure-Go build), and the block sums added
// up in float64. Each entry then carries a relative rounding error of about
// √blockRows·2⁻²⁴ ≈ 3·10⁻⁶ of the block's sum of |products| (a test bounds
// the effect on the axes). The blocks are of blockRows rows whatever d (a
// float32 block of 2,048 × 4,096 features is 32 MiB): fewer, deeper
// products, and fewer passes over the d×d sums, took a 60,000 × 3,072
// scatter from 4.7 s to 3.7–4.3 s on two cores.
func scatter32(ctx context.Context, X blas32.General, mean []float64, tr *progress.Tracker) (*mat.SymDense, error) {
	n, d := X.Rows, X.Cols
	c := make([]float64, d*d)
	c32 := make([]float32, d*d)
	br := blockRows
	z := make([]float32, min(br, n)*d)
	cs := blas32.Symmetric{N: d, Stride: d, Uplo: blas.Upper, Data: c32}
	cg := blas32.General{Rows: d, Cols: d, Stride: d, Data: c32}
	for lo := 0; lo < n; lo += br {
		if err := ctx.Err(); err != nil {
			return nil, err
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
		if linalg.Native {
			blas32.Syrk(blas.Trans, 1, zb, 0, cs)
		} else {
			blas32.Gemm(blas.Trans, blas.NoTrans, 1, zb, zb, 0, cg)
		}
		for i := range d {
			dst, src := c[i*d+i:(i+1)*d], c32[i*d+i:(i+1)*d]
			for j, v := range src {
				dst[j] += float64(v)
			}
		}
		tr.Add(float64(hi - lo))
	}
	return mat.NewSymDense(d, c), nil
}

// scatter64 is scatter in float64 throughout.
func scatter64(ctx context.Context, X blas32.General, mean []float64, tr *progress.Tracker) (*mat.SymDense, error) {
	n, d := X.Rows, X.Cols
	c := make([]float64, d*d)
	br := rowsPerBlock(d)
	z := make([]float64, min(br, n)*d)
	cs := blas64.Symmetric{N: d, Stride: d, Uplo: blas.Upper, Data: c}
	cg := blas64.General{Rows: d, Cols: d, Stride: d, Data: c}
	for lo := 0; lo < n; lo += br {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi := min(lo+br, n)
		zb := centreBlock(z, X, mean, lo, hi)
		if linalg.Native {
			blas64.Syrk(blas.Trans, 1, zb, 1, cs)
		} else {
			blas64.Gemm(blas.Trans, blas.NoTrans, 1, zb, zb, 1, cg)
		}
		tr.Add(float64(hi - lo))
	}
	return mat.NewSymDense(d, c), nil
}

// flipByScores applies sklearn 1.2.1's svd_flip(U, Vt) to the rows of comps:
// for each component the training row with the largest |score| (the first
// such row) gets a positive score. Scores are computed in float64 in blocks;
// from dataMinFeatures features on, float32 scores decide first (see
// signsByScores32) and float64 ones only when they cannot.
func flipByScores(ctx context.Context, X blas32.General, mean []float64, comps *mat.Dense, tr *progress.Tracker) error {
	if X.Cols >= dataMinFeatures {
		sign, err := signsByScores32(ctx, X, mean, comps)
		if err != nil {
			return err
		}
		if sign != nil {
			tr.Add(float64(X.Rows))
			applySigns(comps, sign)
			return nil
		}
	}
	n, d := X.Rows, X.Cols
	k, _ := comps.Dims()
	v := comps.RawMatrix()
	br := rowsPerBlock(d)
	z := make([]float64, min(br, n)*d)
	s := make([]float64, min(br, n)*k)
	best := make([]float64, k) // largest |score| so far
	sign := make([]float64, k) // sign of that score; 0 while all scores are 0
	for lo := 0; lo < n; lo += br {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+br, n)
		zb := centreBlock(z, X, mean, lo, hi)
		sb := blas64.General{Rows: hi - lo, Cols: k, Stride: k, Data: s[:(hi-lo)*k]}
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, zb, v, 0, sb)
		for i := 0; i < hi-lo; i++ {
			row := sb.Data[i*k : (i+1)*k]
			for j, x := range row {
				if a := math.Abs(x); a > best[j] {
					best[j] = a
					sign[j] = math.Copysign(1, x)
				}
			}
		}
		tr.Add(float64(hi - lo))
	}
	applySigns(comps, sign)
	return nil
}

// applySigns negates the rows of comps whose sign is negative.
func applySigns(comps *mat.Dense, sign []float64) {
	v := comps.RawMatrix()
	for j, s := range sign {
		if s < 0 {
			row := v.Data[j*v.Stride : j*v.Stride+v.Cols]
			for i := range row {
				row[i] = -row[i]
			}
		}
	}
}

// signsByScores32 returns the sign of the score of largest magnitude of
// each component, as flipByScores needs it, from scores X·vᵀ taken in
// float32 (Sgemm on the uncentred rows, μᵀv subtracted in float64), or nil
// when some component's largest positive and negative scores are too close
// to tell apart. The error of a float32 score is at most
// (d+1)·2⁻²⁴·max|x|·‖v‖₁ (the dot product's rounding bound, with v rounded
// to float32), so the sign is decided when the larger of the two extremes
// exceeds the other by twice that.
func signsByScores32(ctx context.Context, X blas32.General, mean []float64, comps *mat.Dense) ([]float64, error) {
	n, d := X.Rows, X.Cols
	k, _ := comps.Dims()
	v := comps.RawMatrix()
	vt := make([]float32, d*k) // vᵀ, d×k
	mv := make([]float64, k)   // μᵀv
	l1 := make([]float64, k)   // ‖v‖₁
	for c := range k {
		for i, x := range v.Data[c*v.Stride : c*v.Stride+d] {
			vt[i*k+c] = float32(x)
			mv[c] += mean[i] * x
			l1[c] += math.Abs(x)
		}
	}
	br := min(wideFlushRows, n)
	s := make([]float32, br*k)
	hi, lo := make([]float64, k), make([]float64, k)
	maxAbs := maxAbsValue(X)
	for a := 0; a < n; a += br {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := min(a+br, n)
		xb := blas32.General{Rows: b - a, Cols: d, Stride: X.Stride, Data: X.Data[a*X.Stride : (b-1)*X.Stride+d]}
		sb := blas32.General{Rows: b - a, Cols: k, Stride: k, Data: s[:(b-a)*k]}
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, xb, blas32.General{Rows: d, Cols: k, Stride: k, Data: vt}, 0, sb)
		for i := range b - a {
			for c, x := range sb.Data[i*k : (i+1)*k] {
				sc := float64(x) - mv[c]
				hi[c], lo[c] = max(hi[c], sc), min(lo[c], sc)
			}
		}
	}
	sign := make([]float64, k)
	u := math.Ldexp(1, -24)
	for c := range k {
		margin := 2 * float64(d+1) * u * float64(maxAbs) * l1[c] * 1.01
		switch {
		case hi[c] > -lo[c]+margin:
			sign[c] = 1
		case -lo[c] > hi[c]+margin:
			sign[c] = -1
		default:
			return nil, nil
		}
	}
	return sign, nil
}

// flipByLoadings makes the largest-magnitude entry (the first among equals)
// of each row of comps positive.
func flipByLoadings(comps *mat.Dense) {
	v := comps.RawMatrix()
	for j := 0; j < v.Rows; j++ {
		row := v.Data[j*v.Stride : j*v.Stride+v.Cols]
		best, at := -1.0, 0
		for i, x := range row {
			if a := math.Abs(x); a > best {
				best, at = a, i
			}
		}
		if row[at] < 0 {
			for i := range row {
				row[i] = -row[i]
			}
		}
	}
}

// maxAbsValue returns the largest |x| in X.
func maxAbsValue(X blas32.General) float32 {
	part := make([]float32, X.Cols)
	parfor.Rows(X.Cols, columnGrain, func(a, b int) {
		m := part[a:b]
		for i := range X.Rows {
			for j, x := range X.Data[i*X.Stride+a : i*X.Stride+b] {
				m[j] = max(m[j], x, -x)
			}
		}
	})
	return slices.Max(part)
}
