// Package knn is an exact k-nearest-neighbour classifier and neighbour search
// on float32 feature matrices, giving the same neighbours and predictions as
// scikit-learn's KNeighborsClassifier (which computes in float64).
//
// Euclidean distances for many queries at once come from blocked float32
// matrix products (‖q‖² + ‖r‖² − 2q·r through linalg.MulABt, i.e. OpenBLAS
// sgemm) with a running top-(k+margin) list per query; Manhattan distances
// from a cache-blocked vek32 loop on all cores. The candidates' distances are
// then recomputed exactly in float64 from the raw differences and re-ranked.
// A rigorous bound on the float32 rounding error certifies, per query, that
// no row outside the candidates can be nearer than the k-th; the rare query
// that cannot be certified is searched again with a threshold, so results
// are exact whatever the data. Neighbours are ordered by distance, then by
// training index.
//
// Nearest (and Index, which keeps the row norms between queries) answers
// one query at a time, Euclidean or cosine, with one sgemv over the rows
// and the same exact float64 re-ranking: a GUI's "most similar items".
package knn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/progress"
)

// Metric is the distance between feature vectors.
type Metric int

const (
	Euclidean Metric = iota // √Σ(qᵢ−rᵢ)²
	Manhattan               // Σ|qᵢ−rᵢ|
	// Cosine is 1 − q·r/(‖q‖‖r‖), for Nearest only (the Classifier
	// refuses it).
	Cosine
)

var metricNames = []string{"euclidean", "manhattan", "cosine"}

// String returns the metric's name as sklearn spells it.
func (m Metric) String() string {
	if m < 0 || int(m) >= len(metricNames) {
		return fmt.Sprintf("Metric(%d)", int(m))
	}
	return metricNames[m]
}

// Weights is how the neighbours' votes are weighted.
type Weights int

const (
	// Uniform gives each neighbour one vote.
	Uniform Weights = iota
	// Distance weighs a neighbour by 1/distance. If any neighbour of a query
	// is at distance 0, only those at distance 0 vote, one vote each
	// (sklearn's rule).
	Distance
)

// Classifier is an exact k-nearest-neighbour classifier. Set the fields,
// call Fit, then Predict or the neighbour searches. A fitted Classifier is
// safe for concurrent use as long as its fields are not changed.
type Classifier struct {
	K        int     // number of neighbours that vote, ≥ 1
	Metric   Metric  // Euclidean by default
	Weights  Weights // Uniform by default
	Progress *progress.Tracker

	x       blas32.General // training rows (kept, not copied)
	classes []int          // sorted distinct labels
	yc      []int32        // class index of each training row
	norm2   []float32      // ‖r‖² of each training row (Euclidean)
	maxNorm float64        // max ‖r‖ over the training rows
}

// Neighbors are the nearest training rows of N queries, K per query, as
// flat row-major N×K slices. Row i lists training indices by increasing
// distance (then increasing index) with their distances.
type Neighbors struct {
	N, K  int
	Index []int     // training row of each neighbour
	Dist  []float64 // its distance (exact, in float64)
}

// Row returns the indices and distances of the neighbours of query i.
func (nb Neighbors) Row(i int) ([]int, []float64) {
	return nb.Index[i*nb.K : (i+1)*nb.K], nb.Dist[i*nb.K : (i+1)*nb.K]
}

// Fit stores the training rows X (n×d, kept by reference: do not modify X
// while the classifier is in use) and their labels y (any ints). It returns
// an error if K is outside 1..n, y does not have n labels, or X holds NaN or
// infinite values or a row with a squared norm above 1e36. A single class is fine: every prediction is that class.
func (c *Classifier) Fit(X blas32.General, y []int) error {
	n := X.Rows
	if n == 0 || X.Cols == 0 {
		return errors.New("knn: no training data")
	}
	if len(y) != n {
		return fmt.Errorf("knn: %d labels for %d training rows", len(y), n)
	}
	if c.K < 1 || c.K > n {
		return fmt.Errorf("knn: K = %d, need 1..%d (the number of training rows)", c.K, n)
	}
	if c.Metric != Euclidean && c.Metric != Manhattan {
		return fmt.Errorf("knn: the classifier supports euclidean and manhattan distances, not %v", c.Metric)
	}
	if c.Weights != Uniform && c.Weights != Distance {
		return fmt.Errorf("knn: unknown weights %d", int(c.Weights))
	}
	norm2, maxN2, err := rowNorms(X, "training")
	if err != nil {
		return err
	}
	classes := slices.Clone(y)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	yc := make([]int32, n)
	for i, l := range y {
		j, _ := slices.BinarySearch(classes, l)
		yc[i] = int32(j)
	}
	c.x, c.classes, c.yc, c.norm2, c.maxNorm = X, classes, yc, norm2, math.Sqrt(maxN2)
	return nil
}

// maxNorm2 bounds the squared norm of a row, so that float32 norms, dot
// products and distance sums cannot overflow.
const maxNorm2 = 1e36

