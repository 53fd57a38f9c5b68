package knn

import (
	"context"
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/assets"
	"embedscope/ml/dataset"
)

// bruteNearest ranks every row of X by its exact float64 distance to q.
func bruteNearest(X blas32.General, q []float32, n int, m Metric, exclude int) []Neighbor {
	qn := 0.0
	for _, v := range q {
		qn += float64(v) * float64(v)
	}
	qn = math.Sqrt(qn)
	var all []Neighbor
	for r := 0; r < X.Rows; r++ {
		if r == exclude {
			continue
		}
		row := X.Data[r*X.Stride : r*X.Stride+X.Cols]
		var d float64
		if m == Euclidean {
			d = math.Sqrt(sqDist64(q, row))
		} else {
			rn := 0.0
			for _, v := range row {
				rn += float64(v) * float64(v)
			}
			d = cosineDist64(q, row, qn, math.Sqrt(rn))
		}
		all = append(all, Neighbor{r, d})
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].Dist < all[b].Dist })
	return all[:n]
}

func sameNearest(t *testing.T, name string, got, want []Neighbor, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d neighbours, want %d", name, len(got), len(want))
	}
	for i := range want {
		if got[i].Row != want[i].Row || math.Abs(got[i].Dist-want[i].Dist) > tol*(1+want[i].Dist) {
			t.Fatalf("%s: neighbour %d is %+v, want %+v\ngot  %v\nwant %v", name, i, got[i], want[i], got, want)
		}
	}
}

func TestNearestHand(t *testing.T) {
	ctx := context.Background()
	// Rows: (0,0) (1,0) (0,1) (5,5) (6,5); query (0.2, 0.1).
	// Squared distances: 0.05, 0.65, 0.85, 45.05, 55.25.
	got, err := Nearest(ctx, handX, []float32{0.2, 0.1}, 3, Euclidean, -1)
	if err != nil {
		t.Fatal(err)
	}
	want := []Neighbor{{0, math.Sqrt(0.05)}, {1, math.Sqrt(0.65)}, {2, math.Sqrt(0.85)}}
	sameNearest(t, "euclidean", got, want, 1e-7)

	// Excluding row 0 moves everything up.
	got, _ = Nearest(ctx, handX, []float32{0.2, 0.1}, 2, Euclidean, 0)
	sameNearest(t, "euclidean, row 0 excluded", got, want[1:], 1e-7)

	// Cosine from (1, 0): cos θ with (1,0) is 1, with (0,1) 0, with (5,5)
	// 1/√2, with (6,5) 6/√61; (0,0) has no direction: distance 1. The tie
	// at 1 (rows 0 and 2) goes by index.
	got, err = Nearest(ctx, handX, []float32{1, 0}, 5, Cosine, -1)
	if err != nil {
		t.Fatal(err)
	}
	want = []Neighbor{{1, 0}, {4, 1 - 6/math.Sqrt(61)}, {3, 1 - 1/math.Sqrt2}, {0, 1}, {2, 1}}
	sameNearest(t, "cosine", got, want, 1e-7)

	// From (−1, −1): rows 1 and 2 at 1 + 1/√2, (6,5) at 1 + 11/√122, and
	// the opposite direction (5,5) at 2.
	got, _ = Nearest(ctx, handX, []float32{-1, -1}, 4, Cosine, 0)
	sameNearest(t, "cosine, opposite", got, []Neighbor{{1, 1 + 1/math.Sqrt2}, {2, 1 + 1/math.Sqrt2}, {4, 1 + 11/math.Sqrt(122)}, {3, 2}}, 1e-7)

	// A zero query is at distance 1 from every row, listed by index.
	got, _ = Nearest(ctx, handX, []float32{0, 0}, 3, Cosine, -1)
	sameNearest(t, "cosine, zero query", got, []Neighbor{{0, 1}, {1, 1}, {2, 1}}, 0)
}

