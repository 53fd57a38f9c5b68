package glrm

import (
	"context"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"

	"embedscope/ml/linalg"
)

// blockRows is the number of data rows converted to float64 and multiplied
// at a time.
const blockRows = 1024

// gatherChunk is the number of factor rows gathered at a time to build a
// masked Gram matrix.
const gatherChunk = 256

// lineSolver solves the regularised least-squares problems of one half-step:
// for each line r (a row of A, or a column of Y),
//
//	minimise Σ_{j observed on r} (x_rj − aᵀf_j)² + γ‖a‖²  (over a ≥ 0 if nonneg)
//
// where f_j are the rows of the fixed factor (Yᵀ for rows of A, A for
// columns of Y). With b = Σ_j x_rj f_j and G = Σ_j f_j f_jᵀ + γI this is
// minimising aᵀGa − 2bᵀa.
type lineSolver struct {
	k      int
	gamma  float64
	nonneg bool
	f      []float64 // factor rows f_j, k each
	full   []float64 // Σ over all j of f_j f_jᵀ (k×k, both triangles)
	lines  *lists    // observed/missing positions per line; nil: all observed

	shared  []float64 // lines == nil: full + γI
	sharedL []float64 // lines == nil: Cholesky factor of shared
	scratch []*scratch

	// With a native BLAS the Gram matrices of the lines with long lists (at
	// least blasMinList positions) in a batch are formed one after the
	// other by gather + syrk, which the library threads; shorter lists are
	// summed by pure-Go dot products inside the parallel solves (a
	// sequence of small syrk calls is no faster on a few cores, and BLAS is
	// not called from many goroutines at once).
	grams  []float64 // batch × k×k
	ready  []bool    // whether grams holds line c0+i of the current batch
	gather []float64 // gathered factor rows, row-major
}

// blasMinList is the shortest list whose Gram matrix goes through syrk.
const blasMinList = 1024

type scratch struct {
	g, l, t, ga []float64
}

// gramBudget bounds the memory of the precomputed Gram matrices of a batch.
const gramBudget = 16 << 20

// newLineSolver returns a solver for lines with the given positions (nil:
// all observed); set its factor with reset before solving.
func newLineSolver(k int, gamma float64, nonneg bool, lines *lists) *lineSolver {
	s := &lineSolver{k: k, gamma: gamma, nonneg: nonneg, lines: lines}
	if lines == nil {
		s.shared = make([]float64, k*k)
		s.sharedL = make([]float64, k*k)
	} else if linalg.Native && lines.maxLen >= blasMinList {
		s.grams = make([]float64, gramBatch(k)*k*k)
		s.ready = make([]bool, gramBatch(k))
		s.gather = make([]float64, min(lines.maxLen, max(blasMinList, (1<<20)/k))*k)
	}
	s.scratch = make([]*scratch, workers(1<<30))
	for w := range s.scratch {
		s.scratch[w] = &scratch{
			g:  make([]float64, k*k),
			l:  make([]float64, k*k),
			t:  make([]float64, k*gatherChunk),
			ga: make([]float64, k),
		}
	}
	return s
}

// reset sets the factor rows f and full = Σ_j f_j f_jᵀ (k×k, both
// triangles); with no missing entries it forms and factors the one Gram
// matrix all lines share.
func (s *lineSolver) reset(f, full []float64) {
	k := s.k
	s.f, s.full = f, full
	if s.lines == nil {
		copy(s.shared, full)
		for p := 0; p < k; p++ {
			s.shared[p*k+p] += s.gamma
		}
		factor(s.sharedL, s.shared, k)
	}
}

// gramBatch is the number of lines whose Gram matrices are formed ahead of
// their solves with a native BLAS.
func gramBatch(k int) int { return min(256, max(4, gramBudget/(8*k*k))) }

// startGram sets g (k×k) to the start of the Gram matrix of line r: zero
// when r lists its observed positions, full when it lists its missing ones,
// whose terms are then subtracted. It returns the sign of the terms to add.
func (s *lineSolver) startGram(r int, g []float64) float64 {
	if s.lines.observed[r] {
		clear(g)
		return 1
	}
	copy(g, s.full)
	return -1
}

