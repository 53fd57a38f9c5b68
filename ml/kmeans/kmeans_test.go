package kmeans

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/progress"
)

func general(rows [][]float32) blas32.General {
	d := len(rows[0])
	g := blas32.General{Rows: len(rows), Cols: d, Stride: d, Data: make([]float32, 0, len(rows)*d)}
	for _, r := range rows {
		g.Data = append(g.Data, r...)
	}
	return g
}

func row(g blas32.General, i int) []float32 { return g.Data[i*g.Stride : i*g.Stride+g.Cols] }

// checkModel verifies the invariants of a fitted model against X: labels in
// range and equal to Predict, Sizes the label counts, Inertia the float64
// sum of squared distances to the centres.
func checkModel(t *testing.T, X blas32.General, m *Model) {
	t.Helper()
	k := m.K()
	if len(m.Labels) != X.Rows || len(m.Sizes) != k || m.Centers.Cols != X.Cols {
		t.Fatalf("model shapes: %d labels, %d sizes, centres %d×%d", len(m.Labels), len(m.Sizes), k, m.Centers.Cols)
	}
	sizes := make([]int, k)
	inertia := 0.0
	for i, l := range m.Labels {
		if l < 0 || l >= k {
			t.Fatalf("label %d of row %d", l, i)
		}
		sizes[l]++
		for j, v := range row(X, i) {
			dv := float64(v) - float64(m.Centers.Data[l*m.Centers.Stride+j])
			inertia += dv * dv
		}
	}
	if !slices.Equal(sizes, m.Sizes) {
		t.Errorf("Sizes %v, label counts %v", m.Sizes, sizes)
	}
	if math.Abs(inertia-m.Inertia) > 1e-9*inertia+1e-12 {
		t.Errorf("Inertia %v, recomputed %v", m.Inertia, inertia)
	}
	if p := m.Predict(X); !slices.Equal(p, m.Labels) {
		t.Errorf("Predict differs from Labels")
	}
	if m.Restart < 0 || m.Restart >= len(m.RestartInertias) || m.RestartInertias[m.Restart] != m.Inertia ||
		m.Inertia != slices.Min(m.RestartInertias) {
		t.Errorf("restart %d with inertia %v, restarts %v", m.Restart, m.Inertia, m.RestartInertias)
	}
}

// Three obvious blobs of four points (unit squares), with inertia 3 × 4 × ½.
var blobs = general([][]float32{
	{0, 0}, {1, 0}, {0, 1}, {1, 1},
	{10, 10}, {11, 10}, {10, 11}, {11, 11},
	{0, 10}, {1, 10}, {0, 11}, {1, 11},
})

func TestBlobsByHand(t *testing.T) {
	want := map[[2]float32]bool{{0.5, 0.5}: true, {10.5, 10.5}: true, {0.5, 10.5}: true}
	for _, init := range []Init{PlusPlus, Random} {
		for seed := uint64(0); seed < 20; seed++ {
			tr := progress.New()
			nInit := 3
			if init == Random {
				nInit = 30 // a random init splits a blob 71 % of the time
			}
			m, err := KMeans{K: 3, Init: init, NInit: nInit, Seed: seed, Progress: tr}.Fit(context.Background(), blobs)
			if err != nil {
				t.Fatal(err)
			}
			checkModel(t, blobs, m)
			if m.Inertia != 6 {
				t.Errorf("%v seed %d: inertia %v, want 6", init, seed, m.Inertia)
				continue
			}
			for c := 0; c < 3; c++ {
				if p := [2]float32(row(m.Centers, c)); !want[p] {
					t.Errorf("%v seed %d: centre %v", init, seed, p)
				}
				if m.Sizes[c] != 4 {
					t.Errorf("%v seed %d: sizes %v", init, seed, m.Sizes)
				}
			}
			for b := 0; b < 3; b++ {
				for i := 4 * b; i < 4*b+4; i++ {
					if m.Labels[i] != m.Labels[4*b] {
						t.Errorf("%v seed %d: labels %v", init, seed, m.Labels)
					}
				}
			}
			if !m.Converged || m.Relocated != 0 {
				t.Errorf("%v seed %d: converged %v, relocated %d", init, seed, m.Converged, m.Relocated)
			}
			if s := tr.Snapshot(); s.Stage != "k-means" || s.Fraction != 1 || !strings.Contains(s.Detail, "inertia 6 ") {
				t.Errorf("progress %+v", s)
			}
			got := m.Predict(general([][]float32{{0.2, 0.9}, {12, 12}, {-3, 14}}))
			if got[0] != m.Labels[0] || got[1] != m.Labels[4] || got[2] != m.Labels[8] {
				t.Errorf("Predict %v, labels %v", got, m.Labels)
			}
		}
	}
}