func TestNearestErrors(t *testing.T) {
	ctx := context.Background()
	q := []float32{0, 0}
	for _, c := range []struct {
		name, want string
		X          blas32.General
		q          []float32
		n          int
		m          Metric
		exclude    int
	}{
		{"n=0", "neighbours requested", handX, q, 0, Euclidean, -1},
		{"n>rows", "need 1..5", handX, q, 6, Euclidean, -1},
		{"n>rows-1", "need 1..4", handX, q, 5, Cosine, 2},
		{"dimension", "3 features, the rows 2", handX, []float32{1, 2, 3}, 1, Euclidean, -1},
		{"NaN query", "NaN", handX, []float32{0, float32(math.NaN())}, 1, Cosine, -1},
		{"Inf query", "+Inf", handX, []float32{float32(math.Inf(1)), 0}, 1, Euclidean, -1},
		{"NaN row", "row 1, feature 0 is NaN", general([][]float32{{0, 0}, {float32(math.NaN()), 1}}), q, 1, Euclidean, -1},
		{"metric", "not manhattan", handX, q, 1, Manhattan, -1},
		{"empty", "no rows", blas32.General{Cols: 2, Stride: 2}, q, 1, Euclidean, -1},
	} {
		_, err := Nearest(ctx, c.X, c.q, c.n, c.m, c.exclude)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
	big := randomData(20000, 16, 0, 3)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Nearest(cancelled, big, make([]float32, 16), 3, Euclidean, -1); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if err := (&Classifier{K: 1, Metric: Cosine}).Fit(handX, handY); err == nil || !strings.Contains(err.Error(), "not cosine") {
		t.Errorf("classifier with cosine: %v", err)
	}
}

func TestNearestAgainstBruteForce(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		X      blas32.General
		n      int
		levels int
	}{
		{"gaussian", randomData(3000, 40, 0, 1), 10, 0},
		{"ties", randomData(2000, 6, 3, 2), 25, 3},             // many exact ties and duplicates
		{"offset", randomDataOffset(2000, 30, 0, 50, 3), 7, 0}, // large common offset: cancellation
		{"wide", randomData(500, 784, 0, 4), 500 - 1, 0},       // every row but the query
	} {
		ix, err := NewIndex(ctx, c.X)
		if err != nil {
			t.Fatal(err)
		}
		// Strided view of the same data: the same answers.
		wide := blas32.General{Rows: c.X.Rows, Cols: c.X.Cols, Stride: c.X.Cols + 3, Data: make([]float32, c.X.Rows*(c.X.Cols+3))}
		for r := 0; r < c.X.Rows; r++ {
			copy(wide.Data[r*wide.Stride:], c.X.Data[r*c.X.Cols:(r+1)*c.X.Cols])
		}
		for _, m := range []Metric{Euclidean, Cosine} {
			for _, qi := range []int{0, 17, c.X.Rows - 1} {
				q := c.X.Data[qi*c.X.Cols : (qi+1)*c.X.Cols]
				got, err := ix.Nearest(ctx, q, c.n, m, qi)
				if err != nil {
					t.Fatal(err)
				}
				sameNearest(t, c.name+" "+m.String(), got, bruteNearest(c.X, q, c.n, m, qi), 1e-12)
				got, err = Nearest(ctx, wide, q, c.n, m, -1)
				if err != nil {
					t.Fatal(err)
				}
				sameNearest(t, c.name+" strided "+m.String(), got, bruteNearest(c.X, q, c.n, m, -1), 1e-12)
			}
		}
	}
}

var embedded struct {
	once sync.Once
	x    blas32.General
	err  error
}

// embeddedPixels returns the embedded Fashion-MNIST test set (10,000
// images) as float32 pixels / 255, as the workspace scales them.
func embeddedPixels(t testing.TB) blas32.General {
	embedded.once.Do(func() {
		img, lab := assets.FashionMNISTTest()
		ds, err := dataset.LoadIDX("embedded", "embedded", img, lab, nil, nil)
		if err != nil {
			embedded.err = err
			return
		}
		x := blas32.General{Rows: ds.Train.N, Cols: ds.Dim, Stride: ds.Dim, Data: make([]float32, len(ds.Train.Pixels))}
		for i, p := range ds.Train.Pixels {
			x.Data[i] = float32(p) / 255
		}
		embedded.x = x
	})
	if embedded.err != nil {
		t.Fatal(embedded.err)
	}
	return embedded.x
}

