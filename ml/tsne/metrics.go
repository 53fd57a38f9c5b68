package tsne

import (
	"context"
	"errors"
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"

	"embedscope/ml/knn"
)

// errNoLabels is returned by the metrics for mismatched labels.
var errNoLabels = errors.New("tsne: labels do not match the rows of the map")

// LeaveOneOutKNN returns the leave-one-out k-NN accuracy inside the map Y
// (n×c, usually a t-SNE embedding): the fraction of rows whose label equals
// the majority label of their k nearest other rows (exact Euclidean
// neighbours ordered by distance, then index; a tie in the vote goes to the
// smallest label), computed with knn.Classifier.PredictSelf: O(n²)
// distances, about 5 seconds for 70,000 points on two cores. It returns an
// error if labels does not have one entry per row, k is outside 1..n−1, Y
// holds NaN or infinite values, or ctx is cancelled.
func LeaveOneOutKNN(ctx context.Context, Y blas32.General, labels []int, k int) (float64, error) {
	if len(labels) != Y.Rows {
		return 0, errNoLabels
	}
	if k < 1 || k > Y.Rows-1 {
		return 0, fmt.Errorf("tsne: %d neighbours requested among %d other rows", k, Y.Rows-1)
	}
	c := &knn.Classifier{K: k}
	if err := c.Fit(Y, labels); err != nil {
		return 0, err
	}
	pred, err := c.PredictSelf(ctx)
	if err != nil {
		return 0, err
	}
	hit := 0
	for i, p := range pred {
		if p == labels[i] {
			hit++
		}
	}
	return float64(hit) / float64(len(pred)), nil
}

// LeaveOneOut5NN is LeaveOneOutKNN with k = 5, the usual score of a map of
// labelled data.
func LeaveOneOut5NN(ctx context.Context, Y blas32.General, labels []int) (float64, error) {
	return LeaveOneOutKNN(ctx, Y, labels, 5)
}

// trustBlock is the number of rows of X whose distances to all rows are
// held at once by Trustworthiness (at most about 32 MB).
func trustBlock(n int) int { return max(1, min(512, (1<<22)/n)) }

// Trustworthiness returns the trustworthiness of the map Y (n×c) of the
// rows of X (n×d), as sklearn.manifold.trustworthiness(X, Y, n_neighbors=k)
// with the Euclidean metric (Venna and Kaski 2001):
//
//	T(k) = 1 − 2/(n·k·(2n − 3k − 1)) · Σᵢ Σ_{j∈Nᵢ} max(0, r(i, j) − k)
//
// where Nᵢ holds the k nearest other rows of row i in Y and r(i, j) is the
// rank of row j among the other rows by distance to row i in X (1 for the
// nearest). Both orders break ties by row index; sklearn's argsort and
// tree search break exact ties arbitrarily, so the two can differ for data
// with duplicate distances.
//
// The neighbours in Y come from knn.Classifier. The ranks in X are exact
// counts: for blocks of rows, the squared distances to all n rows are
// computed in float64 as ‖xᵢ‖² + ‖xₗ‖² − 2xᵢ·xₗ (blas64 Gemm, as sklearn's
// pairwise_distances does), and for each of the k neighbours the rows
// nearer than it are counted. That is O(n²·d) arithmetic and O(n²·k)
// comparisons but only O(n) memory per row: about a second for n = 10,000
// and d = 50 on two cores, and 50 times as long for n = 70,000. sklearn
// instead sorts the full n×n distance matrix (3·n² values of 8 bytes).
//
// It returns an error if X and Y do not have the same number of rows, k is
// not below n/2 (sklearn's condition), either matrix holds NaN or infinite
// values, or ctx is cancelled.
func Trustworthiness(ctx context.Context, X, Y blas32.General, k int) (float64, error) {
	n := X.Rows
	if Y.Rows != n {
		return 0, fmt.Errorf("tsne: %d rows in X, %d in the map", n, Y.Rows)
	}
	if k < 1 || float64(k) >= float64(n)/2 {
		return 0, fmt.Errorf("tsne: trustworthiness with %d neighbours needs k in 1..n/2 (n = %d)", k, n)
	}
	if err := checkMatrix(X, -1, "X"); err != nil {
		return 0, err
	}
	nb, err := neighbours(ctx, Y, k, nil)
	if err != nil {
		return 0, err
	}
	d := X.Cols
	x := blas64.General{Rows: n, Cols: d, Stride: d, Data: make([]float64, n*d)}
	norm := make([]float64, n)
	for i := 0; i < n; i++ {
		s := 0.0
		for j, v := range X.Data[i*X.Stride : i*X.Stride+d] {
			x.Data[i*d+j] = float64(v)
			s += float64(v) * float64(v)
		}
		norm[i] = s
	}
	bs := trustBlock(n)
	g := blas64.General{Rows: bs, Cols: n, Stride: n, Data: make([]float64, bs*n)}
	var penalty int64
	part := make([]int64, (bs+15)/16)
	for lo := 0; lo < n; lo += bs {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		hi := min(lo+bs, n)
		gb := blas64.General{Rows: hi - lo, Cols: n, Stride: n, Data: g.Data[:(hi-lo)*n]}
		xb := blas64.General{Rows: hi - lo, Cols: d, Stride: d, Data: x.Data[lo*d : hi*d]}
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, xb, x, 0, gb)
		clear(part)
		_ = parallelChunks(nil, hi-lo, 16, func(c, a, b int) {
			for r := a; r < b; r++ {
				part[c] += rankPenalty(gb.Data[r*n:(r+1)*n], norm, lo+r, nb, k)
			}
		})
		for _, v := range part {
			penalty += v
		}
	}
	nf, kf := float64(n), float64(k)
	return 1 - float64(penalty)*2/(nf*kf*(2*nf-3*kf-1)), nil
}

// rankPenalty returns Σ_{j∈Nᵢ} max(0, r(i, j) − k) for row i, given the dot
// products dot[l] = xᵢ·xₗ and the squared norms.
func rankPenalty(dot, norm []float64, i int, nb knn.Neighbors, k int) int64 {
	idx, _ := nb.Row(i)
	thr := make([]float64, k)
	for m, j := range idx {
		thr[m] = norm[i] + norm[j] - 2*dot[j]
	}
	// rank[m]−1 counts the rows l ≠ i before j = idx[m] in the order
	// (distance, index).
	rank := make([]int, k)
	for l, dl := range dot {
		if l == i {
			continue
		}
		d := norm[i] + norm[l] - 2*dl
		for m, t := range thr {
			if d < t || (d == t && l < idx[m]) {
				rank[m]++
			}
		}
	}
	var p int64
	for _, r := range rank {
		if r+1 > k {
			p += int64(r + 1 - k)
		}
	}
	return p
}