// gramBLAS fills the upper triangle of g with the Gram matrix of line r
// (without γ) by gathering the listed factor rows and calling syrk.
func (s *lineSolver) gramBLAS(r int, g []float64) {
	k := s.k
	sign := s.startGram(r, g)
	list := s.lines.list(r)
	chunk := len(s.gather) / k
	sym := blas64.Symmetric{Uplo: blas.Upper, N: k, Stride: k, Data: g}
	for c0 := 0; c0 < len(list); c0 += chunk {
		m := min(chunk, len(list)-c0)
		for q, j := range list[c0 : c0+m] {
			copy(s.gather[q*k:q*k+k], s.f[int(j)*k:int(j)*k+k])
		}
		blas64.Syrk(blas.Trans, sign, blas64.General{Rows: m, Cols: k, Stride: k, Data: s.gather[:m*k]}, 1, sym)
	}
}

// gramGo fills the upper triangle of sc.g with the Gram matrix of line r
// (without γ) by dot products of gathered factor columns (pure Go, safe to
// run in parallel).
func (s *lineSolver) gramGo(sc *scratch, r int) []float64 {
	k, g := s.k, sc.g
	sign := s.startGram(r, g)
	list := s.lines.list(r)
	for c0 := 0; c0 < len(list); c0 += gatherChunk {
		m := min(gatherChunk, len(list)-c0)
		t := sc.t[:k*m] // t[p*m+q] = component p of the q-th gathered row
		for q, j := range list[c0 : c0+m] {
			for p, v := range s.f[int(j)*k : int(j)*k+k] {
				t[p*m+q] = v
			}
		}
		for p := 0; p < k; p++ {
			tp := t[p*m : p*m+m]
			for q := p; q < k; q++ {
				g[p*k+q] += sign * floats.Dot(tp, t[q*m:q*m+m])
			}
		}
	}
	return g
}

// finishGram copies the upper triangle of g into the lower one and adds γ
// to the diagonal.
func (s *lineSolver) finishGram(g []float64) {
	symmetrize(g, s.k)
	for p := 0; p < s.k; p++ {
		g[p*s.k+p] += s.gamma
	}
}

// solve writes into a the minimiser for line r with right-hand side b and
// returns aᵀGa − 2bᵀa at it. g is the line's Gram matrix (upper triangle,
// without γ) when it has been formed already, nil otherwise. With nonneg and
// warm, a holds a feasible starting point (the previous iterate); otherwise
// the start of the non-negative solve is the unconstrained solution clipped
// at 0.
func (s *lineSolver) solve(sc *scratch, r int, g, b, a []float64, warm bool) float64 {
	k := s.k
	var l []float64
	if s.lines == nil {
		g, l = s.shared, s.sharedL
	} else {
		if g == nil {
			g = s.gramGo(sc, r)
		}
		s.finishGram(g)
	}
	if !s.nonneg || !warm {
		if l == nil {
			factor(sc.l, g, k)
			l = sc.l
		}
		copy(a, b)
		cholSolve(l, k, a)
		if s.nonneg {
			for p, v := range a {
				a[p] = max(v, 0)
			}
		}
	}
	ga := sc.ga
	if s.nonneg {
		nnls(g, k, b, a, ga)
	} else {
		for p := 0; p < k; p++ {
			ga[p] = floats.Dot(g[p*k:p*k+k], a)
		}
	}
	return floats.Dot(a, ga) - 2*floats.Dot(a, b)
}

// solveLines solves lines lo..hi−1: line lo+i has right-hand side b[i*k:]
// and solution a[i*k:]. It returns Σ (aᵀGa − 2bᵀa) over the lines, summed
// in line order.
func (s *lineSolver) solveLines(lo, hi int, b, a []float64, warm bool, contrib []float64) float64 {
	k := s.k
	contrib = contrib[:hi-lo]
	batch := hi - lo
	if s.grams != nil {
		batch = gramBatch(k)
	}
	for c0 := lo; c0 < hi; c0 += batch {
		c1 := min(c0+batch, hi)
		if s.grams != nil {
			for r := c0; r < c1; r++ {
				j := r - c0
				s.ready[j] = len(s.lines.list(r)) >= blasMinList
				if s.ready[j] {
					s.gramBLAS(r, s.grams[j*k*k:(j+1)*k*k])
				}
			}
		}
		parallel(c1-c0, func(w, l0, h0 int) {
			sc := s.scratch[w]
			for i := c0 - lo + l0; i < c0-lo+h0; i++ {
				var g []float64
				if j := i - (c0 - lo); s.grams != nil && s.ready[j] {
					g = s.grams[j*k*k : (j+1)*k*k]
				}
				contrib[i] = s.solve(sc, lo+i, g, b[i*k:i*k+k], a[i*k:i*k+k], warm)
			}
		})
	}
	sum := 0.0
	for _, c := range contrib {
		sum += c
	}
	return sum
}

