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
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/plot"

	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/progress"
	"embedscope/views/figures"
)

var lowRankPanel = Panel{
	ID:    "lowrank",
	Title: "Low-rank",
	Intro: "Seed notebook 002: a generalized low-rank model X ≈ A·Y. Its k archetypes (rows of Y), the k-dimensional representation A, reconstructions, imputation of missing pixels, and how much a classifier keeps at each rank.",
	View:  func(env *Env) fyne.CanvasObject { return newLowRankView(env).content },
}

// lowRankFit is a fitted GLRM on the training split and the representation
// of every split (the service's result).
type lowRankFit = service.GLRMResult

type lowRankView struct {
	env     *Env
	content fyne.CanvasObject
	fit     *lowRankFit
	seq     int

	k, gammaA, gammaY, iters, fraction, ranks *widget.Entry
	nonNeg                                    *widget.Check
	fitButton, imputeButton, compressButton   *widget.Button
	summary, imputeInfo, compressInfo         *widget.Label

	archetypes, objective, recon, impute, imputeImgs, compAcc, compTime *FigureView
	scatter                                                             *Scatter
	tabs                                                                *container.AppTabs
}

func newLowRankView(env *Env) *lowRankView {
	v := &lowRankView{env: env}
	v.k, v.gammaA, v.gammaY, v.iters = entryWith("2"), entryWith("0"), entryWith("0"), entryWith("50")
	v.nonNeg = widget.NewCheck("non-negative A and Y (archetypes)", nil)
	v.nonNeg.SetChecked(true)
	v.fitButton = widget.NewButton("Fit GLRM", v.startFit)
	v.fitButton.Importance = widget.HighImportance
	v.summary = wrapLabel("Choose the rank k, then Fit GLRM.")
	v.fraction = entryWith("0.2")
	v.imputeButton = widget.NewButton("Imputation study", v.startImputation)
	v.imputeInfo = wrapLabel("")
	v.ranks = entryWith("2, 4, 8, 16, 32, 64, 128, 256")
	v.compressButton = widget.NewButton("Compression study", v.startCompression)
	v.compressInfo = wrapLabel("")

	controls := container.NewVBox(
		bold("Model"),
		widget.NewForm(
			widget.NewFormItem("Rank k", v.k),
			widget.NewFormItem("L2 weight on A", v.gammaA),
			widget.NewFormItem("L2 weight on Y", v.gammaY),
			widget.NewFormItem("Iterations at most", v.iters),
		),
		v.nonNeg, v.fitButton, v.summary,
		widget.NewSeparator(),
		bold("Imputation"),
		widget.NewForm(widget.NewFormItem("Share hidden", v.fraction)),
		v.imputeButton, v.imputeInfo,
		widget.NewSeparator(),
		bold("Compression"),
		widget.NewForm(widget.NewFormItem("Ranks", v.ranks)),
		v.compressButton, v.compressInfo,
	)
	fv := func(name, msg string) *FigureView {
		f := NewFigureView(name, env.Window)
		f.SetMessage(msg)
		return f
	}
	v.archetypes = fv("glrm-archetypes", "Fit GLRM first (left).")
	v.objective = fv("glrm-objective", "Fit GLRM first (left).")
	v.recon = fv("glrm-reconstruction", "Fit GLRM first (left).")
	v.impute = fv("glrm-imputation", "Run the imputation study (left).")
	v.imputeImgs = fv("glrm-imputed-images", "Images with hidden pixels filled in by the model appear here.")
	v.compAcc = fv("glrm-compression-accuracy", "Run the compression study (left).")
	v.compTime = fv("glrm-compression-time", "")
	v.scatter = NewScatter()
	v.scatter.Link(env.Workspace, "GLRM scatter")
	v.scatter.Name = "glrm-representation"
	v.tabs = container.NewAppTabs(
		container.NewTabItem("Archetypes", v.archetypes),
		container.NewTabItem("Representation", v.scatter),
		container.NewTabItem("Reconstruction", v.recon),
		container.NewTabItem("Objective", v.objective),
		container.NewTabItem("Imputation", container.NewGridWithColumns(2, v.impute, v.imputeImgs)),
		container.NewTabItem("Compression", container.NewGridWithColumns(2, v.compAcc, v.compTime)),
	)
	for key, e := range map[string]*widget.Entry{"lowrank.k": v.k, "lowrank.gammaA": v.gammaA, "lowrank.gammaY": v.gammaY, "lowrank.iterations": v.iters, "lowrank.hidden": v.fraction, "lowrank.ranks": v.ranks} {
		keepEntry(env.Workspace, key, e)
	}
	env.Workspace.OnChange(func() {
		uiDo(func() {
			v.seq++
			v.fit = nil
			v.summary.SetText("Choose the rank k, then Fit GLRM.")
		})
	})
	split := container.NewHSplit(newSidePanel(controls), v.tabs)
	split.Offset = 0.27
	v.content = split
	return v
}

