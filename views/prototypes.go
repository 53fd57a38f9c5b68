package views

import (
	"context"
	"fmt"
	"image"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/progress"
	"embedscope/views/figures"
)

var prototypesPanel = Panel{
	ID:    "prototypes",
	Title: "Prototypes",
	Intro: "Seed notebook 001: one mean image per class, the nearest-prototype classifier, its confusions and the images that defeat it; k-means prototypes for a class; kNN and how its error falls with more data. Click any image for its nearest training images.",
	View:  func(env *Env) fyne.CanvasObject { return newPrototypesView(env).content },
}

// ErrorGallerySize is the number of images in each error gallery.
const ErrorGallerySize = 24

type prototypesView struct {
	env     *Env
	content fyne.CanvasObject
	fit     *service.Prototypes
	an      *service.Analysis
	seq     int

	evalSplit                 *widget.Select
	space                     *spacePicker
	accuracy, splitInfo       *widget.Label
	splitClass                *widget.Select
	splitK                    *widget.Entry
	splitButton, resetButton  *widget.Button
	knnK, curveStart, sweepKs *widget.Entry
	knnButton, curveButton    *widget.Button
	sweepButton, seedSplit    *widget.Button
	knnInfo, curveInfo        *widget.Label
	protos                    *FigureView
	confusion                 *ConfusionGrid
	cellGallery, far, wrong   *Gallery
	why                       *ThumbStrip
	whyInfo                   *widget.Label
	curve, sweep              *FigureView
	tabs                      *container.AppTabs
	whyTab                    *container.TabItem
}

func newPrototypesView(env *Env) *prototypesView {
	v := &prototypesView{env: env}
	v.evalSplit = widget.NewSelect(nil, func(string) { v.analyse() })
	v.space = newSpacePicker(env, "prototypes.space", nil, nil, func(string) { v.refit() })
	v.accuracy = wrapLabel("")
	v.seedSplit = widget.NewButton("Use the seed's 80/20 split", func() {
		opts := env.Workspace.SplitOptions()
		opts.ValFraction = dataset.DefaultValFraction
		if err := env.Workspace.SetSplit(opts); err != nil {
			env.ShowError(err)
		}
	})
	v.splitClass = widget.NewSelect(nil, nil)
	v.splitK = entryWith("3")
	v.splitButton = widget.NewButton("Split with k-means", v.splitAClass)
	v.resetButton = widget.NewButton("One mean per class", func() { v.refit() })
	v.splitInfo = wrapLabel("")
	v.knnK = entryWith("5")
	v.knnButton = widget.NewButton("kNN accuracy", v.runKNN)
	v.knnInfo = wrapLabel("")
	v.curveStart = entryWith("200")
	v.curveButton = widget.NewButton("Learning curve", v.runCurve)
	v.sweepKs = entryWith("1, 5, 10, 20, 100")
	v.sweepButton = widget.NewButton("Sweep k", v.runSweep)
	v.curveInfo = wrapLabel("")

	controls := container.NewVBox(
		bold("Nearest prototype"),
		stacked(widget.NewFormItem("Feature space", v.space.Select)),
		widget.NewForm(widget.NewFormItem("Evaluate on", v.evalSplit)),
		v.accuracy, v.seedSplit,
		widget.NewSeparator(),
		bold("Split a class"),
		widget.NewForm(widget.NewFormItem("Class", v.splitClass), widget.NewFormItem("Prototypes (k)", v.splitK)),
		container.NewGridWithColumns(2, v.splitButton, v.resetButton),
		v.splitInfo,
		widget.NewSeparator(),
		bold("kNN"),
		widget.NewForm(widget.NewFormItem("k", v.knnK)),
		v.knnButton, v.knnInfo,
		widget.NewForm(
			widget.NewFormItem("Smallest training size", v.curveStart),
			widget.NewFormItem("k values", v.sweepKs),
		),
		container.NewGridWithColumns(2, v.curveButton, v.sweepButton),
		v.curveInfo,
	)

	v.protos = NewFigureView("prototypes", env.Window)
	v.protos.SetMessage("Computing the class means…")
	v.confusion = NewConfusionGrid()
	v.confusion.OnTap = v.showCell
	v.confusion.OnExport = v.exportConfusion
	v.cellGallery = NewGallery("confusion-cell", env.Window)
	v.cellGallery.SetEmptyText("Click a cell of the matrix to see its images.")
	v.far = NewGallery("furthest-from-prototype", env.Window)
	v.wrong = NewGallery("confidently-wrong", env.Window)
	for g, source := range map[*Gallery]string{v.cellGallery: "Prototypes: confusion cell", v.far: "Prototypes: furthest from prototype", v.wrong: "Prototypes: confidently wrong"} {
		g.OnTap = v.explain
		g.LinkSelection(env.Workspace, source)
	}
	v.why = NewThumbStrip()
	v.why.SetEmptyText("Click an image in any gallery.")
	v.whyInfo = wrapLabel("")
	v.curve = NewFigureView("learning-curve", env.Window)
	v.curve.SetMessage("Press “Learning curve” (left).")
	v.sweep = NewFigureView("k-sweep", env.Window)
	v.sweep.SetMessage("Press “Sweep k” (left).")

	confTab := container.NewVSplit(container.NewScroll(v.confusion), v.cellGallery)
	confTab.Offset = 0.66
	errTab := container.NewVSplit(v.far, v.wrong)
	v.whyTab = container.NewTabItem("Why this prediction?", container.NewBorder(v.whyInfo, nil, nil, nil, v.why))
	v.tabs = container.NewAppTabs(
		container.NewTabItem("Prototypes", v.protos),
		container.NewTabItem("Confusion matrix", confTab),
		container.NewTabItem("Errors", errTab),
		v.whyTab,
		container.NewTabItem("Learning curve", v.curve),
		container.NewTabItem("k sweep", v.sweep),
	)
	env.Workspace.OnChange(func() { uiDo(v.refit) })
	split := container.NewHSplit(newSidePanel(controls), v.tabs)
	split.Offset = 0.26
	v.content = split
	return v
}

