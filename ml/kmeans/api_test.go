package kmeans

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/progress"
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

// Cancelling during a fit (once the tracker shows an iteration) stops it
// with the context's error.
func TestCancelDuringFit(t *testing.T) {
	X := randomData(20000, 16, 3)
	ctx, cancel := context.WithCancel(context.Background())
	tr := progress.New()
	go func() {
		for !strings.Contains(tr.Snapshot().Detail, "iteration") {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	km := KMeans{K: 20, NInit: 1000, MaxIter: 1000, Tol: -1, Progress: tr}
	if _, err := km.Fit(ctx, X); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
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
