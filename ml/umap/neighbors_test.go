package umap

import (
	"context"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/knn"
)

// TestExactIndexParts checks that the split search (parts searched at
// once) finds exactly ml/knn's neighbours, with duplicate rows present:
// KNeighborsSelf for the graph, KNeighbors for new rows.
func TestExactIndexParts(t *testing.T) {
	X, _ := blobs(3, 60, 4, 3, 11)
	// Rows 10–14 are copies of row 3, row 50 of row 51.
	for r := 10; r < 15; r++ {
		copy(X.Data[r*4:r*4+4], X.Data[3*4:3*4+4])
	}
	copy(X.Data[50*4:50*4+4], X.Data[51*4:51*4+4])
	Q, _ := blobs(3, 7, 4, 3, 12)
	defer func(p int) { searchPart = p }(searchPart)
	ctx := context.Background()
	c := &knn.Classifier{K: 1}
	if err := c.Fit(X, make([]int, X.Rows)); err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{1, 3, 6, 15} {
		wantSelf, err := c.KNeighborsSelf(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		wantQ, err := c.KNeighbors(ctx, Q, k)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []int{1, 7, 64, 4096} {
			searchPart = part
			ix, err := ExactIndex(ctx, X, Euclidean, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ix.SelfNeighbors(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Index, wantSelf.Index) || !slices.Equal(got.Dist, wantSelf.Dist) {
				t.Errorf("k = %d, parts of %d: self neighbours differ from ml/knn's", k, part)
			}
			gotQ, err := ix.Query(ctx, Q, k)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(gotQ.Index, wantQ.Index) || !slices.Equal(gotQ.Dist, wantQ.Dist) {
				t.Errorf("k = %d, parts of %d: query neighbours differ from ml/knn's", k, part)
			}
		}
	}
	ix, _ := ExactIndex(ctx, X, Euclidean, nil)
	if _, err := ix.SelfNeighbors(ctx, X.Rows); err == nil {
		t.Error("n neighbours among n−1 other rows accepted")
	}
	if _, err := ix.Query(ctx, blas32.General{Rows: 1, Cols: 3, Stride: 3, Data: []float32{1, 2, 3}}, 2); err == nil {
		t.Error("a query of the wrong width accepted")
	}
}
