package service

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/runs"
	"embedscope/app/workspace"
	"embedscope/ml/pca"
)

// View2D is a 2-D view of every item of a space (in workspace.NewItems
// order) and of extra points of the space (e.g. k-means centres) mapped the
// same way.
type View2D struct {
	X, Y           []float32 // one per item
	ExtraX, ExtraY []float32 // one per extra row
	XLabel, YLabel string
}

// Project2D returns a 2-D view of space: dimensions xs and ys of the space
// itself when both are ≥ 0; else the space itself when it is 2-D, its
// first two components for a PCA space, and otherwise the first two
// principal components of it (PCA fitted on its training rows). extra
// (may be empty) is mapped the same way.
func (s *Service) Project2D(ctx context.Context, space *workspace.Space, extra blas32.General, xs, ys int) (*View2D, error) {
	items := workspace.NewItems(s.WS.Splits())
	flat, eproj := space, extra
	v := &View2D{}
	switch {
	case space.Dim() == 1:
		return nil, fmt.Errorf("the %s space has one dimension: nothing to scatter", space.Name)
	case xs >= 0 && ys >= 0:
		if xs >= space.Dim() || ys >= space.Dim() {
			return nil, fmt.Errorf("the %s space has %d dimensions, not %d", space.Name, space.Dim(), max(xs, ys)+1)
		}
		v.XLabel, v.YLabel = fmt.Sprintf("%s dimension %d", space.Name, xs+1), fmt.Sprintf("%s dimension %d", space.Name, ys+1)
	case space.Dim() == 2 || space.Kind == runs.KindPCA:
		xs, ys = 0, 1
		v.XLabel, v.YLabel = space.Name+" dimension 1", space.Name+" dimension 2"
		if space.Kind == runs.KindPCA {
			v.XLabel, v.YLabel = "PC 1", "PC 2"
		}
	default:
		m, err := pca.PCA{Components: 2}.Fit(ctx, space.Train)
		if err != nil {
			return nil, err
		}
		proj := func(x blas32.General) blas32.General {
			if x.Rows == 0 {
				return blas32.General{Cols: 2, Stride: 2}
			}
			return m.Transform(x, blas32.General{})
		}
		flat = &workspace.Space{Name: space.Name, Train: proj(space.Train), Val: proj(space.Val), Test: proj(space.Test)}
		eproj = proj(extra)
		xs, ys = 0, 1
		v.XLabel, v.YLabel = "PC 1 of "+space.Name, "PC 2 of "+space.Name
	}
	v.X, v.Y = items.Column(flat, xs), items.Column(flat, ys)
	for j := 0; j < eproj.Rows; j++ {
		v.ExtraX = append(v.ExtraX, eproj.Data[j*eproj.Stride+xs])
		v.ExtraY = append(v.ExtraY, eproj.Data[j*eproj.Stride+ys])
	}
	return v, nil
}
