package compare

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/knn"
	"embedscope/ml/tsne"
)

func TestTrustworthinessHand(t *testing.T) {
	// X on a line with gaps 1, 2, 3, 4, 5; the map swaps the two ends.
	// With k = 1 the map's nearest neighbours are 0→4, 1→5, 2→1, 3→2,
	// 4→3, 5→1, of ranks 4, 5, 1, 1, 1, 4 in X: penalties 3 + 4 + 3 = 10
	// and T = 1 − 2·10/(6·1·(12 − 3 − 1)) = 1 − 20/48 (sklearn gives
	// 0.5833333333333334 too).
	ctx := context.Background()
	X := column(0, 1, 3, 6, 10, 15)
	nb, err := Neighbours(ctx, column(15, 1, 3, 6, 10, 0), 2, knn.Euclidean, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Trustworthiness(ctx, X, nb, []int{1}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 - 20.0/48; math.Abs(got[0].Value-want) > 1e-15 || got[0].Items != 6 || got[0].K != 1 {
		t.Errorf("trustworthiness %+v, want %v over 6 items", got[0], want)
	}
	self, err := Neighbours(ctx, X, 2, knn.Euclidean, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := Trustworthiness(ctx, X, self, []int{1, 2}, nil, nil); got[0].Value != 1 || got[1].Value != 1 {
		t.Errorf("trustworthiness of the identity map %+v, want 1", got)
	}
}

// TestTrustworthinessMatchesTSNE checks against ml/tsne's exact
// implementation (itself tested against sklearn) on random data.
func TestTrustworthinessMatchesTSNE(t *testing.T) {
	ctx := context.Background()
	X := randomRows(400, 12, 0, 31)
	Y := randomRows(400, 2, 0, 32)
	for i := range Y.Data {
		Y.Data[i] += X.Data[(i/2)*12+i%2] // a map that keeps some structure
	}
	nbY, err := Neighbours(ctx, Y, 10, knn.Euclidean, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Trustworthiness(ctx, X, nbY, []int{1, 5, 10}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range []int{1, 5, 10} {
		want, err := tsne.Trustworthiness(ctx, X, Y, k)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got[i].Value-want) > 1e-14 {
			t.Errorf("k = %d: %.16g, tsne.Trustworthiness %.16g", k, got[i].Value, want)
		}
	}
}

// bruteTrust returns the mean over items of Σ_{j∈N_i} max(0, r(i,j) − k)
// with ranks from a full sort of exact distances in X.
func brutePenalty(X blas32.General, nb *Neighbourhoods, k int, items []int) float64 {
	n, d := X.Rows, X.Cols
	total := 0.0
	for _, i := range items {
		type p struct {
			d float64
			j int
		}
		var all []p
		for j := 0; j < n; j++ {
			if j == i {
				continue
			}
			s := 0.0
			for c := 0; c < d; c++ {
				diff := float64(X.Data[i*d+c]) - float64(X.Data[j*d+c])
				s += diff * diff
			}
			all = append(all, p{s, j})
		}
		sort.Slice(all, func(a, b int) bool { return all[a].d < all[b].d || (all[a].d == all[b].d && all[a].j < all[b].j) })
		rank := make([]int, n)
		for r, v := range all {
			rank[v.j] = r + 1
		}
		idx, _ := nb.Row(i)
		for _, j := range idx[:k] {
			total += float64(max(0, rank[j]-k))
		}
	}
	return total / float64(len(items))
}

func TestTrustworthinessSample(t *testing.T) {
	ctx := context.Background()
	const n = 300
	X := randomRows(n, 6, 0, 41)
	Y := randomRows(n, 3, 0, 42)
	for i := range Y.Data {
		Y.Data[i] = 0.3*Y.Data[i] + X.Data[(i/3)*6+i%3]
	}
	nb, err := Neighbours(ctx, Y, 5, knn.Euclidean, nil)
	if err != nil {
		t.Fatal(err)
	}
	items := Sample(n, 60, 7)
	if len(items) != 60 || !slices.IsSorted(items) || len(slices.Compact(slices.Clone(items))) != 60 || items[59] >= n {
		t.Fatalf("sample %v: want 60 distinct sorted items of 0..299", items)
	}
	if again := Sample(n, 60, 7); !slices.Equal(again, items) {
		t.Error("the sample depends on more than its seed")
	}
	if all := Sample(5, 9, 1); !slices.Equal(all, []int{0, 1, 2, 3, 4}) {
		t.Errorf("Sample(5, 9) = %v, want every item", all)
	}
	got, err := Trustworthiness(ctx, X, nb, []int{5}, items, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := 1 - 2/(5*(2*float64(n)-16))*brutePenalty(X, nb, 5, items)
	if math.Abs(got[0].Value-want) > 1e-14 || got[0].Items != 60 || !(got[0].StdErr > 0) {
		t.Errorf("sampled trustworthiness %+v, want %v over 60 items with a standard error", got[0], want)
	}
	exact, err := Trustworthiness(ctx, X, nb, []int{5}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w := 1 - 2/(5*(2*float64(n)-16))*brutePenalty(X, nb, 5, Sample(n, n, 0)); math.Abs(exact[0].Value-w) > 1e-14 || exact[0].StdErr != 0 {
		t.Errorf("exact trustworthiness %+v, want %v", exact[0], w)
	}
	if math.Abs(got[0].Value-exact[0].Value) > 4*got[0].StdErr {
		t.Errorf("sampled %v ± %v is far from the exact %v", got[0].Value, got[0].StdErr, exact[0].Value)
	}
}

func TestTrustworthinessErrors(t *testing.T) {
	ctx := context.Background()
	X := randomRows(20, 3, 0, 51)
	nb, err := Neighbours(ctx, X, 5, knn.Euclidean, nil)
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, c := range []struct {
		name  string
		ctx   context.Context
		ref   blas32.General
		ks    []int
		items []int
		want  string
	}{
		{"rows", ctx, randomRows(19, 3, 0, 1), []int{5}, nil, "19 rows for 20 items"},
		{"k above K", ctx, X, []int{6}, nil, "k = 6"},
		{"k = n/2", ctx, X, []int{10}, nil, "k = 10"},
		{"no k", ctx, X, nil, nil, "no k"},
		{"repeated item", ctx, X, []int{5}, []int{1, 1}, "repeated"},
		{"item out of range", ctx, X, []int{5}, []int{20}, "item 20 is out of 0..19"},
		{"cancelled", cancelled, X, []int{5}, nil, "canceled"},
	} {
		_, err := Trustworthiness(c.ctx, c.ref, nb, c.ks, c.items, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	// k < n/2 on its own (scikit-learn's condition): with neighbourhoods of
	// 10 for 20 items, k = 9 is measured and k = 10 refused.
	nb10, err := Neighbours(ctx, X, 10, knn.Euclidean, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Trustworthiness(ctx, X, nb10, []int{9}, nil, nil); err != nil {
		t.Errorf("k = 9 for 20 items: %v", err)
	}
	if _, err := Trustworthiness(ctx, X, nb10, []int{10}, nil, nil); err == nil || !strings.Contains(err.Error(), "k < n/2 = 10") {
		t.Errorf("k = 10 for 20 items (K = 10): error %v, want k < n/2 = 10", err)
	}
}