// With given centres, one of them far from every row: the first assignment
// leaves cluster 2 empty, and the row farthest from its centre, (30, 0) at
// squared distance 361 from (11, 0), becomes its centre. The second
// assignment moves that row to cluster 2 and nothing moves any more.
func TestEmptyClusterRelocated(t *testing.T) {
	X := general([][]float32{{0, 0}, {2, 0}, {10, 0}, {12, 0}, {30, 0}})
	init := general([][]float32{{1, 0}, {11, 0}, {1000, 1000}})
	m, err := KMeans{InitCenters: init}.Fit(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	checkModel(t, X, m)
	if !slices.Equal(m.Labels, []int{0, 0, 1, 1, 2}) || m.Inertia != 4 || m.Relocated != 1 || m.Iterations != 2 {
		t.Errorf("labels %v, inertia %v, relocated %d, iterations %d", m.Labels, m.Inertia, m.Relocated, m.Iterations)
	}
	if want := []float32{1, 0, 11, 0, 30, 0}; !slices.Equal(m.Centers.Data, want) {
		t.Errorf("centres %v, want %v", m.Centers.Data, want)
	}
}

// The row farthest from its centre, (200, 0), is alone in its cluster, so
// it is not taken: the next farthest, (0, 0) (tied with (1, 0) at ¼, lower
// index), fills the empty cluster.
func TestEmptyClusterKeepsSingletons(t *testing.T) {
	X := general([][]float32{{0, 0}, {1, 0}, {200, 0}})
	init := general([][]float32{{0.5, 0}, {150, 0}, {1000, 1000}})
	m, err := KMeans{K: 3, InitCenters: init}.Fit(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	checkModel(t, X, m)
	if !slices.Equal(m.Labels, []int{2, 0, 1}) || m.Inertia != 0 || m.Relocated != 1 {
		t.Errorf("labels %v, inertia %v, relocated %d", m.Labels, m.Inertia, m.Relocated)
	}
}

// Fewer distinct rows than clusters: some clusters must stay empty; Fit
// ends without error, with inertia 0.
func TestDuplicateRows(t *testing.T) {
	X := general([][]float32{{1, 2}, {1, 2}, {1, 2}, {5, 5}, {5, 5}})
	for _, init := range []Init{PlusPlus, Random} {
		m, err := KMeans{K: 4, Init: init, NInit: 2}.Fit(context.Background(), X)
		if err != nil {
			t.Fatal(err)
		}
		checkModel(t, X, m)
		if m.Inertia != 0 || !m.Converged {
			t.Errorf("%v: inertia %v, converged %v, labels %v", init, m.Inertia, m.Converged, m.Labels)
		}
	}
	m, err := KMeans{K: 1}.Fit(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	checkModel(t, X, m)
	if c := row(m.Centers, 0); c[0] != 13.0/5 || c[1] != 16.0/5 {
		t.Errorf("k=1 centre %v", c)
	}
}

func randomData(n, d int, seed uint64) blas32.General {
	rng := rand.New(rand.NewPCG(seed, 7))
	X := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	for i := range X.Data {
		X.Data[i] = float32(rng.Float64())
	}
	return X
}

func TestRestartsKeepTheBest(t *testing.T) {
	X := randomData(600, 2, 1)
	one, err := KMeans{K: 12, Seed: 5}.Fit(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	m, err := KMeans{K: 12, NInit: 8, Seed: 5}.Fit(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	checkModel(t, X, m)
	if m.RestartInertias[0] != one.Inertia {
		t.Errorf("restart 0 inertia %v, single fit %v", m.RestartInertias[0], one.Inertia)
	}
	if slices.Min(m.RestartInertias) == slices.Max(m.RestartInertias) || m.Restart == 0 {
		t.Errorf("restarts %v (kept %d) do not exercise the choice", m.RestartInertias, m.Restart)
	}
	if m.Inertia >= one.Inertia {
		t.Errorf("best of 8 %v, first %v", m.Inertia, one.Inertia)
	}
}

func TestDeterminism(t *testing.T) {
	X := randomData(3000, 20, 2)
	for _, k := range []int{7, 40} { // fused and blocked kernels
		fit := func(seed uint64) *Model {
			m, err := KMeans{K: k, NInit: 2, Seed: seed}.Fit(context.Background(), X)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		a := fit(3)
		checkModel(t, X, a)
		prev := runtime.GOMAXPROCS(1)
		b := fit(3)
		runtime.GOMAXPROCS(prev)
		if a.Inertia != b.Inertia || !slices.Equal(a.Labels, b.Labels) || !slices.Equal(a.Centers.Data, b.Centers.Data) {
			t.Errorf("k %d: seed 3 differs between runs (GOMAXPROCS %d and 1): inertia %v vs %v", k, prev, a.Inertia, b.Inertia)
		}
		if c := fit(4); slices.Equal(a.Labels, c.Labels) && a.Inertia == c.Inertia {
			t.Errorf("k %d: seeds 3 and 4 give the same result", k)
		}
	}
}

// fitBoth fits km on X with and without the pruned assignment.
func fitBoth(t *testing.T, km KMeans, X blas32.General) (pruned, plain *Model) {
	t.Helper()
	var err error
	if pruned, err = km.Fit(context.Background(), X); err != nil {
		t.Fatal(err)
	}
	pruning = false
	defer func() { pruning = true }()
	if plain, err = km.Fit(context.Background(), X); err != nil {
		t.Fatal(err)
	}
	return pruned, plain
}

// The pruned assignment (Hamerly's bounds) gives the plain assignment's
// iterations, labels and centres, on data with and without clear clusters,
// with relocations, and on wide data. (Not on every data set: the two keep
// their sums differently, so centres differ in the last float32 bits, and
// a row that is within the float32 error of a tie between two centres —
// frequent when a tight blob is split and the data lie far from the
// origin — may go either way; from there the runs can part.)
func TestPruningMatchesPlain(t *testing.T) {
	for _, c := range []struct {
		name string
		km   KMeans
		X    blas32.General
	}{
		{"uniform 2-D", KMeans{K: 12, NInit: 3, Seed: 1}, randomData(3000, 2, 5)},
		{"uniform 20-D", KMeans{K: 30, NInit: 2, Seed: 2}, randomData(2000, 20, 6)},
		{"blobs 50-D", KMeans{K: 7, NInit: 2, Seed: 3}, blobData(4000, 50, 7, 8)},
		{"random init", KMeans{K: 16, Init: Random, NInit: 3, Seed: 4}, blobData(3000, 3, 6, 9)},
		{"relocation", KMeans{InitCenters: general([][]float32{{1, 0}, {11, 0}, {1000, 1000}})},
			general([][]float32{{0, 0}, {2, 0}, {10, 0}, {12, 0}, {30, 0}, {31, 0}, {0.5, 0.5}})},
	} {
		pr, pl := fitBoth(t, c.km, c.X)
		checkModel(t, c.X, pr)
		if pr.Iterations != pl.Iterations || !slices.Equal(pr.Labels, pl.Labels) || pr.Restart != pl.Restart ||
			math.Abs(pr.Inertia-pl.Inertia) > 1e-7*pl.Inertia || pr.Relocated != pl.Relocated {
			t.Errorf("%s: pruned %d iterations, inertia %v, relocated %d; plain %d, %v, %d; labels equal %v",
				c.name, pr.Iterations, pr.Inertia, pr.Relocated, pl.Iterations, pl.Inertia, pl.Relocated, slices.Equal(pr.Labels, pl.Labels))
			continue
		}
		for i, v := range pl.Centers.Data {
			if math.Abs(float64(pr.Centers.Data[i]-v)) > 1e-5*(1+math.Abs(float64(v))) {
				t.Errorf("%s: centre value %d = %v, plain %v", c.name, i, pr.Centers.Data[i], v)
				break
			}
		}
		t.Logf("%s: %d iterations, inertia %.6g, relocated %d", c.name, pr.Iterations, pr.Inertia, pr.Relocated)
	}
}

// ownDistances (the relocation's distances after a pruned assignment) gives
// each row's squared distance to its centre.
func TestOwnDistances(t *testing.T) {
	X := randomData(500, 40, 12)
	xn, _, err := scan(X, "X")
	if err != nil {
		t.Fatal(err)
	}
	w := newWorkspace(X, xn, 5)
	w.setRowCenters([]int{3, 50, 100, 200, 499})
	for i := range w.labels {
		w.labels[i] = int32(i % 5)
	}
	w.ownDistances()
	for i, v := range w.mind {
		want := sqDist64(row(X, i), row(w.c32, i%5))
		if math.Abs(float64(v)-want) > 1e-5*(1+want) {
			t.Fatalf("row %d: %v, want %v", i, v, want)
		}
	}
}
