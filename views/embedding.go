package views

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"embedscope/app/jobs"
	"embedscope/app/workspace"
	"embedscope/ml/embed"
	"embedscope/ml/progress"
)

var embeddingPanel = Panel{
	ID:    "embedding",
	Title: "Embedding training",
	Intro: "Seed notebooks 000, 003, 004: train a learned (siamese or classifier-trained) embedding or an autoencoder and watch it live — the losses, the accuracies, the 2-D projection of a fixed validation sample and an autoencoder's reconstructions. When training ends the embedding (or code, with its decoder) joins the other panels as one more feature space.",
	View:  func(env *Env) fyne.CanvasObject { return newEmbeddingView(env).content },
}

// Labels of the choices in the panel, with the values they stand for.
var (
	archLabels = map[string]embed.Arch{
		"seed conv net (1.28 M params)": embed.Seed,
		"small conv net":                embed.Small,
		"MLP (fastest)":                 embed.MLP,
	}
	archOrder  = []string{"seed conv net (1.28 M params)", "small conv net", "MLP (fastest)"}
	lossLabels = map[string]embed.Loss{
		"softmax, in-batch (best)": embed.Softmax,
		"siamese pairs (seed)":     embed.Siamese,
		"contrastive pairs":        embed.Contrastive,
		"all-pairs contrastive":    embed.AllPairs,
	}
	lossOrder = []string{"softmax, in-batch (best)", "siamese pairs (seed)", "contrastive pairs", "all-pairs contrastive"}
)

type embeddingView struct {
	env     *Env
	content fyne.CanvasObject

	trainer *embed.Trainer
	data    embed.Data
	gen     int // workspace generation the trainer's data comes from
	job     *jobs.Job
	polling bool
	stopped bool // Stop (not Pause) ended the last run
	result  *embeddingResult

	arch, loss                *widget.Select
	dim, epochs, batch, lr    *widget.Entry
	oneCycle                  *widget.Check
	start, pause, resume      *widget.Button
	stop, save, load, evalBtn *widget.Button
	status, warning, final    *widget.Label
	bar                       *widget.ProgressBar

	live
	tabs          *container.AppTabs
	reconView     *FigureView            // an autoencoder's live reconstructions
	reconTabIndex int                    // its tab
	shownRecon    *embed.Reconstructions // the sample it shows
}

func newEmbeddingView(env *Env) *embeddingView {
	v := &embeddingView{env: env}
	v.arch = widget.NewSelect(embedArchList, func(string) { v.archChanged() })
	v.arch.SetSelected(archOrder[0])
	v.loss = widget.NewSelect(lossOrder, func(string) { v.applyDefaults() })
	v.reconView = NewFigureView("autoencoder-reconstructions", env.Window)
	v.reconView.SetMessage("Choose an autoencoder to see its reconstructions here.")
	v.dim, v.epochs, v.batch, v.lr = entryWith("32"), entryWith("8"), entryWith("256"), entryWith("0.003")
	v.oneCycle = widget.NewCheck("one-cycle learning rate", nil)
	v.loss.SetSelected(lossOrder[0])
	v.start = widget.NewButtonWithIcon("Start", theme.MediaPlayIcon(), v.startTraining)
	v.start.Importance = widget.HighImportance
	v.pause = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), func() { v.halt(false) })
	v.resume = widget.NewButtonWithIcon("Resume", theme.MediaReplayIcon(), v.resumeTraining)
	v.stop = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), func() { v.halt(true) })
	v.save = widget.NewButtonWithIcon("Save model…", theme.DocumentSaveIcon(), v.saveModel)
	v.load = widget.NewButtonWithIcon("Load model…", theme.FolderOpenIcon(), v.loadModel)
	v.evalBtn = widget.NewButton("Evaluate kNN(5) and publish", v.finish)
	v.status = wrapLabel("Choose an architecture and a loss, then Start.")
	v.warning = wrapLabel("")
	v.warning.Importance = widget.DangerImportance
	v.warning.Hide()
	v.final = wrapLabel("")
	v.final.TextStyle.Bold = true
	v.bar = widget.NewProgressBar()

	controls := container.NewVBox(
		bold("Network"),
		widget.NewForm(
			widget.NewFormItem("Architecture", v.arch),
			widget.NewFormItem("Embedding size", v.dim),
			widget.NewFormItem("Loss", v.loss),
			widget.NewFormItem("Epochs", v.epochs),
			widget.NewFormItem("Batch", v.batch),
			widget.NewFormItem("Learning rate", v.lr),
		),
		v.oneCycle,
		widget.NewLabel("Scaling is the Data panel's."),
		container.NewGridWithColumns(2, v.start, v.pause, v.resume, v.stop),
		v.bar, v.status, v.warning,
		widget.NewSeparator(),
		container.NewGridWithColumns(2, v.save, v.load),
		v.evalBtn, v.final,
	)
	v.buildLive()
	v.tabs = container.NewAppTabs(
		container.NewTabItem("Training progress", v.progressTab),
		container.NewTabItem("Live embedding", v.liveTab),
		container.NewTabItem("Embedding scatter", v.scatterTab),
		container.NewTabItem("Density", v.density),
		container.NewTabItem("Hexbin", v.hexbin),
		container.NewTabItem("Reconstructions", v.reconView),
	)
	v.reconTabIndex = len(v.tabs.Items) - 1
	env.presetAutoencoder = v.presetAutoencoder
	env.toggleTraining = func() {
		switch {
		case v.job != nil:
			v.halt(false)
		case v.trainer != nil && !v.trainer.Snapshot().Done:
			v.resumeTraining()
		default:
			v.startTraining()
		}
	}
	env.Workspace.OnChange(func() { uiDo(v.dataChanged) })
	env.Workspace.OnSpacesChange(func() { uiDo(v.restoreFromWorkspace) })
	v.setButtons()
	split := container.NewHSplit(container.NewVScroll(container.NewPadded(controls)), v.tabs)
	split.Offset = 0.28
	v.content = split
	return v
}

