package service

import (
	"context"
	"fmt"
	"time"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/workspace"
	"embedscope/ml/compare"
	"embedscope/ml/progress"
)

// CompareViews are the 2-D views of the compared items in spaces A and B,
// side by side: each space's own view (Project2D: the space itself when it
// is 2-D, its first two components for a PCA space, else the first two
// principal components of it), B's view rotated, reflected, scaled and
// shifted onto A's (orthogonal Procrustes, compare.Align) so that the two
// can be compared and morphed into each other.
type CompareViews struct {
	// AX, AY and BX, BY hold one point per compared item, in the order of
	// CompareResult.ItemList; B's view is the aligned one.
	AX, AY, BX, BY []float32
	// Labels of the axes of A's and of B's own view.
	XLabelA, YLabelA, XLabelB, YLabelB string
	// Scale is the alignment's scaling of B's view and Disparity its
	// residual (0: B's view is A's up to a similarity; at most 1).
	Scale, Disparity float64
	Seconds          float64

	a, b blas32.General // the two views, n×2
}

// CompareViews computes the side-by-side views of a comparison's items.
// It returns an error if the spaces have one dimension, the data changed
// since the comparison, or ctx is cancelled.
func (s *Service) CompareViews(ctx context.Context, res *CompareResult, t *progress.Tracker) (*CompareViews, error) {
	start := time.Now()
	if res.SpaceA == nil || res.SpaceB == nil {
		return nil, fmt.Errorf("compare the spaces first")
	}
	all := workspace.NewItems(s.WS.Splits())
	pos := make([]int, len(res.ItemList))
	for i, it := range res.ItemList {
		if pos[i] = all.PositionOf(it); pos[i] < 0 {
			return nil, fmt.Errorf("the data changed since the comparison: compare again")
		}
	}
	view := func(sp *workspace.Space) (blas32.General, *View2D, error) {
		t.Stage("2-D view of "+sp.Name, 0)
		v, err := s.Project2D(ctx, sp, blas32.General{Cols: sp.Dim(), Stride: sp.Dim()}, -1, -1)
		if err != nil {
			return blas32.General{}, nil, err
		}
		if len(v.X) != all.Len() {
			return blas32.General{}, nil, fmt.Errorf("the data changed since the comparison: compare again")
		}
		m := blas32.General{Rows: len(pos), Cols: 2, Stride: 2, Data: make([]float32, 2*len(pos))}
		for i, p := range pos {
			m.Data[2*i], m.Data[2*i+1] = v.X[p], v.Y[p]
		}
		return m, v, nil
	}
	a, va, err := view(res.SpaceA)
	if err != nil {
		return nil, fmt.Errorf("space A: %w", err)
	}
	b, vb, err := view(res.SpaceB)
	if err != nil {
		return nil, fmt.Errorf("space B: %w", err)
	}
	p, aligned, err := compare.Align(a, b, blas32.General{})
	if err != nil {
		return nil, err
	}
	out := &CompareViews{XLabelA: va.XLabel, YLabelA: va.YLabel, XLabelB: vb.XLabel, YLabelB: vb.YLabel,
		Scale: p.Scale, Disparity: p.Disparity, a: a, b: aligned}
	out.AX, out.AY = columns(a)
	out.BX, out.BY = columns(aligned)
	out.Seconds = time.Since(start).Seconds()
	return out, nil
}

// columns splits an n×2 matrix into its two columns.
func columns(m blas32.General) (x, y []float32) {
	x, y = make([]float32, m.Rows), make([]float32, m.Rows)
	for i := range m.Rows {
		x[i], y[i] = m.Data[i*m.Stride], m.Data[i*m.Stride+1]
	}
	return x, y
}

// Frame writes frame f ∈ [0, 1] of the morph from A's view (f = 0) to B's
// aligned view (f = 1), (1−f)·A + f·B, into x and y (used when they have
// room for every item) and returns them.
func (v *CompareViews) Frame(f float64, x, y []float32) ([]float32, []float32) {
	f = min(max(f, 0), 1)
	m := compare.Interpolate(v.a, v.b, f, blas32.General{})
	n := m.Rows
	if cap(x) < n {
		x = make([]float32, n)
	}
	if cap(y) < n {
		y = make([]float32, n)
	}
	x, y = x[:n], y[:n]
	for i := range n {
		x[i], y[i] = m.Data[2*i], m.Data[2*i+1]
	}
	return x, y
}

// DominoTile is one neighbour in a domino: an item (an index into
// CompareResult.ItemList), its distance to the domino's item in that
// space, and whether the other space has it among the item's neighbours
// too.
type DominoTile struct {
	Item   int
	Dist   float64
	Shared bool
}

// Domino returns item i's K nearest items in A and in B, nearest first,
// the shared ones marked (compare.Domino): the Embedding Comparator's
// neighbourhood domino. i indexes ItemList.
func (res *CompareResult) Domino(i int) (inA, inB []DominoTile, err error) {
	if res.NeighboursA == nil || res.NeighboursB == nil {
		return nil, nil, fmt.Errorf("compare the spaces first")
	}
	ta, tb, err := compare.Domino(res.NeighboursA, res.NeighboursB, res.K, i)
	if err != nil {
		return nil, nil, err
	}
	conv := func(ts []compare.Tile) []DominoTile {
		out := make([]DominoTile, len(ts))
		for j, t := range ts {
			out[j] = DominoTile{Item: t.Item, Dist: t.Dist, Shared: t.Shared}
		}
		return out
	}
	return conv(ta), conv(tb), nil
}

// InBin returns the items (indices into ItemList, increasing) behind one
// bar of the histogram: those sharing exactly shared of their K
// neighbours.
func (res *CompareResult) InBin(shared int) []int {
	return compare.InBin(res.Agreement, res.K, shared)
}

// GroupItems returns the items (indices into ItemList, lowest agreement
// first) of line g of the most-changed list.
func (res *CompareResult) GroupItems(g int) []int {
	if g < 0 || g >= len(res.Groups) {
		return nil
	}
	return res.Groups[g].Items
}

// Refs returns the references of items (indices into ItemList), for the
// workspace's selection.
func (res *CompareResult) Refs(items []int) []workspace.Ref {
	out := make([]workspace.Ref, len(items))
	for j, i := range items {
		it := res.ItemList[i]
		out[j] = workspace.SplitRef(it.Split, it.Pos)
	}
	return out
}

// SharedOf returns the number of neighbours item i (an index into
// ItemList) shares between A and B.
func (res *CompareResult) SharedOf(i int) int { return compare.SharedOf(res.Agreement[i], res.K) }