// config reads the model settings; k must be below the number of features.
func (v *lowRankView) config(dim int) (service.GLRMRequest, error) {
	k, err := positiveInt(v.k, "The rank k", 1, dim-1)
	if err != nil {
		return service.GLRMRequest{}, fmt.Errorf("%w: a rank of %d or more is no compression of %d features", err, dim, dim)
	}
	ga, err1 := nonNegative(v.gammaA, "γ_A")
	gy, err2 := nonNegative(v.gammaY, "γ_Y")
	it, err3 := positiveInt(v.iters, "Iterations", 1, 10000)
	for _, e := range []error{err1, err2, err3} {
		if e != nil {
			return service.GLRMRequest{}, e
		}
	}
	return service.GLRMRequest{K: k, GammaA: ga, GammaY: gy, NonNeg: v.nonNeg.Checked, MaxIter: it, Seed: 1}, nil
}

func nonNegative(e *widget.Entry, name string) (float64, error) {
	x, err := strconv.ParseFloat(strings.TrimSpace(e.Text), 64)
	if err != nil || !(x >= 0) || x > 1e12 {
		return 0, fmt.Errorf("%s must be a number ≥ 0 (got %q)", name, e.Text)
	}
	return x, nil
}

func (v *lowRankView) startFit() {
	ws := v.env.Workspace
	ds := ws.Data()
	if ds == nil {
		v.env.ShowError(fmt.Errorf("open a data set first"))
		return
	}
	cfg, err := v.config(ds.Dim)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	v.seq++
	seq := v.seq
	var fit *lowRankFit
	v.fitButton.Disable()
	v.summary.SetText(fmt.Sprintf("Fitting GLRM k=%d…", cfg.K))
	v.env.Jobs.Start(fmt.Sprintf("GLRM k=%d", cfg.K), func(ctx context.Context, t *progress.Tracker) error {
		var err error
		fit, err = v.env.Service.FitGLRM(ctx, cfg, t)
		return err
	}, func(err error) {
		v.fitButton.Enable()
		if seq != v.seq {
			return
		}
		if err != nil {
			v.summary.SetText("The fit stopped: " + err.Error())
			return
		}
		if fit.Generation != ws.Generation() {
			return
		}
		v.fit = fit
		v.show()
	})
}

func (v *lowRankView) show() {
	f := v.fit
	ws := v.env.Workspace
	ds := ws.Data()
	m := f.Model
	v.summary.SetText(fmt.Sprintf("GLRM k=%d on %d×%d: %d iterations in %.2f s (converged: %v), objective %.4g.",
		m.K(), m.A.Rows, m.Y.Cols, m.Iterations, f.Seconds, m.Converged, m.Objective[len(m.Objective)-1]))
	v.objective.SetPlot(figures.Objective(fmt.Sprintf("GLRM k=%d objective — %s", m.K(), ds.Name), m.Objective))
	if ds.IsImage() {
		var tiles []figures.Tile
		for p := 0; p < m.K(); p++ {
			tiles = append(tiles, figures.Tile{Image: archetypeImage(ds, m.Y.Data[p*m.Y.Stride:p*m.Y.Stride+m.Y.Cols]), Caption: fmt.Sprintf("archetype %d", p+1)})
		}
		var rows [][]figures.Tile
		for i := 0; i < len(tiles); i += 10 {
			rows = append(rows, tiles[i:min(i+10, len(tiles))])
		}
		v.archetypes.SetPlot(figures.ImageGrid(fmt.Sprintf("GLRM archetypes (rows of Y), k=%d — %s", m.K(), ds.Name), rows, nil))
		v.archetypes.ExportWidth, v.archetypes.ExportHeight = figures.GridSize(len(rows), min(10, len(tiles)), 0)
		v.recon.SetPlot(reconstructionFigure(ds, f))
	} else {
		v.archetypes.SetMessage(ds.Name + " holds no images: the archetypes are rows of numbers (see the representation).")
		v.recon.SetMessage(ds.Name + " holds no images.")
	}
	v.showRepresentation()
}