// applyDefaults sets batch, learning rate, epochs and schedule to the
// recommended values of the chosen loss.
func (v *embeddingView) applyDefaults() {
	l, ok := v.selectedLoss()
	a, aok := v.selectedArch()
	if !ok || !aok || v.batch == nil || a.Autoencoder() != l.Reconstruction() {
		return
	}
	c := embed.DefaultConfig(a, l)
	v.batch.SetText(strconv.Itoa(c.Batch))
	v.lr.SetText(strconv.FormatFloat(c.LR, 'g', -1, 64))
	v.epochs.SetText(strconv.Itoa(c.Epochs))
	v.oneCycle.SetChecked(c.OneCycle)
}

// dataChanged drops a trainer made for other data.
func (v *embeddingView) dataChanged() {
	if v.trainer == nil || v.gen == v.env.Workspace.Generation() {
		return
	}
	if v.job != nil {
		v.job.Cancel()
	}
	v.trainer, v.result = nil, nil
	v.status.SetText("The data, split or scaling changed: Start a new training (saved models can be loaded again).")
	v.final.SetText("")
	v.setButtons()
}

// setButtons enables the controls that make sense now.
func (v *embeddingView) setButtons() {
	running := v.job != nil
	set := func(b *widget.Button, on bool) {
		if on {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	done := v.trainer != nil && v.trainer.Snapshot().Done
	set(v.start, !running)
	set(v.pause, running)
	set(v.stop, running)
	set(v.resume, !running && v.trainer != nil && !done)
	set(v.save, !running && v.trainer != nil)
	set(v.load, !running)
	set(v.evalBtn, !running && v.trainer != nil)
}

// trainingData turns the workspace's scaled splits into embed.Data: the
// model learns on train and is evaluated (and projected) on validation, or
// on test when there is no validation split.
func trainingData(ctx context.Context, ws *workspace.Workspace) (embed.Data, error) {
	train, val, test, err := ws.Features(ctx)
	if err != nil {
		return embed.Data{}, err
	}
	ds := ws.Data()
	ev := val
	if ev.Split.Len() == 0 {
		ev = test
	}
	d := embed.Data{Train: train.X, TrainLabels: train.Split.Labels(), Eval: ev.X, EvalLabels: ev.Split.Labels(), Classes: len(ds.Classes), Channels: 1}
	if ds.IsImage() {
		d.Height, d.Width = ds.Height, ds.Width
	} else {
		d.Height, d.Width = 1, ds.Dim
	}
	return d, nil
}

// config reads the controls.
func (v *embeddingView) config(trainRows int) (embed.Config, error) {
	arch, ok := v.selectedArch()
	if !ok {
		return embed.Config{}, fmt.Errorf("choose an architecture")
	}
	loss, ok := v.selectedLoss()
	if !ok {
		return embed.Config{}, fmt.Errorf("choose a loss")
	}
	c := embed.DefaultConfig(arch, loss)
	var err error
	if c.Dim, err = positiveInt(v.dim, "The embedding (code) size", 1, 4096); err != nil {
		return c, err
	}
	if c.Epochs, err = positiveInt(v.epochs, "Epochs", 1, 10000); err != nil {
		return c, err
	}
	if c.Batch, err = positiveInt(v.batch, "The batch", 1, trainRows); err != nil {
		return c, fmt.Errorf("%w: the training split has %d items", err, trainRows)
	}
	lr, err := strconv.ParseFloat(strings.TrimSpace(v.lr.Text), 64)
	if err != nil || !(lr > 0) || lr > 10 {
		return c, fmt.Errorf("the learning rate must be a number above 0 (e.g. 0.001), got %q", v.lr.Text)
	}
	c.LR, c.OneCycle = lr, v.oneCycle.Checked
	c.KNNEval = 1000
	c.CheckpointPath = checkpointPath(v.env.Workspace.Data().Name, arch, loss)
	return c, nil
}

// checkpointPath is where training checkpoints go: the user's cache folder.
func checkpointPath(data string, arch embed.Arch, loss embed.Loss) string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, data)
	return filepath.Join(dir, "embedscope", "checkpoints", fmt.Sprintf("%s-%s-%s.esm", safe, arch, loss))
}

