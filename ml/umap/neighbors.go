package umap

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/knn"
	"embedscope/ml/linalg"
	"embedscope/ml/progress"
)

// Metric is the distance between input rows.
type Metric int

const (
	// Euclidean is √Σ(xᵢ−yᵢ)².
	Euclidean Metric = iota
	// Cosine is 1 − x·y/(‖x‖‖y‖), as umap-learn's "cosine"; rows of zeros
	// are refused.
	Cosine
)

var metricNames = []string{"euclidean", "cosine"}

// String returns the metric's name as umap-learn spells it.
func (m Metric) String() string {
	if m < 0 || int(m) >= len(metricNames) {
		return fmt.Sprintf("Metric(%d)", int(m))
	}
	return metricNames[m]
}

// ParseMetric returns the metric named s ("euclidean" or "cosine").
func ParseMetric(s string) (Metric, error) {
	for i, n := range metricNames {
		if s == n {
			return Metric(i), nil
		}
	}
	return 0, fmt.Errorf("umap: unknown metric %q (use euclidean or cosine)", s)
}

// An Index answers k-nearest-neighbour queries against the rows it was
// built on. UMAP needs each row's neighbours among the others (the graph)
// and, for Transform, the neighbours of new rows. Both return rows of
// neighbours ordered by increasing distance, with distances in the index's
// metric. An Index is used from one goroutine at a time.
//
// ExactIndex is the exact search; an approximate index (NN-descent, as
// umap-learn uses through pynndescent) can be put in its place through
// UMAP.Index.
type Index interface {
	// Rows and Dim are the shape of the indexed matrix.
	Rows() int
	Dim() int
	// SelfNeighbors returns, for every indexed row i, its k nearest other
	// indexed rows (i itself excluded by index; duplicates of it are kept).
	SelfNeighbors(ctx context.Context, k int) (knn.Neighbors, error)
	// Query returns, for every row of Q (m×Dim), its k nearest indexed rows.
	Query(ctx context.Context, Q blas32.General, k int) (knn.Neighbors, error)
}

// IndexBuilder builds an Index of the rows of X under metric m; the index
// reports the progress of SelfNeighbors to t (which may be nil).
type IndexBuilder func(ctx context.Context, X blas32.General, m Metric, t *progress.Tracker) (Index, error)

// exactIndex is ExactIndex's Index: ml/knn's blocked-sgemm exact search,
// on the rows themselves (Euclidean) or on the rows scaled to unit length
// (cosine, where ‖x̂ − ŷ‖² = 2·(1 − cos)).
type exactIndex struct {
	c      *knn.Classifier
	x      blas32.General // the rows as given (kept, not copied)
	search blas32.General // the rows searched: X, or X scaled to unit rows
	metric Metric
	norm   []float64 // ‖xᵢ‖ (cosine)
	tr     *progress.Tracker
}

// ExactIndex returns the exact k-nearest-neighbour index of the rows of X
// (kept by reference: do not modify X while the index is in use), built
// with ml/knn: float32 distances from blocked sgemm, candidates re-ranked
// by exact float64 distances and certified, so neighbours are the exact
// ones, ordered by distance and then index. For the cosine metric the
// search runs on the rows scaled to unit length and the distances
// returned are 1 − x·y/(‖x‖‖y‖) computed in float64 from the rows as
// given. It returns an error for an empty matrix, NaN or infinite values,
// or (cosine) a row of zeros, which has no direction.
func ExactIndex(ctx context.Context, X blas32.General, m Metric, t *progress.Tracker) (Index, error) {
	if err := checkMatrix(X, -1, "X"); err != nil {
		return nil, err
	}
	ix := &exactIndex{x: X, metric: m, tr: t}
	search := X
	switch m {
	case Euclidean:
	case Cosine:
		var err error
		if search, ix.norm, err = unitRows(X, "X"); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("umap: unknown metric %d", int(m))
	}
	ix.c = &knn.Classifier{K: 1}
	if err := ix.c.Fit(search, make([]int, X.Rows)); err != nil {
		return nil, fmt.Errorf("umap: %w", err)
	}
	ix.search = search
	return ix, nil
}