// ystats accumulates, during an A step, what the following Y step needs:
// AᵀA (k×k, upper triangle) and St = X₀ᵀA (d×k), X₀ being X with its
// missing entries set to 0.
type ystats struct {
	atA, st []float64
	ab      float64 // Σ_i a_iᵀb_i, for the objective of the batched solve
}

// solveA writes into a (n×k) the rows of A that solve the row problems of X
// (n×d) for the factor yt = Yᵀ (d×k) with the solver s, whose lines are the
// rows of X (warm: a holds the previous, feasible A). Rows go through in
// blocks of blockRows: each block is converted to float64 with its missing
// entries zeroed, B = X₀·Yᵀ comes from one GEMM, and with no missing entries
// and no sign constraint the block is solved by B·G⁻¹ with the shared
// Cholesky factor (two trsm calls); otherwise row by row in parallel. When st is non-nil it accumulates the
// statistics of the Y step. It returns Σ_i (a_iᵀG_i a_i − 2b_iᵀa_i); for the
// batched solve that sum is completed by the caller from st.
func solveA(ctx context.Context, X blas32.General, s *lineSolver, yt []float64, warm bool, a []float64, st *ystats) (float64, error) {
	n, d, k, rows := X.Rows, X.Cols, s.k, s.lines
	s.reset(yt, gramOf(yt, d, k))
	batched := rows == nil && !s.nonneg
	ytg := blas64.General{Rows: d, Cols: k, Stride: k, Data: yt}
	bs := min(blockRows, n)
	xb := make([]float64, bs*d)
	bb := make([]float64, bs*k)
	contrib := make([]float64, bs)
	total := 0.0
	for lo := 0; lo < n; lo += bs {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		hi := min(lo+bs, n)
		m := hi - lo
		xg := loadBlock(X, rows, lo, hi, xb)
		bg := blas64.General{Rows: m, Cols: k, Stride: k, Data: bb[:m*k]}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, xg, ytg, 0, bg)
		ag := blas64.General{Rows: m, Cols: k, Stride: k, Data: a[lo*k : hi*k]}
		if batched {
			copy(ag.Data, bg.Data)
			solveBatched(s.sharedL, k, ag)
			if st != nil {
				st.ab += floats.Dot(ag.Data, bg.Data)
			}
		} else {
			total += s.solveLines(lo, hi, bg.Data, ag.Data, warm, contrib)
		}
		if st != nil {
			blas64.Syrk(blas.Trans, 1, ag, 1, blas64.Symmetric{Uplo: blas.Upper, N: k, Stride: k, Data: st.atA})
			blas64.Gemm(blas.Trans, blas.NoTrans, 1, xg, ag, 1, blas64.General{Rows: d, Cols: k, Stride: k, Data: st.st})
		}
	}
	return total, nil
}

// loadBlock converts rows lo..hi−1 of X to float64 in buf, with the missing
// entries (per rows; nil: none) set to 0.
func loadBlock(X blas32.General, rows *lists, lo, hi int, buf []float64) blas64.General {
	d := X.Cols
	for i := lo; i < hi; i++ {
		src := X.Data[i*X.Stride : i*X.Stride+d]
		dst := buf[(i-lo)*d : (i-lo+1)*d]
		if rows != nil && rows.observed[i] {
			clear(dst)
			for _, j := range rows.list(i) {
				dst[j] = float64(src[j])
			}
			continue
		}
		for j, v := range src {
			dst[j] = float64(v)
		}
		if rows != nil {
			for _, j := range rows.list(i) {
				dst[j] = 0
			}
		}
	}
	return blas64.General{Rows: hi - lo, Cols: d, Stride: d, Data: buf[:(hi-lo)*d]}
}

// gramOf returns FᵀF (k×k, both triangles) for the m×k row-major f.
func gramOf(f []float64, m, k int) []float64 {
	g := make([]float64, k*k)
	blas64.Syrk(blas.Trans, 1, blas64.General{Rows: m, Cols: k, Stride: k, Data: f}, 0,
		blas64.Symmetric{Uplo: blas.Upper, N: k, Stride: k, Data: g})
	symmetrize(g, k)
	return g
}

// symmetrize copies the upper triangle of the k×k g into its lower one.
func symmetrize(g []float64, k int) {
	for p := 0; p < k; p++ {
		for q := p + 1; q < k; q++ {
			g[q*k+p] = g[p*k+q]
		}
	}
}

// blas64General wraps the r×c row-major x.
func blas64General(x []float64, r, c int) blas64.General {
	return blas64.General{Rows: r, Cols: c, Stride: c, Data: x[:r*c]}
}