func (v *embeddingView) startTraining() {
	ws := v.env.Workspace
	if ws.Data() == nil {
		v.env.ShowError(fmt.Errorf("open a data set first"))
		return
	}
	train := ws.Splits().Train.Len()
	cfg, err := v.config(train)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	if err := os.MkdirAll(filepath.Dir(cfg.CheckpointPath), 0o755); err != nil {
		cfg.CheckpointPath = "" // training still works, without checkpoints
	}
	d, err := trainingData(context.Background(), ws)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	t, err := embed.New(cfg, d)
	if err != nil {
		v.env.ShowError(err)
		return
	}
	v.trainer, v.data, v.gen, v.result = t, d, ws.Generation(), nil
	v.final.SetText("")
	v.resetLive()
	v.run()
}

func (v *embeddingView) resumeTraining() {
	if v.trainer == nil {
		return
	}
	if v.gen != v.env.Workspace.Generation() {
		d, err := trainingData(context.Background(), v.env.Workspace)
		if err != nil {
			v.env.ShowError(err)
			return
		}
		v.data, v.gen = d, v.env.Workspace.Generation()
	}
	v.run()
}

// run trains (or continues) in a job, polling the trainer for the views.
func (v *embeddingView) run() {
	t, d := v.trainer, v.data
	v.stopped = false
	v.warning.Hide()
	v.job = v.env.Jobs.Start("Embedding training", func(ctx context.Context, tr *progress.Tracker) error {
		t.Progress = tr
		return t.Run(ctx, d)
	}, func(err error) {
		v.job = nil
		v.refresh()
		v.setButtons()
		switch {
		case err == nil:
			v.finish()
		case jobs.IsCancelled(err) && v.stopped:
			v.status.SetText(v.status.Text + "\nStopped. Resume continues from here; the checkpoint is kept.")
			v.finish()
		case jobs.IsCancelled(err):
			v.status.SetText(v.status.Text + "\nPaused: Resume continues exactly where it stopped.")
		case errors.Is(err, embed.ErrDiverged):
			v.warning.SetText(err.Error())
			v.warning.Show()
		}
	})
	v.setButtons()
	v.startPolling()
}

// halt pauses (or stops) the running training.
func (v *embeddingView) halt(stop bool) {
	if v.job != nil {
		v.stopped = stop
		v.job.Cancel()
	}
}

// startPolling refreshes the views from the trainer's snapshot twice a
// second while it trains, whatever its step rate.
func (v *embeddingView) startPolling() {
	if v.polling {
		return
	}
	v.polling = true
	go func() {
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for range tick.C {
			stop := false
			uiDoAndWait(func() {
				if v.job == nil {
					v.polling = false
					stop = true
					return
				}
				v.refresh()
			})
			if stop {
				return
			}
		}
	}()
}

func (v *embeddingView) saveModel() {
	if v.trainer == nil {
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		w.Close()
		if err := v.trainer.Save(path); err != nil {
			os.Remove(path)
			v.env.ShowError(err)
			return
		}
		dialog.ShowInformation("Model saved", "Saved "+filepath.Base(path), v.env.Window)
	}, v.env.Window)
	d.SetFileName(fmt.Sprintf("embedding-%s-%s.esm", v.trainer.Config().Arch, v.trainer.Config().Loss))
	d.Show()
}

func (v *embeddingView) loadModel() {
	ws := v.env.Workspace
	if ws.Data() == nil {
		v.env.ShowError(fmt.Errorf("open the data set the model was trained on first"))
		return
	}
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		data, err := trainingData(context.Background(), ws)
		if err != nil {
			v.env.ShowError(err)
			return
		}
		t, err := embed.LoadFor(path, data.Shape())
		if err != nil {
			v.env.ShowError(err)
			return
		}
		v.trainer, v.data, v.gen, v.result = t, data, ws.Generation(), nil
		v.resetLive()
		v.refresh()
		v.status.SetText(fmt.Sprintf("Loaded %s: %s.", filepath.Base(path), v.status.Text))
		v.setButtons()
	}, v.env.Window)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".esm"}))
	if dir := filepath.Dir(checkpointPath("x", embed.Seed, embed.Softmax)); dirExists(dir) {
		if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
			d.SetLocation(l)
		}
	}
	d.Show()
}

func dirExists(dir string) bool {
	st, err := os.Stat(dir)
	return err == nil && st.IsDir()
}