// rowNorms returns the squared norm of each row of X (rounded to float32)
// and the largest one (in float64), or an error naming the first row that
// holds a NaN or infinite value or whose squared norm exceeds maxNorm2.
func rowNorms(X blas32.General, what string) ([]float32, float64, error) {
	norm2 := make([]float32, X.Rows)
	bad := make([]bool, X.Rows)
	var mu sync.Mutex
	largest := 0.0
	parallel(X.Rows, func(a, b int) {
		m := 0.0
		for i := a; i < b; i++ {
			s := 0.0
			for _, v := range X.Data[i*X.Stride : i*X.Stride+X.Cols] {
				s += float64(v) * float64(v)
			}
			// NaN and ±Inf make s NaN or +Inf, which fail this test too.
			bad[i] = !(s <= maxNorm2)
			norm2[i] = float32(s)
			m = math.Max(m, s)
		}
		mu.Lock()
		largest = math.Max(largest, m)
		mu.Unlock()
	})
	for i, b := range bad {
		if !b {
			continue
		}
		for j, v := range X.Data[i*X.Stride : i*X.Stride+X.Cols] {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, 0, fmt.Errorf("knn: %s row %d, feature %d is %v", what, i, j, v)
			}
		}
		return nil, 0, fmt.Errorf("knn: %s row %d is too large for float32 distances (squared norm above %g)", what, i, maxNorm2)
	}
	return norm2, largest, nil
}

func (c *Classifier) fitted() error {
	if c.x.Data == nil {
		return errors.New("knn: classifier is not fitted")
	}
	return nil
}

// KNeighbors returns the k nearest training rows of each row of Q (m×d).
// It returns an error if the classifier is not fitted, k is outside
// 1..n, Q does not have d columns, holds NaN or infinite values or a row
// with a squared norm above 1e36, or ctx is cancelled.
func (c *Classifier) KNeighbors(ctx context.Context, Q blas32.General, k int) (Neighbors, error) {
	if err := c.fitted(); err != nil {
		return Neighbors{}, err
	}
	if k < 1 || k > c.x.Rows {
		return Neighbors{}, fmt.Errorf("knn: %d neighbours requested, need 1..%d", k, c.x.Rows)
	}
	if Q.Cols != c.x.Cols {
		return Neighbors{}, fmt.Errorf("knn: queries have %d features, training rows %d", Q.Cols, c.x.Cols)
	}
	if _, _, err := rowNorms(Q, "query"); err != nil {
		return Neighbors{}, err
	}
	return c.search(ctx, Q, k, false)
}

// KNeighborsSelf returns, for each training row i, its k nearest other
// training rows: row i itself is excluded by index, while exact duplicates
// of it (at distance 0) are kept. This is the leave-one-out neighbourhood
// (and a near-duplicate finder). k must be in 1..n−1.
//
// sklearn's kneighbors() without X differs only in which zero-distance row
// it drops when a row has duplicates.
//
// Euclidean neighbours are found with each pair of rows multiplied once
// (the Gram matrix is symmetric): about half the time of KNeighbors(X).
func (c *Classifier) KNeighborsSelf(ctx context.Context, k int) (Neighbors, error) {
	if err := c.fitted(); err != nil {
		return Neighbors{}, err
	}
	if k < 1 || k > c.x.Rows-1 {
		return Neighbors{}, fmt.Errorf("knn: %d neighbours requested among %d other rows", k, c.x.Rows-1)
	}
	if c.Metric == Euclidean && c.x.Rows*min(k+margin(k), c.x.Rows-1) <= maxSelfLists {
		return c.searchSelf(ctx, k)
	}
	return c.search(ctx, c.x, k, true)
}

// Predict returns the predicted label of each row of Q: the majority label
// of its K nearest training rows, weighted as c.Weights says. Errors are
// those of KNeighbors.
func (c *Classifier) Predict(ctx context.Context, Q blas32.General) ([]int, error) {
	nb, err := c.KNeighbors(ctx, Q, c.K)
	if err != nil {
		return nil, err
	}
	return c.Vote(nb, nil), nil
}

// PredictSelf returns the leave-one-out prediction of every training row,
// voting among its K nearest other rows (see KNeighborsSelf).
func (c *Classifier) PredictSelf(ctx context.Context) ([]int, error) {
	if err := c.fitted(); err != nil {
		return nil, err
	}
	if c.K > c.x.Rows-1 {
		return nil, fmt.Errorf("knn: K = %d needs at least %d training rows for leave-one-out", c.K, c.K+1)
	}
	nb, err := c.KNeighborsSelf(ctx, c.K)
	if err != nil {
		return nil, err
	}
	return c.Vote(nb, nil), nil
}

// Vote returns the label voted by each row of nb (neighbours of a fitted
// classifier), into dst if it has room for nb.N labels. All nb.K
// neighbours vote, weighted as c.Weights says; a tie goes to the smallest
// label, as sklearn (scipy.stats.mode, weighted_mode) does.
func (c *Classifier) Vote(nb Neighbors, dst []int) []int {
	if cap(dst) >= nb.N {
		dst = dst[:nb.N]
	} else {
		dst = make([]int, nb.N)
	}
	score := make([]float64, len(c.classes))
	for i := 0; i < nb.N; i++ {
		idx, dist := nb.Row(i)
		clear(score)
		zero := false
		if c.Weights == Distance {
			for _, d := range dist {
				if d == 0 {
					zero = true
					break
				}
			}
		}
		for j, r := range idx {
			w := 1.0
			if c.Weights == Distance {
				switch {
				case zero && dist[j] == 0:
					w = 1
				case zero:
					w = 0
				default:
					w = 1 / dist[j]
				}
			}
			score[c.yc[r]] += w
		}
		best := 0
		for j, s := range score {
			if s > score[best] {
				best = j
			}
		}
		dst[i] = c.classes[best]
	}
	return dst
}

// Classes returns the distinct training labels in increasing order.
func (c *Classifier) Classes() []int { return slices.Clone(c.classes) }
