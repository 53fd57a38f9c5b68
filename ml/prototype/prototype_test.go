package prototype

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
)

func rows(r [][]float32) blas32.General {
	d := len(r[0])
	g := blas32.General{Rows: len(r), Cols: d, Stride: d}
	for _, x := range r {
		g.Data = append(g.Data, x...)
	}
	return g
}

func TestClassMeansAndPredictByHand(t *testing.T) {
	// Class 0 at (0,0) and (2,0): mean (1,0). Class 1 at (0,4) and (0,6): mean (0,5).
	X := rows([][]float32{{0, 0}, {2, 0}, {0, 4}, {0, 6}})
	m, err := ClassMeans(X, []int{0, 0, 1, 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 0, 0, 5}
	for i, w := range want {
		if m.Centers.Data[i] != w {
			t.Fatalf("centres %v, want %v", m.Centers.Data, want)
		}
	}
	// (1,2): squared distances 4 to (1,0) and 1+9=10 to (0,5); per feature 2 and 5.
	pred, err := m.Predict(context.Background(), rows([][]float32{{1, 2}}))
	if err != nil {
		t.Fatal(err)
	}
	if pred[0].Class != 0 || math.Abs(pred[0].Dist-2) > 1e-6 {
		t.Errorf("prediction %+v, want class 0 at distance 2", pred[0])
	}
	D, _ := m.MeanSquaredDistances(context.Background(), rows([][]float32{{1, 2}}))
	if p, d := m.Nearest(D, 0, 0, false); p != 1 || math.Abs(d-5) > 1e-6 {
		t.Errorf("nearest wrong prototype %d at %v, want 1 at 5", p, d)
	}
}

func TestSplitAClass(t *testing.T) {
	X := rows([][]float32{{0, 0}, {2, 0}, {0, 4}, {0, 6}})
	m, _ := ClassMeans(X, []int{0, 0, 1, 1}, 2)
	// Class 0 split into its two points: (2,0.5) now nearest to (2,0), class 0.
	s, err := m.WithClassPrototypes(0, rows([][]float32{{0, 0}, {2, 0}}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Centers.Rows != 3 || s.Count(0) != 2 || s.Count(1) != 1 || s.Class[0] != 0 || s.Class[2] != 1 {
		t.Fatalf("split model: classes %v", s.Class)
	}
	pred, _ := s.Predict(context.Background(), rows([][]float32{{2, 0.5}, {0, 5.5}}))
	if pred[0].Class != 0 || pred[0].Prototype != 1 || pred[1].Class != 1 {
		t.Errorf("predictions %+v", pred)
	}
	if m.Centers.Rows != 2 {
		t.Error("WithClassPrototypes changed the original model")
	}
	if _, err := m.WithClassPrototypes(5, rows([][]float32{{0, 0}})); err == nil {
		t.Error("a class out of range was accepted")
	}
	if _, err := m.WithClassPrototypes(0, rows([][]float32{{0, 0, 0}})); err == nil {
		t.Error("prototypes of the wrong width were accepted")
	}
}

func TestErrors(t *testing.T) {
	X := rows([][]float32{{0, 0}, {1, 1}})
	if _, err := ClassMeans(X, []int{0, 0}, 2); err == nil {
		t.Error("an empty class was accepted")
	}
	if _, err := ClassMeans(X, []int{0, 3}, 2); err == nil {
		t.Error("a label out of range was accepted")
	}
	if _, err := ClassMeans(rows([][]float32{{float32(math.NaN()), 0}}), []int{0}, 1); err == nil {
		t.Error("NaN was accepted")
	}
	m, _ := ClassMeans(X, []int{0, 0}, 1)
	if _, err := m.Predict(context.Background(), rows([][]float32{{1, 2, 3}})); err == nil {
		t.Error("rows of the wrong width were accepted")
	}
}
