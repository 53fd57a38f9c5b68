package glrm

import (
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
)

// Coordinate descent settings for the non-negative least-squares solves.
const (
	cdMaxSweeps = 200  // sweeps per solve at most
	cdTol       = 1e-9 // stop when no coordinate moved more than cdTol·max_p a_p
)

// cholesky overwrites the lower triangle of the k×k row-major matrix l (whose
// lower triangle holds a symmetric matrix G) with L, G = L·Lᵀ, and zeroes the
// strict upper triangle. It reports false, leaving l garbage, when a pivot
// falls to floor or below (G is not numerically positive definite).
func cholesky(l []float64, k int, floor float64) bool {
	for j := 0; j < k; j++ {
		lj := l[j*k : j*k+j]
		s := l[j*k+j] - floats.Dot(lj, lj)
		if !(s > floor) {
			return false
		}
		dj := math.Sqrt(s)
		l[j*k+j] = dj
		for i := j + 1; i < k; i++ {
			l[i*k+j] = (l[i*k+j] - floats.Dot(l[i*k:i*k+j], lj)) / dj
		}
	}
	for j := 0; j < k; j++ {
		clear(l[j*k+j+1 : j*k+k])
	}
	return true
}

// factor writes into l the Cholesky factor of the symmetric k×k matrix g
// (both triangles filled). When g is not numerically positive definite
// (a pivot at or below 1e-13 of the largest diagonal entry, e.g. with γ = 0
// and fewer than k observed entries) it factors g + ρI instead, with ρ
// starting at 1e-12 of the largest diagonal entry and growing a hundredfold
// until the factorisation succeeds. It returns ρ (0 when none was needed).
func factor(l, g []float64, k int) float64 {
	maxDiag := 0.0
	for p := 0; p < k; p++ {
		maxDiag = math.Max(maxDiag, g[p*k+p])
	}
	ridge := 0.0
	for {
		copy(l, g[:k*k])
		for p := 0; p < k; p++ {
			l[p*k+p] += ridge
		}
		if cholesky(l, k, 1e-13*(maxDiag+ridge)) {
			return ridge
		}
		if ridge == 0 {
			ridge = 1e-12 * math.Max(maxDiag, math.SmallestNonzeroFloat64)
		} else {
			ridge *= 100
		}
	}
}

// cholSolve overwrites x with the solution of L·Lᵀ·x = x for the lower
// triangular k×k factor l.
func cholSolve(l []float64, k int, x []float64) {
	for i := 0; i < k; i++ {
		x[i] = (x[i] - floats.Dot(l[i*k:i*k+i], x[:i])) / l[i*k+i]
	}
	for i := k - 1; i >= 0; i-- {
		s := x[i]
		for j := i + 1; j < k; j++ {
			s -= l[j*k+i] * x[j]
		}
		x[i] = s / l[i*k+i]
	}
}

// solveBatched overwrites the m×k matrix b with b·L⁻ᵀ·L⁻¹ = b·G⁻¹, where
// G = L·Lᵀ, by two triangular solves with many right-hand sides (BLAS trsm).
func solveBatched(l []float64, k int, b blas64.General) {
	t := blas64.Triangular{Uplo: blas.Lower, Diag: blas.NonUnit, N: k, Stride: k, Data: l}
	blas64.Trsm(blas.Right, blas.Trans, 1, t, b)
	blas64.Trsm(blas.Right, blas.NoTrans, 1, t, b)
}

// nnls minimises ½·aᵀGa − bᵀa over a ≥ 0 by cyclic coordinate descent
// (exact minimisation along one coordinate at a time, clipped at 0, the
// scheme of scikit-learn's NMF solver "cd"), starting from the feasible a.
// Every step lowers the objective or leaves it unchanged. It stops after a
// sweep in which no coordinate moved by more than cdTol·max_p a_p, or after
// cdMaxSweeps sweeps. ga (length k) receives G·a on return.
func nnls(g []float64, k int, b, a, ga []float64) {
	for p := 0; p < k; p++ {
		ga[p] = floats.Dot(g[p*k:p*k+k], a)
	}
	for sweep := 0; sweep < cdMaxSweeps; sweep++ {
		moved, top := 0.0, 0.0
		for p := 0; p < k; p++ {
			gpp := g[p*k+p]
			if gpp <= 0 {
				// G is positive semi-definite, so column p is zero and the
				// objective does not depend on a_p.
				continue
			}
			old := a[p]
			v := old - (ga[p]-b[p])/gpp
			if v < 0 {
				v = 0
			}
			if delta := v - old; delta != 0 {
				floats.AddScaled(ga, delta, g[p*k:p*k+k])
				a[p] = v
				moved = math.Max(moved, math.Abs(delta))
			}
			top = math.Max(top, v)
		}
		if moved <= cdTol*top {
			break
		}
	}
}

// workers returns how many goroutines to use for jobs independent items.
func workers(jobs int) int {
	return max(1, min(runtime.GOMAXPROCS(0), jobs/8))
}

// parallel calls f(w, lo, hi) for disjoint ranges covering 0..n, one per
// worker w (w < workers(n)), and waits for them.
func parallel(n int, f func(w, lo, hi int)) {
	nw := workers(n)
	if nw == 1 {
		f(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < nw; w++ {
		lo, hi := w*n/nw, (w+1)*n/nw
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(w, lo, hi)
		}()
	}
	wg.Wait()
}
