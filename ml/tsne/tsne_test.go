package tsne

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/internal/cancelctx"
)

// blobs returns k Gaussian blobs of m points each in d dimensions, with
// unit spread and centres 20 apart on the axes, and their labels.
func blobs(k, m, d int, seed uint64) (blas32.General, []int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	X := blas32.General{Rows: k * m, Cols: d, Stride: d, Data: make([]float32, k*m*d)}
	labels := make([]int, k*m)
	for i := range labels {
		c := i % k
		labels[i] = c
		for j := 0; j < d; j++ {
			v := rng.NormFloat64()
			if j == c%d {
				v += 20
			}
			X.Data[i*d+j] = float32(v)
		}
	}
	return X, labels
}

func TestBlobsSeparate(t *testing.T) {
	X, labels := blobs(6, 100, 10, 1)
	m, err := TSNE{}.Fit(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := LeaveOneOut5NN(context.Background(), m.Embedding, labels)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.999 {
		t.Errorf("5-NN accuracy in the map of separated blobs %v, want 1", acc)
	}
	tw, err := Trustworthiness(context.Background(), X, m.Embedding, 5)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("blobs: 5-NN %.4f, trustworthiness %.4f, KL %.4f", acc, tw, m.KL)
	if tw < 0.9 {
		t.Errorf("trustworthiness %v", tw)
	}
	if m.LearningRate != 50 || m.Neighbors != 91 || m.Iterations != 1000 {
		t.Errorf("learning rate %v, %d neighbours, %d iterations", m.LearningRate, m.Neighbors, m.Iterations)
	}
	// The reported KL is the one of the returned map (up to Barnes-Hut's
	// error in Z, about 1 %, which moves KL by log 1.01).
	P, err := affinities(context.Background(), X, 91, 30, nil)
	if err != nil {
		t.Fatal(err)
	}
	y := make([]float64, 2*X.Rows)
	for i, v := range m.Embedding.Data {
		y[i] = float64(v)
	}
	if want := denseKL(P, y); math.Abs(m.KL-want) > 0.02 {
		t.Errorf("KL %v, exact KL of the map %v", m.KL, want)
	}
}

func TestDeterministic(t *testing.T) {
	X, _ := blobs(4, 60, 8, 2)
	for _, init := range []Init{InitPCA, InitRandom} {
		cfg := TSNE{Perplexity: 10, Iterations: 300, Init: init, Seed: 9}
		a, err := cfg.Fit(context.Background(), X)
		if err != nil {
			t.Fatal(err)
		}
		procs := runtime.GOMAXPROCS(1)
		b, err := cfg.Fit(context.Background(), X)
		runtime.GOMAXPROCS(procs)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Embedding.Data, b.Embedding.Data) || a.KL != b.KL {
			t.Errorf("init %v: two fits with the same seed differ (GOMAXPROCS %d and 1)", init, procs)
		}
	}
	cfg := TSNE{Perplexity: 10, Iterations: 300, Init: InitRandom}
	a, _ := cfg.Fit(context.Background(), X)
	cfg.Seed = 1
	b, _ := cfg.Fit(context.Background(), X)
	if slices.Equal(a.Embedding.Data, b.Embedding.Data) {
		t.Error("random init: different seeds give the same map")
	}
}

func TestInitPCAScale(t *testing.T) {
	X, _ := blobs(3, 50, 5, 3)
	y, err := TSNE{}.initial(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	Y := blas32.General{Rows: X.Rows, Cols: 2, Stride: 2, Data: toFloat32(y, nil)}
	if sd := columnStd(Y, 0); math.Abs(sd-1e-4) > 1e-10 {
		t.Errorf("std of the first coordinate %g, want 1e-4", sd)
	}
	if sd0, sd1 := columnStd(Y, 0), columnStd(Y, 1); !(sd1 <= sd0) {
		t.Errorf("second coordinate spreads more (%g) than the first (%g)", sd1, sd0)
	}
	// Constant data: PCA has no axis, the start is random.
	C := blas32.General{Rows: 10, Cols: 3, Stride: 3, Data: make([]float32, 30)}
	y, err = TSNE{}.initial(context.Background(), C)
	if err != nil {
		t.Fatal(err)
	}
	if y[0] == y[2] {
		t.Errorf("constant data: start %v", y[:4])
	}
	m, err := TSNE{Perplexity: 2, Iterations: 50}.Fit(context.Background(), C)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range m.Embedding.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("constant data: map %v", m.Embedding.Data)
		}
	}
}

