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
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/jobs"
	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/progress"
)

var mapsPanel = Panel{
	ID:    "maps",
	Title: "Maps",
	Intro: "2-D maps of the pixels (through PCA-50) or of any run's space — an autoencoder's code, an embedding: Barnes-Hut t-SNE or UMAP, animated while they optimise, up to all 70,000 images. Quality: leave-one-out 5-NN accuracy inside the map and trustworthiness against its input. A map of every item is a run the Clusters and Compare panels can use.",
	View:  func(env *Env) fyne.CanvasObject { return newMapsView(env).content },
}

type mapsView struct {
	env     *Env
	content fyne.CanvasObject

	method, points             *widget.Select
	input                      *spacePicker
	n, seed                    *widget.Entry
	forms                      *mapForms
	start, pause, stop, export *widget.Button
	info, quality              *widget.Label
	scatter                    *Scatter

	job    *jobs.Job
	paused bool
	resume chan struct{} // closed to release a paused fit
	mu     sync.Mutex    // guards latest, frames and parked (written by the fit's callback)
	latest []float32
	frames int // frames of the fit so far
	parked int // the frame the fit waits at while paused, else -1

	items   []workspace.Item // the items of the map, in its row order
	labels  []int
	final   blas32.General
	gen     int
	basis   mapBasis // what the map was made of
	started time.Time
	what    string // "t-SNE" or "UMAP", for titles
}

func newMapsView(env *Env) *mapsView {
	v := &mapsView{env: env, forms: newMapForms()}
	v.method = widget.NewSelect([]string{methodTSNE, methodUMAP}, func(m string) {
		v.forms.show(m)
		if m != methodUMAP && v.points.Selected == pointsPlace {
			v.points.SetSelected(pointsFirst)
		}
	})
	v.points = widget.NewSelect([]string{pointsFirst, pointsAll, pointsPlace}, nil)
	v.points.SetSelected(pointsFirst)
	v.input = newSpacePicker(env, "maps.input", nil, notAMap, nil)
	v.n, v.seed = entryWith("10000"), entryWith("0")
	v.start = widget.NewButtonWithIcon("Make the map", theme.MediaPlayIcon(), v.run)
	v.start.Importance = widget.HighImportance
	v.pause = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), v.togglePause)
	v.stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), func() {
		if v.job != nil {
			v.job.Cancel()
			v.release()
		}
	})
	v.export = widget.NewButtonWithIcon("Export coordinates as CSV…", theme.DocumentSaveIcon(), v.exportCSV)
	v.info = wrapLabel("Choose the method and the points, then Make the map. It is redrawn while it optimises.")
	v.quality = wrapLabel("")
	v.quality.TextStyle.Bold = true
	controls := container.NewVBox(
		bold("Map"),
		stacked(
			widget.NewFormItem("Method", v.method),
			widget.NewFormItem("Input", v.input.Select),
			widget.NewFormItem("Points", v.points),
		),
		widget.NewForm(
			widget.NewFormItem("N", v.n),
			widget.NewFormItem("Seed", v.seed),
		),
		v.forms.tsne, v.forms.umap,
		v.start, container.NewGridWithColumns(2, v.pause, v.stop),
		v.info, v.quality, v.export,
	)
	v.method.SetSelected(methodTSNE)
	v.scatter = NewScatter()
	v.scatter.Link(env.Workspace, "map scatter")
	v.scatter.Name = "map"
	v.setButtons()
	f := v.forms
	for key, e := range map[string]*widget.Entry{"tsne.n": v.n, "tsne.seed": v.seed, "tsne.perplexity": f.perplexity, "tsne.iterations": f.iters,
		"tsne.lr": f.lr, "umap.neighbors": f.neighbors, "umap.min_dist": f.minDist, "umap.spread": f.spread, "umap.epochs": f.ep} {
		keepEntry(env.Workspace, key, e)
	}
	keepSelect(env.Workspace, "maps.method", v.method)
	keepSelect(env.Workspace, "tsne.points", v.points)
	keepSelect(env.Workspace, "tsne.exaggeration", f.exaggeration)
	keepSelect(env.Workspace, "umap.metric", f.metric)
	env.Workspace.OnChange(func() {
		uiDo(func() {
			if v.job != nil {
				v.job.Cancel()
				v.release()
				return
			}
			v.rebase()
		})
	})
	split := container.NewHSplit(newSidePanel(controls), v.scatter)
	split.Offset = 0.26
	v.content = split
	return v
}

