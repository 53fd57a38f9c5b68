package views

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/service"
	"embedscope/ml/dataset"
	"embedscope/ml/progress"
	"embedscope/views/figures"

	"gonum.org/v1/plot"
)

var dataPanel = Panel{
	ID:    "data",
	Title: "Data",
	Intro: "The open data set: sizes, classes, examples and duplicates. Scaling and the validation split chosen here apply to every panel.",
	View:  newDataView,
}

// ExamplesPerClass is the number of example images per class in the gallery.
const ExamplesPerClass = 10

// dataView is the Data panel.
type dataView struct {
	env     *Env
	content fyne.CanvasObject

	name, source, sizes, dupSummary *widget.Label
	warnings                        *widget.Label
	scaling                         *widget.Select
	valPercent, seed                *widget.Entry
	counts, examples, dups, near    *FigureView
	nearRMS                         *widget.Entry
	nearSummary                     *widget.Label
	nearTab                         *container.TabItem
	tabs                            *container.AppTabs
	examplesTab, dupsTab            *container.TabItem
}

func newDataView(env *Env) fyne.CanvasObject { return buildDataView(env).content }

// buildDataView builds the Data panel and returns it (its content is the
// panel's widget tree).
func buildDataView(env *Env) *dataView {
	v := &dataView{env: env}
	v.name = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.source = widget.NewLabel("")
	v.source.Wrapping = fyne.TextWrapBreak
	v.sizes = widget.NewLabel("")
	v.sizes.Wrapping = fyne.TextWrapWord
	v.warnings = widget.NewLabel("")
	v.warnings.Wrapping = fyne.TextWrapWord
	v.warnings.Importance = widget.WarningImportance
	v.dupSummary = widget.NewLabel("")
	v.dupSummary.Wrapping = fyne.TextWrapWord
	v.nearSummary = widget.NewLabel("Near duplicates: nearest other image within an RMS pixel difference (exact kNN; about 2 minutes on the full 70,000 images).")
	v.nearSummary.Wrapping = fyne.TextWrapWord
	v.nearRMS = widget.NewEntry()
	v.nearRMS.SetText(strconv.FormatFloat(service.DefaultNearRMS, 'g', -1, 64))
	findNear := widget.NewButton("Find near duplicates", v.findNear)

	v.scaling = newScalingSelect(env)
	v.valPercent = widget.NewEntry()
	v.seed = widget.NewEntry()
	apply := widget.NewButton("Apply split", v.applySplit)

	settings := widget.NewForm(
		widget.NewFormItem("Scaling", v.scaling),
		widget.NewFormItem("Validation %", v.valPercent),
		widget.NewFormItem("Split seed", v.seed),
	)
	info := container.NewVBox(
		v.name, v.source, v.sizes, v.warnings,
		widget.NewSeparator(),
		widget.NewLabelWithStyle("Features", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		settings, apply,
		widget.NewSeparator(),
		widget.NewLabelWithStyle("Duplicates", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		v.dupSummary,
		widget.NewForm(widget.NewFormItem("Max RMS (grey levels)", v.nearRMS)),
		findNear,
		v.nearSummary,
	)

	v.counts = NewFigureView("class-counts", env.Window)
	v.examples = NewFigureView("examples", env.Window)
	v.dups = NewFigureView("duplicates", env.Window)
	v.near = NewFigureView("near-duplicates", env.Window)
	v.near.SetMessage("Press “Find near duplicates” on the left.")
	v.examplesTab = container.NewTabItem("Examples", v.examples)
	v.dupsTab = container.NewTabItem("Duplicates", v.dups)
	v.nearTab = container.NewTabItem("Near duplicates", v.near)
	v.tabs = container.NewAppTabs(
		container.NewTabItem("Class counts", v.counts),
		v.examplesTab,
		v.dupsTab,
		v.nearTab,
	)
	env.Workspace.OnChange(func() { uiDo(v.refresh) })
	v.refresh()

	left := newSidePanel(info)
	split := container.NewHSplit(left, v.tabs)
	split.Offset = 0.26
	v.content = split
	return v
}

// refresh redraws the panel from the workspace; it runs on the UI goroutine.
func (v *dataView) refresh() {
	ws := v.env.Workspace
	ds := ws.Data()
	if ds == nil {
		v.name.SetText("No data set open")
		v.counts.SetMessage("Open a data set (File ▸ Open…)")
		v.examples.SetMessage("")
		v.dups.SetMessage("")
		return
	}
	splits := ws.Splits()
	opts := ws.SplitOptions()
	v.valPercent.SetText(strconv.FormatFloat(opts.ValFraction*100, 'g', 4, 64))
	v.seed.SetText(strconv.FormatUint(opts.Seed, 10))

	v.name.SetText(ds.Name)
	v.source.SetText("Source: " + ds.Source)
	v.sizes.SetText(SizesText(ds, splits))
	if len(ds.Warnings) > 0 {
		v.warnings.SetText("⚠ " + strings.Join(ds.Warnings, "\n⚠ "))
		v.warnings.Show()
	} else {
		v.warnings.Hide()
	}

	if p, err := figures.ClassCounts(ds, splits); err == nil {
		v.counts.SetPlot(p)
	} else {
		v.counts.SetMessage(err.Error())
	}
	if ds.IsImage() {
		v.examples.SetPlot(examplesFigure(ds, splits))
		v.tabs.EnableItem(v.examplesTab)
		v.tabs.EnableItem(v.dupsTab)
		v.tabs.EnableItem(v.nearTab)
	} else {
		v.tabs.DisableItem(v.nearTab)
		v.examples.SetMessage("This data set holds no images.")
		v.tabs.DisableItem(v.examplesTab)
		v.tabs.DisableItem(v.dupsTab)
		v.tabs.SelectIndex(0)
	}
	v.near.SetMessage("Press “Find near duplicates” on the left.")
	v.dupSummary.SetText("Looking for exact duplicates…")
	v.dups.SetMessage("Looking for exact duplicates…")
	gen := ws.Generation()
	var dups dataset.Duplicates
	v.env.Jobs.Start("Find duplicates", func(ctx context.Context, t *progress.Tracker) error {
		t.Stage("hashing images", 0)
		var err error
		dups, err = ws.Duplicates()
		return err
	}, func(err error) {
		if err != nil || ws.Generation() != gen {
			return
		}
		v.dupSummary.SetText(DuplicatesText(dups))
		if ds.IsImage() {
			if p, err := figures.DuplicateGroups(ds, dups, 12); err == nil {
				v.dups.SetPlot(p)
			}
		}
	})
}

func examplesFigure(ds *dataset.Dataset, splits dataset.Splits) *plot.Plot {
	p, err := figures.Examples(ds, splits.Train, ExamplesPerClass)
	if err != nil {
		return nil
	}
	return p
}

// findNear runs the near-duplicate search as a job and shows its pairs.
func (v *dataView) findNear() {
	rms, err := strconv.ParseFloat(strings.TrimSpace(v.nearRMS.Text), 64)
	if err != nil || rms < 0 {
		v.env.ShowError(fmt.Errorf("near-duplicate threshold %q is not a number ≥ 0 (grey levels, e.g. 2)", v.nearRMS.Text))
		return
	}
	ws := v.env.Workspace
	ds, gen := ws.Data(), ws.Generation()
	if ds == nil {
		return
	}
	v.nearSummary.SetText("Searching…")
	v.near.SetMessage("Searching for near duplicates…")
	var nd service.NearDuplicates
	v.env.Jobs.Start("Find near duplicates", func(ctx context.Context, t *progress.Tracker) error {
		var err error
		nd, err = v.env.Service.FindNearDuplicates(ctx, rms, t)
		return err
	}, func(err error) {
		if ws.Generation() != gen {
			return
		}
		if err != nil {
			v.nearSummary.SetText("Near-duplicate search stopped: " + err.Error())
			v.near.SetMessage("No result.")
			return
		}
		v.nearSummary.SetText(fmt.Sprintf("Near duplicates within RMS %.3g: %d images in train and %d in test have a near copy in their own part; %d test images are near a training image.",
			nd.MaxRMS, nd.WithinTrain, nd.WithinTest, nd.Between))
		pairs := make([]figures.NearPair, len(nd.Pairs))
		for i, p := range nd.Pairs {
			pairs[i] = figures.NearPair(p)
		}
		if p, err := figures.NearDuplicatePairs(ds, pairs, nd.MaxRMS, 12); err == nil {
			v.near.SetPlot(p)
			v.tabs.Select(v.nearTab)
		}
	})
}

func (v *dataView) applySplit() {
	pct, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(v.valPercent.Text, "%")), 64)
	if err != nil || pct < 0 || pct >= 100 {
		v.env.ShowError(fmt.Errorf("validation share %q is not a percentage in [0, 100)", v.valPercent.Text))
		return
	}
	seed, err := strconv.ParseUint(strings.TrimSpace(v.seed.Text), 10, 64)
	if err != nil {
		v.env.ShowError(fmt.Errorf("split seed %q is not a whole number ≥ 0", v.seed.Text))
		return
	}
	if err := v.env.Workspace.SetSplit(dataset.SplitOptions{ValFraction: pct / 100, Seed: seed}); err != nil {
		v.env.ShowError(err)
	}
}

