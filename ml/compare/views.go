package compare

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/pca"
)

// View2D returns a 2-D view of the rows of X: X itself (copied) when it
// has two columns, its first two principal components (ml/pca, fitted on
// these rows) when it has more, and the single column beside zeros when it
// has one. It returns an error for fewer than 3 rows or the errors of PCA.
func View2D(ctx context.Context, X blas32.General) (blas32.General, error) {
	n, d := X.Rows, X.Cols
	if n < 3 || d < 1 {
		return blas32.General{}, fmt.Errorf("compare: a 2-D view needs at least 3 rows (got %d×%d)", n, d)
	}
	if d > 2 {
		m, err := pca.PCA{Components: 2}.Fit(ctx, X)
		if err != nil {
			return blas32.General{}, err
		}
		return m.Transform(X, blas32.General{}), nil
	}
	out := blas32.General{Rows: n, Cols: 2, Stride: 2, Data: make([]float32, 2*n)}
	for i := 0; i < n; i++ {
		copy(out.Data[2*i:2*i+d], X.Data[i*X.Stride:i*X.Stride+d])
	}
	return out, nil
}

// Views returns the 2-D views of two spaces of the same items (View2D of
// each) with B's view aligned onto A's by Align, so that the two can be
// drawn side by side and morphed into each other; p is the alignment.
func Views(ctx context.Context, A, B blas32.General) (va, vb blas32.General, p Procrustes, err error) {
	if A.Rows != B.Rows {
		return va, vb, p, fmt.Errorf("compare: spaces of %d and %d items", A.Rows, B.Rows)
	}
	if va, err = View2D(ctx, A); err != nil {
		return va, vb, p, err
	}
	if vb, err = View2D(ctx, B); err != nil {
		return va, vb, p, err
	}
	p, vb, err = Align(va, vb, vb)
	return va, vb, p, err
}

// Interpolate writes (1−t)·a + t·b into dst (a's shape; a new matrix when
// dst has no data) and returns it: frame t ∈ [0, 1] of the morph from view
// a to view b. It panics if the shapes do not agree.
func Interpolate(a, b blas32.General, t float64, dst blas32.General) blas32.General {
	if a.Rows != b.Rows || a.Cols != b.Cols {
		panic(fmt.Sprintf("compare: Interpolate between %d×%d and %d×%d", a.Rows, a.Cols, b.Rows, b.Cols))
	}
	if dst.Data == nil {
		dst = blas32.General{Rows: a.Rows, Cols: a.Cols, Stride: a.Cols, Data: make([]float32, a.Rows*a.Cols)}
	} else if dst.Rows != a.Rows || dst.Cols != a.Cols {
		panic(fmt.Sprintf("compare: Interpolate into %d×%d, want %d×%d", dst.Rows, dst.Cols, a.Rows, a.Cols))
	}
	s := float32(t)
	for i := 0; i < a.Rows; i++ {
		ra := a.Data[i*a.Stride : i*a.Stride+a.Cols]
		rb := b.Data[i*b.Stride : i*b.Stride+a.Cols]
		out := dst.Data[i*dst.Stride : i*dst.Stride+a.Cols]
		for j := range out {
			out[j] = ra[j] + s*(rb[j]-ra[j])
		}
	}
	return dst
}

// Tile is one neighbour in a domino: an item, its distance to the
// domino's item in that space, and whether it is also among the item's
// neighbours in the other space.
type Tile struct {
	Item   int
	Dist   float64
	Shared bool
}

// Domino returns item i's k nearest items in A and in B (the first k of
// its rows of a and b, nearest first), each marked when the other space
// has it too: the two rows of the Embedding Comparator's neighbourhood
// domino. It returns an error if i is out of range, a and b are of
// different items or k is outside 1..min(a.K, b.K).
func Domino(a, b *Neighbourhoods, k, i int) (inA, inB []Tile, err error) {
	if a.N != b.N {
		return nil, nil, errMismatch
	}
	if i < 0 || i >= a.N || k < 1 || k > a.K || k > b.K {
		return nil, nil, fmt.Errorf("compare: domino of item %d at k = %d (have %d items, k ≤ %d and %d)", i, k, a.N, a.K, b.K)
	}
	ia, da := a.Row(i)
	ib, db := b.Row(i)
	ia, da, ib, db = ia[:k], da[:k], ib[:k], db[:k]
	for c, j := range ia {
		inA = append(inA, Tile{Item: j, Dist: da[c], Shared: contains(ib, j)})
	}
	for c, j := range ib {
		inB = append(inB, Tile{Item: j, Dist: db[c], Shared: contains(ia, j)})
	}
	return inA, inB, nil
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
