package compare

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/knn"
	"embedscope/ml/progress"
)

// randomRows returns n×d values: integers 0..levels−1 (many exact ties)
// when levels > 0, else Gaussian.
func randomRows(n, d, levels int, seed uint64) blas32.General {
	rng := rand.New(rand.NewPCG(seed, 7))
	g := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	for i := range g.Data {
		if levels > 0 {
			g.Data[i] = float32(rng.IntN(levels))
		} else {
			g.Data[i] = float32(rng.NormFloat64())
		}
	}
	return g
}

// bruteNeighbours ranks all other rows of X for every row by exact
// float64 distance (Euclidean, or cosine as knn.Index.Nearest computes
// it), then by index.
func bruteNeighbours(X blas32.General, k int, m knn.Metric) (idx [][]int, dist [][]float64) {
	n, d := X.Rows, X.Cols
	row := func(i int) []float32 { return X.Data[i*X.Stride : i*X.Stride+d] }
	norm := func(v []float32) float64 {
		s := 0.0
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		return math.Sqrt(s)
	}
	for i := 0; i < n; i++ {
		type p struct {
			d float64
			j int
		}
		var all []p
		for j := 0; j < n; j++ {
			if j == i {
				continue
			}
			if m == knn.Cosine {
				all = append(all, p{cosineDist(row(i), row(j), norm(row(i)), norm(row(j))), j})
				continue
			}
			s := 0.0
			for c, v := range row(i) {
				diff := float64(v) - float64(row(j)[c])
				s += diff * diff
			}
			all = append(all, p{math.Sqrt(s), j})
		}
		sort.Slice(all, func(a, b int) bool { return all[a].d < all[b].d || (all[a].d == all[b].d && all[a].j < all[b].j) })
		var ri []int
		var rd []float64
		for _, v := range all[:k] {
			ri = append(ri, v.j)
			rd = append(rd, v.d)
		}
		idx, dist = append(idx, ri), append(dist, rd)
	}
	return idx, dist
}

// shifted adds v to every value of X (in place) and returns it.
func shifted(X blas32.General, v float32) blas32.General {
	for i := range X.Data {
		X.Data[i] += v
	}
	return X
}

func checkNeighbours(t *testing.T, name string, got *Neighbourhoods, X blas32.General, k int, m knn.Metric) {
	t.Helper()
	wi, wd := bruteNeighbours(X, k, m)
	if got.N != X.Rows || got.K != k || got.Metric != m {
		t.Fatalf("%s: %d items, k = %d, %v", name, got.N, got.K, got.Metric)
	}
	for i := range wi {
		gi, gd := got.Row(i)
		if !slices.Equal(gi, wi[i]) {
			t.Fatalf("%s: item %d: neighbours %v, want %v (distances %v, want %v)", name, i, gi, wi[i], gd, wd[i])
		}
		for c := range gd {
			if math.Abs(gd[c]-wd[i][c]) > 1e-12 {
				t.Fatalf("%s: item %d: distances %v, want %v", name, i, gd, wd[i])
			}
		}
	}
}

func TestNeighboursAgainstBruteForce(t *testing.T) {
	ctx := context.Background()
	// Cosine with exact ties: rows 0..29 are multiples of one direction
	// (more than k+8 of them, so the certificate fails and those items
	// are searched again exactly), rows 30..59 of another.
	dirs := randomRows(400, 6, 0, 3)
	for i := 1; i < 60; i++ {
		src := 0
		if i >= 30 {
			src = 30
		}
		for c := 0; c < 6; c++ {
			dirs.Data[i*6+c] = dirs.Data[src*6+c] * float32(1+i%7)
		}
	}
	for _, c := range []struct {
		name string
		X    blas32.General
		k    int
		m    knn.Metric
	}{
		{"gaussian/euclidean", randomRows(300, 8, 0, 1), 7, knn.Euclidean},
		{"ties/euclidean", randomRows(300, 4, 3, 2), 7, knn.Euclidean},
		{"gaussian/cosine", randomRows(300, 8, 0, 1), 7, knn.Cosine},
		{"ties/cosine", shifted(randomRows(300, 4, 3, 2), 1), 7, knn.Cosine},
		{"directions/cosine", dirs, 5, knn.Cosine},
		{"all candidates/cosine", randomRows(12, 3, 0, 4), 4, knn.Cosine},
	} {
		tr := progress.New()
		got, err := Neighbours(ctx, c.X, c.k, c.m, tr)
		if err != nil {
			t.Fatal(err)
		}
		checkNeighbours(t, c.name, got, c.X, c.k, c.m)
		if again := strings.Contains(tr.Snapshot().Detail, "searched again"); again != (c.name == "directions/cosine" || c.name == "ties/cosine") {
			t.Errorf("%s: exact re-search %v (%q)", c.name, again, tr.Snapshot().Detail)
		}
	}
}

func TestNeighboursErrors(t *testing.T) {
	ctx := context.Background()
	X := randomRows(10, 3, 0, 5)
	zero := randomRows(10, 3, 0, 5)
	clear(zero.Data[6:9])
	nan := randomRows(10, 3, 0, 5)
	nan.Data[4] = float32(math.NaN())
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
		X    blas32.General
		k    int
		m    knn.Metric
		want string
	}{
		{"k = 0", ctx, X, 0, knn.Euclidean, "k must be 1..9"},
		{"k = n", ctx, X, 10, knn.Euclidean, "k must be 1..9"},
		{"manhattan", ctx, X, 3, knn.Manhattan, "Euclidean or cosine"},
		{"zero row", ctx, zero, 3, knn.Cosine, "row 2 has length 0"},
		{"NaN", ctx, nan, 3, knn.Euclidean, "NaN"},
		{"NaN cosine", ctx, nan, 3, knn.Cosine, "NaN"},
		{"one row", ctx, blas32.General{Rows: 1, Cols: 3, Stride: 3, Data: make([]float32, 3)}, 1, knn.Euclidean, "at least 2 items"},
		{"cancelled", cancelled, X, 3, knn.Euclidean, "canceled"},
	} {
		_, err := Neighbours(c.ctx, c.X, c.k, c.m, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