// newScalingSelect is a picker of the workspace's scaling; every panel that
// shows one stays in step with the others.
func newScalingSelect(env *Env) *widget.Select {
	sel := widget.NewSelect(dataset.ScalingLabels, nil)
	sync := func() {
		if env.Workspace.Data() != nil {
			sel.Selected = env.Workspace.Scaling().Label()
			sel.Refresh()
		}
	}
	sel.OnChanged = func(label string) {
		if s, err := dataset.ParseScaling(label); err == nil && s != env.Workspace.Scaling() {
			env.Workspace.SetScaling(s)
		}
	}
	env.Workspace.OnChange(func() { uiDo(sync) })
	sync()
	return sel
}

// SizesText describes a data set's sizes in one short paragraph.
func SizesText(ds *dataset.Dataset, s dataset.Splits) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Train %s · Validation %s · Test %s\n", count(s.Train.Len()), count(s.Val.Len()), count(s.Test.Len()))
	switch {
	case ds.IsImage() && ds.NumChannels() == 3:
		fmt.Fprintf(&b, "Colour images %d×%d (RGB, %d features) · %d classes", ds.Width, ds.Height, ds.Dim, len(ds.Classes))
	case ds.IsImage():
		fmt.Fprintf(&b, "Images %d×%d (%d features) · %d classes", ds.Width, ds.Height, ds.Dim, len(ds.Classes))
	default:
		fmt.Fprintf(&b, "Numeric table, %d features · %d classes", ds.Dim, len(ds.Classes))
	}
	return b.String()
}

// DuplicatesText summarises exact duplicates.
func DuplicatesText(d dataset.Duplicates) string {
	return fmt.Sprintf("Exact duplicates: %d within train, %d within test, %d shared between train and test (%d groups).",
		d.WithinTrain, d.WithinTest, d.Between, len(d.Groups))
}

func count(n int) string {
	if n == 0 {
		return "—"
	}
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
