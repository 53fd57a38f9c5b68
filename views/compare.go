package views

import (
	"context"
	"fmt"
	"math"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/runs"
	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/progress"
	"embedscope/views/figures"
)

var comparePanel = Panel{
	ID:    "compare",
	Title: "Compare",
	Intro: "Two spaces of the same items, neighbourhood by neighbourhood (after the Embedding Comparator, embComp and Emblaze): how many of each item's nearest neighbours A and B share, where they agree, which items moved and among what — and every run's quality in one table.",
	View:  func(env *Env) fyne.CanvasObject { return newCompareView(env).content },
}

// Choices of the items compared.
const (
	compareFirstN = "first N of the evaluation split"
	compareAll    = "all items of every split"
)

// compareRequest is what the panel's widgets say, read on the UI
// goroutine before a comparison starts.
type compareRequest struct {
	a, b    string // space IDs, or spaceOptionPCA
	nameA   string
	nameB   string
	pcaK    int
	req     service.CompareRequest
	classes []string
}

// compareShown is one comparison on screen: the result and its views.
type compareShown struct {
	res   *service.CompareResult
	views *service.CompareViews
	pos   []int // each compared item's position in workspace.NewItems order
}

type compareView struct {
	env     *Env
	content fyne.CanvasObject
	seq     int
	shown   *compareShown
	bar     int // the histogram bar selected (−1: none)
	domino  int // the item whose domino is shown (−1: none)

	a, b          *spacePicker
	pcaK, k, n    *widget.Entry
	metric, items *widget.Select
	run           *widget.Button
	summary       *widget.Label
	colourBy      *widget.RadioGroup
	histogram     *FigureView
	perClass      *FigureView
	histInfo      *widget.Label
	viewA, viewB  *Scatter
	morph         morphView
	dominoes      dominoView
	changed       changedView
	quality       *qualityView
	tabs          *container.AppTabs
	sideBySide    fyne.CanvasObject
	agreementTab  fyne.CanvasObject
}

func newCompareView(env *Env) *compareView {
	v := &compareView{env: env, bar: -1, domino: -1}
	extra := []string{spaceOptionPCA}
	v.a = newSpacePicker(env, "compare.a", extra, nil, nil)
	v.b = newSpacePicker(env, "compare.b", extra, nil, nil)
	if env.Workspace.Setting("compare.a") == "" {
		v.a.SetID(spaceOptionPCA)
	}
	v.pcaK = entryWith("32")
	v.k = entryWith("10")
	v.n = entryWith("10000")
	v.metric = widget.NewSelect([]string{"euclidean", "cosine"}, nil)
	v.metric.SetSelected("euclidean")
	v.items = widget.NewSelect([]string{compareFirstN, compareAll}, func(s string) {
		if s == compareAll {
			v.n.Disable()
		} else {
			v.n.Enable()
		}
	})
	v.items.SetSelected(compareFirstN)
	for key, e := range map[string]*widget.Entry{"compare.pca": v.pcaK, "compare.k": v.k, "compare.n": v.n} {
		keepEntry(env.Workspace, key, e)
	}
	keepSelect(env.Workspace, "compare.metric", v.metric)
	keepSelect(env.Workspace, "compare.items", v.items)
	v.run = widget.NewButton("Compare", v.startCompare)
	v.run.Importance = widget.HighImportance
	v.summary = wrapLabel("Choose spaces A and B, then Compare: every item's k nearest neighbours are found exactly in each space, and their overlap (Jaccard) is its agreement.")
	v.colourBy = widget.NewRadioGroup([]string{"agreement", "class"}, func(string) { v.colourViews() })
	v.colourBy.Horizontal = true
	v.colourBy.SetSelected("agreement")

	controls := container.NewVBox(
		bold("Compare two spaces"),
		stacked(
			widget.NewFormItem("Space A", v.a.Select),
			widget.NewFormItem("Space B", v.b.Select),
			widget.NewFormItem("Items", v.items),
		),
		widget.NewForm(
			widget.NewFormItem("N", v.n),
			widget.NewFormItem("PCA components", v.pcaK),
			widget.NewFormItem("Neighbours (k)", v.k),
			widget.NewFormItem("Distance", v.metric),
		),
		v.run, v.summary,
		widget.NewSeparator(),
		bold("Colour the views by"), v.colourBy,
	)
	v.buildTabs()
	env.Workspace.OnChange(func() { uiDo(v.clear) })
	split := container.NewHSplit(newSidePanel(controls), v.tabs)
	split.Offset = 0.24
	v.content = split
	return v
}

