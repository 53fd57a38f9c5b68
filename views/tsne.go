package views

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"image"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/jobs"
	"embedscope/app/workspace"
	"embedscope/ml/progress"
	"embedscope/ml/tsne"
	"embedscope/views/figures"
)

var tsnePanel = Panel{
	ID:    "tsne",
	Title: "t-SNE",
	Intro: "Barnes-Hut t-SNE of the PCA-50 features or of any published space (an autoencoder's code: autoencoder → t-SNE → k-means), animated while it optimises, up to all 70,000 images. Its quality: leave-one-out 5-NN accuracy inside the map and trustworthiness against its input. A map of every item becomes a space for the Clusters panel.",
	View:  func(env *Env) fyne.CanvasObject { return newTSNEView(env).content },
}

// Which items a t-SNE map covers.
const (
	tsneAll   = "all items"
	tsneFirst = "first N of the evaluation split"
)

// maxTrustworthiness is the largest map whose trustworthiness is measured
// on all its points (it costs O(n²·d)); larger maps use a sample.
const maxTrustworthiness = 20000

type tsneView struct {
	env     *Env
	content fyne.CanvasObject

	points, input, exaggeration    *widget.Select
	n, perplexity, iters, lr, seed *widget.Entry
	start, pause, stop, export     *widget.Button
	info, quality                  *widget.Label
	scatter                        *Scatter

	job    *jobs.Job
	paused bool
	resume chan struct{} // closed to release a paused fit
	mu     sync.Mutex    // guards latest (written by the fit's callback)
	latest []float32

	items   []workspace.Item // the items of the map, in its row order
	labels  []int
	final   blas32.General
	gen     int
	started time.Time
}

func newTSNEView(env *Env) *tsneView {
	v := &tsneView{env: env}
	v.points = widget.NewSelect([]string{tsneFirst, tsneAll}, nil)
	v.points.SetSelected(tsneFirst)
	v.input = widget.NewSelect([]string{tsneInputPixels}, nil)
	v.input.SetSelected(tsneInputPixels)
	v.exaggeration = widget.NewSelect([]string{exagStandard, exagClusters}, nil)
	v.exaggeration.SetSelected(exagStandard)
	env.Workspace.OnSpacesChange(func() { uiDo(v.refreshInputs) })
	v.n, v.perplexity, v.iters, v.lr, v.seed = entryWith("10000"), entryWith("30"), entryWith("1000"), entryWith("auto"), entryWith("0")
	v.start = widget.NewButtonWithIcon("Run t-SNE", theme.MediaPlayIcon(), v.run)
	v.start.Importance = widget.HighImportance
	v.pause = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), v.togglePause)
	v.stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), func() {
		if v.job != nil {
			v.job.Cancel()
			v.release()
		}
	})
	v.export = widget.NewButtonWithIcon("Export coordinates as CSV…", theme.DocumentSaveIcon(), v.exportCSV)
	v.info = wrapLabel("Choose the points, then Run t-SNE. The map is redrawn while it optimises.")
	v.quality = wrapLabel("")
	v.quality.TextStyle.Bold = true
	controls := container.NewVBox(
		bold("Map"),
		widget.NewForm(
			widget.NewFormItem("Input", v.input),
			widget.NewFormItem("Points", v.points),
			widget.NewFormItem("N", v.n),
			widget.NewFormItem("Perplexity", v.perplexity),
			widget.NewFormItem("Exaggeration", v.exaggeration),
			widget.NewFormItem("Iterations", v.iters),
			widget.NewFormItem("Learning rate", v.lr),
			widget.NewFormItem("Seed", v.seed),
		),
		container.NewGridWithColumns(3, v.start, v.pause, v.stop),
		v.info, v.quality, v.export,
	)
	v.scatter = NewScatter()
	v.scatter.Link(env.Workspace, "t-SNE scatter")
	v.scatter.Name = "tsne"
	v.setButtons()
	for key, e := range map[string]*widget.Entry{"tsne.n": v.n, "tsne.perplexity": v.perplexity, "tsne.iterations": v.iters, "tsne.lr": v.lr, "tsne.seed": v.seed} {
		keepEntry(env.Workspace, key, e)
	}
	keepSelect(env.Workspace, "tsne.points", v.points)
	keepSelect(env.Workspace, "tsne.exaggeration", v.exaggeration)
	env.Workspace.OnChange(func() {
		uiDo(func() {
			if v.job != nil {
				v.job.Cancel()
				v.release()
			}
		})
	})
	split := container.NewHSplit(container.NewVScroll(container.NewPadded(controls)), v.scatter)
	split.Offset = 0.26
	v.content = split
	return v
}