func (v *mapsView) setButtons() {
	setEnabled(v.start, v.job == nil)
	setEnabled(v.pause, v.job != nil)
	setEnabled(v.stop, v.job != nil)
	setEnabled(v.export, v.job == nil && v.final.Rows > 0)
	if v.paused {
		v.pause.SetText("Resume")
		v.pause.SetIcon(theme.MediaPlayIcon())
	} else {
		v.pause.SetText("Pause")
		v.pause.SetIcon(theme.MediaPauseIcon())
	}
}

// togglePause holds the optimisation inside its per-iteration callback
// (the fit waits for it) or lets it go on.
func (v *mapsView) togglePause() {
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

func (v *mapsView) release() {
	v.mu.Lock()
	if v.paused {
		close(v.resume)
		v.paused = false
	}
	v.mu.Unlock()
}

// frame is the fit's callback: it keeps the map for the redraw and holds
// the fit while paused.
func (v *mapsView) frame(ctx context.Context, Y []float32, redraw chan struct{}) {
	v.mu.Lock()
	v.latest = Y
	v.frames++
	wait, paused := v.resume, v.paused
	if paused {
		v.parked = v.frames
	}
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
		v.mu.Lock()
		v.parked = -1
		v.mu.Unlock()
	}
}

// mapJob is a map to make: its items and the service call that makes it.
type mapJob struct {
	what  string // "t-SNE" or "UMAP"
	items []workspace.Item
	note  string
	run   func(ctx context.Context, t *progress.Tracker, onFrame func(Y []float32)) (*mapOutcome, error)
}

// mapOutcome is what either method gives the panel.
type mapOutcome struct {
	items       []workspace.Item
	Y           blas32.General
	summary     string
	knn5, trust float64
	trustN      int
	inputName   string
	runName     string
	kept        bool // a map of every item, kept as a space
	note        string
}

// prepare reads the controls (on the UI goroutine) into the job to run.
func (v *mapsView) prepare() (*mapJob, error) {
	svc := v.env.Service
	items := service.MapItems{Input: v.input.ID(), All: v.points.Selected == pointsAll}
	place := v.points.Selected == pointsPlace
	var err error
	if !items.All && !place {
		if items.N, err = positiveInt(v.n, "N", 4, 1<<30); err != nil {
			return nil, err
		}
	}
	seed, err := strconv.ParseUint(strings.TrimSpace(v.seed.Text), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("the seed must be a whole number ≥ 0 (got %q)", v.seed.Text)
	}
	if v.method.Selected == methodUMAP {
		req, err := v.forms.umapRequest(items, place, seed)
		if err != nil {
			return nil, err
		}
		list, note, err := svc.ItemsFor(service.MapItems{Input: items.Input, All: items.All || place, N: items.N})
		if err != nil {
			return nil, err
		}
		if place {
			list = list[:0:0]
			tr := svc.WS.Splits().Train
			for p := 0; p < tr.Len(); p++ {
				list = append(list, workspace.Item{Split: tr, Pos: p})
			}
		}
		return &mapJob{what: "UMAP", items: list, note: note, run: func(ctx context.Context, t *progress.Tracker, onFrame func([]float32)) (*mapOutcome, error) {
			r, err := svc.MapUMAP(ctx, req, t, func(_ int, Y []float32) { onFrame(Y) })
			if err != nil {
				return nil, err
			}
			o := &mapOutcome{items: append(append([]workspace.Item(nil), r.Items...), r.Placed...), knn5: r.KNN5, trust: r.Trustworthiness,
				trustN: r.TrustN, inputName: r.InputName, runName: r.Run.Name, kept: r.Space != nil, note: r.Note}
			o.Y = r.Embedding
			if len(r.Placed) > 0 {
				o.Y = blas32.General{Rows: len(o.items), Cols: 2, Stride: 2, Data: append(slices.Clone(r.Embedding.Data[:2*len(r.Items)]), r.PlacedEmbedding.Data[:2*len(r.Placed)]...)}
			}
			o.summary = fmt.Sprintf("%d neighbours, a = %.3f, b = %.3f, %d epochs; %.1f s.", r.Model.Neighbors, r.Model.A, r.Model.B, r.Model.Epochs, r.Seconds)
			if len(r.Placed) > 0 {
				o.summary += fmt.Sprintf(" %d items placed into the map of %d (%.1f s): 5-NN vote of the fitted items %.4f.", len(r.Placed), len(r.Items), r.PlaceSeconds, r.PlacedKNN5)
			}
			return o, nil
		}}, nil
	}
	req, err := v.forms.tsneRequest(items, seed)
	if err != nil {
		return nil, err
	}
	list, note, err := svc.ItemsFor(items)
	if err != nil {
		return nil, err
	}
	if req.Perplexity >= float64(len(list))/3 {
		return nil, fmt.Errorf("the perplexity must be below n/3 = %.0f for %d points (got %v)", float64(len(list))/3, len(list), req.Perplexity)
	}
	return &mapJob{what: "t-SNE", items: list, note: note, run: func(ctx context.Context, t *progress.Tracker, onFrame func([]float32)) (*mapOutcome, error) {
		r, err := svc.MapTSNE(ctx, req, t, func(_ int, Y []float32, _ float64) { onFrame(Y) })
		if err != nil {
			return nil, err
		}
		return &mapOutcome{items: r.Items, Y: r.Embedding, knn5: r.KNN5, trust: r.Trustworthiness, trustN: r.TrustN, inputName: r.InputName,
			runName: r.Run.Name, kept: r.Space != nil, note: r.Note,
			summary: fmt.Sprintf("perplexity %v, KL %.3f after %d iterations, learning rate %.0f, %d neighbours per point; %.1f s.",
				req.Perplexity, r.KL, r.Iterations, r.LearningRate, r.Neighbors, r.Seconds)}, nil
	}}, nil
}

