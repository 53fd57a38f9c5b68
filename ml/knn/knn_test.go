package knn

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
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

// The hand-made set: two points of class 0 near the origin, one of class 1
// above them, and a far pair of classes 1 and 2.
var (
	handX = general([][]float32{{0, 0}, {1, 0}, {0, 1}, {5, 5}, {6, 5}})
	handY = []int{0, 0, 1, 1, 2}
)

func fit(t *testing.T, c *Classifier, X blas32.General, y []int) *Classifier {
	t.Helper()
	if err := c.Fit(X, y); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHandNeighbours(t *testing.T) {
	ctx := context.Background()
	c := fit(t, &Classifier{K: 3}, handX, handY)
	// (0.2, 0.1): squared distances 0.05, 0.65, 0.85, ...
	nb, err := c.KNeighbors(ctx, general([][]float32{{0.2, 0.1}, {0.5, 0}}), 3)
	if err != nil {
		t.Fatal(err)
	}
	idx, dist := nb.Row(0)
	if !slices.Equal(idx, []int{0, 1, 2}) || math.Abs(dist[0]-math.Sqrt(0.05)) > 1e-7 ||
		math.Abs(dist[1]-math.Sqrt(0.65)) > 1e-7 || math.Abs(dist[2]-math.Sqrt(0.85)) > 1e-7 {
		t.Errorf("neighbours of (0.2, 0.1): %v %v", idx, dist)
	}
	// (0.5, 0) is equally far from rows 0 and 1: the smaller index comes first.
	if idx, dist := nb.Row(1); idx[0] != 0 || idx[1] != 1 || dist[0] != dist[1] {
		t.Errorf("neighbours of (0.5, 0): %v %v", idx, dist)
	}
	m := fit(t, &Classifier{K: 3, Metric: Manhattan}, handX, handY)
	nb, _ = m.KNeighbors(ctx, general([][]float32{{0.2, 0.1}}), 3)
	if idx, dist := nb.Row(0); !slices.Equal(idx, []int{0, 1, 2}) ||
		math.Abs(dist[0]-0.3) > 1e-7 || math.Abs(dist[1]-0.9) > 1e-7 || math.Abs(dist[2]-1.1) > 1e-7 {
		t.Errorf("Manhattan neighbours: %v %v", idx, dist)
	}
}

func TestHandVotes(t *testing.T) {
	ctx := context.Background()
	q := general([][]float32{{0.2, 0.1}, {5.4, 5}, {5.6, 5}, {6, 5}})
	for _, c := range []struct {
		k    int
		w    Weights
		want []int
	}{
		// k=1: the nearest row's class.
		{1, Uniform, []int{0, 1, 2, 2}},
		// k=2 near the far pair: one vote each for 1 and 2, the tie goes to
		// the smaller label; at (6, 5) too, although row 4 is at distance 0.
		{2, Uniform, []int{0, 1, 1, 1}},
		// Distance weights: the nearer of the pair wins; at (6, 5) only the
		// row at distance 0 votes.
		{2, Distance, []int{0, 1, 2, 2}},
		// k=3: classes 0, 0, 1 at (0.2, 0.1); near the far pair one vote
		// each for 1, 2 and 0 (row 1): the three-way tie goes to 0.
		{3, Uniform, []int{0, 0, 0, 0}},
	} {
		cl := fit(t, &Classifier{K: c.k, Weights: c.w}, handX, handY)
		got, err := cl.Predict(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("K=%d weights %d: %v, want %v", c.k, c.w, got, c.want)
		}
	}
	// Two training rows at distance 0 with different labels: with distance
	// weights they vote 1 each and the tie goes to the smaller label; the
	// third neighbour (label 0) gets no vote although it would win uniformly.
	X := general([][]float32{{1, 1}, {1, 1}, {1.5, 1}, {1.6, 1}})
	cl := fit(t, &Classifier{K: 4, Weights: Distance}, X, []int{7, 3, 0, 0})
	if got, _ := cl.Predict(ctx, general([][]float32{{1, 1}})); got[0] != 3 {
		t.Errorf("zero-distance vote: %v, want [3]", got)
	}
	cl.Weights = Uniform
	if got, _ := cl.Predict(ctx, general([][]float32{{1, 1}})); got[0] != 0 {
		t.Errorf("uniform vote: %v, want [0]", got)
	}
	if !slices.Equal(cl.Classes(), []int{0, 3, 7}) {
		t.Errorf("classes %v", cl.Classes())
	}
}

func TestSelfAndOneClass(t *testing.T) {
	ctx := context.Background()
	c := fit(t, &Classifier{K: 1}, handX, handY)
	nb, err := c.KNeighborsSelf(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Rows 1 and 2 are both √41 from row 3: the smaller index comes first.
	want := [][]int{{1, 2}, {0, 2}, {0, 1}, {4, 1}, {3, 1}}
	for i, w := range want {
		if idx, _ := nb.Row(i); !slices.Equal(idx, w) {
			t.Errorf("self neighbours of %d: %v, want %v", i, idx, w)
		}
	}
	loo, err := c.PredictSelf(ctx)
	if err != nil || !slices.Equal(loo, []int{0, 0, 0, 2, 1}) {
		t.Errorf("leave-one-out: %v, %v", loo, err)
	}
	one := fit(t, &Classifier{K: 2}, handX, []int{4, 4, 4, 4, 4})
	if got, _ := one.Predict(ctx, handX); !slices.Equal(got, []int{4, 4, 4, 4, 4}) {
		t.Errorf("one class: %v", got)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	nan := general([][]float32{{0, 0}, {float32(math.NaN()), 1}})
	// A bad value is named by its row and feature: row 2, feature 1 of a
	// strided matrix (stride 3 for 2 features).
	inf := blas32.General{Rows: 3, Cols: 2, Stride: 3, Data: []float32{1, 2, 9, 3, 4, 9, 5, float32(math.Inf(-1)), 9}}
	for _, c := range []struct {
		name, want string
		c          Classifier
		X          blas32.General
		y          []int
	}{
		{"K=0", "K", Classifier{K: 0}, handX, handY},
		{"K>n", "K", Classifier{K: 6}, handX, handY},
		{"labels", "label", Classifier{K: 1}, handX, handY[:4]},
		{"NaN", "training row 1, feature 0 is NaN", Classifier{K: 1}, nan, []int{0, 1}},
		{"Inf", "training row 0, feature 0 is +Inf", Classifier{K: 1}, general([][]float32{{float32(math.Inf(1))}}), []int{0}},
		{"-Inf strided", "training row 2, feature 1 is -Inf", Classifier{K: 1}, inf, []int{0, 1, 0}},
		{"huge", "training row 1 is too large", Classifier{K: 1}, general([][]float32{{1, 2}, {3e18, 1}}), []int{0, 1}},
		{"metric", "not Metric(5)", Classifier{K: 1, Metric: 5}, handX, handY},
		{"weights", "weight", Classifier{K: 1, Weights: 5}, handX, handY},
	} {
		if err := c.c.Fit(c.X, c.y); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
	var unfitted Classifier
	if _, err := unfitted.Predict(ctx, handX); err == nil {
		t.Error("unfitted: no error")
	}
	c := fit(t, &Classifier{K: 2}, handX, handY)
	if _, err := c.Predict(ctx, general([][]float32{{1, 2, 3}})); err == nil {
		t.Error("dimension mismatch: no error")
	}
	if _, err := c.Predict(ctx, nan); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN query: %v", err)
	}
	for _, k := range []int{0, 6} {
		if _, err := c.KNeighbors(ctx, handX, k); err == nil {
			t.Errorf("KNeighbors k=%d: no error", k)
		}
	}
	if _, err := c.KNeighborsSelf(ctx, 5); err == nil {
		t.Error("KNeighborsSelf k=n: no error")
	}
	big := randomData(3000, 10, 3, 1)
	c = fit(t, &Classifier{K: 2}, big, make([]int, 3000))
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, m := range []Metric{Euclidean, Manhattan} {
		c.Metric = m
		if _, err := c.Predict(cancelled, big); !errors.Is(err, context.Canceled) {
			t.Errorf("%v cancelled: %v", m, err)
		}
	}
}

// randomData returns n rows of d features. With levels > 0 the values are
// integers in [0, levels) plus offset, so there are many exact ties and
// duplicate rows; otherwise they are Gaussian plus offset.
func randomData(n, d, levels int, seed uint64) blas32.General {
	return randomDataOffset(n, d, levels, 0, seed)
}

func randomDataOffset(n, d, levels int, offset float32, seed uint64) blas32.General {
	rng := rand.New(rand.NewPCG(seed, 2))
	g := blas32.General{Rows: n, Cols: d, Stride: d, Data: make([]float32, n*d)}
	for i := range g.Data {
		if levels > 0 {
			g.Data[i] = float32(rng.IntN(levels)) + offset
		} else {
			g.Data[i] = float32(rng.NormFloat64()) + offset
		}
	}
	return g
}

// bruteForce returns the k nearest rows of X to each row of Q by exact
// float64 distances, ordered by distance then index, skipping row i for
// query i when self is set.
func bruteForce(X, Q blas32.General, k int, m Metric, self bool) Neighbors {
	nb := Neighbors{N: Q.Rows, K: k, Index: make([]int, Q.Rows*k), Dist: make([]float64, Q.Rows*k)}
	type pair struct {
		d float64
		i int
	}
	d := X.Cols
	for qi := 0; qi < Q.Rows; qi++ {
		q := Q.Data[qi*Q.Stride : qi*Q.Stride+d]
		all := make([]pair, 0, X.Rows)
		for j := 0; j < X.Rows; j++ {
			if self && j == qi {
				continue
			}
			r := X.Data[j*X.Stride : j*X.Stride+d]
			s := 0.0
			for t := range q {
				diff := float64(q[t]) - float64(r[t])
				if m == Euclidean {
					s += diff * diff
				} else {
					s += math.Abs(diff)
				}
			}
			if m == Euclidean {
				s = math.Sqrt(s)
			}
			all = append(all, pair{s, j})
		}
		sort.Slice(all, func(a, b int) bool {
			return all[a].d < all[b].d || (all[a].d == all[b].d && all[a].i < all[b].i)
		})
		for j := 0; j < k; j++ {
			nb.Index[qi*k+j], nb.Dist[qi*k+j] = all[j].i, all[j].d
		}
	}
	return nb
}

func sameNeighbours(t *testing.T, name string, got, want Neighbors) {
	t.Helper()
	for i := 0; i < want.N; i++ {
		gi, gd := got.Row(i)
		wi, wd := want.Row(i)
		if !slices.Equal(gi, wi) {
			t.Fatalf("%s: query %d: neighbours %v, want %v (distances %v, want %v)", name, i, gi, wi, gd, wd)
		}
		for j := range wd {
			if math.Abs(gd[j]-wd[j]) > 1e-12*(1+wd[j]) {
				t.Fatalf("%s: query %d: distances %v, want %v", name, i, gd, wd)
			}
		}
	}
}

func TestAgainstBruteForce(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name          string
		n, m, d, levs int
		offset        float32
	}{
		{"gaussian", 2500, 300, 24, 0, 0},
		// Integer data in {0, 1, 2}: many exact ties and duplicates, so many
		// queries need the re-check of near ties.
		{"ties", 2500, 300, 6, 3, 0},
		// Far from the origin: the float32 ‖q‖²+‖r‖²−2q·r loses most digits.
		{"offset", 1500, 200, 16, 0, 300},
		{"tiny", 12, 5, 3, 0, 0},
	} {
		X := randomDataOffset(c.n, c.d, c.levs, c.offset, 1)
		Q := randomDataOffset(c.m, c.d, c.levs, c.offset, 2)
		y := make([]int, c.n)
		for _, metric := range []Metric{Euclidean, Manhattan} {
			kmax := min(11, c.n-1)
			want := bruteForce(X, Q, kmax, metric, false)
			wantSelf := bruteForce(X, X, kmax, metric, true)
			for _, k := range []int{1, 5, kmax} {
				tr := progress.New()
				cl := fit(t, &Classifier{K: k, Metric: metric, Progress: tr}, X, y)
				got, err := cl.KNeighbors(ctx, Q, k)
				if err != nil {
					t.Fatal(err)
				}
				name := c.name + "/" + metric.String()
				sameNeighbours(t, name, got, prefix(want, k))
				if c.name == "ties" && k == 5 && !strings.Contains(tr.Snapshot().Detail, "re-checked") {
					t.Errorf("%s: the near-tie re-check was not exercised (%q)", name, tr.Snapshot().Detail)
				}
				self, err := cl.KNeighborsSelf(ctx, k)
				if err != nil {
					t.Fatal(err)
				}
				sameNeighbours(t, name+"/self", self, prefix(wantSelf, k))
			}
		}
	}
}

// prefix returns the first k neighbours of each row of nb.
func prefix(nb Neighbors, k int) Neighbors {
	out := Neighbors{N: nb.N, K: k}
	for i := 0; i < nb.N; i++ {
		idx, dist := nb.Row(i)
		out.Index = append(out.Index, idx[:k]...)
		out.Dist = append(out.Dist, dist[:k]...)
	}
	return out
}

func TestManyDuplicates(t *testing.T) {
	// Half of the rows are one and the same vector v: a query at v has 1200
	// neighbours at distance 0 and gets those with the smallest indices. The
	// re-check must collect (and compact) more than a thousand tied rows.
	const n, d = 2400, 10
	X := randomData(n, d, 0, 4)
	v := X.Data[:d]
	for i := 2; i < n; i += 2 {
		copy(X.Data[i*d:(i+1)*d], v)
	}
	Q := blas32.General{Rows: 3, Cols: d, Stride: d, Data: append(append(slices.Clone(v), X.Data[d:2*d]...), X.Data[5*d:6*d]...)}
	ctx := context.Background()
	for _, metric := range []Metric{Euclidean, Manhattan} {
		cl := fit(t, &Classifier{K: 5, Metric: metric}, X, make([]int, n))
		got, err := cl.KNeighbors(ctx, Q, 5)
		if err != nil {
			t.Fatal(err)
		}
		if idx, dist := got.Row(0); !slices.Equal(idx, []int{0, 2, 4, 6, 8}) || dist[4] != 0 {
			t.Errorf("%v: neighbours of v: %v %v", metric, idx, dist)
		}
		sameNeighbours(t, "duplicates/"+metric.String(), got, bruteForce(X, Q, 5, metric, false))
		self, err := cl.KNeighborsSelf(ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		if idx, _ := self.Row(0); !slices.Equal(idx, []int{2, 4, 6, 8, 10}) {
			t.Errorf("%v: self neighbours of row 0: %v", metric, idx)
		}
		sameNeighbours(t, "duplicates/self/"+metric.String(), prefix(Neighbors{N: 40, K: 5, Index: self.Index[:200], Dist: self.Dist[:200]}, 5),
			bruteForce(X, rows(X, 0, 40), 5, metric, true))
	}
}

func TestProgress(t *testing.T) {
	tr := progress.New()
	X := randomData(700, 5, 0, 9)
	for _, m := range []Metric{Euclidean, Manhattan} {
		c := fit(t, &Classifier{K: 3, Metric: m, Progress: tr}, X, make([]int, 700))
		if _, err := c.Predict(context.Background(), X); err != nil {
			t.Fatal(err)
		}
		if s := tr.Snapshot(); s.Stage != "kNN: distances" || s.Done != 700*700 || s.Total != 700*700 {
			t.Errorf("%v: progress %+v", m, s)
		}
	}
}

func TestStridedInput(t *testing.T) {
	// Training and query matrices that are column views of wider ones.
	wide := randomData(400, 12, 0, 5)
	X := blas32.General{Rows: 400, Cols: 7, Stride: 12, Data: wide.Data[:399*12+7]}
	q := randomData(50, 9, 0, 6)
	Q := blas32.General{Rows: 50, Cols: 7, Stride: 9, Data: q.Data[:49*9+7]}
	for _, metric := range []Metric{Euclidean, Manhattan} {
		cl := fit(t, &Classifier{K: 4, Metric: metric}, X, make([]int, 400))
		got, err := cl.KNeighbors(context.Background(), Q, 4)
		if err != nil {
			t.Fatal(err)
		}
		sameNeighbours(t, "strided/"+metric.String(), got, bruteForce(X, Q, 4, metric, false))
	}
}
