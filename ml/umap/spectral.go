package umap

import (
	"context"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Spectral start, as umap-learn's spectral_layout: the eigenvectors of the
// normalised Laplacian L = I − D^{−1/2} W D^{−1/2} of the graph for its
// second and third smallest eigenvalues. They are the eigenvectors of
// M = D^{−1/2} W D^{−1/2} for its largest eigenvalues after the trivial
// one (eigenvalue 1, eigenvector ∝ D^{1/2}·1), found here by Lanczos
// iteration on M restricted to the complement of the trivial eigenvector,
// with full re-orthogonalisation, until both Ritz residuals are below
// spectralTol (umap-learn asks ARPACK for 1e-4) or after spectralMaxSteps
// steps (then the Ritz vectors reached are used: a start need not be exact).
const (
	spectralTol      = 1e-4
	spectralMaxSteps = 300
	spectralCheck    = 10  // steps between convergence checks
	denseMax         = 128 // components up to this size are solved densely
)

// components returns the connected component of every vertex of the
// symmetric graph g (numbered from 0 in order of their smallest vertex)
// and their number.
func components(g *Graph) ([]int, int) {
	label := make([]int, g.N)
	for i := range label {
		label[i] = -1
	}
	nc := 0
	stack := []int32{}
	for s := 0; s < g.N; s++ {
		if label[s] >= 0 {
			continue
		}
		label[s] = nc
		stack = append(stack[:0], int32(s))
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, u := range g.Col[g.Start[v]:g.Start[v+1]] {
				if label[u] < 0 {
					label[u] = nc
					stack = append(stack, u)
				}
			}
		}
		nc++
	}
	return label, nc
}

// subgraph returns the graph induced by the vertices in verts (in that
// order, which must be increasing) with local indices.
func subgraph(g *Graph, verts []int, label []int, comp int) *Graph {
	local := make(map[int32]int32, len(verts))
	for li, v := range verts {
		local[int32(v)] = int32(li)
	}
	h := &Graph{N: len(verts), Start: make([]int, len(verts)+1)}
	for li, v := range verts {
		for p := g.Start[v]; p < g.Start[v+1]; p++ {
			if label[g.Col[p]] == comp {
				h.Col = append(h.Col, local[g.Col[p]])
				h.W = append(h.W, g.W[p])
			}
		}
		h.Start[li+1] = len(h.Col)
	}
	return h
}

// spectralVectors returns the two eigenvectors of the normalised Laplacian
// of the connected graph g for its smallest non-trivial eigenvalues, as
// two columns of an n×2 row-major slice, and whether the iteration
// converged. g must have at least 4 vertices.
func spectralVectors(ctx context.Context, g *Graph, rng *rand.Rand) ([]float64, bool, error) {
	n := g.N
	dinv := make([]float64, n)
	u0 := make([]float64, n)
	for i := 0; i < n; i++ {
		s := 0.0
		for _, w := range g.W[g.Start[i]:g.Start[i+1]] {
			s += float64(w)
		}
		if s > 0 {
			dinv[i] = 1 / math.Sqrt(s)
		}
		u0[i] = math.Sqrt(s)
	}
	scale(u0, 1/norm2(u0))
	mul := func(dst, x []float64, lo, hi int) { // rows lo…hi−1 of dst = M x
		for i := lo; i < hi; i++ {
			s := 0.0
			for p := g.Start[i]; p < g.Start[i+1]; p++ {
				j := g.Col[p]
				s += float64(g.W[p]) * dinv[j] * x[j]
			}
			dst[i] = dinv[i] * s
		}
	}
	if n <= denseMax {
		return denseSpectral(n, mul, u0)
	}
	return lanczos(ctx, n, mul, u0, rng)
}

// denseSpectral forms M − 2·u0·u0ᵀ (the trivial eigenvalue 1 moved to −1,
// the bottom of M's spectrum) column by column and takes the eigenvectors
// of its two largest eigenvalues with gonum.
func denseSpectral(n int, mul func(dst, x []float64, lo, hi int), u0 []float64) ([]float64, bool, error) {
	m := mat.NewSymDense(n, nil)
	e := make([]float64, n)
	col := make([]float64, n)
	for j := 0; j < n; j++ {
		clear(e)
		e[j] = 1
		mul(col, e, 0, n)
		for i := 0; i <= j; i++ {
			m.SetSym(i, j, col[i]-2*u0[i]*u0[j])
		}
	}
	var es mat.EigenSym
	if !es.Factorize(m, true) {
		return nil, false, nil
	}
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	out := make([]float64, 2*n)
	for c := 0; c < 2; c++ {
		for i := 0; i < n; i++ {
			out[2*i+c] = vecs.At(i, n-1-c)
		}
	}
	return out, true, nil
}