// refit recomputes the class means (after a data change, or to undo a split).
func (v *prototypesView) refit() {
	ws := v.env.Workspace
	ds := ws.Data()
	if ds == nil {
		return
	}
	v.seq++
	seq := v.seq
	gen := ws.Generation()
	v.fit, v.an = nil, nil
	v.splitClass.Options = ds.Classes
	if v.splitClass.Selected == "" || indexOf(ds.Classes, v.splitClass.Selected) < 0 {
		v.splitClass.Selected = ds.Classes[min(5, len(ds.Classes)-1)] // the seed split Sandal
	}
	v.splitClass.Refresh()
	s := ws.Splits()
	var names []string
	for _, sp := range []dataset.Split{s.Train, s.Val, s.Test} {
		if sp.Len() > 0 {
			names = append(names, sp.Name)
		}
	}
	v.evalSplit.Options = names
	if indexOf(names, v.evalSplit.Selected) < 0 {
		v.evalSplit.Selected = s.Eval().Name
		if s.Eval().Len() == 0 {
			v.evalSplit.Selected = "train"
		}
	}
	v.evalSplit.Refresh()
	v.seedSplit.Hidden = !(ds.HasTest() && s.Val.Len() == 0)
	v.seedSplit.Refresh()
	v.splitInfo.SetText("")
	spaceID := v.space.ID()
	var fit *service.Prototypes
	v.env.Jobs.Start("Class prototypes", func(ctx context.Context, t *progress.Tracker) error {
		var err error
		fit, err = v.env.Service.FitPrototypes(ctx, spaceID, t)
		return err
	}, func(err error) {
		if err != nil || seq != v.seq || ws.Generation() != gen {
			if err != nil && seq == v.seq {
				v.protos.SetMessage("No prototypes: " + err.Error())
			}
			return
		}
		v.show(fit)
	})
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// show displays a fitted set of prototypes and analyses the chosen split.
func (v *prototypesView) show(fit *service.Prototypes) {
	v.fit = fit
	ds := v.env.Workspace.Data()
	var parts []string
	for _, name := range []string{"train", "validation", "test"} {
		if a, ok := fit.Accuracy[name]; ok {
			parts = append(parts, fmt.Sprintf("%s %.4f", name, a))
		}
	}
	v.accuracy.SetText(fmt.Sprintf("Accuracy of the nearest prototype (%d prototypes, %s space): %s.", fit.Model.Centers.Rows, fit.SpaceName(), strings.Join(parts, " · ")))
	if fig := prototypeFigure(ds, fit); fig != nil {
		v.protos.SetPlot(fig)
	} else {
		v.protos.SetMessage(fmt.Sprintf("The %s space has no decoder, so its prototypes cannot be drawn as images; the classifier, its confusions and errors below work as in any space.", fit.SpaceName()))
	}
	v.protos.ExportWidth, v.protos.ExportHeight = figures.PrototypesSize(len(ds.Classes), fit.Model.Centers.Rows, maxPerClass(fit))
	v.analyse()
}

func maxPerClass(fit *service.Prototypes) int {
	best := 0
	for c := 0; c < fit.Model.Classes; c++ {
		best = max(best, fit.Model.Count(c))
	}
	return best
}

// prototypeFigure shows the prototypes (see figures.Prototypes).
func prototypeFigure(ds *dataset.Dataset, fit *service.Prototypes) *plot.Plot {
	if !ds.IsImage() {
		return nil
	}
	images := make([]image.Image, fit.Model.Centers.Rows)
	for r := range images {
		if images[r] = fit.PrototypeImage(ds, r); images[r] == nil {
			return nil
		}
	}
	name := ds.Name
	if fit.Space != nil {
		name += ", " + fit.SpaceName() + " space"
	}
	return figures.Prototypes(name, ds.Classes, fit.Model.Class, images)
}

// analyse classifies the chosen split and fills the confusion matrix and
// the error galleries.
func (v *prototypesView) analyse() {
	fit := v.fit
	if fit == nil || v.evalSplit.Selected == "" {
		return
	}
	name := v.evalSplit.Selected
	var an *service.Analysis
	v.env.Jobs.Start("Nearest-prototype analysis", func(ctx context.Context, t *progress.Tracker) error {
		var err error
		an, err = fit.Analyse(ctx, name)
		return err
	}, func(err error) {
		if err != nil || v.fit != fit {
			return
		}
		v.an = an
		v.showAnalysis()
		ws := v.env.Workspace
		pred := make([]int, len(an.Pred))
		for i, p := range an.Pred {
			pred[i] = p.Class
		}
		publishPredictions(ws, workspace.NewItems(ws.Splits()), "nearest prototype, "+fit.SpaceName(),
			[]service.SplitScore{{Split: an.Split.Split.Name, Pred: pred}}, ws.Data().Classes)
	})
}

func (v *prototypesView) showAnalysis() {
	ds := v.env.Workspace.Data()
	an := v.an
	v.confusion.SetMatrix(fmt.Sprintf("Nearest prototype on the %s split: accuracy %.4f", an.Split.Split.Name, an.Confusion.Accuracy()), ds.Classes, an.Confusion.Counts)
	v.cellGallery.SetItems("", nil)
	n := an.Split.Split.Len()
	// The images furthest from their own class's prototype.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return an.Own[order[a]] > an.Own[order[b]] })
	own := func(i int) float64 { return an.Own[i] }
	nearest := func(i int) float64 { return an.Pred[i].Dist }
	v.far.SetItems(fmt.Sprintf("Furthest from their class's prototype (%s split; d = distance to it)", an.Split.Split.Name), v.thumbs(order[:min(ErrorGallerySize, n)], own))
	// The wrong predictions made with the most confidence: nearest to a wrong prototype.
	var wrong []int
	for i, p := range an.Pred {
		if p.Class != an.Split.Split.Label(i) {
			wrong = append(wrong, i)
		}
	}
	sort.SliceStable(wrong, func(a, b int) bool { return an.Pred[wrong[a]].Dist < an.Pred[wrong[b]].Dist })
	v.wrong.SetItemsRefs(fmt.Sprintf("Confidently wrong: closest to a wrong prototype (%d errors on the %s split)", len(wrong), an.Split.Split.Name), v.thumbs(wrong[:min(ErrorGallerySize, len(wrong))], nearest), v.refs(wrong))
}

// thumbs makes captioned thumbnails of positions in the analysed split:
// true class, predicted class when different, and the distance dist(i).
func (v *prototypesView) thumbs(pos []int, dist func(i int) float64) []Thumb {
	ds := v.env.Workspace.Data()
	an := v.an
	sp := an.Split.Split
	out := make([]Thumb, len(pos))
	for k, i := range pos {
		truth, pred := ds.Classes[sp.Label(i)], ds.Classes[an.Pred[i].Class]
		caption := fmt.Sprintf("%s · d=%.3g", truth, dist(i))
		if truth != pred {
			caption = fmt.Sprintf("%s→%s · d=%.3g", truth, pred, dist(i))
		}
		out[k] = Thumb{Caption: caption, Index: i, Ref: splitRef(sp, i)}
		if ds.IsImage() {
			out[k].Image = ds.Image(sp.Part, sp.Index[i])
		}
	}
	return out
}

// showCell lists the images of one cell of the confusion matrix.
func (v *prototypesView) showCell(t, p int) {
	an := v.an
	if an == nil {
		return
	}
	ds := v.env.Workspace.Data()
	var pos []int
	for i, q := range an.Pred {
		if q.Class == p && an.Split.Split.Label(i) == t {
			pos = append(pos, i)
		}
	}
	sort.SliceStable(pos, func(a, b int) bool { return an.Pred[pos[a]].Dist < an.Pred[pos[b]].Dist })
	const maxShown = 200
	title := fmt.Sprintf("True %s, predicted %s: %d images", ds.Classes[t], ds.Classes[p], len(pos))
	all := v.refs(pos)
	if len(pos) > maxShown {
		title += fmt.Sprintf(" (the %d closest to the prototype shown)", maxShown)
		pos = pos[:maxShown]
	}
	v.cellGallery.SetItemsRefs(title, v.thumbs(pos, func(i int) float64 { return an.Pred[i].Dist }), all)
}

// refs names positions in the analysed split as items.
func (v *prototypesView) refs(pos []int) []workspace.Ref {
	out := make([]workspace.Ref, len(pos))
	for k, i := range pos {
		out[k] = *splitRef(v.an.Split.Split, i)
	}
	return out
}

func (v *prototypesView) exportConfusion() {
	if v.an == nil {
		return
	}
	ds := v.env.Workspace.Data()
	p, err := figures.ConfusionMatrix(fmt.Sprintf("Nearest prototype — %s, %s split (accuracy %.4f)", ds.Name, v.an.Split.Split.Name, v.an.Confusion.Accuracy()), ds.Classes, v.an.Confusion.Counts)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	ShowExportDialog(v.env.Window, "confusion-matrix", p, 9*vg.Inch, 7*vg.Inch, ".png")
}
