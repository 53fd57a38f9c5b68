package compare

import (
	"context"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/kmeans"
	"embedscope/ml/knn"
	"embedscope/ml/metrics"
	"embedscope/ml/progress"
)

// QualityInput is one space to score and the pixel space it is scored
// against, over the same items: the training rows first, then the
// validation rows, then the test rows (the workspace's item order).
type QualityInput struct {
	X                blas32.General // the space, one row per item
	Pixels           blas32.General // the reference space, one row per item
	Train, Val, Test int            // rows of each split, Train+Val+Test = X.Rows
	Labels           []int          // class of each item, 0..Classes−1
	Classes          int
	// Neighbours and PixelNeighbours, when not nil, are the Euclidean
	// neighbourhoods (K ≥ 10) of X and of Pixels, e.g. kept from an
	// earlier call; missing ones are computed.
	Neighbours, PixelNeighbours *Neighbourhoods
}

// QualityOptions tune Assess; the zero value gives the defaults.
type QualityOptions struct {
	// Exact is the largest number of items whose trustworthiness and
	// continuity are exact (default 10,000); above it they are averaged
	// over Sample items (default 5,000) drawn with Seed.
	Exact, Sample int
	Seed          uint64
	// Restarts is the number of k-means restarts (default 3).
	Restarts int
}

// Quality is one space's row of the quality table.
type Quality struct {
	Items int
	// KNNValidation and KNNTest are the accuracies of kNN(5) (Euclidean,
	// uniform votes) fitted on the training rows, on the validation and
	// test rows; NaN for an empty split (encoding/json refuses NaN: test
	// with math.IsNaN before encoding).
	KNNValidation, KNNTest float64
	// Trust and Continuity hold trustworthiness and continuity against
	// the pixels at k = 5 and k = 10 (Euclidean).
	Trust, Continuity [2]Trust
	// Agreement is the mean neighbourhood agreement with the pixels at
	// k = 10 over all items.
	Agreement float64
	// PurityMean, Purity (weighted) and NMI score k-means with k =
	// Classes (k-means++, Restarts restarts, seed 0) on the training rows
	// against their classes.
	PurityMean, Purity, NMI float64
	Seconds                 float64
}

// Assess computes a space's quality row. It returns an error if the
// matrices or labels do not match the split sizes, given neighbourhoods
// are of other items, Euclidean or fewer than 10 neighbours, there are
// fewer than 21 items or no training rows, or ctx is cancelled.
func Assess(ctx context.Context, in QualityInput, opt QualityOptions, t *progress.Tracker) (Quality, error) {
	start := time.Now()
	n := in.X.Rows
	if in.Train+in.Val+in.Test != n || in.Pixels.Rows != n || len(in.Labels) != n {
		return Quality{}, fmt.Errorf("compare: %d+%d+%d split rows, %d rows in the space, %d pixel rows and %d labels", in.Train, in.Val, in.Test, n, in.Pixels.Rows, len(in.Labels))
	}
	if in.Train < 5 || n <= 20 {
		return Quality{}, fmt.Errorf("compare: the quality row needs at least 5 training rows and 21 items (have %d and %d)", in.Train, n)
	}
	if opt.Exact <= 0 {
		opt.Exact = 10000
	}
	if opt.Sample <= 0 {
		opt.Sample = 5000
	}
	if opt.Restarts <= 0 {
		opt.Restarts = 3
	}
	q := Quality{Items: n}
	var err error
	if q.KNNValidation, q.KNNTest, err = knnAccuracy(ctx, in, t); err != nil {
		return Quality{}, err
	}
	nbX, err := ensure(ctx, in.Neighbours, in.X, t)
	if err != nil {
		return Quality{}, err
	}
	nbP, err := ensure(ctx, in.PixelNeighbours, in.Pixels, t)
	if err != nil {
		return Quality{}, err
	}
	agr, err := Agreement(nbX, nbP, 10, nil)
	if err != nil {
		return Quality{}, err
	}
	for _, a := range agr {
		q.Agreement += a
	}
	q.Agreement /= float64(n)
	var items []int
	if n > opt.Exact {
		items = Sample(n, opt.Sample, opt.Seed)
	}
	ks := []int{5, 10}
	tr, err := Trustworthiness(ctx, in.Pixels, nbX, ks, items, t)
	if err != nil {
		return Quality{}, err
	}
	co, err := Continuity(ctx, in.X, nbP, ks, items, t)
	if err != nil {
		return Quality{}, err
	}
	copy(q.Trust[:], tr)
	copy(q.Continuity[:], co)
	t.Stage("k-means", 0)
	train := blas32.General{Rows: in.Train, Cols: in.X.Cols, Stride: in.X.Stride, Data: in.X.Data[:(in.Train-1)*in.X.Stride+in.X.Cols]}
	km, err := kmeans.KMeans{K: in.Classes, NInit: opt.Restarts, Seed: 0}.Fit(ctx, train)
	if err != nil {
		return Quality{}, err
	}
	q.PurityMean, q.Purity = metrics.Purity(km.Labels, in.Labels[:in.Train])
	q.NMI = metrics.NMI(km.Labels, in.Labels[:in.Train])
	q.Seconds = time.Since(start).Seconds()
	return q, nil
}

// ensure returns nb if it fits X (Euclidean, at least 10 neighbours of
// X.Rows items), else an error if it is given, else X's neighbourhoods.
func ensure(ctx context.Context, nb *Neighbourhoods, X blas32.General, t *progress.Tracker) (*Neighbourhoods, error) {
	if nb == nil {
		return Neighbours(ctx, X, 10, knn.Euclidean, t)
	}
	if nb.N != X.Rows || nb.K < 10 || nb.Metric != knn.Euclidean {
		return nil, fmt.Errorf("compare: the given neighbourhoods (%d items, k = %d, %v) do not fit %d items at k = 10, Euclidean", nb.N, nb.K, nb.Metric, X.Rows)
	}
	return nb, nil
}

// knnAccuracy returns the kNN(5) accuracies on the validation and test
// rows of in (NaN for an empty split).
func knnAccuracy(ctx context.Context, in QualityInput, t *progress.Tracker) (val, test float64, err error) {
	X := in.X
	rowsOf := func(lo, hi int) blas32.General {
		if hi == lo {
			return blas32.General{Cols: X.Cols, Stride: X.Stride}
		}
		return blas32.General{Rows: hi - lo, Cols: X.Cols, Stride: X.Stride, Data: X.Data[lo*X.Stride : (hi-1)*X.Stride+X.Cols]}
	}
	c := &knn.Classifier{K: 5, Progress: t}
	if err := c.Fit(rowsOf(0, in.Train), in.Labels[:in.Train]); err != nil {
		return 0, 0, err
	}
	acc := func(lo, hi int) (float64, error) {
		if hi == lo {
			return math.NaN(), nil
		}
		pred, err := c.Predict(ctx, rowsOf(lo, hi))
		if err != nil {
			return 0, err
		}
		return metrics.Accuracy(pred, in.Labels[lo:hi]), nil
	}
	v0, v1 := in.Train, in.Train+in.Val
	if val, err = acc(v0, v1); err != nil {
		return 0, 0, err
	}
	test, err = acc(v1, v1+in.Test)
	return val, test, err
}
