// Package glrm fits a generalized low-rank model (Udell, Horn, Zadeh and
// Boyd 2016, the model of H2O's GLRM) with quadratic loss to a float32
// feature matrix whose entries may be partly missing.
//
// For X (n×d), observed entries Ω, rank k, and regularisation weights
// γ_A, γ_Y ≥ 0, Fit looks for A (n×k) and Y (k×d) that minimise
//
//	f(A, Y) = Σ_{(i,j)∈Ω} (x_ij − a_iᵀy_j)² + γ_A‖A‖²_F + γ_Y‖Y‖²_F,
//
// optionally with A ≥ 0 and/or Y ≥ 0 entrywise (so that the archetypes, the
// rows of Y, stay in the non-negative range of images). There is no offset
// term: the data are not centred.
//
// The minimisation alternates exact block updates. With Y fixed each row of
// A solves the k×k system (Σ_{j∈Ω_i} y_j y_jᵀ + γ_A I) a_i = Σ_{j∈Ω_i} x_ij y_j;
// with A fixed each column of Y solves the symmetric system. Without missing
// entries every row shares one Gram matrix, so a whole block of rows is
// solved by one GEMM and two triangular solves against its Cholesky factor;
// with missing entries each row forms its own Gram matrix (from its observed
// entries, or from the shared one minus its missing entries when those are
// fewer) and rows are solved in parallel. A Gram matrix that is not
// numerically positive definite (γ = 0 with fewer than k observed entries,
// or a rank-deficient factor) gets a ridge of 1e-12 of its largest diagonal
// entry, grown a hundredfold until its Cholesky factorisation succeeds.
//
// Under a sign constraint each row solves its non-negative least-squares
// problem by cyclic coordinate descent: exact minimisation along one
// coordinate at a time, clipped at 0 (the scheme of scikit-learn's NMF
// solver "cd"), warm-started from the previous iterate (the first time and
// in Transform, from the unconstrained solution clipped at 0) and run until
// no coordinate moves by more than 1e-9 of the largest, or 200 sweeps. No
// step can raise f.
//
// When γ_A, γ_Y > 0, every Y step is followed by a change of basis
// (A, Y) → (A·M, M⁻¹·Y) that leaves A·Y unchanged and minimises the
// regularisation: the optimal invertible M without sign constraints, the
// optimal positive diagonal M with them. Without it the alternating updates
// approach the optimal scale of each component very slowly (by a factor of
// about 1 − 4γ/σ per iteration for a component of singular value σ).
//
// All arithmetic is in float64 (X is converted block by block); products go
// through gonum's blas64 (OpenBLAS unless built with the purego tag).
//
// Initialisation is random: Y₀ has independent N(0, 1) entries (their
// absolute values under NonNegY) scaled so that each row has norm about
// (‖X‖_F/√k)^½, the row norm of a balanced rank-k SVD factor of data of that
// size, with ‖X‖_F estimated from the observed entries. The first step
// solves for A given Y₀.
package glrm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/floats"

	_ "embedscope/ml/linalg" // route gonum BLAS to OpenBLAS unless built with purego
	"embedscope/ml/progress"
)

// Defaults used when the corresponding GLRM field is zero.
const (
	DefaultMaxIter = 100
	DefaultTol     = 1e-4
)

// GLRM configures a generalized low-rank model with quadratic loss.
type GLRM struct {
	K      int     // rank, 1 ≤ K < number of features
	GammaA float64 // weight γ_A ≥ 0 of ‖A‖²_F
	GammaY float64 // weight γ_Y ≥ 0 of ‖Y‖²_F

	NonNegA bool // constrain A ≥ 0
	NonNegY bool // constrain Y ≥ 0

	// MaxIter caps the number of iterations (0: DefaultMaxIter).
	MaxIter int
	// Tol stops the fit after an iteration that lowers the objective by at
	// most Tol times its previous value (0: DefaultTol; negative: run
	// MaxIter iterations unless the objective reaches 0).
	Tol float64
	// Seed seeds the random initialisation of Y.
	Seed     uint64
	Progress *progress.Tracker
}

