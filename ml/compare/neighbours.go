// Package compare compares two embedding spaces of the same items,
// neighbourhood by neighbourhood (the Embedding Comparator's and embComp's
// local measures), and scores a space against a reference (usually the
// pixels):
//
//   - Neighbours: the exact k nearest other items of every item of one
//     space (a value the caller keeps, so that the costly pixel
//     neighbourhoods are computed once per session);
//   - Agreement: the Jaccard index of each item's k-NN sets in A and in B,
//     with Summarise (mean, per-class means, histogram) and the items that
//     changed most, grouped by the majority class of their neighbourhood in
//     A and in B (MostChanged);
//   - Align: orthogonal Procrustes alignment of one 2-D view onto another,
//     Views (both spaces' 2-D views, aligned), Interpolate (frames of the
//     morph between them) and Domino (an item's neighbours in A and in B,
//     shared ones marked);
//   - Trustworthiness and Continuity of a space against a reference space,
//     exact or on a seeded sample of items;
//   - Drift: the agreement between two snapshots of the same items;
//   - Assess: a space's quality row (kNN accuracy, trustworthiness,
//     continuity, agreement with the pixels, k-means purity and NMI).
//
// Neighbourhoods come from ml/knn's exact search and are ordered by
// distance, then by item index; see Neighbours for how this relates to
// scikit-learn's NearestNeighbors.
package compare

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/internal/parfor"
	"embedscope/ml/knn"
	"embedscope/ml/progress"
)

// Neighbourhoods are the k nearest other items of every item of one space,
// found exactly: row i of the embedded knn.Neighbors lists K item indices
// (never i itself) by increasing distance, then increasing index, with
// their distances (Euclidean, or the cosine distance 1 − cos). A
// Neighbourhoods of K neighbours serves every k ≤ K: the first k of a row
// are that item's k nearest. It is not modified after Neighbours returns
// and is safe for concurrent use.
type Neighbourhoods struct {
	knn.Neighbors
	Metric knn.Metric
}

// Neighbours returns the k nearest other rows of every row of X (n×d, one
// row per item), under the Euclidean or the cosine distance.
//
// Euclidean neighbours are knn.Classifier.KNeighborsSelf's: exact
// (blocked float32 sgemm, candidates re-ranked in float64 and certified
// against the rounding error). Cosine neighbours are searched the same way
// among the rows scaled to unit length (where the squared Euclidean
// distance is twice the cosine distance), with k+8 candidates per item
// that are then ranked by their cosine distance 1 − x·y/(‖x‖‖y‖) computed
// in float64 from the original rows; an item whose k-th cosine distance
// is not certified, by a bound on the rounding of the unit rows, to be
// below every other row's is searched again exactly with knn.Index.Nearest.
//
// Ties: rows at equal distance are ordered by index, as a stable sort of
// the distances gives. scikit-learn's NearestNeighbors().kneighbors()
// computes the same distances in float64 (to about 1e-13 relative) and
// leaves the order of exactly tied distances unspecified; it also drops
// the first neighbour, instead of the item itself, when the item has more
// exact duplicates than k. On data without exact ties and duplicates at
// the k-th place, the neighbourhoods are identical.
//
// It returns an error if k is outside 1..n−1, the metric is neither
// Euclidean nor Cosine, X holds NaN or infinite values or (for Cosine) a
// row of zero length, or ctx is cancelled.
func Neighbours(ctx context.Context, X blas32.General, k int, m knn.Metric, t *progress.Tracker) (*Neighbourhoods, error) {
	n := X.Rows
	if n < 2 || X.Cols < 1 {
		return nil, fmt.Errorf("compare: neighbourhoods need at least 2 items with 1 feature (got %d×%d)", n, X.Cols)
	}
	if k < 1 || k > n-1 {
		return nil, fmt.Errorf("compare: %d neighbours requested among %d other items (k must be 1..%d)", k, n-1, n-1)
	}
	switch m {
	case knn.Euclidean:
		nb, err := selfNeighbours(ctx, X, k, t)
		if err != nil {
			return nil, err
		}
		return &Neighbourhoods{Neighbors: nb, Metric: m}, nil
	case knn.Cosine:
		return cosineNeighbours(ctx, X, k, t)
	}
	return nil, fmt.Errorf("compare: neighbourhoods are Euclidean or cosine, not %v", m)
}

// selfNeighbours is KNeighborsSelf of a classifier fitted on X.
func selfNeighbours(ctx context.Context, X blas32.General, k int, t *progress.Tracker) (knn.Neighbors, error) {
	c := &knn.Classifier{K: 1, Progress: t}
	if err := c.Fit(X, make([]int, X.Rows)); err != nil {
		return knn.Neighbors{}, err
	}
	return c.KNeighborsSelf(ctx, k)
}

// cosineExtra is the number of candidates beyond k searched among the unit
// rows before the exact cosine ranking.
const cosineExtra = 8

