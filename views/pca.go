package views

import (
	"context"
	"fmt"
	"image"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/jobs"
	"embedscope/app/runs"
	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/progress"
	"embedscope/views/figures"
)

var pcaPanel = Panel{
	ID:    "pca",
	Title: "PCA",
	Intro: "Principal components of the scaled features: how much variance they capture, where the classes fall, and how well kNN classifies in the projected space. Hover a point to see its image; click it for its nearest neighbours.",
	View:  func(env *Env) fyne.CanvasObject { return newPCAView(env).content },
}

// Defaults of the PCA panel, as in seed notebook 000.
const (
	DefaultPCAComponents = 32
	DefaultDensityBins   = 80
	DefaultDensityEvery  = 20
	DefaultHexGrid       = 40
	DefaultHexMin        = 5
	DefaultNeighbours    = 8
)

// pcaFit is one fitted PCA with the neighbour searches of the scatter.
type pcaFit struct {
	*service.PCAResult
	labels   []int                // class of every item
	nearOrig *service.TrainSearch // neighbour search in the original space
	nearProj *service.TrainSearch // neighbour search in the projection
}

type pcaView struct {
	env     *Env
	content fyne.CanvasObject
	fit     *pcaFit // the fit shown; replaced only when a new fit succeeds

	comps, k, bins, every, hexGrid, hexMin *widget.Entry
	scaling, solver, xComp, yComp          *widget.Select
	metric, weights                        *widget.Select
	fitButton, knnButton                   *widget.Button
	summary, knnSummary, pointInfo         *widget.Label
	knnTable                               *widget.Label

	variance, density, hexbin, perClass *FigureView
	scatter                             *Scatter
	nearOrig, nearProj                  *ThumbStrip
	tabs                                *container.AppTabs
	fitJob                              *jobs.Job
	fitSeq                              int // numbers fit jobs, so a stale one's callback is ignored
}