func (v *mapsView) run() {
	ws := v.env.Workspace
	ds := ws.Data()
	if ds == nil {
		v.env.ShowError(fmt.Errorf("open a data set first"))
		return
	}
	mj, err := v.prepare()
	if err != nil {
		v.env.ShowError(err)
		return
	}
	gen := ws.Generation()
	v.items, v.gen, v.what = mj.items, gen, mj.what
	v.basis = mapBasisOf(ws)
	v.labels = make([]int, len(mj.items))
	for i, it := range mj.items {
		v.labels[i] = it.Label()
	}
	v.paused, v.final = false, blas32.General{}
	v.mu.Lock()
	v.latest, v.frames, v.parked = nil, 0, -1
	v.mu.Unlock()
	v.info.SetText("Reducing to 50 dimensions with PCA and finding neighbours…")
	if mj.note != "" {
		v.info.SetText("Note: " + mj.note + ". " + v.info.Text)
	}
	v.quality.SetText("")
	redraw := make(chan struct{}, 1)
	done := make(chan struct{})
	var out *mapOutcome
	v.job = v.env.Jobs.Start(mj.what, func(ctx context.Context, t *progress.Tracker) error {
		var err error
		out, err = mj.run(ctx, t, func(Y []float32) { v.frame(ctx, Y, redraw) })
		return err
	}, func(err error) {
		close(done)
		v.job = nil
		v.release()
		v.setButtons()
		if err != nil {
			if jobs.IsCancelled(err) {
				v.info.SetText("Stopped: the map shows the last frame drawn.")
			}
			return
		}
		if ws.Generation() != gen {
			return
		}
		v.showOutcome(ds.Name, out)
	})
	v.started = time.Now()
	v.setButtons()
	go v.redrawWhileRunning(ds.Name, redraw, done)
}

// redrawWhileRunning redraws the map at most four times a second while it
// optimises.
func (v *mapsView) redrawWhileRunning(data string, redraw, done chan struct{}) {
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
					v.show(Y, fmt.Sprintf("%s of %s — optimising…", v.what, data))
					v.info.SetText("Optimising: " + v.elapsed() + ".")
				}
			})
		}
	}
}