// buildTabs makes the result tabs: agreement, side by side (with the
// dominoes), morph, most changed, and the quality table.
func (v *compareView) buildTabs() {
	env := v.env
	v.histogram = NewFigureView("agreement-histogram", env.Window)
	v.histogram.SetMessage("The histogram of agreement appears here: click a bar to select its items.")
	v.histogram.OnTapData = func(x, _ float64) { v.tapBar(x) }
	v.perClass = NewFigureView("agreement-per-class", env.Window)
	v.perClass.SetMessage("The mean agreement of each class appears here.")
	v.histInfo = wrapLabel("")
	figs := container.NewGridWithColumns(2, v.histogram, v.perClass)
	v.agreementTab = container.NewBorder(nil, v.histInfo, nil, nil, figs)

	v.viewA, v.viewB = NewScatter(), NewScatter()
	v.viewA.Link(env.Workspace, "Compare: view of A")
	v.viewB.Link(env.Workspace, "Compare: view of B")
	v.viewA.Name, v.viewB.Name = "compare-view-a", "compare-view-b"
	v.viewA.OnTap = func(i int) { v.showDomino(i) }
	v.viewB.OnTap = func(i int) { v.showDomino(i) }
	v.buildDominoes()
	views := container.NewGridWithColumns(2, v.viewA, v.viewB)
	side := container.NewVSplit(views, v.dominoes.content)
	side.Offset = 0.52
	v.sideBySide = side

	v.buildMorph()
	v.buildChanged()
	v.quality = newQualityView(env)
	v.tabs = container.NewAppTabs(
		container.NewTabItem("Agreement", v.agreementTab),
		container.NewTabItem("Side by side", v.sideBySide),
		container.NewTabItem("Morph", v.morph.content),
		container.NewTabItem("Most changed", v.changed.content),
		container.NewTabItem("Quality of all runs", v.quality.content),
	)
}

// readRequest reads the widgets into a request, or says what is wrong.
func (v *compareView) readRequest() (compareRequest, error) {
	ws := v.env.Workspace
	ds := ws.Data()
	if ds == nil {
		return compareRequest{}, fmt.Errorf("open a data set first")
	}
	r := compareRequest{a: v.a.ID(), b: v.b.ID(), nameA: v.a.Select.Selected, nameB: v.b.Select.Selected, classes: ds.Classes}
	if r.a == spaceOptionPCA || r.b == spaceOptionPCA {
		k, err := positiveInt(v.pcaK, "The number of PCA components", 1, ds.Dim)
		if err != nil {
			return r, err
		}
		r.pcaK = k
		pca := fmt.Sprintf("PCA-%d", k)
		if r.a == spaceOptionPCA {
			r.nameA = pca
		}
		if r.b == spaceOptionPCA {
			r.nameB = pca
		}
	}
	k, err := positiveInt(v.k, "The number of neighbours", 1, 200)
	if err != nil {
		return r, err
	}
	r.req = service.CompareRequest{K: k, Metric: v.metric.Selected, All: v.items.Selected == compareAll}
	if !r.req.All {
		if r.req.N, err = positiveInt(v.n, "N", k+1, 1<<30); err != nil {
			return r, err
		}
	}
	return r, nil
}

func (v *compareView) startCompare() {
	r, err := v.readRequest()
	if err != nil {
		v.env.ShowError(err)
		return
	}
	svc := v.env.Service
	v.seq++
	seq := v.seq
	var res service.CompareResult
	var views *service.CompareViews
	v.run.Disable()
	v.summary.SetText(fmt.Sprintf("Comparing %s with %s…", r.nameA, r.nameB))
	v.env.Jobs.Start(fmt.Sprintf("Compare %s with %s", r.nameA, r.nameB), func(ctx context.Context, t *progress.Tracker) error {
		req := r.req
		var err error
		if req.A, err = comparedSpaceID(ctx, svc, r.a, r.pcaK, t); err != nil {
			return err
		}
		if req.B, err = comparedSpaceID(ctx, svc, r.b, r.pcaK, t); err != nil {
			return err
		}
		if res, err = svc.Compare(ctx, req, t); err != nil {
			return err
		}
		views, err = svc.CompareViews(ctx, &res, t)
		return err
	}, func(err error) {
		v.run.Enable()
		if seq != v.seq {
			return
		}
		if err != nil {
			v.summary.SetText("The comparison did not finish: " + err.Error())
			return
		}
		v.show(&res, views)
	})
}