func newPCAView(env *Env) *pcaView {
	v := &pcaView{env: env}
	v.comps = entryWith(strconv.Itoa(DefaultPCAComponents))
	v.scaling = newScalingSelect(env)
	v.solver = widget.NewSelect([]string{"auto", "full", "randomized"}, nil)
	v.solver.SetSelected("auto")
	v.fitButton = widget.NewButton("Fit PCA", v.startFit)
	v.fitButton.Importance = widget.HighImportance
	v.summary = wrapLabel("Press Fit PCA to project the data.")

	v.xComp = widget.NewSelect(nil, func(string) { v.updateScatter(); v.updateFigures() })
	v.yComp = widget.NewSelect(nil, func(string) { v.updateScatter(); v.updateFigures() })
	v.bins = entryWith(strconv.Itoa(DefaultDensityBins))
	v.every = entryWith(strconv.Itoa(DefaultDensityEvery))
	v.hexGrid = entryWith(strconv.Itoa(DefaultHexGrid))
	v.hexMin = entryWith(strconv.Itoa(DefaultHexMin))
	redraw := widget.NewButton("Redraw figures", v.updateFigures)

	v.k = entryWith("5")
	v.metric = widget.NewSelect([]string{"euclidean", "manhattan"}, nil)
	v.metric.SetSelected("euclidean")
	v.weights = widget.NewSelect([]string{"uniform", "distance"}, nil)
	v.weights.SetSelected("uniform")
	v.knnButton = widget.NewButton("Classify with kNN", v.startKNN)
	v.knnSummary = wrapLabel("")
	v.knnTable = widget.NewLabel("")
	v.knnTable.TextStyle.Monospace = true

	controls := container.NewVBox(
		bold("Projection"),
		widget.NewForm(
			widget.NewFormItem("Scaling", v.scaling),
			widget.NewFormItem("Components", v.comps),
			widget.NewFormItem("Solver", v.solver),
		),
		v.fitButton, v.summary,
		widget.NewSeparator(),
		bold("Figures"),
		widget.NewForm(
			widget.NewFormItem("Scatter x", v.xComp),
			widget.NewFormItem("Scatter y", v.yComp),
			widget.NewFormItem("Density bins", v.bins),
			widget.NewFormItem("Density: every n-th", v.every),
			widget.NewFormItem("Hexbin grid", v.hexGrid),
			widget.NewFormItem("Hexbin min count", v.hexMin),
		),
		redraw,
		widget.NewSeparator(),
		bold("kNN on the projection"),
		widget.NewForm(
			widget.NewFormItem("k", v.k),
			widget.NewFormItem("Metric", v.metric),
			widget.NewFormItem("Weights", v.weights),
		),
		v.knnButton, v.knnSummary, v.knnTable,
	)

	v.variance = NewFigureView("pca-explained-variance", env.Window)
	v.density = NewFigureView("pca-density", env.Window)
	v.hexbin = NewFigureView("pca-hexbin", env.Window)
	v.perClass = NewFigureView("knn-per-class", env.Window)
	for _, f := range []*FigureView{v.variance, v.density, v.hexbin} {
		f.SetMessage("Fit PCA first (left).")
	}
	v.perClass.SetMessage("Classify with kNN first (left).")
	v.scatter = NewScatter()
	v.scatter.Link(env.Workspace, "PCA scatter")
	v.scatter.Name = "pca-scatter"
	v.scatter.OnTap = v.showNeighbours
	v.nearOrig, v.nearProj = NewThumbStrip(), NewThumbStrip()
	v.nearOrig.SetEmptyText("Click a point to see its nearest training images in the original space.")
	v.nearProj.SetEmptyText("… and in the projected space.")
	v.pointInfo = wrapLabel("")
	strips := container.NewVBox(v.pointInfo,
		widget.NewLabel("Nearest in the original space:"), v.nearOrig,
		widget.NewLabel("Nearest in the projection:"), v.nearProj)
	scatterTab := container.NewVSplit(v.scatter, container.NewVScroll(strips))
	scatterTab.Offset = 0.62

	v.tabs = container.NewAppTabs(
		container.NewTabItem("Explained variance", v.variance),
		container.NewTabItem("Scatter", scatterTab),
		container.NewTabItem("Density", v.density),
		container.NewTabItem("Hexbin", v.hexbin),
		container.NewTabItem("kNN per class", v.perClass),
	)
	ws := env.Workspace
	keepEntry(ws, "pca.components", v.comps)
	keepSelect(ws, "pca.solver", v.solver)
	keepEntry(ws, "pca.k", v.k)
	keepSelect(ws, "pca.metric", v.metric)
	keepSelect(ws, "pca.weights", v.weights)
	env.Workspace.OnChange(func() { uiDo(v.dataChanged) })

	split := container.NewHSplit(newSidePanel(controls), v.tabs)
	split.Offset = 0.26
	v.content = split
	return v
}

func entryWith(text string) *widget.Entry {
	e := widget.NewEntry()
	e.SetText(text)
	return e
}

func wrapLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func bold(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// positiveInt parses a whole number in [lo, hi] from an entry, naming the
// field in the error.
func positiveInt(e *widget.Entry, field string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(e.Text))
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be a whole number from %d to %d (got %q)", field, lo, hi, e.Text)
	}
	return n, nil
}

// dataChanged drops a fit made on other data (its projection no longer
// matches the items) and fits PCA again with the panel's settings: it takes
// seconds even on the full data set.
func (v *pcaView) dataChanged() {
	if v.fitJob != nil {
		v.fitJob.Cancel()
	}
	if ds := v.env.Workspace.Data(); ds != nil {
		// A table of few features cannot have the default 32 components.
		if k, err := strconv.Atoi(strings.TrimSpace(v.comps.Text)); err != nil || k > ds.Dim {
			v.comps.SetText(strconv.Itoa(min(DefaultPCAComponents, ds.Dim)))
		}
		defer v.startFit()
	}
	if v.fit == nil || v.fit.Generation == v.env.Workspace.Generation() {
		return
	}
	v.fit = nil
	v.summary.SetText("The data, split or scaling changed: fitting again.")
	for _, f := range []*FigureView{v.variance, v.density, v.hexbin} {
		f.SetMessage("Fit PCA first (left).")
	}
	v.perClass.SetMessage("Classify with kNN first (left).")
	v.scatter.SetData(ScatterData{})
	v.nearOrig.SetItems(nil)
	v.nearProj.SetItems(nil)
	v.pointInfo.SetText("")
	v.knnSummary.SetText("")
	v.knnTable.SetText("")
}