func (v *tsneView) setButtons() {
	on := func(b *widget.Button, ok bool) {
		if ok {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	on(v.start, v.job == nil)
	on(v.pause, v.job != nil)
	on(v.stop, v.job != nil)
	on(v.export, v.job == nil && v.final.Rows > 0)
	if v.paused {
		v.pause.SetText("Resume")
		v.pause.SetIcon(theme.MediaPlayIcon())
	} else {
		v.pause.SetText("Pause")
		v.pause.SetIcon(theme.MediaPauseIcon())
	}
}

// togglePause holds the optimisation inside its per-iteration callback
// (t-SNE waits for it) or lets it go on.
func (v *tsneView) togglePause() {
	if v.job == nil {
		return
	}
	if v.paused {
		v.release()
	} else {
		v.mu.Lock()
		v.paused = true
		v.resume = make(chan struct{})
		v.mu.Unlock()
	}
	v.setButtons()
}

func (v *tsneView) release() {
	v.mu.Lock()
	if v.paused {
		close(v.resume)
		v.paused = false
	}
	v.mu.Unlock()
}

// settings reads the controls for a map of n points.
func (v *tsneView) settings(n int) (tsne.TSNE, error) {
	var t tsne.TSNE
	p, err := strconv.ParseFloat(strings.TrimSpace(v.perplexity.Text), 64)
	if err != nil || !(p > 0) || p >= float64(n)/3 {
		return t, fmt.Errorf("the perplexity must be above 0 and below n/3 = %.0f for %d points (got %q)", float64(n)/3, n, v.perplexity.Text)
	}
	it, err := positiveInt(v.iters, "Iterations", 1, 100000)
	if err != nil {
		return t, err
	}
	lr := 0.0
	if s := strings.TrimSpace(v.lr.Text); s != "" && s != "auto" {
		if lr, err = strconv.ParseFloat(s, 64); err != nil || !(lr > 0) {
			return t, fmt.Errorf("the learning rate must be auto or a number above 0 (got %q)", v.lr.Text)
		}
	}
	seed, err := strconv.ParseUint(strings.TrimSpace(v.seed.Text), 10, 64)
	if err != nil {
		return t, fmt.Errorf("the seed must be a whole number ≥ 0 (got %q)", v.seed.Text)
	}
	t = tsne.TSNE{Perplexity: p, Iterations: it, LearningRate: lr, Seed: seed, CallbackEvery: 10}
	if v.exaggeration.Selected == exagClusters {
		t.EarlyExaggeration, t.ExaggerationIters = 4, it
	}
	return t, nil
}

// chooseItems lists the items of the map and gathers their scaled features.
func (v *tsneView) chooseItems(ctx context.Context) ([]workspace.Item, blas32.General, error) {
	ws := v.env.Workspace
	all := workspace.NewItems(ws.Splits())
	px, err := v.inputSpace(ctx)
	if err != nil {
		return nil, blas32.General{}, err
	}
	var items []workspace.Item
	if v.points.Selected == tsneAll {
		for i := 0; i < all.Len(); i++ {
			items = append(items, all.At(i))
		}
	} else {
		n, err := positiveInt(v.n, "N", 4, 1<<30)
		if err != nil {
			return nil, blas32.General{}, err
		}
		ev := ws.Splits().Eval()
		if ev.Len() == 0 {
			ev = ws.Splits().Train
		}
		for p := 0; p < min(n, ev.Len()); p++ {
			items = append(items, workspace.Item{Split: ev, Pos: p})
		}
	}
	d := px.Dim()
	X := blas32.General{Rows: len(items), Cols: d, Stride: d, Data: make([]float32, len(items)*d)}
	for i, it := range items {
		m := px.Split(it.Split.Name)
		copy(X.Data[i*d:(i+1)*d], m.Data[it.Pos*m.Stride:it.Pos*m.Stride+d])
	}
	return items, X, nil
}

func (v *tsneView) run() {
	ws := v.env.Workspace
	ds := ws.Data()
	if ds == nil {
		v.env.ShowError(fmt.Errorf("open a data set first"))
		return
	}
	count := workspace.NewItems(ws.Splits()).Len()
	if v.points.Selected != tsneAll {
		n, err := positiveInt(v.n, "N", 4, 1<<30)
		if err != nil {
			v.env.ShowError(err)
			return
		}
		ev := ws.Splits().Eval()
		if ev.Len() == 0 {
			ev = ws.Splits().Train
		}
		count = min(n, ev.Len())
	}
	cfg, err := v.settings(count)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	gen := ws.Generation()
	input := v.input.Selected
	var items []workspace.Item
	var labels []int
	var model *tsne.Model
	var knn5, trust float64
	var trustN int
	v.paused = false
	v.final = blas32.General{}
	v.info.SetText("Reducing to 50 dimensions with PCA and finding neighbours…")
	v.quality.SetText("")
	redraw := make(chan struct{}, 1)
	done := make(chan struct{})
	v.job = v.env.Jobs.Start("t-SNE", func(ctx context.Context, t *progress.Tracker) error {
		var X blas32.General
		var err error
		if items, X, err = v.chooseItems(ctx); err != nil {
			return err
		}
		labels = make([]int, len(items))
		for i, it := range items {
			labels[i] = it.Label()
		}
		uiDoAndWait(func() { v.items, v.labels, v.gen = items, labels, gen })
		t.Stage("PCA to 50 dimensions", 0)
		X50, err := tsne.PCA50(ctx, X)
		if err != nil {
			return err
		}
		cfg.Progress = t
		cfg.OnIteration = func(iter int, Y []float32, kl float64) {
			v.mu.Lock()
			v.latest = Y
			wait := v.resume
			paused := v.paused
			v.mu.Unlock()
			select {
			case redraw <- struct{}{}:
			default:
			}
			if paused {
				select {
				case <-wait:
				case <-ctx.Done():
				}
			}
		}
		if model, err = cfg.Fit(ctx, X50); err != nil {
			return err
		}
		t.Stage("5-NN accuracy inside the map", 0)
		if knn5, err = tsne.LeaveOneOut5NN(ctx, model.Embedding, labels); err != nil {
			return err
		}
		t.Stage("trustworthiness against the input", 0)
		trustN = min(len(items), maxTrustworthiness)
		sub := func(m blas32.General) blas32.General {
			return blas32.General{Rows: trustN, Cols: m.Cols, Stride: m.Stride, Data: m.Data[:trustN*m.Stride]}
		}
		trust, err = tsne.Trustworthiness(ctx, sub(X50), sub(model.Embedding), 5)
		return err
	}, func(err error) {
		close(done)
		v.job = nil
		v.release()
		v.setButtons()
		if err != nil {
			if jobs.IsCancelled(err) {
				v.info.SetText("Stopped: the map shows the last iteration drawn.")
			}
			return
		}
		if ws.Generation() != gen {
			return
		}
		v.final = model.Embedding
		v.publish(items, model.Embedding, input, gen)
		v.show(model.Embedding.Data, fmt.Sprintf("t-SNE of %s — %d points, perplexity %.0f, KL %.3f", ds.Name, len(items), v.perplexityValue(), model.KL))
		v.info.SetText(fmt.Sprintf("%d iterations, learning rate %.0f, %d neighbours per point; %s.", model.Iterations, model.LearningRate, model.Neighbors, v.elapsed()))
		trustNote := ""
		if trustN < len(items) {
			trustNote = fmt.Sprintf(" (on the first %d points)", trustN)
		}
		v.quality.SetText(fmt.Sprintf("Leave-one-out 5-NN accuracy in the map: %.4f · trustworthiness(5) against %s: %.4f%s.", knn5, inputName(input), trust, trustNote))
		v.setButtons()
	})
	v.started = time.Now()
	v.setButtons()
	// Redraw the map at most four times a second while it optimises.
	go func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				select {
				case <-redraw:
				default:
					continue
				}
				v.mu.Lock()
				Y := v.latest
				v.mu.Unlock()
				uiDo(func() {
					if v.job != nil && Y != nil {
						v.show(Y, fmt.Sprintf("t-SNE of %s — optimising…", ds.Name))
						v.info.SetText("Optimising: " + v.elapsed() + ".")
					}
				})
			}
		}
	}()
}