func (ix *exactIndex) Rows() int { return ix.x.Rows }
func (ix *exactIndex) Dim() int  { return ix.x.Cols }

func (ix *exactIndex) SelfNeighbors(ctx context.Context, k int) (knn.Neighbors, error) {
	if k < 1 || k > ix.x.Rows-1 {
		return knn.Neighbors{}, fmt.Errorf("umap: %d neighbours requested among %d other rows", k, ix.x.Rows-1)
	}
	nb, err := ix.parts(ctx, ix.search, k, true, ix.tr)
	if err != nil {
		return nb, err
	}
	if ix.metric == Cosine {
		ix.cosine(ix.x, ix.norm, nb)
	}
	return nb, nil
}

func (ix *exactIndex) Query(ctx context.Context, Q blas32.General, k int) (knn.Neighbors, error) {
	if Q.Cols != ix.x.Cols {
		return knn.Neighbors{}, fmt.Errorf("umap: new rows have %d columns, the map was fitted on %d", Q.Cols, ix.x.Cols)
	}
	if err := checkMatrix(Q, -1, "new rows"); err != nil {
		return knn.Neighbors{}, err
	}
	if k < 1 || k > ix.x.Rows {
		return knn.Neighbors{}, fmt.Errorf("umap: %d neighbours requested among %d rows", k, ix.x.Rows)
	}
	if ix.metric == Euclidean {
		return ix.parts(ctx, Q, k, false, nil)
	}
	U, norm, err := unitRows(Q, "new rows")
	if err != nil {
		return knn.Neighbors{}, err
	}
	nb, err := ix.parts(ctx, U, k, false, nil)
	if err != nil {
		return nb, err
	}
	ix.cosine(Q, norm, nb)
	return nb, nil
}

// searchPart is the number of query rows of one part of a search.
var searchPart = 4096

// parts returns the k nearest indexed rows of every row of Q (with self,
// Q is the indexed matrix and row i's own index is left out, duplicates
// of it kept: knn.Classifier.KNeighborsSelf's neighbours), reporting to tr
// (which may be nil) one unit per query. The queries are
// cut into parts of searchPart rows, searched by GOMAXPROCS goroutines at
// once with OpenBLAS on one thread each (linalg.SingleThreaded): on two
// cores shared with other work this took 40 % less time and CPU than one
// search on OpenBLAS's threads. Every part's search is exact, so the
// result does not depend on the parts. A self search asks each part for
// k+1 neighbours and drops the query's own index (or the last one when
// more than k duplicates precede it).
func (ix *exactIndex) parts(ctx context.Context, Q blas32.General, k int, self bool, tr *progress.Tracker) (knn.Neighbors, error) {
	m := Q.Rows
	kk := k
	if self {
		kk++
	}
	out := knn.Neighbors{N: m, K: k, Index: make([]int, m*k), Dist: make([]float64, m*k)}
	nparts := (m + searchPart - 1) / searchPart
	tr.Stage("kNN: distances", float64(m))
	var next atomic.Int64
	errs := make([]error, nparts)
	work := func() {
		for {
			p := int(next.Add(1) - 1)
			if p >= nparts || ctx.Err() != nil {
				return
			}
			lo, hi := p*searchPart, min((p+1)*searchPart, m)
			part := blas32.General{Rows: hi - lo, Cols: Q.Cols, Stride: Q.Stride, Data: Q.Data[lo*Q.Stride : (hi-1)*Q.Stride+Q.Cols]}
			nb, err := ix.c.KNeighbors(ctx, part, kk)
			if err != nil {
				errs[p] = err
				return
			}
			for i := 0; i < hi-lo; i++ {
				idx, dist := nb.Row(i)
				dstI, dstD := out.Index[(lo+i)*k:(lo+i+1)*k], out.Dist[(lo+i)*k:(lo+i+1)*k]
				c := 0
				for j, r := range idx {
					if c == k {
						break
					}
					if self && r == lo+i {
						continue
					}
					dstI[c], dstD[c] = r, dist[j]
					c++
				}
			}
			tr.Add(float64(hi - lo))
		}
	}
	workers := min(runtime.GOMAXPROCS(0), nparts)
	linalg.SingleThreaded(func() {
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				work()
			}()
		}
		wg.Wait()
	})
	if err := ctx.Err(); err != nil {
		return knn.Neighbors{}, err
	}
	for _, err := range errs {
		if err != nil {
			return knn.Neighbors{}, fmt.Errorf("umap: %w", err)
		}
	}
	return out, nil
}