func TestInitialMap(t *testing.T) {
	X, _ := blobs(3, 20, 4, 4)
	Y0 := blas32.General{Rows: 60, Cols: 2, Stride: 2, Data: make([]float32, 120)}
	for i := range Y0.Data {
		Y0.Data[i] = float32(i%7) - 3
	}
	m, err := TSNE{Perplexity: 5, Iterations: 5, LearningRate: 1e-9, Initial: Y0}.Fit(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range m.Embedding.Data {
		if math.Abs(float64(v-Y0.Data[i])) > 1e-6 {
			t.Fatalf("with a vanishing step the map moved from Initial: %v → %v", Y0.Data[i], v)
		}
	}
}

func TestOnIteration(t *testing.T) {
	X, _ := blobs(3, 30, 4, 5)
	var iters []int
	var last []float32
	var lastKL float64
	var seen [][]float32
	m, err := TSNE{Perplexity: 5, Iterations: 95, CallbackEvery: 20, OnIteration: func(it int, Y []float32, kl float64) {
		iters = append(iters, it)
		if len(Y) != 2*90 || math.IsNaN(kl) {
			t.Errorf("iteration %d: %d coordinates, KL %v", it, len(Y), kl)
		}
		last, lastKL = Y, kl
		seen = append(seen, Y)
	}}.Fit(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{20, 40, 60, 80, 95}; !slices.Equal(iters, want) {
		t.Errorf("callbacks at %v, want %v", iters, want)
	}
	if !slices.Equal(last, m.Embedding.Data) || lastKL != m.KL {
		t.Error("the last callback does not show the returned map and KL")
	}
	if &seen[0][0] == &seen[1][0] {
		t.Error("callbacks share one slice")
	}
}

func TestSettings(t *testing.T) {
	s, err := TSNE{}.settings(10000)
	if err != nil {
		t.Fatal(err)
	}
	if s.perplexity != 30 || s.exaggeration != 12 || s.lr != 10000.0/12 || s.theta != 0.5 ||
		s.iters != 1000 || s.exagIters != 250 || s.every != 10 {
		t.Errorf("defaults %+v", s)
	}
	s, _ = TSNE{Iterations: 100, EarlyExaggeration: 4}.settings(100)
	if s.exagIters != 100 || s.lr != 50 {
		t.Errorf("exaggeration phase %d of 100 iterations, learning rate %v", s.exagIters, s.lr)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	X, _ := blobs(3, 30, 4, 6) // n = 90
	nan := blas32.General{Rows: 90, Cols: 4, Stride: 4, Data: slices.Clone(X.Data)}
	nan.Data[17] = float32(math.NaN())
	inf := blas32.General{Rows: 90, Cols: 4, Stride: 4, Data: slices.Clone(X.Data)}
	inf.Data[5] = float32(math.Inf(-1))
	for _, tc := range []struct {
		name string
		cfg  TSNE
		X    blas32.General
		want string
	}{
		{"perplexity n/3", TSNE{Perplexity: 30}, X, "perplexity"},
		{"negative perplexity", TSNE{Perplexity: -1}, X, "perplexity"},
		{"NaN perplexity", TSNE{Perplexity: math.NaN()}, X, "perplexity"},
		{"3 rows", TSNE{Perplexity: 0.5}, blas32.General{Rows: 3, Cols: 4, Stride: 4, Data: X.Data[:12]}, "rows"},
		{"no columns", TSNE{}, blas32.General{Rows: 90, Stride: 1, Data: X.Data[:90]}, "columns"},
		{"short data", TSNE{Perplexity: 5}, blas32.General{Rows: 90, Cols: 4, Stride: 4, Data: X.Data[:300]}, "layout"},
		{"NaN", TSNE{Perplexity: 5}, nan, "NaN"},
		{"Inf", TSNE{Perplexity: 5}, inf, "Inf"},
		{"negative iterations", TSNE{Perplexity: 5, Iterations: -1}, X, "iterations"},
		{"exaggeration below 1", TSNE{Perplexity: 5, EarlyExaggeration: 0.5}, X, "exaggeration"},
		{"negative exaggeration iterations", TSNE{Perplexity: 5, ExaggerationIters: -1}, X, "exaggeration"},
		{"negative learning rate", TSNE{Perplexity: 5, LearningRate: -1}, X, "learning rate"},
		{"infinite learning rate", TSNE{Perplexity: 5, LearningRate: math.Inf(1)}, X, "learning rate"},
		{"theta above 1", TSNE{Perplexity: 5, Theta: 1.5}, X, "theta"},
		{"negative CallbackEvery", TSNE{Perplexity: 5, CallbackEvery: -1}, X, "CallbackEvery"},
		{"unknown init", TSNE{Perplexity: 5, Init: 7}, X, "init"},
		{"Initial rows", TSNE{Perplexity: 5, Initial: blas32.General{Rows: 10, Cols: 2, Stride: 2, Data: make([]float32, 20)}}, X, "Initial"},
		{"Initial columns", TSNE{Perplexity: 5, Initial: blas32.General{Rows: 90, Cols: 3, Stride: 3, Data: make([]float32, 270)}}, X, "Initial"},
	} {
		_, err := tc.cfg.Fit(ctx, tc.X)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one about %q", tc.name, err, tc.want)
		}
	}
	// n = 91 allows perplexity 30 (< 91/3).
	X91, _ := blobs(7, 13, 4, 6)
	if _, err := (TSNE{Iterations: 10}).Fit(ctx, X91); err != nil {
		t.Errorf("perplexity 30 with 91 rows: %v", err)
	}
}

func TestCancel(t *testing.T) {
	X, _ := blobs(3, 30, 4, 8)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (TSNE{Perplexity: 5}).Fit(ctx, X); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before the start: %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	calls := 0
	_, err := TSNE{Perplexity: 5, OnIteration: func(int, []float32, float64) {
		calls++
		if calls == 3 {
			cancel()
		}
	}}.Fit(ctx, X)
	if !errors.Is(err, context.Canceled) || calls != 3 {
		t.Errorf("cancelled in a callback: %v after %d callbacks", err, calls)
	}
}

// TestCancelPromptly cancels Fit at points spread over all its stages (the
// kNN search, the affinities, the optimisation) and checks that it returns
// the cancellation having checked the context only a few more times: no
// new chunk of work and no further iteration once cancelled. No clock is
// involved.
func TestCancelPromptly(t *testing.T) {
	X := randomData(600, 20, 3)
	fit := func(ctx context.Context, iterationsAfter *int, cancelled func() bool) error {
		_, err := TSNE{Iterations: 300, CallbackEvery: 1, OnIteration: func(int, []float32, float64) {
			if cancelled() {
				*iterationsAfter++
			}
		}}.Fit(ctx, X)
		return err
	}
	// How often an uncancelled run checks its context.
	whole := cancelctx.New(math.MaxInt)
	var none int
	if err := fit(whole, &none, whole.Cancelled); err != nil {
		t.Fatal(err)
	}
	calls := whole.Calls()
	if calls < 300 {
		t.Fatalf("Fit checked its context %d times in 300 iterations", calls)
	}
	workers := runtime.GOMAXPROCS(0)
	for _, at := range []int{0, 1, calls / 100, calls / 10, calls / 3, calls / 2, calls - 5} {
		ctx := cancelctx.New(at)
		var iterationsAfter int
		err := cancelctx.Within(t, 5*time.Minute, "Fit", func() error { return fit(ctx, &iterationsAfter, ctx.Cancelled) })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled at check %d of %d: error %v", at, calls, err)
		}
		// Each worker of the running stage sees the cancel once and stops;
		// the stage and Fit check once more on their way out.
		if ctx.After() > workers+4 || iterationsAfter > 0 {
			t.Errorf("cancelled at check %d of %d: %d more checks (%d workers), %d iterations after it", at, calls, ctx.After(), workers, iterationsAfter)
		}
	}
}

// TestColumnStdByHand: the population standard deviation of a column of a
// strided matrix (the PCA start is scaled with it), against NumPy:
//
//	np.std([2., 6., 13.]), np.std([1., 3., 5.])  # 4.546060565661952, 1.632993161855452
func TestColumnStdByHand(t *testing.T) {
	Z := blas32.General{Rows: 3, Cols: 2, Stride: 3, Data: []float32{1, 2, 9, 3, 6, 9, 5, 13, 9}}
	for j, want := range []float64{1.632993161855452, 4.546060565661952} {
		if got := columnStd(Z, j); math.Abs(got-want) > 1e-12 {
			t.Errorf("column %d: std %v, want %v (NumPy)", j, got, want)
		}
	}
}

// TestStepByHand: one step of gradient descent with momentum and gains, as
// scikit-learn's _gradient_descent takes it (gains +0.2 where the step and
// the gradient disagree in sign, ×0.8 elsewhere, at least 0.01):
//
//	update, grad = np.array([-1., -1, 1, 0]), np.array([1., -2, 0.5, 0.001])
//	gains, p = np.array([1., 1, 1, 0.01]), np.zeros(4)
//	inc = update * grad < 0.0; gains[inc] += 0.2; gains[~inc] *= 0.8
//	np.clip(gains, 0.01, np.inf, out=gains)
//	update = 0.5 * update - 10.0 * grad * gains; p += update
//	# gains [1.2, 0.8, 0.8, 0.01], update = p = [-12.5, 15.5, -3.5, -1e-4]
func TestStepByHand(t *testing.T) {
	o := &optimizer{s: settings{lr: 10}, y: make([]float64, 4),
		grad: []float64{1, -2, 0.5, 0.001}, upd: []float64{-1, -1, 1, 0}, gains: []float64{1, 1, 1, 0.01}}
	o.step(0.5)
	for i, want := range []struct{ gain, upd float64 }{{1.2, -12.5}, {0.8, 15.5}, {0.8, -3.5}, {0.01, -1e-4}} {
		if math.Abs(o.gains[i]-want.gain) > 1e-12 || math.Abs(o.upd[i]-want.upd) > 1e-12 || o.y[i] != o.upd[i] {
			t.Errorf("coordinate %d: gain %v, step %v, y %v; want gain %v, step and y %v (scikit-learn)",
				i, o.gains[i], o.upd[i], o.y[i], want.gain, want.upd)
		}
	}
}
