package service

import (
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
)

// TestMapSpaceOfAllItems checks that a map of every item becomes a 2-D
// space (each split's rows in order) that k-means can use, and that a map
// of a subset does not.
func TestMapSpaceOfAllItems(t *testing.T) {
	svc := embeddedService(t)
	ws := svc.WS
	all := workspace.NewItems(ws.Splits())
	items := make([]workspace.Item, all.Len())
	Y := blas32.General{Rows: all.Len(), Cols: 2, Stride: 2, Data: make([]float32, 2*all.Len())}
	for i := range items {
		items[i] = all.At(i)
		Y.Data[2*i], Y.Data[2*i+1] = float32(i), float32(items[i].Label())
	}
	sub := blas32.General{Rows: 100, Cols: 2, Stride: 2, Data: Y.Data[:200]}
	if s := svc.mapSpace(&MapResult{Items: items[:100], Embedding: sub}); s != nil {
		t.Fatal("a map of 100 items became a space")
	}
	s := svc.mapSpace(&MapResult{Items: items, Embedding: Y})
	if s == nil || s.Dim() != 2 || s.Train.Rows != ws.Splits().Train.Len() || s.Val.Rows != ws.Splits().Val.Len() {
		t.Fatalf("space %+v", s)
	}
	// Validation row 3 is item train+3, whose x is its position.
	if got, want := s.Val.Data[2*3], float32(s.Train.Rows+3); got != want {
		t.Errorf("validation row 3 has x %v, want %v", got, want)
	}
}
