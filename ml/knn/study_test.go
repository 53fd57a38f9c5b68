package knn

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

func TestSweepKEqualsSeparateRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	X := blas32.General{Rows: 300, Cols: 5, Stride: 5, Data: make([]float32, 1500)}
	y := make([]int, 300)
	for i := range y {
		y[i] = rng.IntN(3)
		for j := 0; j < 5; j++ {
			X.Data[i*5+j] = float32(rng.NormFloat64()) + float32(y[i])
		}
	}
	Q := blas32.General{Rows: 100, Cols: 5, Stride: 5, Data: X.Data[:500]}
	truth := y[:100]
	for _, w := range []Weights{Uniform, Distance} {
		c := &Classifier{K: 1, Weights: w}
		if err := c.Fit(X, y); err != nil {
			t.Fatal(err)
		}
		ks := []int{1, 3, 10, 25}
		acc, err := c.SweepK(context.Background(), Q, truth, ks)
		if err != nil {
			t.Fatal(err)
		}
		for i, k := range ks {
			one := &Classifier{K: k, Weights: w}
			one.Fit(X, y)
			pred, _ := one.Predict(context.Background(), Q)
			ok := 0
			for q, p := range pred {
				if p == truth[q] {
					ok++
				}
			}
			if want := float64(ok) / 100; acc[i] != want {
				t.Errorf("weights %v, k=%d: sweep %v, separate run %v", w, k, acc[i], want)
			}
		}
		if _, err := c.SweepK(context.Background(), Q, truth, []int{0}); err == nil {
			t.Error("k=0 accepted")
		}
	}
}

func TestPowerLawByHand(t *testing.T) {
	// error = 2 · n^(-0.5): log2 e = 1 − 0.5 log2 n.
	var pts []CurvePoint
	for _, n := range []int{100, 200, 400, 800} {
		pts = append(pts, CurvePoint{N: n, Error: 2 / math.Sqrt(float64(n))})
	}
	p, err := FitPowerLaw(pts)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(p.Slope+0.5) > 1e-12 || math.Abs(p.Intercept-1) > 1e-12 {
		t.Errorf("fit %+v, want slope -0.5, intercept 1", p)
	}
	if got := p.At(1600); math.Abs(got-0.05) > 1e-12 {
		t.Errorf("At(1600) = %v, want 0.05", got)
	}
	if _, err := FitPowerLaw(pts[:1]); err == nil {
		t.Error("a fit through one point succeeded")
	}
	if got := Doubling(200, 48000); got[0] != 200 || got[len(got)-1] != 48000 || got[len(got)-2] != 25600 {
		t.Errorf("Doubling(200, 48000) = %v", got)
	}
}

func TestLearningCurveShrinksError(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	gen := func(n int) (blas32.General, []int) {
		X := blas32.General{Rows: n, Cols: 4, Stride: 4, Data: make([]float32, 4*n)}
		y := make([]int, n)
		for i := range y {
			y[i] = rng.IntN(2)
			for j := 0; j < 4; j++ {
				X.Data[i*4+j] = float32(rng.NormFloat64()) + 1.2*float32(y[i])
			}
		}
		return X, y
	}
	X, y := gen(2000)
	Q, truth := gen(500)
	pts, err := LearningCurve(context.Background(), X, y, Q, truth, []int{20, 2000}, 5, Euclidean, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Two classes whose means are 2.4 apart (1.2 in each of 4 dimensions,
	// unit variance): the Bayes error is Φ(−1.2) = 0.1151
	// (scipy.stats.norm.cdf(-1.2)). With all 2,000 rows kNN(5) must come
	// near it, and 20 rows must do clearly worse.
	if len(pts) != 2 || pts[0].N != 20 || pts[1].N != 2000 || pts[1].Error > 0.16 || pts[1].Error < 0.1151-0.03 || pts[0].Error < pts[1].Error+0.02 {
		t.Errorf("curve %+v: want the error at 2,000 rows within [0.085, 0.16] (Bayes 0.1151) and 20 rows at least 0.02 worse", pts)
	}
	// The last point (every row) is plain kNN(5) on all of X.
	c := &Classifier{K: 5}
	if err := c.Fit(X, y); err != nil {
		t.Fatal(err)
	}
	pred, err := c.Predict(context.Background(), Q)
	if err != nil {
		t.Fatal(err)
	}
	wrong := 0
	for i, p := range pred {
		if p != truth[i] {
			wrong++
		}
	}
	if want := float64(wrong) / float64(len(truth)); pts[1].Error != want {
		t.Errorf("error with all rows %v, plain kNN(5) %v", pts[1].Error, want)
	}
	if _, err := LearningCurve(context.Background(), X, y, Q, truth, []int{3000}, 5, Euclidean, 1, nil); err == nil {
		t.Error("a size above the training set was accepted")
	}
}
