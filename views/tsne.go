package views

import (
	"context"
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
	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/progress"
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

	points, exaggeration           *widget.Select
	input                          *spacePicker
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
	v.input = newSpacePicker(env, "tsne.input", nil, notAMap, nil)
	v.exaggeration = widget.NewSelect([]string{exagStandard, exagClusters}, nil)
	v.exaggeration.SetSelected(exagStandard)
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

// request reads the controls into a request (on the UI goroutine).
func (v *tsneView) request() (service.TSNERequest, error) {
	req := service.TSNERequest{MapItems: service.MapItems{Input: v.input.ID(), All: v.points.Selected == tsneAll}, Trust: true}
	var err error
	if !req.All {
		if req.N, err = positiveInt(v.n, "N", 4, 1<<30); err != nil {
			return req, err
		}
	}
	if req.Perplexity, err = strconv.ParseFloat(strings.TrimSpace(v.perplexity.Text), 64); err != nil || !(req.Perplexity > 0) {
		return req, fmt.Errorf("the perplexity must be a number above 0 (got %q)", v.perplexity.Text)
	}
	if req.Iterations, err = positiveInt(v.iters, "Iterations", 1, 100000); err != nil {
		return req, err
	}
	if s := strings.TrimSpace(v.lr.Text); s != "" && s != "auto" {
		if req.LearningRate, err = strconv.ParseFloat(s, 64); err != nil || !(req.LearningRate > 0) {
			return req, fmt.Errorf("the learning rate must be auto or a number above 0 (got %q)", v.lr.Text)
		}
	}
	if req.Seed, err = strconv.ParseUint(strings.TrimSpace(v.seed.Text), 10, 64); err != nil {
		return req, fmt.Errorf("the seed must be a whole number ≥ 0 (got %q)", v.seed.Text)
	}
	if v.exaggeration.Selected == exagClusters {
		req.Exaggeration = 4
	}
	return req, nil
}

func (v *tsneView) run() {
	ws := v.env.Workspace
	ds := ws.Data()
	if ds == nil {
		v.env.ShowError(fmt.Errorf("open a data set first"))
		return
	}
	req, err := v.request()
	if err != nil {
		v.env.ShowError(err)
		return
	}
	items, note, err := v.env.Service.ItemsFor(req.MapItems)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	if req.Perplexity >= float64(len(items))/3 {
		v.env.ShowError(fmt.Errorf("the perplexity must be below n/3 = %.0f for %d points (got %v)", float64(len(items))/3, len(items), req.Perplexity))
		return
	}
	gen := ws.Generation()
	labels := make([]int, len(items))
	for i, it := range items {
		labels[i] = it.Label()
	}
	v.items, v.labels, v.gen = items, labels, gen
	var res *service.MapResult
	v.paused = false
	v.final = blas32.General{}
	v.info.SetText("Reducing to 50 dimensions with PCA and finding neighbours…")
	if note != "" {
		v.info.SetText("Note: " + note + ". Reducing to 50 dimensions with PCA and finding neighbours…")
	}
	v.quality.SetText("")
	redraw := make(chan struct{}, 1)
	done := make(chan struct{})
	svc := v.env.Service
	v.job = v.env.Jobs.Start("t-SNE", func(ctx context.Context, t *progress.Tracker) error {
		var err error
		res, err = svc.MapTSNE(ctx, req, t, func(iter int, Y []float32, kl float64) {
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
		})
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
		v.final = res.Embedding
		v.show(res.Embedding.Data, fmt.Sprintf("t-SNE of %s — %d points, perplexity %.0f, KL %.3f", ds.Name, len(items), req.Perplexity, res.KL))
		text := fmt.Sprintf("%d iterations, learning rate %.0f, %d neighbours per point; %s.", res.Iterations, res.LearningRate, res.Neighbors, v.elapsed())
		if res.Note != "" {
			text = "Note: " + res.Note + ". " + text
		}
		if res.Space != nil {
			text += fmt.Sprintf(" Kept as the run %q: the Clusters panel can use it.", res.Run.Name)
		}
		v.info.SetText(text)
		trustNote := ""
		if res.TrustN < len(items) {
			trustNote = fmt.Sprintf(" (on the first %d points)", res.TrustN)
		}
		v.quality.SetText(fmt.Sprintf("Leave-one-out 5-NN accuracy in the map: %.4f · trustworthiness(5) against %s: %.4f%s.", res.KNN5, res.InputName, res.Trustworthiness, trustNote))
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

// exportCSV writes the final map with the one CSV writer of coordinates
// (split, index, label, tsne_1, tsne_2).
func (v *tsneView) exportCSV() {
	if v.final.Rows == 0 {
		return
	}
	f, err := service.EncodeItems(v.env.Workspace.Data(), v.items, v.final, "tsne", "csv")
	if err != nil {
		v.env.ShowError(err)
		return
	}
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		path := wc.URI().Path()
		wc.Close()
		if err := figures.WriteFileAtomic(path, f.Vectors); err != nil {
			v.env.ShowError(err)
		}
	}, v.env.Window)
	d.SetFileName("tsne.csv")
	d.Show()
}
