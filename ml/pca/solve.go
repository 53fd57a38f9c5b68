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
	if k+max(minOversample, k) >= d {
		vals, vecs, _, err := fullEigen(cov, k, k)
		return vals, vecs, err
	}
	c := cov.RawSymmetric()
	apply := func(q, y blas64.General) error {
		blas64.Symm(blas.Left, 1, c, q, 0, y) // Y = C·Q
		return nil
	}
	return subspaceIterate(ctx, d, k, seed, iteration{tol: subspaceTol, maxIter: subspaceMaxIter}, apply, tr)
}

// iteration are the stopping rules of subspaceIterate: a relative
// residual of at most tol, at most maxIter steps, and, when stall > 0,
// stall steps in a row without the residual falling below 0.9 of its best
// (the rounding floor of a float32 operator is reached).
type iteration struct {
	tol     float64
	maxIter int
	stall   int
}

// subspaceIterate is subspaceEigen for the symmetric operator apply (Y =
// C·Q for d×l matrices Q) of dimension d, with the stopping rules it.
func subspaceIterate(ctx context.Context, d, k int, seed uint64, it iteration, apply func(q, y blas64.General) error, tr *progress.Tracker) ([]float64, *mat.Dense, error) {
	l := k + max(minOversample, k)
	q := gaussianStart(d, l, seed, 0x9ca)
	y := blas64.General{Rows: d, Cols: l, Stride: l, Data: make([]float64, d*l)}
	yw := blas64.General{Rows: d, Cols: k, Stride: k, Data: make([]float64, d*k)}
	qw := blas64.General{Rows: d, Cols: k, Stride: k, Data: make([]float64, d*k)}
	wk := blas64.General{Rows: l, Cols: k, Stride: k, Data: make([]float64, l*k)}
	vals := make([]float64, k)
	conv := convergence{it: it, best: math.Inf(1)}
	for step := 1; ; step++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if err := apply(q, y); err != nil {
			return nil, nil, err
		}
		if err := rayleighRitz(q, y, vals, wk); err != nil {
			return nil, nil, err
		}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, y, wk, 0, yw) // C·v
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, q, wk, 0, qw) // v
		if conv.stops(step, qw, yw, vals, tr) {
			return vals, ritzVectors(qw, k), nil
		}
		q, y = y, q
		orthonormalize(q)
	}
}

// gaussianStart returns an orthonormal basis of the span of d×l standard
// normal numbers drawn from PCG(seed, stream).
func gaussianStart(d, l int, seed, stream uint64) blas64.General {
	rng := rand.New(rand.NewPCG(seed, stream))
	q := blas64.General{Rows: d, Cols: l, Stride: l, Data: make([]float64, d*l)}
	for i := range q.Data {
		q.Data[i] = rng.NormFloat64()
	}
	orthonormalize(q)
	return q
}

