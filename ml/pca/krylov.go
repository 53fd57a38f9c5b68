package pca

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"embedscope/ml/progress"
)

// Limits of blockKrylov's basis: at most maxKrylovBlocks blocks and
// maxKrylovValues float64 values (64 MiB, for the basis and again for its
// image) before it restarts from its best Ritz vectors.
const (
	maxKrylovBlocks = 16
	maxKrylovValues = 8 << 20
)

// krylovBlocks returns the number of blocks of k + 10 vectors of dimension
// d that blockKrylov keeps; it needs at least 2.
func krylovBlocks(d, k int) int {
	b := k + minOversample
	return min(maxKrylovBlocks, d/b, maxKrylovValues/(d*b))
}

// blockKrylov returns the k largest eigenpairs of the symmetric operator
// apply (Y = C·Q for d×b matrices Q) of dimension d by block Lanczos with
// full reorthogonalisation and Rayleigh–Ritz extraction (the randomized
// block Krylov method of Musco and Musco 2015): from a seeded Gaussian d×b
// start, b = k + 10, each step adds the block C·K_last, orthogonalised
// twice against all earlier blocks, to the basis K, and the Ritz pairs of
// KᵀCK are the estimates. It stops by the rules it, checked on the
// residual ‖C·v − θ·v‖ of the k leading Ritz pairs relative to the
// largest Ritz value. The basis holds at most blocks blocks (at least 2;
// krylovBlocks gives the most it may hold); then it restarts from the b
// leading Ritz vectors.
//
// One step costs one application of C to b vectors, against the
// k + max(10, k) of subspaceIterate, and the error falls with the square
// root of the spectral gap in the exponent rather than the gap itself.
func blockKrylov(ctx context.Context, d, k, blocks int, seed uint64, it iteration, apply func(q, y blas64.General) error, tr *progress.Tracker) ([]float64, *mat.Dense, error) {
	b := k + minOversample
	maxBlocks := blocks
	if maxBlocks < 2 || maxBlocks*b > d {
		panic(fmt.Sprintf("pca: block Krylov with %d blocks of %d vectors in dimension %d", blocks, b, d))
	}
	// Basis K (d × maxBlocks·b) and its image Y = C·K, row-major.
	width := maxBlocks * b
	kb := make([]float64, d*width)
	yb := make([]float64, d*width)
	blk := gaussianStart(d, b, seed, 0x9cb)
	img := blas64.General{Rows: d, Cols: b, Stride: b, Data: make([]float64, d*b)}
	vals := make([]float64, k)
	conv := convergence{it: it, best: math.Inf(1)}
	nb := 0 // blocks in the basis
	put := func(dst []float64, src blas64.General, at int) {
		for i := range d {
			copy(dst[i*width+at*b:i*width+(at+1)*b], src.Data[i*b:(i+1)*b])
		}
	}
	for step := 1; ; step++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if err := apply(blk, img); err != nil {
			return nil, nil, err
		}
		put(kb, blk, nb)
		put(yb, img, nb)
		nb++
		m := nb * b
		K := blas64.General{Rows: d, Cols: m, Stride: width, Data: kb}
		Y := blas64.General{Rows: d, Cols: m, Stride: width, Data: yb}
		// The b leading Ritz vectors V = K·W and C·V = Y·W.
		wb := blas64.General{Rows: m, Cols: b, Stride: b, Data: make([]float64, m*b)}
		if err := rayleighRitz(K, Y, vals, wb); err != nil {
			return nil, nil, err
		}
		v := blas64.General{Rows: d, Cols: b, Stride: b, Data: make([]float64, d*b)}
		cv := blas64.General{Rows: d, Cols: b, Stride: b, Data: make([]float64, d*b)}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, K, wb, 0, v)
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, Y, wb, 0, cv)
		if conv.stops(step, v, cv, vals, tr) {
			return vals, ritzVectors(v, k), nil
		}
		if nb == maxBlocks {
			// Restart from the leading Ritz vectors.
			nb = 0
			copy(blk.Data, v.Data)
			orthonormalize(blk)
			continue
		}
		// The next block: C·K_last, orthogonal to the basis (twice).
		copy(blk.Data, img.Data)
		c := blas64.General{Rows: m, Cols: b, Stride: b, Data: make([]float64, m*b)}
		for range 2 {
			blas64.Gemm(blas.Trans, blas.NoTrans, 1, K, blk, 0, c)
			blas64.Gemm(blas.NoTrans, blas.NoTrans, -1, K, c, 1, blk)
			orthonormalize(blk)
		}
	}
}