// lanczos runs the Lanczos iteration on M deflated by u0: the three-term
// recurrence, then one pass of classical Gram–Schmidt against u0 and every
// earlier Lanczos vector (a second when the first removed more than 30 %
// of the norm: "twice is enough"), on GOMAXPROCS goroutines over fixed
// chunks of rows, partial sums combined in chunk order.
func lanczos(ctx context.Context, n int, mul func(dst, x []float64, lo, hi int), u0 []float64, rng *rand.Rand) ([]float64, bool, error) {
	const want = 2
	maxSteps := min(n-1, spectralMaxSteps)
	basis := [][]float64{u0} // u0, then the Lanczos vectors
	var alpha, beta []float64
	w := make([]float64, n)
	reorth := func(w []float64) float64 {
		for pass := 0; pass < 2; pass++ {
			before := pnorm(w)
			c := pdots(basis, w)
			paxpys(w, basis, c)
			after := pnorm(w)
			if after >= 0.7*before {
				return after
			}
		}
		return pnorm(w)
	}
	fresh := func() []float64 { // a new random unit vector ⟂ basis, or nil
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		if nv := reorth(v); nv > 1e-8 {
			scale(v, 1/nv)
			return v
		}
		return nil
	}
	v := fresh()
	if v == nil {
		return nil, false, nil
	}
	converged := false
	var ritz [][]float64 // eigenvectors of T for the wanted Ritz values
	for j := 0; j < maxSteps; j++ {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		basis = append(basis, v)
		pmul(mul, w, v)
		a := pdot(w, v)
		alpha = append(alpha, a)
		prev, bprev := basis[len(basis)-2], 0.0 // u0 for j = 0, with β = 0
		if j > 0 {
			bprev = beta[j-1]
		}
		parallelRange(n, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				w[i] -= a*v[i] + bprev*prev[i]
			}
		})
		b := reorth(w)
		last := j == maxSteps-1
		var nv []float64
		if b < 1e-10 {
			// An invariant subspace: go on from a new direction.
			b = 0
			if nv = fresh(); nv == nil {
				last = true
			}
		} else {
			nv = append([]float64(nil), w...)
			scale(nv, 1/b)
		}
		beta = append(beta, b)
		if len(alpha) >= want && (len(alpha)%spectralCheck == 0 || last) {
			vecs, res, ok := tridiagEigen(alpha, beta[:len(alpha)-1], want)
			if !ok {
				return nil, false, nil
			}
			ritz, converged = vecs, true
			for i := range vecs {
				converged = converged && math.Abs(b*res[i]) <= spectralTol
			}
			if converged || last {
				break
			}
		}
		v = nv
	}
	if len(ritz) < want {
		return nil, false, nil
	}
	return ritzVectors(n, basis[1:1+len(ritz[0])], ritz), converged, nil
}

// ritzVectors returns the Ritz vectors V·s for the eigenvectors s of the
// tridiagonal matrix, as the columns of an n×len(ritz) row-major slice.
func ritzVectors(n int, V, ritz [][]float64) []float64 {
	c := len(ritz)
	out := make([]float64, c*n)
	parallelRange(n, func(lo, hi int) {
		for j, s := range ritz {
			for m, vm := range V {
				for i := lo; i < hi; i++ {
					out[c*i+j] += s[m] * vm[i]
				}
			}
		}
	})
	return out
}

// tridiagEigen returns the eigenvectors of the symmetric tridiagonal
// matrix with diagonal a and off-diagonal b for its want largest
// eigenvalues (largest first) and the last component of each.
func tridiagEigen(a, b []float64, want int) ([][]float64, []float64, bool) {
	m := len(a)
	if m < want {
		return nil, nil, true
	}
	t := mat.NewSymDense(m, nil)
	for i := 0; i < m; i++ {
		t.SetSym(i, i, a[i])
		if i+1 < m {
			t.SetSym(i, i+1, b[i])
		}
	}
	var es mat.EigenSym
	if !es.Factorize(t, true) {
		return nil, nil, false
	}
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	out := make([][]float64, want)
	last := make([]float64, want)
	for c := 0; c < want; c++ {
		out[c] = mat.Col(nil, m-1-c, &vecs)
		last[c] = out[c][m-1]
	}
	return out, last, true
}

func dot(x, y []float64) float64 {
	s := 0.0
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

func norm2(x []float64) float64 { return math.Sqrt(dot(x, x)) }

func scale(x []float64, a float64) {
	for i := range x {
		x[i] *= a
	}
}

// orth removes from x its component along the unit vector u.
func orth(x, u []float64) {
	d := dot(x, u)
	for i, v := range u {
		x[i] -= d * v
	}
}
