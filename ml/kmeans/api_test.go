package kmeans

import (
	"context"
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/internal/cancelctx"
)

func TestFitErrors(t *testing.T) {
	X := general([][]float32{{0, 0}, {1, 1}, {2, 2}})
	nan := general([][]float32{{0, 0}, {float32(math.NaN()), 1}})
	inf := general([][]float32{{0, float32(math.Inf(-1))}, {1, 1}})
	huge := general([][]float32{{0, 0}, {2e18, 0}})
	bad := X
	bad.Stride = 1
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		km   KMeans
		X    blas32.General
		ctx  context.Context
		want string
	}{
		{"k = 0", KMeans{}, X, nil, "0 clusters"},
		{"k < 0", KMeans{K: -2}, X, nil, "-2 clusters"},
		{"k > n", KMeans{K: 4}, X, nil, "4 clusters requested for 3 rows"},
		{"no rows", KMeans{K: 1}, blas32.General{Cols: 2, Stride: 2}, nil, "no rows"},
		{"no columns", KMeans{K: 1}, blas32.General{Rows: 2, Stride: 1}, nil, "no features"},
		{"layout", KMeans{K: 1}, bad, nil, "inconsistent layout"},
		{"NaN", KMeans{K: 1}, nan, nil, "row 1, feature 0 is NaN"},
		{"Inf", KMeans{K: 1}, inf, nil, "row 0, feature 1 is -Inf"},
		{"huge", KMeans{K: 1}, huge, nil, "too large"},
		{"NInit", KMeans{K: 1, NInit: -1}, X, nil, "negative NInit"},
		{"MaxIter", KMeans{K: 1, MaxIter: -1}, X, nil, "MaxIter (-1)"},
		{"Tol", KMeans{K: 1, Tol: math.NaN()}, X, nil, "Tol is NaN"},
		{"Init", KMeans{K: 1, Init: 7}, X, nil, "unknown init"},
		{"InitCenters shape", KMeans{K: 2, InitCenters: general([][]float32{{0, 0, 0}, {1, 1, 1}})}, X, nil, "InitCenters is 2×3, want 2×2"},
		{"InitCenters K", KMeans{K: 1, InitCenters: general([][]float32{{0, 0}, {1, 1}})}, X, nil, "want 1×2"},
		{"InitCenters NaN", KMeans{InitCenters: nan}, X, nil, "InitCenters row 1"},
		{"cancelled", KMeans{K: 2}, X, cancelled, "context canceled"},
	} {
		ctx := c.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		m, err := c.km.Fit(ctx, c.X)
		if err == nil || !strings.Contains(err.Error(), c.want) || m != nil {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := (KMeans{K: 1}).Fit(context.Background(), blas32.General{}); !errors.Is(err, ErrNoRows) {
		t.Errorf("empty matrix: %v", err)
	}
	if _, err := (KMeans{K: 2}).Fit(cancelled, X); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v is not context.Canceled", err)
	}
}

// Cancelling during a fit stops it with the context's error: the context
// is cancelled at its n-th check, for checks spread over the whole fit,
// and the fit must return having checked it only a few more times (each
// check is where it could stop). A fit that ignored the cancel would run
// 1,000 restarts of 1,000 iterations: Within fails the test instead of
// letting it hang.
func TestCancelDuringFit(t *testing.T) {
	X := randomData(3000, 16, 3)
	short := KMeans{K: 20, NInit: 3, MaxIter: 30, Tol: -1}
	whole := cancelctx.New(math.MaxInt)
	if _, err := short.Fit(whole, X); err != nil {
		t.Fatal(err)
	}
	calls := whole.Calls()
	if calls < 90 {
		t.Fatalf("3 restarts of 30 iterations checked the context %d times", calls)
	}
	workers := runtime.GOMAXPROCS(0)
	long := KMeans{K: 20, NInit: 1000, MaxIter: 1000, Tol: -1}
	for _, at := range []int{0, 1, calls / 10, calls / 3, calls / 2, calls - 2} {
		ctx := cancelctx.New(at)
		err := cancelctx.Within(t, 5*time.Minute, "KMeans.Fit", func() error { _, err := long.Fit(ctx, X); return err })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled at check %d of %d: error %v, want context.Canceled", at, calls, err)
		}
		if ctx.After() > workers+4 {
			t.Errorf("cancelled at check %d of %d: %d more checks (%d workers)", at, calls, ctx.After(), workers)
		}
	}
}

