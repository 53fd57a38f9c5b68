package umap

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
)

// TestFindABMatchesUMAPLearn checks the curve fit against umap-learn 0.5.3:
//
//	from umap.umap_ import find_ab_params
//	for spread, md in [(1.0, 0.0), (1.0, 0.001), ...]:
//	    print(spread, md, *find_ab_params(spread, md))
func TestFindABMatchesUMAPLearn(t *testing.T) {
	want := []struct{ spread, minDist, a, b float64 }{
		{1.0, 0.0, 1.9328083978536088, 0.7904949734413567},
		{1.0, 0.001, 1.9290733968410037, 0.7915045333956955},
		{1.0, 0.01, 1.8956058664239412, 0.8006378441176886},
		{1.0, 0.1, 1.5769434604035877, 0.8950608780665811},
		{1.0, 0.25, 1.121436342246895, 1.0574998767516528},
		{1.0, 0.5, 0.5830300205483709, 1.334166992455648},
		{1.0, 0.8, 0.23206272688815374, 1.6812316033514587},
		{1.0, 0.99, 0.11930529967121939, 1.9163904180016966},
		{2.0, 0.5, 0.25887874113654147, 1.0574996997430388},
		{0.5, 0.1, 5.0693093268479625, 1.003005422638117},
		{3.0, 1.0, 0.07307862411670984, 1.148889437093802},
	}
	for _, w := range want {
		a, b, err := FindAB(w.spread, w.minDist)
		if err != nil {
			t.Fatal(err)
		}
		// scipy's curve_fit stops at a relative step of 1.5e-8; the two
		// fits agree to about 1e-6.
		if math.Abs(a/w.a-1) > 1e-5 || math.Abs(b/w.b-1) > 1e-5 {
			t.Errorf("spread %v, min_dist %v: a = %.10g, b = %.10g; umap-learn %.10g, %.10g", w.spread, w.minDist, a, b, w.a, w.b)
		}
	}
	for _, bad := range [][2]float64{{0, 0.1}, {-1, 0}, {1, -0.1}, {1, 1.5}, {math.NaN(), 0.1}, {1, math.NaN()}} {
		if _, _, err := FindAB(bad[0], bad[1]); err == nil {
			t.Errorf("FindAB(%v, %v) accepted", bad[0], bad[1])
		}
	}
}

// blobs returns k Gaussian blobs of m points each in d dimensions (unit
// standard deviation) whose centres lie sep apart on the axes, and the
// blob of each point.
func blobs(k, m, d int, sep float64, seed uint64) (blas32.General, []int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	X := blas32.General{Rows: k * m, Cols: d, Stride: d, Data: make([]float32, k*m*d)}
	labels := make([]int, k*m)
	for c := 0; c < k; c++ {
		for i := 0; i < m; i++ {
			r := c*m + i
			labels[r] = c
			for j := 0; j < d; j++ {
				v := rng.NormFloat64()
				if j == c%d {
					v += sep * float64(1+c/d)
				}
				X.Data[r*d+j] = float32(v)
			}
		}
	}
	return X, labels
}

// separation returns the 90th percentile of the distances of the points
// of the map Y from their blob's centre, and the smallest distance between
// two centres.
func separation(Y blas32.General, labels []int, k int) (radius, gap float64) {
	cx, cy, cnt := make([]float64, k), make([]float64, k), make([]float64, k)
	for i, l := range labels {
		cx[l] += float64(Y.Data[2*i])
		cy[l] += float64(Y.Data[2*i+1])
		cnt[l]++
	}
	for c := range cx {
		cx[c] /= cnt[c]
		cy[c] /= cnt[c]
	}
	r := make([]float64, len(labels))
	for i, l := range labels {
		r[i] = math.Hypot(float64(Y.Data[2*i])-cx[l], float64(Y.Data[2*i+1])-cy[l])
	}
	slices.Sort(r)
	radius = r[len(r)*9/10]
	gap = math.Inf(1)
	for a := 0; a < k; a++ {
		for b := a + 1; b < k; b++ {
			gap = min(gap, math.Hypot(cx[a]-cx[b], cy[a]-cy[b]))
		}
	}
	return radius, gap
}

// TestSeparatedClusters maps well-separated blobs: one graph component per
// blob (the multi-component start) and blobs touching each other through
// a few neighbours (the spectral start); each blob must stay a cluster of
// its own in the map.
func TestSeparatedClusters(t *testing.T) {
	for _, c := range []struct {
		name       string
		k          int
		sep        float64
		components int
	}{
		{"disconnected", 4, 40, 4},
		{"six disconnected", 6, 40, 6},
		{"connected", 3, 5, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			X, labels := blobs(c.k, 150, 8, c.sep, 1)
			u := New()
			u.Epochs = 200
			m, err := u.Fit(context.Background(), X)
			if err != nil {
				t.Fatal(err)
			}
			if c.components > 1 && m.Components != c.components {
				t.Errorf("%d graph components, want %d", m.Components, c.components)
			}
			if c.components == 1 && m.Components != 1 {
				t.Fatalf("the blobs are not connected (%d components): adjust the test data", m.Components)
			}
			radius, gap := separation(m.Embedding, labels, c.k)
			t.Logf("%d components, blob radius (90th percentile) %.2f, smallest gap between centres %.2f", m.Components, radius, gap)
			if !(gap > 3*radius) {
				t.Errorf("blobs overlap in the map: radius %.2f, gap %.2f", radius, gap)
			}
		})
	}
}