// Model is a fitted low-rank model X ≈ A·Y. It is not modified by its
// methods and is safe for concurrent use.
type Model struct {
	A blas32.General // n×k: the representation of each training row
	Y blas32.General // k×d: the archetypes, one per row

	// GammaA and NonNegA are the settings Transform solves with.
	GammaA  float64
	NonNegA bool

	// Objective holds f after each iteration. Iteration t solves for A
	// given the Y of the previous iteration and records f(A, that Y), then
	// (unless it is the last) updates Y; A and Y above are the pair of the
	// last entry, so A is the representation Transform gives for the
	// training rows (up to rounding and the tolerance of the non-negative
	// solves). The values are computed in float64 from the float64
	// iterates (A and Y are rounded to float32 afterwards) and are never
	// increasing, up to rounding (negative rounding noise is clamped to 0).
	Objective  []float64
	Iterations int
	// Converged reports whether the relative-improvement test stopped the
	// fit before MaxIter (or the objective reached 0).
	Converged bool
}

// K returns the rank of the model.
func (m *Model) K() int { return m.Y.Rows }

// Fit fits the model to the rows of X; mask (nil: every entry observed)
// marks the missing entries, whose values in X are ignored. It returns an
// error if K is outside 1..d−1, a weight is negative, MaxIter is negative,
// the mask is not n×d, an observed entry is NaN or infinite, a row or a
// column has no observed entry, or ctx is cancelled. X is not modified.
//
// Progress is reported per iteration (Stage "GLRM k=K", Detail with the
// objective).
func (g GLRM) Fit(ctx context.Context, X blas32.General, mask *Mask) (*Model, error) {
	if err := checkMatrix(X); err != nil {
		return nil, err
	}
	n, d, k := X.Rows, X.Cols, g.K
	if k < 1 || k >= d {
		return nil, fmt.Errorf("glrm: rank %d, need 1..%d (fewer than the %d features)", k, d-1, d)
	}
	if !(g.GammaA >= 0) || !(g.GammaY >= 0) || math.IsInf(g.GammaA, 0) || math.IsInf(g.GammaY, 0) {
		return nil, fmt.Errorf("glrm: regularisation weights %v, %v must be finite and ≥ 0", g.GammaA, g.GammaY)
	}
	if g.MaxIter < 0 {
		return nil, fmt.Errorf("glrm: MaxIter %d is negative", g.MaxIter)
	}
	if math.IsNaN(g.Tol) {
		return nil, errors.New("glrm: Tol is NaN")
	}
	maxIter, tol := g.MaxIter, g.Tol
	if maxIter == 0 {
		maxIter = DefaultMaxIter
	}
	if tol == 0 {
		tol = DefaultTol
	}
	rows, cols, sumX2, err := prepare(X, mask, true)
	if err != nil {
		return nil, err
	}

	tr := g.Progress
	tr.Stage(fmt.Sprintf("GLRM k=%d", k), float64(maxIter))
	yt := initY(n, d, k, sumX2, n*d-mask.Missing(), g.NonNegY, g.Seed)
	a := make([]float64, n*k)
	st := &ystats{atA: make([]float64, k*k), st: make([]float64, d*k)}
	m := &Model{GammaA: g.GammaA, NonNegA: g.NonNegA}
	sA := newLineSolver(k, g.GammaA, g.NonNegA, rows)
	sY := newLineSolver(k, g.GammaY, g.NonNegY, cols)
	for it := 1; it <= maxIter; it++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		clear(st.atA)
		clear(st.st)
		st.ab = 0
		contrib, err := solveA(ctx, X, sA, yt, it > 1, a, st)
		if err != nil {
			return nil, err
		}
		symmetrize(st.atA, k)
		if rows == nil && !g.NonNegA {
			// Batched solve: Σ_i a_iᵀGa_i = ⟨AᵀA, YYᵀ + γ_A I⟩.
			contrib = floats.Dot(st.atA, sA.shared) - 2*st.ab
		}
		obj := math.Max(0, sumX2+contrib+g.GammaY*floats.Dot(yt, yt))
		m.Objective = append(m.Objective, obj)
		m.Iterations = it
		tr.Set(float64(it))
		tr.Detail(fmt.Sprintf("iteration %d: objective %.6g", it, obj))
		if obj == 0 || (it > 1 && tol > 0 && m.Objective[it-2]-obj <= tol*m.Objective[it-2]) {
			m.Converged = true
			break
		}
		if it == maxIter {
			break
		}
		updateY(sY, a, st, yt, d)
		if g.GammaA > 0 && g.GammaY > 0 {
			rebalance(st.atA, yt, d, k, g.GammaA, g.GammaY, g.NonNegA, g.NonNegY, a)
		}
	}
	m.A = toFloat32(a, n, k)
	m.Y = transpose32(yt, d, k)
	return m, nil
}

