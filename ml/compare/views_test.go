package compare

import (
	"context"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/pca"
)

func TestViews(t *testing.T) {
	ctx := context.Background()
	X := randomRows(100, 6, 0, 61)
	va, err := View2D(ctx, X)
	if err != nil {
		t.Fatal(err)
	}
	m, err := pca.PCA{Components: 2}.Fit(ctx, X)
	if err != nil {
		t.Fatal(err)
	}
	if want := m.Transform(X, blas32.General{}); !slices.Equal(va.Data, want.Data) || va.Cols != 2 {
		t.Error("the 2-D view of a 6-d space is not its first two principal components")
	}
	one, err := View2D(ctx, column(1, 2, 3))
	if err != nil || !slices.Equal(one.Data, []float32{1, 0, 2, 0, 3, 0}) {
		t.Errorf("view of one column %v, %v", one.Data, err)
	}
	// B is the 2-D view of A rotated by 90° and scaled by 3: its aligned
	// view is A's.
	B := blas32.General{Rows: 100, Cols: 2, Stride: 2, Data: make([]float32, 200)}
	for i := 0; i < 100; i++ {
		B.Data[2*i], B.Data[2*i+1] = -3*va.Data[2*i+1], 3*va.Data[2*i]
	}
	a, b, p, err := Views(ctx, X, B)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(p.Scale-1.0/3) > 1e-6 || p.Disparity > 1e-10 {
		t.Errorf("alignment scale %v, disparity %v", p.Scale, p.Disparity)
	}
	for i := range a.Data {
		if math.Abs(float64(a.Data[i]-b.Data[i])) > 1e-4 {
			t.Fatalf("aligned views differ at %d: %v and %v", i, a.Data[i], b.Data[i])
		}
	}
	if _, _, _, err := Views(ctx, X, column(1, 2, 3)); err == nil {
		t.Error("no error for spaces of different sizes")
	}
	mid := Interpolate(column(0, 2), column(4, 2), 0.25, blas32.General{})
	if !slices.Equal(mid.Data, []float32{1, 2}) {
		t.Errorf("a quarter of the way from (0, 2) to (4, 2): %v", mid.Data)
	}
}

func TestDomino(t *testing.T) {
	a, b := handNeighbourhoods(t, 2)
	inA, inB, err := Domino(a, b, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Item 1 is at 1 in A (neighbours 0 at 1, 2 at 2) and at 5 in B
	// (neighbours 2 at 1, 3 at 2): item 2 is shared.
	if want := []Tile{{0, 1, false}, {2, 2, true}}; !slices.Equal(inA, want) {
		t.Errorf("A's row %v, want %v", inA, want)
	}
	if want := []Tile{{2, 1, true}, {3, 2, false}}; !slices.Equal(inB, want) {
		t.Errorf("B's row %v, want %v", inB, want)
	}
	if _, _, err := Domino(a, b, 3, 1); err == nil {
		t.Error("no error for k above the neighbourhoods'")
	}
	if _, _, err := Domino(a, b, 1, 4); err == nil {
		t.Error("no error for an item out of range")
	}
}