func (v *pcaView) startFit() {
	ws := v.env.Workspace
	ds := ws.Data()
	if ds == nil {
		v.env.ShowError(fmt.Errorf("open a data set first"))
		return
	}
	k, err := positiveInt(v.comps, "The number of components", 1, ds.Dim)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	solver := v.solver.Selected
	gen := ws.Generation()
	var fit *pcaFit
	v.fitSeq++
	seq := v.fitSeq
	v.fitButton.Disable()
	v.summary.SetText(fmt.Sprintf("Fitting PCA(%d)…", k))
	v.fitJob = v.env.Jobs.Start(fmt.Sprintf("PCA(%d)", k), func(ctx context.Context, t *progress.Tracker) error {
		var err error
		fit, err = fitPCA(ctx, v.env.Service, service.PCARequest{Components: k, Solver: solver}, t)
		return err
	}, func(err error) {
		if seq != v.fitSeq {
			return // a newer fit was started
		}
		v.fitButton.Enable()
		v.fitJob = nil
		if err != nil {
			if v.fit != nil {
				v.summary.SetText(v.fitText(v.fit))
			} else {
				v.summary.SetText("Press Fit PCA to project the data.")
			}
			if jobs.IsCancelled(err) && ws.Generation() == gen {
				v.summary.SetText(v.summary.Text + "\n(The last fit was cancelled.)")
			}
			return
		}
		if ws.Generation() != gen {
			return // the data changed while fitting
		}
		v.fit = fit
		v.showFit()
	})
}

// fitPCA fits PCA through the service (which publishes its space) and
// prepares the neighbour searches the scatter's clicks use.
func fitPCA(ctx context.Context, svc *service.Service, req service.PCARequest, t *progress.Tracker) (*pcaFit, error) {
	p, err := svc.FitPCA(ctx, req, t)
	if err != nil {
		return nil, err
	}
	fit := &pcaFit{PCAResult: p, labels: p.Items.Labels()}
	if fit.nearOrig, err = svc.NewTrainSearch(p.Pixels); err != nil {
		return nil, err
	}
	if fit.nearProj, err = svc.NewTrainSearch(p.Space); err != nil {
		return nil, err
	}
	return fit, nil
}

func (v *pcaView) fitText(f *pcaFit) string {
	m := f.Model
	cum := m.Cumulative()
	txt := fmt.Sprintf("%d components capture %.1f %% of the variance (%s solver, %d×%d, %.2f s).",
		m.K(), 100*cum[m.K()-1], m.Solver, m.NSamples, m.Dim, f.Seconds)
	if m.Spectrum != nil {
		txt += fmt.Sprintf("\n80/90/95/99 %% of the variance need %d/%d/%d/%d components.",
			m.ComponentsFor(0.8), m.ComponentsFor(0.9), m.ComponentsFor(0.95), m.ComponentsFor(0.99))
	}
	return txt
}

// showFit shows a new fit in every view.
func (v *pcaView) showFit() {
	f := v.fit
	v.summary.SetText(v.fitText(f))
	opts := make([]string, f.Model.K())
	for i := range opts {
		opts[i] = fmt.Sprintf("PC %d", i+1)
	}
	v.xComp.Options, v.yComp.Options = opts, opts
	v.xComp.Selected, v.yComp.Selected = opts[0], opts[min(1, len(opts)-1)]
	v.xComp.Refresh()
	v.yComp.Refresh()
	v.nearOrig.SetItems(nil)
	v.nearProj.SetItems(nil)
	v.pointInfo.SetText("")
	v.updateScatter()
	v.updateFigures()
}

// component returns the index chosen in a PC picker.
func component(s *widget.Select) int {
	n, err := strconv.Atoi(strings.TrimPrefix(s.Selected, "PC "))
	if err != nil || n < 1 {
		return 0
	}
	return n - 1
}

// projection returns the chosen pair of components of every item.
func (v *pcaView) projection() figures.Projection {
	f := v.fit
	x, y := component(v.xComp), component(v.yComp)
	ds := v.env.Workspace.Data()
	return figures.Projection{
		X: f.Items.Column(f.Space, x), Y: f.Items.Column(f.Space, y), Labels: f.labels, Classes: ds.Classes,
		Title:  fmt.Sprintf("PCA of %s — %d points", ds.Name, f.Items.Len()),
		XLabel: fmt.Sprintf("PC %d (%.1f %% of the variance)", x+1, 100*f.Model.ExplainedVarianceRatio[x]),
		YLabel: fmt.Sprintf("PC %d (%.1f %% of the variance)", y+1, 100*f.Model.ExplainedVarianceRatio[y]),
	}
}

