package views

import (
	"context"
	"fmt"
	"image"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/views/figures"
)

// The Clusters panel's scatter: the clustered space in 2-D (itself, its
// first principal components, or two of its dimensions), with the
// centroids marked, coloured by class or by cluster.

// projectSpace returns a 2-D view of every item of space (the space itself
// when it is 2-D, its first two components for a PCA space, else a PCA-2 of
// it) and the centres mapped the same way, as marks.
func projectSpace(ctx context.Context, svc *service.Service, space *workspace.Space, centers blas32.General) (*figures.Projection, []figures.Mark, error) {
	return projectSpaceAxes(ctx, svc, space, centers, -1, -1)
}

// projectSpaceAxes is projectSpace with a choice of axes: dimensions xs
// and ys of the space itself, or (xs < 0) the default view.
func projectSpaceAxes(ctx context.Context, svc *service.Service, space *workspace.Space, centers blas32.General, xs, ys int) (*figures.Projection, []figures.Mark, error) {
	v, err := svc.Project2D(ctx, space, centers, xs, ys)
	if err != nil {
		return nil, nil, err
	}
	ws := svc.WS
	items := workspace.NewItems(ws.Splits())
	p := &figures.Projection{X: v.X, Y: v.Y, Labels: items.Labels(), Classes: ws.Data().Classes,
		Title: fmt.Sprintf("k-means on %s — %s", space.Name, ws.Data().Name), XLabel: v.XLabel, YLabel: v.YLabel}
	marks := make([]figures.Mark, len(v.ExtraX))
	for j := range marks {
		marks[j] = figures.Mark{X: v.ExtraX[j], Y: v.ExtraY[j], Label: fmt.Sprintf("C%d", j)}
	}
	return p, marks, nil
}

// axesPCA is the default choice of scatter axes: PCA-2 of the space (or
// the space itself when it is 2-D or a PCA).
const axesPCA = "PCA of the space"

// setAxesOptions offers the pairs of the first dimensions of a space of
// three or more dimensions (pairs among the first 6) beside its PCA view.
func (v *clustersView) setAxesOptions(s *workspace.Space) {
	opts := []string{axesPCA}
	if d := s.Dim(); d >= 3 {
		for i := range min(d, 6) {
			for j := i + 1; j < min(d, 6); j++ {
				opts = append(opts, fmt.Sprintf("dimensions %d and %d", i+1, j+1))
			}
		}
	}
	v.axes.Options = opts
	v.axes.Selected = axesPCA
	v.axes.Refresh()
}

// reproject redraws the scatter on the chosen axes.
func (v *clustersView) reproject() {
	cl := v.cl
	if cl == nil {
		return
	}
	xs, ys := -1, -1
	if v.axes.Selected != axesPCA {
		if _, err := fmt.Sscanf(v.axes.Selected, "dimensions %d and %d", &xs, &ys); err != nil {
			return
		}
		xs, ys = xs-1, ys-1
	}
	svc := v.env.Service
	seq := v.seq
	go func() {
		proj, marks, err := projectSpaceAxes(context.Background(), svc, cl.Space, cl.Model.Centers, xs, ys)
		uiDo(func() {
			if err != nil {
				v.env.ShowError(err)
				return
			}
			if v.cl != cl || v.seq != seq {
				return
			}
			v.proj, v.marks = proj, marks
			v.updateScatter()
		})
	}()
}

func (v *clustersView) updateScatter() {
	if v.proj == nil || v.cl == nil {
		return
	}
	p := *v.proj
	if v.colourBy.Selected == "cluster" {
		p.Labels = v.cl.Model.Labels
		if len(p.Labels) != len(p.X) {
			// Only the training rows have clusters: assign the others to
			// their nearest centre.
			p.Labels = v.clusterOfItems()
		}
		p.Classes = make([]string, v.cl.Model.K())
		for j := range p.Classes {
			p.Classes[j] = fmt.Sprintf("C%d", j)
		}
	}
	ds := v.env.Workspace.Data()
	items := workspace.NewItems(v.env.Workspace.Splits())
	if err := v.scatter.SetData(ScatterData{X: p.X, Y: p.Y, Labels: p.Labels, Classes: p.Classes, Title: p.Title, XLabel: p.XLabel, YLabel: p.YLabel, Marks: v.marks, Items: allItems(len(p.X))}); err != nil {
		v.env.ShowError(err)
		return
	}
	v.scatter.Caption = func(i int) string { return itemCaption(ds, items.At(i)) }
	v.scatter.Thumbnail = nil
	if ds.IsImage() {
		v.scatter.Thumbnail = func(i int) image.Image {
			it := items.At(i)
			return ds.Image(it.Split.Part, it.Row())
		}
	}
}

// clusterOfItems assigns every item (all splits) to its nearest centre.
func (v *clustersView) clusterOfItems() []int {
	s := v.cl.Space
	out := v.cl.Model.Predict(s.Train)
	for _, m := range []blas32.General{s.Val, s.Test} {
		if m.Rows > 0 {
			out = append(out, v.cl.Model.Predict(m)...)
		}
	}
	return out
}