// TestDeterministic fits the same data twice with one seed, on 1 and 2
// goroutines: the maps must be identical; another seed gives another map.
func TestDeterministic(t *testing.T) {
	X, _ := blobs(3, 200, 6, 5, 2)
	fit := func(seed uint64, procs int) []float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		u := New()
		u.Seed, u.Epochs = seed, 60
		m, err := u.Fit(context.Background(), X)
		if err != nil {
			t.Fatal(err)
		}
		return m.Embedding.Data
	}
	a, b, c := fit(7, 1), fit(7, 2), fit(8, 2)
	if !slices.Equal(a, b) {
		t.Error("the same seed gave different maps on 1 and 2 goroutines")
	}
	if slices.Equal(a, c) {
		t.Error("two seeds gave the same map")
	}
}

// TestCancelStops cancels a fit from its epoch callback and expects Fit to
// return ctx's error promptly; a context cancelled before the start stops
// it before any epoch.
func TestCancelStops(t *testing.T) {
	X, _ := blobs(3, 400, 10, 4, 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u := New()
	u.Epochs, u.CallbackEvery = 100000, 1
	epochs := 0
	u.OnEpoch = func(e int, Y []float32) {
		epochs = e
		if len(Y) != 2*X.Rows {
			t.Errorf("callback map has %d values", len(Y))
		}
		if e == 3 {
			cancel()
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := u.Fit(ctx, X)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Fit returned %v after cancel", err)
		}
		if epochs != 3 {
			t.Errorf("%d epochs ran, want 3", epochs)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Fit did not stop within 60 s of its cancellation")
	}
	dead, stop := context.WithCancel(context.Background())
	stop()
	u.OnEpoch = func(int, []float32) { t.Error("an epoch ran under a cancelled context") }
	if _, err := u.Fit(dead, X); !errors.Is(err, context.Canceled) {
		t.Errorf("Fit with a cancelled context returned %v", err)
	}
}

// TestCallbackPeriod checks OnEpoch's schedule: every CallbackEvery epochs
// and after the last.
func TestCallbackPeriod(t *testing.T) {
	X, _ := blobs(2, 50, 4, 5, 4)
	u := New()
	u.Epochs, u.CallbackEvery = 23, 5
	var got []int
	u.OnEpoch = func(e int, _ []float32) { got = append(got, e) }
	m, err := u.Fit(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{5, 10, 15, 20, 23}; !slices.Equal(got, want) {
		t.Errorf("callbacks after epochs %v, want %v", got, want)
	}
	if m.Epochs != 23 || m.Neighbors != 15 {
		t.Errorf("model reports %d epochs, %d neighbours", m.Epochs, m.Neighbors)
	}
}

// TestTransformPlacesNearClass fits blobs and places new points drawn from
// the same blobs: each must land nearer its own blob's centre than any
// other, and placing is deterministic.
func TestTransformPlacesNearClass(t *testing.T) {
	X, labels := blobs(4, 150, 8, 6, 5)
	Q, qlabels := blobs(4, 30, 8, 6, 6)
	for _, metric := range []Metric{Euclidean, Cosine} {
		t.Run(metric.String(), func(t *testing.T) {
			u := New()
			u.Metric, u.Epochs = metric, 150
			m, err := u.Fit(context.Background(), X)
			if err != nil {
				t.Fatal(err)
			}
			P, err := m.Transform(context.Background(), Q, nil)
			if err != nil {
				t.Fatal(err)
			}
			if P.Rows != Q.Rows || P.Cols != 2 {
				t.Fatalf("placed map is %d×%d", P.Rows, P.Cols)
			}
			cx, cy, cnt := make([]float64, 4), make([]float64, 4), make([]float64, 4)
			for i, l := range labels {
				cx[l] += float64(m.Embedding.Data[2*i])
				cy[l] += float64(m.Embedding.Data[2*i+1])
				cnt[l]++
			}
			wrong := 0
			for i, l := range qlabels {
				best, bd := -1, math.Inf(1)
				for c := range cx {
					if d := math.Hypot(float64(P.Data[2*i])-cx[c]/cnt[c], float64(P.Data[2*i+1])-cy[c]/cnt[c]); d < bd {
						best, bd = c, d
					}
				}
				if best != l {
					wrong++
				}
			}
			if wrong > 0 {
				t.Errorf("%d of %d placed points are nearer another blob", wrong, Q.Rows)
			}
			again, err := m.Transform(context.Background(), Q, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(P.Data, again.Data) {
				t.Error("placing the same points twice gave different positions")
			}
		})
	}
}

// TestSupervisedSeparatesOverlappingClasses maps two overlapping blobs:
// without labels they merge, with umap-learn's categorical target (weight
// 0.5) they separate; with the labels of half the points unknown, the
// labelled half separates less. umap-learn 0.5.3 on the same points
// (n_epochs=200, random_state 0 and 1) gives gap/radius 0.62 and 0.53
// unsupervised, 6.6 and 9.9 supervised, 1.07 and 1.08 with half the labels:
//
//	e = umap.UMAP(n_epochs=200, random_state=seed).fit_transform(x, y)
func TestSupervisedSeparatesOverlappingClasses(t *testing.T) {
	X, labels := blobs(2, 200, 5, 1, 8)
	u := New()
	u.Epochs = 200
	half := slices.Clone(labels)
	for i := 0; i < len(half); i += 2 {
		half[i] = -1
	}
	for _, c := range []struct {
		name     string
		labels   []int
		min, max float64 // bounds on gap/radius
	}{
		{"unsupervised", nil, 0, 1},
		{"supervised", labels, 4, math.Inf(1)},
		{"half the labels", half, 0.7, math.Inf(1)},
	} {
		u.Labels = c.labels
		m, err := u.Fit(context.Background(), X)
		if err != nil {
			t.Fatal(err)
		}
		Y, known := m.Embedding, labels
		if c.name == "half the labels" {
			Y, known = blas32.General{Cols: 2, Stride: 2}, nil
			for i, l := range half {
				if l >= 0 {
					Y.Data = append(Y.Data, m.Embedding.Data[2*i:2*i+2]...)
					known = append(known, l)
				}
			}
			Y.Rows = len(known)
		}
		r, g := separation(Y, known, 2)
		t.Logf("%s: radius %.2f, gap %.2f", c.name, r, g)
		if g/r < c.min || g/r > c.max {
			t.Errorf("%s: gap/radius %.2f, want %.1f to %.1f", c.name, g/r, c.min, c.max)
		}
	}
}

// TestErrors checks that bad input gives an error naming the problem.
func TestErrors(t *testing.T) {
	X, labels := blobs(2, 10, 3, 5, 9)
	ctx := context.Background()
	nan := blas32.General{Rows: X.Rows, Cols: X.Cols, Stride: X.Stride, Data: slices.Clone(X.Data)}
	nan.Data[2*X.Stride+1] = float32(math.NaN())
	zero := blas32.General{Rows: X.Rows, Cols: X.Cols, Stride: X.Stride, Data: slices.Clone(X.Data)}
	clear(zero.Data[3*X.Cols : 4*X.Cols])
	tiny := blas32.General{Rows: 3, Cols: 2, Stride: 2, Data: make([]float32, 6)}
	for _, c := range []struct {
		name string
		u    UMAP
		X    blas32.General
		want string
	}{
		{"nan", New(), nan, "X row 2, column 1 is NaN"},
		{"three rows", New(), tiny, "3 rows"},
		{"one neighbour", UMAP{Neighbors: 1}, X, "neighbours"},
		{"min_dist above spread", UMAP{MinDist: 2}, X, "min_dist"},
		{"negative min_dist", UMAP{MinDist: -1}, X, "min_dist"},
		{"intersection", UMAP{Intersection: 2}, X, "intersection"},
		{"target weight", UMAP{TargetWeight: 1.5}, X, "target weight"},
		{"labels length", UMAP{Labels: labels[:5]}, X, "labels"},
		{"label below -1", UMAP{Labels: append([]int{-2}, labels[1:]...)}, X, "label -2"},
		{"metric", UMAP{Metric: 9}, X, "metric"},
		{"init", UMAP{Init: 9}, X, "init"},
		{"cosine zero row", UMAP{Metric: Cosine}, zero, "all zeros"},
		{"initial shape", UMAP{Initial: tiny}, X, "Initial"},
	} {
		if _, err := c.u.Fit(ctx, c.X); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	m, err := UMAP{Epochs: 5}.Fit(ctx, X)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Transform(ctx, tiny, nil); err == nil || !strings.Contains(err.Error(), "columns") {
		t.Errorf("Transform of the wrong width: %v", err)
	}
}

// TestSmallData cuts the neighbourhood to the data as umap-learn does and
// still maps 4 points.
func TestSmallData(t *testing.T) {
	X := blas32.General{Rows: 4, Cols: 2, Stride: 2, Data: []float32{0, 0, 1, 0, 0, 1, 5, 5}}
	m, err := New().Fit(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	if m.Neighbors != 3 || m.Epochs != DefaultEpochsSmall {
		t.Errorf("%d neighbours, %d epochs", m.Neighbors, m.Epochs)
	}
	for _, v := range m.Embedding.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("map %v", m.Embedding.Data)
		}
	}
}