// cosine replaces the Euclidean distances between unit rows in nb by the
// cosine distances between the rows of Q (norms qn) and the indexed rows,
// computed in float64, and re-sorts each row by (distance, index).
func (ix *exactIndex) cosine(Q blas32.General, qn []float64, nb knn.Neighbors) {
	type pair struct {
		d float64
		j int
	}
	row := make([]pair, nb.K)
	for i := 0; i < nb.N; i++ {
		idx, dist := nb.Row(i)
		q := Q.Data[i*Q.Stride : i*Q.Stride+Q.Cols]
		for m, j := range idx {
			r := ix.x.Data[j*ix.x.Stride : j*ix.x.Stride+ix.x.Cols]
			dot := 0.0
			for c, v := range q {
				dot += float64(v) * float64(r[c])
			}
			row[m] = pair{max(0, 1-dot/(qn[i]*ix.norm[j])), j}
		}
		slices.SortStableFunc(row, func(a, b pair) int {
			if a.d != b.d {
				if a.d < b.d {
					return -1
				}
				return 1
			}
			return a.j - b.j
		})
		for m, p := range row {
			idx[m], dist[m] = p.j, p.d
		}
	}
}

// unitRows returns the rows of X scaled to unit length (float64 norms,
// rounded to float32) and the norms; a row of zeros is an error.
func unitRows(X blas32.General, what string) (blas32.General, []float64, error) {
	d := X.Cols
	U := blas32.General{Rows: X.Rows, Cols: d, Stride: d, Data: make([]float32, X.Rows*d)}
	norm := make([]float64, X.Rows)
	for i := 0; i < X.Rows; i++ {
		r := X.Data[i*X.Stride : i*X.Stride+d]
		s := 0.0
		for _, v := range r {
			s += float64(v) * float64(v)
		}
		if s == 0 {
			return U, nil, fmt.Errorf("umap: %s row %d is all zeros: it has no cosine distance (use the euclidean metric or drop the row)", what, i)
		}
		norm[i] = math.Sqrt(s)
		for c, v := range r {
			U.Data[i*d+c] = float32(float64(v) / norm[i])
		}
	}
	return U, norm, nil
}

// checkMatrix returns an error if X has an inconsistent layout, not cols
// columns (any number ≥ 1 when cols < 0), or a NaN or infinite value.
func checkMatrix(X blas32.General, cols int, name string) error {
	if X.Rows < 1 || X.Cols < 1 || (cols >= 0 && X.Cols != cols) {
		return fmt.Errorf("umap: %s is %d×%d", name, X.Rows, X.Cols)
	}
	if X.Stride < X.Cols || len(X.Data) < (X.Rows-1)*X.Stride+X.Cols {
		return fmt.Errorf("umap: %s has an inconsistent layout (%d×%d, stride %d, %d values)", name, X.Rows, X.Cols, X.Stride, len(X.Data))
	}
	for i := 0; i < X.Rows; i++ {
		for j, v := range X.Data[i*X.Stride : i*X.Stride+X.Cols] {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("umap: %s row %d, column %d is %v", name, i, j, v)
			}
		}
	}
	return nil
}
