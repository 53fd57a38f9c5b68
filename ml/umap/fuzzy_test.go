package umap

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

// readX300 reads testdata/x300.csv and y300.csv (see gen_fuzzy.py): the
// first 300 Fashion-MNIST test images, /255, PCA-10 by scikit-learn,
// rounded to float32, and their labels with every third one unknown (−1).
func readX300(t *testing.T) (blas32.General, []int) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "x300.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	X := blas32.General{Rows: len(recs), Cols: len(recs[0]), Stride: len(recs[0])}
	for _, r := range recs {
		for _, v := range r {
			x, err := strconv.ParseFloat(v, 32)
			if err != nil {
				t.Fatal(err)
			}
			X.Data = append(X.Data, float32(x))
		}
	}
	b, err := os.ReadFile(filepath.Join("testdata", "y300.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var y []int
	for _, l := range strings.Fields(string(b)) {
		v, err := strconv.Atoi(l)
		if err != nil {
			t.Fatal(err)
		}
		y = append(y, v)
	}
	if len(y) != X.Rows {
		t.Fatalf("%d labels for %d rows", len(y), X.Rows)
	}
	return X, y
}

// readGraph reads one of testdata/fuzzy_*.csv (row,col,weight).
func readGraph(t *testing.T, name string) (rows, cols []int, w []float64) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[1:] {
		i, _ := strconv.Atoi(r[0])
		j, _ := strconv.Atoi(r[1])
		v, err := strconv.ParseFloat(r[2], 64)
		if err != nil {
			t.Fatal(err)
		}
		rows, cols, w = append(rows, i), append(cols, j), append(w, v)
	}
	return rows, cols, w
}

// TestFuzzyGraphMatchesUMAPLearn compares the fuzzy graph of 300 real
// points with umap-learn 0.5.3's, edge by edge, for the Euclidean and the
// cosine metric, another neighbourhood size with a fractional local
// connectivity and a half-union, and the categorical labels with unknowns.
// The expected graphs come from testdata/gen_fuzzy.py:
//
//	dmat = pairwise_distances(x, metric=umap.distances.named_distances[metric])
//	g, sigmas, rhos = fuzzy_simplicial_set(dmat, k, rs, "precomputed", {}, None, None,
//	                                       False, set_op_mix_ratio, local_connectivity, True)
//	if supervised: g = discrete_metric_simplicial_set_intersection(g, y, far_dist=5.0)
func TestFuzzyGraphMatchesUMAPLearn(t *testing.T) {
	X, y := readX300(t)
	cases := []struct {
		file string
		u    UMAP
	}{
		{"fuzzy_euclidean_k15.csv", UMAP{Neighbors: 15}},
		{"fuzzy_euclidean_k8_mix05_lc15.csv", UMAP{Neighbors: 8, Intersection: 0.5, LocalConnectivity: 1.5}},
		{"fuzzy_cosine_k15.csv", UMAP{Neighbors: 15, Metric: Cosine}},
		{"fuzzy_euclidean_k15_labels.csv", UMAP{Neighbors: 15, Labels: y}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			g, err := c.u.Graph(context.Background(), X)
			if err != nil {
				t.Fatal(err)
			}
			rows, cols, w := readGraph(t, c.file)
			if g.Edges() != len(w) {
				t.Errorf("%d edges, umap-learn has %d", g.Edges(), len(w))
			}
			worst, bad := 0.0, 0
			for e := range w {
				got := float64(g.Weight(rows[e], cols[e]))
				d := math.Abs(got - w[e])
				worst = max(worst, d)
				if d > 1e-5 {
					if bad++; bad <= 5 {
						t.Errorf("edge %d–%d: weight %.7g, umap-learn %.7g", rows[e], cols[e], got, w[e])
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d weights differ by more than 1e-5", bad, len(w))
			}
			t.Logf("%d edges, largest difference %.2g", len(w), worst)
		})
	}
}
