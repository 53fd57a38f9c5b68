package compare

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/knn"
)

func column(v ...float32) blas32.General {
	return blas32.General{Rows: len(v), Cols: 1, Stride: 1, Data: v}
}

// The hand case: four items on a line in A (0, 1, 3, 7) and in B (0, 5,
// 6, 7). With k = 1 the nearest other items are A: 1, 0, 1, 2 and B: 1,
// 2, 1, 2 (item 2 of B is at distance 1 from items 1 and 3: the lower
// index wins), so the agreements are 1, 0, 1, 1. With k = 2 the sets are
// A: {1,2} {0,2} {1,0} {2,1} and B: {1,2} {2,3} {1,3} {2,1}: agreements
// 1, 1/3, 1/3, 1 (one shared of three), mean 2/3.
func handNeighbourhoods(t *testing.T, k int) (a, b *Neighbourhoods) {
	t.Helper()
	ctx := context.Background()
	a, err := Neighbours(ctx, column(0, 1, 3, 7), k, knn.Euclidean, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err = Neighbours(ctx, column(0, 5, 6, 7), k, knn.Euclidean, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func TestAgreementHand(t *testing.T) {
	a, b := handNeighbourhoods(t, 2)
	if idx, _ := b.Row(2); !slices.Equal(idx, []int{1, 3}) {
		t.Fatalf("B's neighbours of item 2: %v, want [1 3]", idx)
	}
	got, err := Agreement(a, b, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []float64{1, 0, 1, 1}) {
		t.Errorf("k = 1: agreements %v, want [1 0 1 1]", got)
	}
	dst := make([]float64, 4)
	got, err = Agreement(a, b, 2, dst)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{1, 1.0 / 3, 1.0 / 3, 1}; !slices.Equal(got, want) || &got[0] != &dst[0] {
		t.Errorf("k = 2: agreements %v, want %v in dst", got, want)
	}
	s, err := Summarise(got, 2, []int{0, 0, 1, 2}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(s.Mean-2.0/3) > 1e-15 || s.N != 4 || s.K != 2 {
		t.Errorf("summary %+v, want mean 2/3", s)
	}
	wantClasses := []ClassMean{{0, 2, 2.0 / 3}, {1, 1, 1.0 / 3}, {2, 1, 1}}
	for c, w := range wantClasses {
		if g := s.Classes[c]; g.Class != w.Class || g.Count != w.Count || math.Abs(g.Mean-w.Mean) > 1e-15 {
			t.Errorf("class %d: %+v, want %+v", c, g, w)
		}
	}
	if g := s.Classes[3]; g.Count != 0 || !math.IsNaN(g.Mean) {
		t.Errorf("empty class: %+v, want NaN mean", g)
	}
	if want := []Bin{{0, 0, 0}, {1, 1.0 / 3, 2}, {2, 1, 2}}; !slices.Equal(s.Bins, want) {
		t.Errorf("bins %v, want %v", s.Bins, want)
	}
	if in := InBin(got, 2, 1); !slices.Equal(in, []int{1, 2}) {
		t.Errorf("items sharing 1 neighbour: %v, want [1 2]", in)
	}
	if o := Order(got); !slices.Equal(o, []int{1, 2, 0, 3}) {
		t.Errorf("order %v, want [1 2 0 3]", o)
	}
}

func TestSharedOf(t *testing.T) {
	for _, k := range []int{1, 5, 10, 50} {
		for s := 0; s <= k; s++ {
			if got := SharedOf(jaccard(s, k), k); got != s {
				t.Errorf("k = %d: SharedOf(%v) = %d, want %d", k, jaccard(s, k), got, s)
			}
		}
	}
}

func TestAgreementErrors(t *testing.T) {
	a, b := handNeighbourhoods(t, 2)
	c, err := Neighbours(context.Background(), column(0, 1, 2), 1, knn.Euclidean, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Agreement(a, c, 1, nil); err == nil {
		t.Error("no error for neighbourhoods of 4 and 3 items")
	}
	if _, err := Agreement(a, b, 3, nil); err == nil || !strings.Contains(err.Error(), "k = 3") {
		t.Errorf("k above the neighbourhoods' size: %v", err)
	}
	if _, err := Summarise([]float64{1, 0.5}, 2, []int{0, 0}, 1); err == nil {
		t.Error("no error for an agreement that is not s/(2k−s)")
	}
	if _, err := Summarise([]float64{1, 1}, 2, []int{0, 3}, 2); err == nil {
		t.Error("no error for a class out of range")
	}
	if _, err := Summarise([]float64{1, 1}, 2, []int{0}, 2); err == nil {
		t.Error("no error for missing labels")
	}
}

func TestDrift(t *testing.T) {
	ctx := context.Background()
	got, err := Drift(ctx, column(0, 1, 3, 7), column(0, 5, 6, 7), 2, knn.Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-2.0/3) > 1e-15 {
		t.Errorf("drift %v, want 2/3 (the hand case)", got)
	}
	X := randomRows(200, 5, 0, 11)
	Y := blas32.General{Rows: 200, Cols: 5, Stride: 5, Data: slices.Clone(X.Data)}
	for i := range Y.Data {
		Y.Data[i] = 3*Y.Data[i] + 1 // same neighbourhoods
	}
	if got, err := Drift(ctx, X, Y, 10, knn.Cosine); err != nil || got >= 1 {
		// A shift changes cosine neighbourhoods, so the drift is below 1.
		t.Errorf("cosine drift after a shift %v, %v, want below 1", got, err)
	}
	if got, err := Drift(ctx, X, Y, 10, knn.Euclidean); err != nil || got != 1 {
		t.Errorf("Euclidean drift of a scaled and shifted copy %v, %v, want 1", got, err)
	}
	if _, err := Drift(ctx, X, column(1, 2, 3), 1, knn.Euclidean); err == nil {
		t.Error("no error for snapshots of different sizes")
	}
}
