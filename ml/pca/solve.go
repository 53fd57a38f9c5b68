package pca

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"

	"embedscope/ml/progress"
)

// Settings of the Randomized solver.
const (
	subspaceTol     = 1e-10 // stop when every Ritz residual ≤ tol × largest eigenvalue
	subspaceMaxIter = 1000
	minOversample   = 10
)

// fullEigen eigendecomposes cov and returns its k largest eigenvalues (in
// decreasing order), their eigenvectors as the columns of a d×k matrix, and
// the nvals largest eigenvalues, clamped at 0.
func fullEigen(cov *mat.SymDense, k, nvals int) (vals []float64, vecs *mat.Dense, spectrum []float64, err error) {
	d := cov.SymmetricDim()
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		return nil, nil, nil, errors.New("pca: eigendecomposition did not converge")
	}
	asc := eig.Values(nil)
	var all mat.Dense
	eig.VectorsTo(&all)
	vals = make([]float64, k)
	vecs = mat.NewDense(d, k, nil)
	for j := 0; j < k; j++ {
		src := d - 1 - j
		vals[j] = asc[src]
		for i := 0; i < d; i++ {
			vecs.Set(i, j, all.At(i, src))
		}
	}
	spectrum = make([]float64, nvals)
	for j := range spectrum {
		spectrum[j] = math.Max(asc[d-1-j], 0)
	}
	return vals, vecs, spectrum, nil
}

// eigenvalues returns the nvals largest eigenvalues of cov in decreasing
// order, clamped at 0, without eigenvectors.
func eigenvalues(cov *mat.SymDense, nvals int) ([]float64, error) {
	var eig mat.EigenSym
	if !eig.Factorize(cov, false) {
		return nil, errors.New("pca: eigenvalues did not converge")
	}
	asc := eig.Values(nil)
	out := make([]float64, nvals)
	for j := range out {
		out[j] = math.Max(asc[len(asc)-1-j], 0)
	}
	return out, nil
}

// subspaceEigen returns the k largest eigenpairs of cov by randomized block
// subspace iteration with Rayleigh–Ritz extraction: Q ← orth(C·Q) from a
// seeded Gaussian d×l start, l = k + max(10, k), until the residual
// ‖C·v − θ·v‖ of each of the k leading Ritz pairs is at most 1e-10 × the
// largest Ritz value. When l reaches d it falls back to fullEigen.
func subspaceEigen(ctx context.Context, cov *mat.SymDense, k int, seed uint64, tr *progress.Tracker) ([]float64, *mat.Dense, error) {
	d := cov.SymmetricDim()
	l := k + max(minOversample, k)
	if l >= d {
		vals, vecs, _, err := fullEigen(cov, k, k)
		return vals, vecs, err
	}
	c := cov.RawSymmetric()
	rng := rand.New(rand.NewPCG(seed, 0x9ca))
	q := blas64.General{Rows: d, Cols: l, Stride: l, Data: make([]float64, d*l)}
	for i := range q.Data {
		q.Data[i] = rng.NormFloat64()
	}
	orthonormalize(q)
	y := blas64.General{Rows: d, Cols: l, Stride: l, Data: make([]float64, d*l)}
	t := blas64.General{Rows: l, Cols: l, Stride: l, Data: make([]float64, l*l)}
	yw := blas64.General{Rows: d, Cols: k, Stride: k, Data: make([]float64, d*k)}
	qw := blas64.General{Rows: d, Cols: k, Stride: k, Data: make([]float64, d*k)}
	wk := blas64.General{Rows: l, Cols: k, Stride: k, Data: make([]float64, l*k)}
	vals := make([]float64, k)
	var eig mat.EigenSym
	var w mat.Dense
	for it := 1; ; it++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		blas64.Symm(blas.Left, 1, c, q, 0, y)                // Y = C·Q
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, q, y, 0, t) // T = Qᵀ·C·Q
		ts := mat.NewSymDense(l, nil)
		for i := 0; i < l; i++ {
			for j := i; j < l; j++ {
				ts.SetSym(i, j, 0.5*(t.Data[i*l+j]+t.Data[j*l+i]))
			}
		}
		if !eig.Factorize(ts, true) {
			return nil, nil, errors.New("pca: eigendecomposition of the projected covariance did not converge")
		}
		asc := eig.Values(nil)
		eig.VectorsTo(&w)
		for j := 0; j < k; j++ {
			vals[j] = asc[l-1-j]
			for i := 0; i < l; i++ {
				wk.Data[i*k+j] = w.At(i, l-1-j)
			}
		}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, y, wk, 0, yw) // C·v
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, q, wk, 0, qw) // v
		worst := 0.0
		for j := 0; j < k; j++ {
			s := 0.0
			for i := 0; i < d; i++ {
				r := yw.Data[i*k+j] - vals[j]*qw.Data[i*k+j]
				s += r * r
			}
			worst = math.Max(worst, math.Sqrt(s))
		}
		rel := worst / math.Max(vals[0], math.SmallestNonzeroFloat64)
		tr.Detail(fmt.Sprintf("step %d, residual %.1e", it, rel))
		if rel <= subspaceTol || it == subspaceMaxIter {
			vecs := mat.NewDense(d, k, nil)
			copy(vecs.RawMatrix().Data, qw.Data)
			orthonormalizeDense(vecs)
			return vals, vecs, nil
		}
		q, y = y, q
		orthonormalize(q)
	}
}

// orthonormalize replaces the columns of a (m×n, m ≥ n) by an orthonormal
// basis of their span (thin QR).
func orthonormalize(a blas64.General) {
	tau := make([]float64, a.Cols)
	work := []float64{0}
	lapack64.Geqrf(a, tau, work, -1)
	work = make([]float64, int(work[0]))
	lapack64.Geqrf(a, tau, work, len(work))
	work = []float64{0}
	lapack64.Orgqr(a, tau, work, -1)
	work = make([]float64, int(work[0]))
	lapack64.Orgqr(a, tau, work, len(work))
}

// orthonormalizeDense re-orthonormalises nearly orthonormal columns (one
// modified Gram–Schmidt sweep), keeping their order and direction.
func orthonormalizeDense(v *mat.Dense) {
	r, c := v.Dims()
	col := make([]float64, r)
	prev := make([]float64, r)
	for j := 0; j < c; j++ {
		mat.Col(col, j, v)
		for p := 0; p < j; p++ {
			mat.Col(prev, p, v)
			dot := 0.0
			for i := range col {
				dot += col[i] * prev[i]
			}
			for i := range col {
				col[i] -= dot * prev[i]
			}
		}
		nrm := 0.0
		for _, x := range col {
			nrm += x * x
		}
		nrm = math.Sqrt(nrm)
		for i := range col {
			col[i] /= nrm
		}
		v.SetCol(j, col)
	}
}