// archetypeImage shows an archetype scaled to its own range (all
// channels together), so that archetypes of any magnitude are visible.
func archetypeImage(ds *dataset.Dataset, y []float32) image.Image {
	lo, hi := y[0], y[0]
	for _, v := range y {
		lo, hi = min(lo, v), max(hi, v)
	}
	pix := make([]uint8, len(y))
	for j, v := range y {
		if hi > lo {
			pix[j] = uint8(255 * (v - lo) / (hi - lo))
		}
	}
	return dataset.PixelImage(pix, ds.Width, ds.Height, ds.NumChannels())
}

// reconstructionFigure shows one training image of each class beside its
// rank-k reconstruction A·Y ("Reconstructed Pullover (k=2)").
func reconstructionFigure(ds *dataset.Dataset, f *lowRankFit) *plot.Plot {
	m := f.Model
	sp := f.Train.Split
	var originals, recons []figures.Tile
	seen := map[int]bool{}
	for i := 0; i < sp.Len() && len(seen) < len(ds.Classes); i++ {
		c := sp.Label(i)
		if seen[c] {
			continue
		}
		seen[c] = true
		originals = append(originals, figures.Tile{Image: ds.Image(sp.Part, sp.Index[i]), Caption: ds.Classes[c]})
		rec := m.InverseTransform(blas32.General{Rows: 1, Cols: m.K(), Stride: m.K(), Data: m.A.Data[i*m.A.Stride : i*m.A.Stride+m.K()]})
		recons = append(recons, figures.Tile{Image: workspace.FeatureImage(ds, f.Train.Scaler, rec.Data), Caption: ds.Classes[c]})
	}
	return figures.ImageGrid(fmt.Sprintf("Originals and their GLRM reconstructions A·Y, k=%d — %s", m.K(), ds.Name), [][]figures.Tile{originals, recons},
		[]string{"original", fmt.Sprintf("reconstructed (k=%d)", m.K())})
}

// showRepresentation scatters the first two columns of A (every split),
// with each class's centroid in archetype space labelled by its name.
func (v *lowRankView) showRepresentation() {
	f := v.fit
	ws := v.env.Workspace
	ds := ws.Data()
	if f.Model.K() < 2 {
		return
	}
	items := workspace.NewItems(ws.Splits())
	x, y := items.Column(f.Space, 0), items.Column(f.Space, 1)
	labels := items.Labels()
	sx, sy, n := make([]float64, len(ds.Classes)), make([]float64, len(ds.Classes)), make([]int, len(ds.Classes))
	for i, l := range labels {
		sx[l] += float64(x[i])
		sy[l] += float64(y[i])
		n[l]++
	}
	var marks []figures.Mark
	for c, name := range ds.Classes {
		if n[c] > 0 {
			marks = append(marks, figures.Mark{X: float32(sx[c] / float64(n[c])), Y: float32(sy[c] / float64(n[c])), Label: name})
		}
	}
	err := v.scatter.SetData(ScatterData{X: x, Y: y, Labels: labels, Classes: ds.Classes, Marks: marks, Items: allItems(len(x)),
		Title:  fmt.Sprintf("GLRM representation A (k=%d), class centroids labelled", f.Model.K()),
		XLabel: "A column 1 (weight of archetype 1)", YLabel: "A column 2 (weight of archetype 2)"})
	if err != nil {
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