// TestNearestSklearn compares with scikit-learn 1.2.1 (numpy 1.24.2) on the
// embedded data set:
//
//	import gzip, numpy as np
//	from sklearn.neighbors import NearestNeighbors
//	with gzip.open("assets/t10k-images-idx3-ubyte.gz") as f:
//	    A = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784) / 255
//	for metric in ["cosine", "euclidean"]:
//	    nn = NearestNeighbors(n_neighbors=6, metric=metric, algorithm="brute").fit(A)
//	    print(metric, nn.kneighbors(A[[17, 1234]]))
//
// sklearn includes the query itself (distance 0; 2.4e-7 by its
// ‖a‖²+‖b‖²−2a·b formula for row 17), so we search with exclude = −1.
// The pixels are float32 here, float64 there: distances agree to ~1e-7.
func TestNearestSklearn(t *testing.T) {
	X := embeddedPixels(t)
	ix, err := NewIndex(context.Background(), X)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		m    Metric
		q    int
		rows []int
		dist []float64
	}{
		{Cosine, 17, []int{17, 9181, 2019, 7879, 5429, 5527}, []float64{0, 0.09747407869, 0.1012021924, 0.1016640444, 0.1017879638, 0.1019991444}},
		{Cosine, 1234, []int{1234, 5474, 3241, 2152, 3058, 8313}, []float64{0, 0.04401925436, 0.04772527327, 0.05260842208, 0.0537708233, 0.05539645006}},
		{Euclidean, 17, []int{17, 7879, 6822, 5254, 9181, 2098}, []float64{0, 6.356860326, 6.630515593, 6.8439586, 7.140837282, 7.149813343}},
		{Euclidean, 1234, []int{1234, 5956, 9743, 4489, 3405, 9425}, []float64{0, 4.55680706, 4.609413166, 4.646967816, 4.695837318, 4.957283117}},
	} {
		q := X.Data[c.q*X.Stride : c.q*X.Stride+X.Cols]
		got, err := ix.Nearest(context.Background(), q, 6, c.m, -1)
		if err != nil {
			t.Fatal(err)
		}
		rows := make([]int, len(got))
		for i, nb := range got {
			rows[i] = nb.Row
			if math.Abs(nb.Dist-c.dist[i]) > 1e-6*(1+c.dist[i]) {
				t.Errorf("%v from %d: distance %d is %.10g, sklearn %.10g", c.m, c.q, i, nb.Dist, c.dist[i])
			}
		}
		if !slices.Equal(rows, c.rows) {
			t.Errorf("%v from %d: rows %v, sklearn %v", c.m, c.q, rows, c.rows)
		}
		// And against brute force, leaving the query out.
		got, _ = ix.Nearest(context.Background(), q, 10, c.m, c.q)
		sameNearest(t, "embedded "+c.m.String(), got, bruteNearest(X, q, 10, c.m, c.q), 1e-12)
	}
}

// BenchmarkNearest times one query against the full Fashion-MNIST (70,000
// rows of 784 pixels / 255), with the Index (norms) built once.
func BenchmarkNearest(b *testing.B) {
	f := loadFashion(b, dataset.ScaleDiv255)
	X := blas32.General{Rows: f.train.Rows + f.test.Rows, Cols: f.train.Cols, Stride: f.train.Cols}
	X.Data = append(append(make([]float32, 0, X.Rows*X.Cols), f.train.Data...), f.test.Data...)
	ctx := context.Background()
	ix, err := NewIndex(ctx, X)
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range []Metric{Euclidean, Cosine} {
		b.Run(m.String(), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				r := (i * 7919) % X.Rows
				if _, err := ix.Nearest(ctx, X.Data[r*X.Cols:(r+1)*X.Cols], 10, m, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("with-index", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			r := (i * 7919) % X.Rows
			if _, err := Nearest(ctx, X, X.Data[r*X.Cols:(r+1)*X.Cols], 10, Euclidean, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