func (v *tsneView) perplexityValue() float64 {
	p, _ := strconv.ParseFloat(strings.TrimSpace(v.perplexity.Text), 64)
	return p
}

func (v *tsneView) elapsed() string { return formatDuration(time.Since(v.started)) }

// show draws map Y (n×2, row-major) of the view's items.
func (v *tsneView) show(Y []float32, title string) {
	n := len(v.items)
	if len(Y) < 2*n {
		return
	}
	x, y := make([]float32, n), make([]float32, n)
	for i := 0; i < n; i++ {
		x[i], y[i] = Y[2*i], Y[2*i+1]
	}
	ds := v.env.Workspace.Data()
	all := workspace.NewItems(v.env.Workspace.Splits())
	pos := make([]int, n)
	for i, it := range v.items {
		pos[i] = all.PositionOf(it)
	}
	if slices.Contains(pos, -1) || v.gen != v.env.Workspace.Generation() {
		pos = nil // the map was made for other splits: not linked
	}
	if err := v.scatter.SetData(ScatterData{X: x, Y: y, Labels: v.labels, Classes: ds.Classes, Title: title, XLabel: "t-SNE 1", YLabel: "t-SNE 2", Items: pos}); err != nil {
		return
	}
	items := v.items
	v.scatter.Caption = func(i int) string { return itemCaption(ds, items[i]) }
	v.scatter.Thumbnail = nil
	if ds.IsImage() {
		v.scatter.Thumbnail = func(i int) image.Image { return ds.Image(items[i].Split.Part, items[i].Row()) }
	}
}

// exportCSV writes the final map: split, original index, class, x, y.
func (v *tsneView) exportCSV() {
	if v.final.Rows == 0 {
		return
	}
	ds := v.env.Workspace.Data()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"split", "index", "class", "x", "y"})
	for i, it := range v.items {
		w.Write([]string{it.Split.Name, strconv.Itoa(it.Row()), ds.Classes[it.Label()],
			strconv.FormatFloat(float64(v.final.Data[2*i]), 'g', 7, 32), strconv.FormatFloat(float64(v.final.Data[2*i+1]), 'g', 7, 32)})
	}
	w.Flush()
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		path := wc.URI().Path()
		wc.Close()
		if err := figures.WriteFileAtomic(path, b.Bytes()); err != nil {
			v.env.ShowError(err)
		}
	}, v.env.Window)
	d.SetFileName("tsne.csv")
	d.Show()
}