// showOutcome draws the finished map and its quality.
func (v *mapsView) showOutcome(data string, o *mapOutcome) {
	v.items, v.final = o.items, o.Y
	v.labels = make([]int, len(o.items))
	for i, it := range o.items {
		v.labels[i] = it.Label()
	}
	v.show(o.Y.Data, fmt.Sprintf("%s of %s — %d points", v.what, data, len(o.items)))
	text := o.summary
	if o.note != "" {
		text = "Note: " + o.note + ". " + text
	}
	if o.kept {
		text += fmt.Sprintf(" Kept as the run %q: the Clusters and Compare panels can use it.", o.runName)
	} else {
		text += fmt.Sprintf(" Kept as the run %q (a map of some of the items: not a space for the other panels).", o.runName)
	}
	v.info.SetText(text)
	q := fmt.Sprintf("Leave-one-out 5-NN accuracy in the map: %.4f", o.knn5)
	if o.trustN > 0 {
		q += fmt.Sprintf(" · trustworthiness(5) against %s: %.4f", o.inputName, o.trust)
		if o.trustN < len(o.items) {
			q += fmt.Sprintf(" (on %d of the points)", o.trustN)
		}
	}
	v.quality.SetText(q + ".")
	v.setButtons()
}

// mapBasis is what a map's items depend on: the data set, its split and
// its scaling.
type mapBasis struct {
	data    *dataset.Dataset
	split   dataset.SplitOptions
	scaling dataset.Scaling
}

func mapBasisOf(ws *workspace.Workspace) mapBasis {
	return mapBasis{ws.Data(), ws.SplitOptions(), ws.Scaling()}
}

// rebase follows a change of the workspace (another data set, split or
// scaling, or a session opened) when no map is being made: a map made on
// the same data, split and scaling (a session of the same workspace) is
// linked again to the new workspace, so its colour menu and selection
// rings work; any other map is taken down.
func (v *mapsView) rebase() {
	if v.final.Rows == 0 {
		return
	}
	ws := v.env.Workspace
	if mapBasisOf(ws) != v.basis {
		v.items, v.final, v.labels = nil, blas32.General{}, nil
		v.scatter.SetData(ScatterData{})
		v.info.SetText("The data, split or scaling changed: make the map again.")
		v.quality.SetText("")
		v.setButtons()
		return
	}
	splits := ws.Splits()
	for i, it := range v.items { // the same items in the new splits
		switch it.Split.Name {
		case splits.Train.Name:
			v.items[i].Split = splits.Train
		case splits.Val.Name:
			v.items[i].Split = splits.Val
		case splits.Test.Name:
			v.items[i].Split = splits.Test
		}
	}
	v.gen = ws.Generation()
	v.show(v.final.Data, v.scatter.data.Title)
}

func (v *mapsView) elapsed() string { return formatDuration(time.Since(v.started)) }

// show draws map Y (n×2, row-major) of the view's items (the first n when
// a UMAP fit's frames cover only its fitted items).
func (v *mapsView) show(Y []float32, title string) {
	n := min(len(v.items), len(Y)/2)
	if n == 0 {
		return
	}
	x, y := make([]float32, n), make([]float32, n)
	for i := 0; i < n; i++ {
		x[i], y[i] = Y[2*i], Y[2*i+1]
	}
	ds := v.env.Workspace.Data()
	all := workspace.NewItems(v.env.Workspace.Splits())
	pos := make([]int, n)
	for i, it := range v.items[:n] {
		pos[i] = all.PositionOf(it)
	}
	if slices.Contains(pos, -1) || v.gen != v.env.Workspace.Generation() {
		pos = nil // the map was made for other splits: not linked
	}
	axis := v.what + " "
	if err := v.scatter.SetData(ScatterData{X: x, Y: y, Labels: v.labels[:n], Classes: ds.Classes, Title: title, XLabel: axis + "1", YLabel: axis + "2", Items: pos}); err != nil {
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
// (split, index, label, then the two coordinates).
func (v *mapsView) exportCSV() {
	if v.final.Rows == 0 {
		return
	}
	name := strings.ToLower(strings.ReplaceAll(v.what, "-", ""))
	f, err := service.EncodeItems(v.env.Workspace.Data(), v.items, v.final, name, "csv")
	if err != nil {
		v.env.ShowError(err)
		return
	}
	v.env.saveBytesAs(name+".csv", f.Vectors, "the map")
}