// cosineNeighbours implements Neighbours for the cosine distance.
func cosineNeighbours(ctx context.Context, X blas32.General, k int, t *progress.Tracker) (*Neighbourhoods, error) {
	n, d := X.Rows, X.Cols
	unit, norm, errMax, err := unitRows(X)
	if err != nil {
		return nil, err
	}
	kk := min(k+cosineExtra, n-1)
	cand, err := selfNeighbours(ctx, unit, kk, t)
	if err != nil {
		return nil, err
	}
	out := &Neighbourhoods{Neighbors: knn.Neighbors{N: n, K: k, Index: make([]int, n*k), Dist: make([]float64, n*k)}, Metric: knn.Cosine}
	t.Stage("cosine: exact ranking", float64(n))
	// delta bounds the float64 rounding of a computed cosine distance: a
	// dot product of d terms errs by at most d·2⁻⁵³·‖a‖‖b‖.
	delta := float64(d+8) * 0x1p-52
	var mu sync.Mutex
	var failed []int
	parallelRange(n, func(a, b int) {
		type cd struct {
			d float64
			j int
		}
		buf := make([]cd, kk)
		for i := a; i < b; i++ {
			xi := X.Data[i*X.Stride : i*X.Stride+d]
			idx, udist := cand.Row(i)
			for c, j := range idx {
				buf[c] = cd{cosineDist(xi, X.Data[j*X.Stride:j*X.Stride+d], norm[i], norm[j]), j}
			}
			slices.SortFunc(buf, func(p, q cd) int {
				if p.d != q.d {
					if p.d < q.d {
						return -1
					}
					return 1
				}
				return p.j - q.j
			})
			for c := 0; c < k; c++ {
				out.Index[i*k+c], out.Dist[i*k+c] = buf[c].j, buf[c].d
			}
			// Every row outside the kk candidates is, on the unit sphere,
			// at least udist[kk−1] − 2·errMax away (each unit row is
			// within errMax of the exact one), so its computed cosine
			// distance is at least (udist[kk−1] − 2·errMax)²/2 − δ; the
			// k-th candidate's is buf[k−1].d. All rows are candidates
			// when kk = n−1.
			if kk < n-1 && !(math.Sqrt(2*(buf[k-1].d+delta))*(1+1e-12)+1e-15 < udist[kk-1]-2*errMax) {
				mu.Lock()
				failed = append(failed, i)
				mu.Unlock()
			}
		}
		t.Add(float64(b - a))
	})
	if len(failed) == 0 {
		return out, ctx.Err()
	}
	t.Detail(fmt.Sprintf("%d items searched again", len(failed)))
	ix, err := knn.NewIndex(ctx, X)
	if err != nil {
		return nil, err
	}
	for _, i := range failed {
		nb, err := ix.Nearest(ctx, X.Data[i*X.Stride:i*X.Stride+d], k, knn.Cosine, i)
		if err != nil {
			return nil, err
		}
		for c, v := range nb {
			out.Index[i*k+c], out.Dist[i*k+c] = v.Row, v.Dist
		}
	}
	return out, nil
}

// unitRows returns the rows of X scaled to unit length (computed in
// float64, rounded to float32), the float64 length of each row, and the
// largest Euclidean distance between a rounded unit row and the exact one
// (with a margin for the float64 arithmetic). A row of zero length, or one
// holding NaN or infinite values, is an error.
func unitRows(X blas32.General) (blas32.General, []float64, float64, error) {
	n, d := X.Rows, X.Cols
	unit := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	norm := make([]float64, n)
	errs := make([]float64, n)
	for i := 0; i < n; i++ {
		row := X.Data[i*X.Stride : i*X.Stride+d]
		s := 0.0
		for _, v := range row {
			s += float64(v) * float64(v)
		}
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return blas32.General{}, nil, 0, fmt.Errorf("compare: row %d holds a NaN or infinite value", i)
		}
		if s == 0 {
			return blas32.General{}, nil, 0, fmt.Errorf("compare: row %d has length 0, so its cosine distance to other rows is undefined (use the Euclidean distance, or drop the row)", i)
		}
		nv := math.Sqrt(s)
		norm[i] = nv
		e := 0.0
		for j, v := range row {
			u := float64(v) / nv
			f := float32(u)
			unit.Data[i*d+j] = f
			e += (float64(f) - u) * (float64(f) - u)
		}
		errs[i] = math.Sqrt(e)
	}
	return unit, norm, slices.Max(errs)*(1+1e-6) + 1e-15, nil
}

// cosineDist returns 1 − a·b/(na·nb) in float64, clamped to [0, 2], with
// the dot product summed as knn.Index.Nearest sums it, so that the two
// order the rows alike.
func cosineDist(a, b []float32, na, nb float64) float64 {
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

// parallelRange runs f on contiguous ranges of [0, n), at least 256 items
// each, concurrently.
func parallelRange(n int, f func(a, b int)) { parfor.Rows(n, 256, f) }

// errMismatch reports neighbourhoods of different items.
var errMismatch = errors.New("compare: the two neighbourhoods are of different numbers of items")