// updateY solves for Y (stored as yt = Yᵀ, d×k) given A (n×k) and the
// statistics AᵀA and X₀ᵀA of the last A step: with no missing entries and no
// sign constraint by Yᵀ = X₀ᵀA·(AᵀA + γ_Y I)⁻¹, otherwise column by column
// (warm-started from the current Y under NonNegY).
func updateY(s *lineSolver, a []float64, st *ystats, yt []float64, d int) {
	k := s.k
	s.reset(a, st.atA)
	if s.lines == nil && !s.nonneg {
		copy(yt, st.st)
		solveBatched(s.sharedL, k, blas64General(yt, d, k))
		return
	}
	s.solveLines(0, d, st.st, yt, true, make([]float64, d))
}

// prepare validates X against mask and returns the row lists, the column
// lists (when cols is set) and Σ x_ij² over the observed entries.
func prepare(X blas32.General, mask *Mask, cols bool) (rl, cl *lists, sumX2 float64, err error) {
	n, d := X.Rows, X.Cols
	if mask != nil {
		if r, c := mask.Dims(); r != n || c != d || len(mask.hidden) != (n*d+63)/64 {
			return nil, nil, 0, fmt.Errorf("glrm: mask is %d×%d, data is %d×%d", r, c, n, d)
		}
	}
	for i := 0; i < n; i++ {
		for j, v := range X.Data[i*X.Stride : i*X.Stride+d] {
			f := float64(v)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				if mask.Observed(i, j) {
					return nil, nil, 0, fmt.Errorf("glrm: row %d, column %d is %v (hide it with the mask)", i, j, v)
				}
				continue
			}
			if mask == nil || mask.Observed(i, j) {
				sumX2 += f * f
			}
		}
	}
	if mask != nil {
		rl, cl, err = buildLists(mask, cols)
	}
	return rl, cl, sumX2, err
}

// checkMatrix rejects empty or malformed matrices.
func checkMatrix(X blas32.General) error {
	if X.Rows < 1 || X.Cols < 1 {
		return fmt.Errorf("glrm: data is %d×%d, need at least one row and one column", X.Rows, X.Cols)
	}
	if X.Stride < X.Cols || len(X.Data) < (X.Rows-1)*X.Stride+X.Cols {
		return errors.New("glrm: malformed matrix (stride or data length)")
	}
	return nil
}

// initY returns the random initial Yᵀ (d×k) described in the package
// comment. observed is the number of observed entries, sumX2 their squared
// sum.
func initY(n, d, k int, sumX2 float64, observed int, nonneg bool, seed uint64) []float64 {
	normX := math.Sqrt(sumX2 * float64(n*d) / float64(max(observed, 1)))
	scale := math.Sqrt(normX/math.Sqrt(float64(k))) / math.Sqrt(float64(d))
	if !(scale > 0) {
		scale = 1 / math.Sqrt(float64(d))
	}
	rng := rand.New(rand.NewPCG(seed, 0x91c3))
	yt := make([]float64, d*k)
	for p := 0; p < k; p++ {
		for j := 0; j < d; j++ {
			v := rng.NormFloat64()
			if nonneg {
				v = math.Abs(v)
			}
			yt[j*k+p] = scale * v
		}
	}
	return yt
}

// toFloat32 rounds the r×c row-major x to a float32 matrix.
func toFloat32(x []float64, r, c int) blas32.General {
	out := blas32.General{Rows: r, Cols: c, Stride: c, Data: make([]float32, r*c)}
	for i, v := range x[:r*c] {
		out.Data[i] = float32(v)
	}
	return out
}

// transpose32 returns the transpose of the r×c row-major x as a c×r float32
// matrix.
func transpose32(x []float64, r, c int) blas32.General {
	out := blas32.General{Rows: c, Cols: r, Stride: r, Data: make([]float32, r*c)}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out.Data[j*r+i] = float32(x[i*c+j])
		}
	}
	return out
}
