package knn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/linalg"
)

// Neighbor is one row found by Nearest: its index in X and its exact
// distance (computed in float64) to the query.
type Neighbor struct {
	Row  int
	Dist float64
}

// Index holds the rows searched by Nearest with their norms, so that many
// single queries against the same rows (a GUI's "most similar" button)
// pay for one pass over the data each. It is safe for concurrent use; X
// is kept by reference and must not be modified while the Index is used.
type Index struct {
	x       blas32.General
	norm2   []float64 // ‖r‖² of each row, in float64
	maxNorm float64   // the largest ‖r‖
}

// nearestChunk is the number of rows multiplied by one Gemv call; the
// context is checked between chunks.
const nearestChunk = 8192

// NewIndex checks the rows of X (n×d) and computes their norms. It returns
// an error if X is empty or holds NaN or infinite values or a row with a
// squared norm above 1e36 (see Classifier.Fit).
func NewIndex(ctx context.Context, X blas32.General) (*Index, error) {
	if X.Rows == 0 || X.Cols == 0 {
		return nil, errors.New("knn: no rows to search")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	norm2 := make([]float64, X.Rows)
	bad := make([]bool, X.Rows)
	parallel(X.Rows, func(a, b int) {
		for i := a; i < b; i++ {
			s := 0.0
			for _, v := range X.Data[i*X.Stride : i*X.Stride+X.Cols] {
				s += float64(v) * float64(v)
			}
			norm2[i] = s
			bad[i] = !(s <= maxNorm2) // NaN and ±Inf fail too
		}
	})
	largest := 0.0
	for i, s := range norm2 {
		if !bad[i] {
			largest = math.Max(largest, s)
			continue
		}
		for j, v := range X.Data[i*X.Stride : i*X.Stride+X.Cols] {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("knn: row %d, feature %d is %v", i, j, v)
			}
		}
		return nil, fmt.Errorf("knn: row %d is too large for float32 distances (squared norm above %g)", i, maxNorm2)
	}
	return &Index{x: X, norm2: norm2, maxNorm: math.Sqrt(largest)}, nil
}

// Rows returns the number of rows searched.
func (ix *Index) Rows() int { return ix.x.Rows }

// Dim returns the number of features of a row.
func (ix *Index) Dim() int { return ix.x.Cols }

// Nearest returns the n rows of X nearest to the query q, by increasing
// distance, then increasing row index. It is NewIndex(ctx, X) followed by
// Index.Nearest; keep the Index to search the same rows again.
func Nearest(ctx context.Context, X blas32.General, q []float32, n int, m Metric, exclude int) ([]Neighbor, error) {
	if err := checkNearest(X.Rows, X.Cols, q, n, m, exclude); err != nil {
		return nil, err
	}
	ix, err := NewIndex(ctx, X)
	if err != nil {
		return nil, err
	}
	return ix.Nearest(ctx, q, n, m, exclude)
}

// Nearest returns the n rows nearest to the query q (d values), by
// increasing distance, then increasing row index; row exclude is skipped
// (pass the query's own row to leave it out, or −1 to keep every row).
//
// Metric Euclidean is √Σ(qᵢ−rᵢ)²; Cosine is 1 − q·r/(‖q‖‖r‖), in [0, 2].
// Under Cosine a row of zero norm is at distance 1 from every query (it
// has no direction, so it is taken as orthogonal to all, as scikit-learn's
// cosine_distances does), and a query of zero norm is at distance 1 from
// every row. Manhattan is not offered here.
//
// The dot products of the query with every row come from one float32
// matrix-vector product (BLAS sgemv); the rows that a rigorous bound on
// its rounding error cannot rule out are then measured exactly in
// float64, so the result is exact whatever the data. It returns an error
// if n is outside 1..(number of rows, less the excluded one), q does not
// have d values or holds NaN or infinite values, the metric is not
// Euclidean or Cosine, or ctx is cancelled.
func (ix *Index) Nearest(ctx context.Context, q []float32, n int, m Metric, exclude int) ([]Neighbor, error) {
	if err := checkNearest(ix.x.Rows, ix.x.Cols, q, n, m, exclude); err != nil {
		return nil, err
	}
	q2 := 0.0
	for j, v := range q {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("knn: the query's feature %d is %v", j, v)
		}
		q2 += f * f
	}
	if !(q2 <= maxNorm2) {
		return nil, fmt.Errorf("knn: the query is too large for float32 distances (squared norm above %g)", maxNorm2)
	}
	qn := math.Sqrt(q2)
	X := ix.x
	N := X.Rows

	// dot[r] ≈ q·r in float32.
	dot := make([]float32, N)
	if err := ix.dots(ctx, q, dot); err != nil {
		return nil, err
	}

	// approx[r] is a float64 score that orders the rows as the distance
	// does, up to ±e[r] (the float32 rounding of dot[r]):
	//   Euclidean: ‖r‖² − 2q·r  (the squared distance less ‖q‖²), e ≤ 2γ‖q‖‖r‖
	//   Cosine:    1 − q·r/(‖q‖‖r‖),                               e ≤ γ
	// with γ = d·u/(1−d·u), the bound on a float32 dot product of d terms
	// (|fl(q·r) − q·r| ≤ γ Σ|qᵢrᵢ| ≤ γ‖q‖‖r‖), whatever the summation order.
	d := float64(X.Cols)
	gamma := d * unitRoundoff / (1 - d*unitRoundoff)
	var errMax float64
	approx := make([]float64, N)
	switch m {
	case Euclidean:
		for r := range approx {
			approx[r] = ix.norm2[r] - 2*float64(dot[r])
		}
		errMax = 2 * gamma * qn * ix.maxNorm
	case Cosine:
		for r := range approx {
			if den := qn * math.Sqrt(ix.norm2[r]); den > 0 {
				approx[r] = 1 - float64(dot[r])/den
			} else {
				approx[r] = 1
			}
		}
		errMax = gamma
	}
	// Margin for the float64 arithmetic (1e-12 relative to the magnitudes
	// involved is far above its rounding).
	slack := 1e-12
	if m == Euclidean {
		slack *= 1 + q2 + ix.maxNorm*ix.maxNorm
	}
	errMax = errMax*(1+1e-6) + slack
	if exclude >= 0 && exclude < N {
		approx[exclude] = math.Inf(1)
	}

	// T is the n-th smallest score. Every one of the n rows scoring ≤ T is
	// truly within T + errMax, so the true n-th nearest is too, and only
	// rows scoring ≤ T + 2·errMax can be among the n nearest.
	T := nthSmallest(approx, n)
	cut := T + 2*errMax
	var cand []Neighbor
	for r, a := range approx {
		if a <= cut {
			cand = append(cand, Neighbor{Row: r})
		}
	}
	for k := range cand {
		row := X.Data[cand[k].Row*X.Stride : cand[k].Row*X.Stride+X.Cols]
		if m == Euclidean {
			cand[k].Dist = math.Sqrt(sqDist64(q, row))
		} else {
			cand[k].Dist = cosineDist64(q, row, qn, math.Sqrt(ix.norm2[cand[k].Row]))
		}
	}
	slices.SortFunc(cand, func(a, b Neighbor) int {
		if a.Dist != b.Dist {
			if a.Dist < b.Dist {
				return -1
			}
			return 1
		}
		return a.Row - b.Row
	})
	return cand[:n], nil
}