func TestMaxIterAndTol(t *testing.T) {
	X := randomData(2000, 3, 4)
	one, err := KMeans{K: 9, MaxIter: 1, Seed: 1}.Fit(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	checkModel(t, X, one) // the labels are those of the final centres
	if one.Iterations != 1 || one.Converged {
		t.Errorf("MaxIter 1: %d iterations, converged %v", one.Iterations, one.Converged)
	}
	def, err := KMeans{K: 9, Seed: 1}.Fit(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	exact, err := KMeans{K: 9, Seed: 1, Tol: -1}.Fit(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	checkModel(t, X, exact)
	if !def.Converged || !exact.Converged || exact.Iterations <= def.Iterations {
		t.Errorf("Tol default: %d iterations (converged %v); Tol < 0: %d (converged %v)",
			def.Iterations, def.Converged, exact.Iterations, exact.Converged)
	}
	if exact.Inertia > def.Inertia*(1+1e-6) {
		t.Errorf("running to stable labels raised the inertia: %v > %v", exact.Inertia, def.Inertia)
	}
	// Stable labels: one more iteration from the final centres changes nothing.
	again, err := KMeans{InitCenters: exact.Centers}.Fit(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.Labels, exact.Labels) || again.Iterations != 1 {
		t.Errorf("restart from converged centres: %d iterations, labels equal %v", again.Iterations, slices.Equal(again.Labels, exact.Labels))
	}
}

func TestTransform(t *testing.T) {
	for _, k := range []int{6, 40} { // both kernels
		X := blobData(1200, 33, 8, uint64(k))
		m, err := KMeans{K: k, Seed: 2}.Fit(context.Background(), X)
		if err != nil {
			t.Fatal(err)
		}
		D := m.Transform(X, blas32.General{})
		if D.Rows != X.Rows || D.Cols != k {
			t.Fatalf("Transform is %d×%d", D.Rows, D.Cols)
		}
		pred := m.Predict(X)
		for i := 0; i < X.Rows; i++ {
			best := 0
			for c := 0; c < k; c++ {
				want := math.Sqrt(sqDist64(row(X, i), row(m.Centers, c)))
				got := float64(D.Data[i*D.Stride+c])
				if math.Abs(got-want) > 1e-4*want+1e-6 {
					t.Fatalf("k %d: distance (%d, %d) = %v, want %v", k, i, c, got, want)
				}
				if got < float64(D.Data[i*D.Stride+best]) {
					best = c
				}
			}
			if d := D.Data[i*D.Stride : (i+1)*D.Stride]; d[best] < d[pred[i]] {
				t.Fatalf("k %d row %d: Predict %d, nearest by Transform %d", k, i, pred[i], best)
			}
		}
		// A destination of the right shape is filled in place.
		dst := blas32.General{Rows: 2, Cols: k, Stride: k + 3, Data: make([]float32, 2*(k+3))}
		got := m.Transform(rows(X, 5, 7), dst)
		if &got.Data[0] != &dst.Data[0] || got.Data[k+3] != D.Data[6*k] {
			t.Errorf("k %d: Transform into dst", k)
		}
	}
	m := &Model{Centers: general([][]float32{{0, 0}})}
	for _, f := range []func(){
		func() { m.Predict(general([][]float32{{1, 2, 3}})) },
		func() { m.Transform(general([][]float32{{1, 2, 3}}), blas32.General{}) },
		func() {
			m.Transform(general([][]float32{{1, 2}}), blas32.General{Rows: 2, Cols: 1, Stride: 1, Data: make([]float32, 2)})
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("shape mismatch did not panic")
				}
			}()
			f()
		}()
	}
	if got := m.Predict(blas32.General{Cols: 2, Stride: 2}); len(got) != 0 {
		t.Errorf("Predict of no rows: %v", got)
	}
}

// TestTolIsRelativeToTheVariance: Tol is scaled by the mean feature
// variance (82,129 here), as in scikit-learn, so a stop on Tol comes at the
// same iteration as scikit-learn's from the same initial centres:
//
//	X = np.array([[(i*37%101)*10, (i*53%97)*10] for i in range(200)], float)
//	for tol in (1e-2, 0):
//	    km = KMeans(4, init=X[:4], n_init=1, tol=tol, algorithm="lloyd").fit(X)
//	    km.n_iter_, km.inertia_  # (6, 8099163.83), (10, 8037443.35)
func TestTolIsRelativeToTheVariance(t *testing.T) {
	const n = 200
	X := blas32.General{Rows: n, Cols: 2, Stride: 2, Data: make([]float32, 2*n)}
	for i := range n {
		X.Data[2*i], X.Data[2*i+1] = float32(i*37%101*10), float32(i*53%97*10)
	}
	init := blas32.General{Rows: 4, Cols: 2, Stride: 2, Data: slices.Clone(X.Data[:8])}
	for _, c := range []struct {
		tol     float64
		iters   int
		inertia float64
	}{{1e-2, 6, 8099163.83}, {-1, 10, 8037443.35}} {
		m, err := KMeans{InitCenters: init, Tol: c.tol}.Fit(context.Background(), X)
		if err != nil {
			t.Fatal(err)
		}
		if m.Iterations != c.iters || math.Abs(m.Inertia-c.inertia) > 1e-6*c.inertia {
			t.Errorf("Tol %g: %d iterations, inertia %.2f; scikit-learn: %d, %.2f", c.tol, m.Iterations, m.Inertia, c.iters, c.inertia)
		}
	}
}