// rayleighRitz takes the Ritz pairs of the symmetric operator C on the
// span of the orthonormal columns of q (d×m), given y = C·q: the
// eigenpairs of T = qᵀy (symmetrised). It writes the len(vals) largest
// eigenvalues to vals in decreasing order and the eigenvectors of the
// w.Cols largest to the columns of w (m×w.Cols), in the same order.
func rayleighRitz(q, y blas64.General, vals []float64, w blas64.General) error {
	m := q.Cols
	t := blas64.General{Rows: m, Cols: m, Stride: m, Data: make([]float64, m*m)}
	blas64.Gemm(blas.Trans, blas.NoTrans, 1, q, y, 0, t) // T = Qᵀ·C·Q
	ts := mat.NewSymDense(m, nil)
	for i := 0; i < m; i++ {
		for j := i; j < m; j++ {
			ts.SetSym(i, j, 0.5*(t.Data[i*m+j]+t.Data[j*m+i]))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(ts, true) {
		return errors.New("pca: eigendecomposition of the projected covariance did not converge")
	}
	asc := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	for j := range vals {
		vals[j] = asc[m-1-j]
	}
	for j := 0; j < w.Cols; j++ {
		for i := 0; i < m; i++ {
			w.Data[i*w.Stride+j] = vecs.At(i, m-1-j)
		}
	}
	return nil
}

// convergence applies the stopping rules it to the steps of an iteration.
type convergence struct {
	it    iteration
	best  float64 // the smallest relative residual so far (+Inf at first)
	since int     // steps since it last fell below 0.9 of best
}

// stops records step's Ritz pairs (the first len(vals) columns of v, of
// cv = C·v, and their values in decreasing order), shows the largest
// residual ‖C·v − θ·v‖ relative to the largest Ritz value on tr, and
// reports whether the iteration stops there.
func (c *convergence) stops(step int, v, cv blas64.General, vals []float64, tr *progress.Tracker) bool {
	worst := 0.0
	for j := range vals {
		s := 0.0
		for i := 0; i < v.Rows; i++ {
			r := cv.Data[i*cv.Stride+j] - vals[j]*v.Data[i*v.Stride+j]
			s += r * r
		}
		worst = math.Max(worst, math.Sqrt(s))
	}
	rel := worst / math.Max(vals[0], math.SmallestNonzeroFloat64)
	tr.Detail(fmt.Sprintf("step %d, residual %.1e", step, rel))
	if rel < 0.9*c.best {
		c.best, c.since = rel, 0
	} else {
		c.since++
	}
	return rel <= c.it.tol || step == c.it.maxIter || c.it.stall > 0 && c.since >= c.it.stall
}

// ritzVectors returns the first k columns of v, re-orthonormalised, as a
// matrix of its rows.
func ritzVectors(v blas64.General, k int) *mat.Dense {
	vecs := mat.NewDense(v.Rows, k, nil)
	for i := 0; i < v.Rows; i++ {
		copy(vecs.RawMatrix().Data[i*k:(i+1)*k], v.Data[i*v.Stride:i*v.Stride+k])
	}
	orthonormalizeDense(vecs)
	return vecs
}

// orthonormalize replaces the columns of a (m×n, m ≥ n) by an orthonormal
// basis of their span: by Cholesky QR twice (CholQR2: G = AᵀA = RᵀR,
// A ← A·R⁻¹, all level-3 BLAS, a few milliseconds for 3,072×64), which is
// as orthonormal as Householder QR for columns of condition below ~10⁸;
// when a Cholesky factorisation fails or the result is not orthonormal to
// 10⁻¹², by Householder QR (LAPACK's unblocked path for so few columns,
// level-2 BLAS: ~20 times slower there).
func orthonormalize(a blas64.General) {
	if cholQR2(a) {
		return
	}
	householderQR(a)
}

// cholQR2 orthonormalises the columns of a by Cholesky QR twice and
// reports whether it succeeded (else a is left partly transformed, still
// spanning the same space only if the first pass succeeded: the caller
// falls back on a copy-free Householder QR, which needs only the span).
func cholQR2(a blas64.General) bool {
	n := a.Cols
	g := blas64.Symmetric{N: n, Stride: n, Uplo: blas.Upper, Data: make([]float64, n*n)}
	for range 2 {
		blas64.Syrk(blas.Trans, 1, a, 0, g)
		r, ok := lapack64.Potrf(g)
		if !ok {
			return false
		}
		blas64.Trsm(blas.Right, blas.NoTrans, 1, r, a)
	}
	// Check: AᵀA = I to 1e-12.
	blas64.Syrk(blas.Trans, 1, a, 0, g)
	for i := range n {
		for j := i; j < n; j++ {
			want := 0.0
			if i == j {
				want = 1
			}
			if v := g.Data[i*n+j]; !(math.Abs(v-want) <= 1e-12) {
				return false
			}
		}
	}
	return true
}

// householderQR replaces the columns of a by an orthonormal basis of their
// span (thin QR with LAPACK's Geqrf and Orgqr).
func householderQR(a blas64.General) {
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