// comparedSpaceID is resolveSpaceID, except that a PCA of pcaK
// components is a PCA run of that many components already made on the
// open data, when there is one.
func comparedSpaceID(ctx context.Context, svc *service.Service, id string, pcaK int, t *progress.Tracker) (string, error) {
	if id == spaceOptionPCA {
		for _, c := range svc.Spaces() {
			if c.Kind == runs.KindPCA && c.Dim == pcaK {
				return c.ID, nil
			}
		}
	}
	return resolveSpaceID(ctx, svc, id, pcaK, t)
}

// clear forgets the comparison shown (the data, split or scaling changed).
func (v *compareView) clear() {
	v.seq++
	v.shown, v.bar, v.domino = nil, -1, -1
	v.stopPlaying()
	v.histogram.SetMessage("The histogram of agreement appears here: click a bar to select its items.")
	v.perClass.SetMessage("The mean agreement of each class appears here.")
	v.histInfo.SetText("")
	v.viewA.SetData(ScatterData{})
	v.viewB.SetData(ScatterData{})
	v.morph.scatter.SetData(ScatterData{})
	v.clearDomino()
	v.changed.groups = nil
	v.changed.list.Refresh()
	v.changed.gallery.SetItems("", nil)
}

// show draws a finished comparison in every tab.
func (v *compareView) show(res *service.CompareResult, views *service.CompareViews) {
	all := workspace.NewItems(v.env.Workspace.Splits())
	sh := &compareShown{res: res, views: views, pos: make([]int, len(res.ItemList))}
	for i, it := range res.ItemList {
		sh.pos[i] = all.PositionOf(it)
	}
	v.shown, v.bar, v.domino = sh, -1, -1
	items := fmt.Sprintf("the first %s %s items", groupDigits(res.Items), res.Split)
	if res.Split == "all" {
		items = "all " + groupDigits(res.Items) + " items"
	}
	v.summary.SetText(fmt.Sprintf("Mean agreement %.4f over %s (k = %d, %s): %s (%d-d) against %s (%d-d).\nNeighbours found in %.1f s (A) and %.1f s (B); views aligned with scale %.3g, disparity %.3f. %.1f s in all.",
		res.MeanAgreement, items, res.K, res.Metric, res.A, res.DimA, res.B, res.DimB,
		res.NeighboursASeconds, res.NeighboursBSeconds, views.Scale, views.Disparity, res.TotalSeconds+views.Seconds))
	v.showAgreement()
	v.colourViews()
	v.showMorph()
	v.showChanged()
	v.clearDomino()
}

// showAgreement draws the histogram and the per-class means.
func (v *compareView) showAgreement() {
	res := v.shown.res
	ds := v.env.Workspace.Data()
	counts := make([]int, len(res.Histogram))
	for s, b := range res.Histogram {
		counts[s] = b.Items
	}
	title := fmt.Sprintf("Agreement of %s and %s (k = %d)", res.A, res.B, res.K)
	v.histogram.SetPlot(figures.AgreementHistogram(title, counts, res.K, v.bar))
	means := make([]float64, len(ds.Classes))
	names := make([]string, len(ds.Classes))
	for c := range means {
		means[c] = math.NaN()
		names[c] = ds.Classes[c]
	}
	for _, c := range res.PerClass {
		if i := indexOf(ds.Classes, c.Class); i >= 0 {
			means[i] = c.MeanAgreement
		}
	}
	if p, err := figures.ClassAgreement(fmt.Sprintf("Per class: %s vs %s", res.A, res.B), names, means, res.MeanAgreement); err == nil {
		v.perClass.SetPlot(p)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Click a bar to select its items (they are ringed in every linked view). Per class:")
	for _, c := range res.PerClass {
		fmt.Fprintf(&b, "  %s %.3f", c.Class, c.MeanAgreement)
	}
	v.histInfo.SetText(b.String())
}

// tapBar selects the items of the histogram bar nearest to x.
func (v *compareView) tapBar(x float64) {
	if v.shown == nil {
		return
	}
	res := v.shown.res
	s := int(x + 0.5)
	if x < -0.45 || s > res.K || x-float64(s) > 0.45 || float64(s)-x > 0.45 {
		return
	}
	v.selectBar(s)
}

// selectBar selects the items sharing s neighbours and outlines the bar.
func (v *compareView) selectBar(s int) {
	res := v.shown.res
	items := res.InBin(s)
	v.bar = s
	v.showAgreement()
	v.env.Workspace.Select(res.Refs(items), workspace.Replace, fmt.Sprintf("Compare: %d of %d neighbours shared", s, res.K))
	v.histInfo.SetText(fmt.Sprintf("Selected the %s items that share %d of their %d neighbours (agreement %.3f).", groupDigits(len(items)), s, res.K, res.Histogram[s].Agreement))
}
