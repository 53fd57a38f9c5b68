package knn

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/progress"
)

// SweepK returns the accuracy on (Q, truth) of the fitted classifier c for
// each k in ks. The neighbours are searched once, for the largest k, and
// each k votes with its first k of them (so the results equal separate runs).
func (c *Classifier) SweepK(ctx context.Context, Q blas32.General, truth []int, ks []int) ([]float64, error) {
	if len(truth) != Q.Rows {
		return nil, fmt.Errorf("knn: %d labels for %d queries", len(truth), Q.Rows)
	}
	if len(ks) == 0 {
		return nil, nil
	}
	kmax := slices.Max(ks)
	for _, k := range ks {
		if k < 1 || k > c.x.Rows {
			return nil, fmt.Errorf("knn: k = %d is outside 1..%d (the training size)", k, c.x.Rows)
		}
	}
	nb, err := c.KNeighbors(ctx, Q, kmax)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(ks))
	pred := make([]int, nb.N)
	for i, k := range ks {
		sub := Neighbors{N: nb.N, K: k, Index: make([]int, nb.N*k), Dist: make([]float64, nb.N*k)}
		for q := 0; q < nb.N; q++ {
			copy(sub.Index[q*k:(q+1)*k], nb.Index[q*nb.K:q*nb.K+k])
			copy(sub.Dist[q*k:(q+1)*k], nb.Dist[q*nb.K:q*nb.K+k])
		}
		c.Vote(sub, pred)
		ok := 0
		for q, p := range pred {
			if p == truth[q] {
				ok++
			}
		}
		out[i] = float64(ok) / float64(nb.N)
	}
	return out, nil
}

// CurvePoint is one point of a learning curve.
type CurvePoint struct {
	N       int     `json:"n"`       // training rows used
	Error   float64 `json:"error"`   // error rate on the evaluation rows
	Seconds float64 `json:"seconds"` // time to fit and predict
}

// LearningCurve measures the error of kNN (k neighbours, metric m) on
// (Q, truth) when trained on seeded random samples of n rows of (X, y), for
// each n in sizes (each ≤ X.Rows). The samples are nested: the rows of a
// smaller sample are the first rows of every larger one.
func LearningCurve(ctx context.Context, X blas32.General, y []int, Q blas32.General, truth []int, sizes []int, k int, m Metric, seed uint64, t *progress.Tracker) ([]CurvePoint, error) {
	if len(y) != X.Rows || len(truth) != Q.Rows {
		return nil, fmt.Errorf("knn: labels do not match the rows")
	}
	for _, n := range sizes {
		if n < k || n > X.Rows {
			return nil, fmt.Errorf("knn: a training size of %d is outside %d..%d", n, k, X.Rows)
		}
	}
	perm := rand.New(rand.NewPCG(seed, 0x1ea51)).Perm(X.Rows)
	total := 0.0
	for _, n := range sizes {
		total += float64(n)
	}
	t.Stage("learning curve", total)
	out := make([]CurvePoint, 0, len(sizes))
	for _, n := range sizes {
		start := time.Now()
		rows := append([]int(nil), perm[:n]...)
		sort.Ints(rows)
		sub := blas32.General{Rows: n, Cols: X.Cols, Stride: X.Cols, Data: make([]float32, n*X.Cols)}
		ys := make([]int, n)
		for i, r := range rows {
			copy(sub.Data[i*X.Cols:(i+1)*X.Cols], X.Data[r*X.Stride:r*X.Stride+X.Cols])
			ys[i] = y[r]
		}
		c := &Classifier{K: k, Metric: m}
		if err := c.Fit(sub, ys); err != nil {
			return nil, err
		}
		pred, err := c.Predict(ctx, Q)
		if err != nil {
			return nil, err
		}
		wrong := 0
		for i, p := range pred {
			if p != truth[i] {
				wrong++
			}
		}
		out = append(out, CurvePoint{N: n, Error: float64(wrong) / float64(len(pred)), Seconds: time.Since(start).Seconds()})
		t.Add(float64(n))
	}
	return out, nil
}

// PowerLaw is a straight line through log₂(error) against log₂(n):
// log₂ error = Intercept + Slope·log₂ n. −Slope is how much log₂ of the
// error falls per doubling of the training set.
type PowerLaw struct {
	Slope     float64 `json:"slope"`
	Intercept float64 `json:"intercept"`
}

// FitPowerLaw fits a PowerLaw to the points by least squares; points with
// zero error are left out (their logarithm is −∞). It returns an error with
// fewer than two usable points.
func FitPowerLaw(points []CurvePoint) (PowerLaw, error) {
	var xs, ys []float64
	for _, p := range points {
		if p.Error > 0 && p.N > 0 {
			xs = append(xs, math.Log2(float64(p.N)))
			ys = append(ys, math.Log2(p.Error))
		}
	}
	if len(xs) < 2 {
		return PowerLaw{}, fmt.Errorf("knn: a power law needs at least two sizes with a non-zero error")
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(ys))
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return PowerLaw{}, fmt.Errorf("knn: a power law needs at least two different sizes")
	}
	b := sxy / sxx
	return PowerLaw{Slope: b, Intercept: my - b*mx}, nil
}

// At returns the error the law predicts for n training rows.
func (p PowerLaw) At(n float64) float64 { return math.Exp2(p.Intercept + p.Slope*math.Log2(n)) }

// Doubling returns the training sizes start, 2·start, 4·start, … up to and
// including max (max itself is added when it is not a power-of-two multiple).
func Doubling(start, max int) []int {
	var out []int
	for n := start; n > 0 && n < max; n *= 2 {
		out = append(out, n)
	}
	return append(out, max)
}