// checkNearest validates the arguments of a single-query search.
func checkNearest(rows, cols int, q []float32, n int, m Metric, exclude int) error {
	if rows == 0 || cols == 0 {
		return errors.New("knn: no rows to search")
	}
	if m != Euclidean && m != Cosine {
		return fmt.Errorf("knn: nearest-item search supports euclidean and cosine distances, not %v", m)
	}
	if len(q) != cols {
		return fmt.Errorf("knn: the query has %d features, the rows %d", len(q), cols)
	}
	avail := rows
	if exclude >= 0 && exclude < rows {
		avail--
	}
	if n < 1 || n > avail {
		return fmt.Errorf("knn: %d neighbours requested, need 1..%d (the rows that can be returned)", n, avail)
	}
	return nil
}

// dots writes q·r for every row r of the index into dst (float32 sgemv),
// nearestChunk rows at a time so that ctx is honoured. With the pure-Go
// BLAS the chunks run on all cores; OpenBLAS threads each call itself.
func (ix *Index) dots(ctx context.Context, q []float32, dst []float32) error {
	X := ix.x
	vec := blas32.Vector{N: len(q), Inc: 1, Data: q}
	gemv := func(lo, hi int) {
		blas32.Gemv(blas.NoTrans, 1, rows(X, lo, hi), vec, 0, blas32.Vector{N: hi - lo, Inc: 1, Data: dst[lo:hi]})
	}
	if !linalg.Native {
		if err := ctx.Err(); err != nil {
			return err
		}
		parallel(X.Rows, func(a, b int) {
			for lo := a; lo < b; lo += nearestChunk {
				gemv(lo, min(lo+nearestChunk, b))
			}
		})
		return ctx.Err()
	}
	for lo := 0; lo < X.Rows; lo += nearestChunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		gemv(lo, min(lo+nearestChunk, X.Rows))
	}
	return nil
}

// cosineDist64 returns 1 − a·b/(na·nb) in float64, clamped to [0, 2]; 1
// when either norm is 0.
func cosineDist64(a, b []float32, na, nb float64) float64 {
	if na == 0 || nb == 0 {
		return 1
	}
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += float64(a[i]) * float64(b[i])
		s1 += float64(a[i+1]) * float64(b[i+1])
		s2 += float64(a[i+2]) * float64(b[i+2])
		s3 += float64(a[i+3]) * float64(b[i+3])
	}
	for ; i < len(a); i++ {
		s0 += float64(a[i]) * float64(b[i])
	}
	return min(max(1-((s0+s1)+(s2+s3))/(na*nb), 0), 2)
}

// nthSmallest returns the n-th smallest of v (1 ≤ n ≤ len(v)), keeping
// the n smallest in a max-heap.
func nthSmallest(v []float64, n int) float64 {
	h := make([]float64, 0, n)
	for _, x := range v {
		if len(h) < n {
			h = append(h, x)
			// Sift up.
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if h[p] >= h[i] {
					break
				}
				h[p], h[i] = h[i], h[p]
				i = p
			}
			continue
		}
		if x >= h[0] {
			continue
		}
		h[0] = x
		// Sift down.
		for i := 0; ; {
			l, big := 2*i+1, i
			if l < n && h[l] > h[big] {
				big = l
			}
			if l+1 < n && h[l+1] > h[big] {
				big = l + 1
			}
			if big == i {
				break
			}
			h[i], h[big] = h[big], h[i]
			i = big
		}
	}
	return h[0]
}