func (v *pcaView) updateScatter() {
	if v.fit == nil {
		return
	}
	ds := v.env.Workspace.Data()
	items := v.fit.Items
	p := v.projection()
	if err := v.scatter.SetData(ScatterData{X: p.X, Y: p.Y, Labels: p.Labels, Classes: p.Classes, Title: p.Title, XLabel: p.XLabel, YLabel: p.YLabel, Items: allItems(len(p.X))}); err != nil {
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

// itemCaption names an item: its original index, split and class.
func itemCaption(ds *dataset.Dataset, it workspace.Item) string {
	return fmt.Sprintf("#%d (%s) · %s", it.Row(), it.Split.Name, ds.Classes[it.Label()])
}

// updateFigures redraws the variance, density and hexbin figures.
func (v *pcaView) updateFigures() {
	if v.fit == nil {
		return
	}
	bins, err1 := positiveInt(v.bins, "Density bins", 2, 1000)
	every, err2 := positiveInt(v.every, "Density: every n-th point", 1, 1_000_000)
	grid, err3 := positiveInt(v.hexGrid, "Hexbin grid", 2, 500)
	minCount, err4 := positiveInt(v.hexMin, "Hexbin min count", 1, 1_000_000)
	for _, err := range []error{err1, err2, err3, err4} {
		if err != nil {
			v.env.ShowError(err)
			return
		}
	}
	v.variance.SetPlot(figures.CumulativeVariance(v.fit.SpectrumRatios(), v.fit.Model.K()))
	p := v.projection()
	p.Title = "PCA of " + v.env.Workspace.Data().Name // the figures add what they show
	v.density.SetPlot(figures.Density(p, bins, every))
	v.hexbin.SetPlot(figures.Hexbin(p, grid, minCount))
}

// showNeighbours lists the nearest training images of item i in the
// original space and in the projection (the item itself left out).
func (v *pcaView) showNeighbours(i int) {
	f := v.fit
	if f == nil || i < 0 {
		v.nearOrig.SetItems(nil)
		v.nearProj.SetItems(nil)
		v.pointInfo.SetText("")
		return
	}
	ds := v.env.Workspace.Data()
	it := f.Items.At(i)
	v.pointInfo.SetText("Selected: " + itemCaption(ds, it))
	qOrig := f.Items.Row(f.Pixels, i)
	qProj := f.Items.Row(f.Space, i)
	self := -1
	if it.Split.Name == "train" {
		self = it.Pos
	}
	trainSplit := f.Items.Splits[0]
	go func() {
		orig := neighbourThumbs(ds, trainSplit, f.nearOrig, qOrig, self, DefaultNeighbours)
		proj := neighbourThumbs(ds, trainSplit, f.nearProj, qProj, self, DefaultNeighbours)
		uiDo(func() {
			if v.fit != f {
				return
			}
			v.nearOrig.SetItems(orig)
			v.nearProj.SetItems(proj)
		})
	}()
}

// neighbourThumbs finds the k nearest training rows to q with search,
// skipping position self, as captioned thumbnails.
func neighbourThumbs(ds *dataset.Dataset, train dataset.Split, search *service.TrainSearch, q []float32, self, k int) []Thumb {
	nb, err := search.Nearest(context.Background(), q, k, self)
	if err != nil {
		return nil
	}
	out := make([]Thumb, 0, len(nb))
	for _, b := range nb {
		row := train.Index[b.Pos]
		th := Thumb{Caption: fmt.Sprintf("%s · d=%.3g", ds.Classes[train.Label(b.Pos)], b.Dist), Index: row}
		if ds.IsImage() {
			th.Image = ds.Image(train.Part, row)
		}
		out = append(out, th)
	}
	return out
}

// AutomaticSpace reports whether sp is the PCA that the PCA panel fits on
// its own whenever a data set opens (DefaultPCAComponents components, or
// the data's width when narrower): opening the data again makes it again,
// so closing the data set loses nothing of it.
func AutomaticSpace(sp *workspace.Space, dim int) bool {
	return sp.Kind == runs.KindPCA && sp.Name == fmt.Sprintf("PCA-%d", min(DefaultPCAComponents, dim))
}
