package views

import (
	"context"
	"errors"
	"fmt"
	"math"
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
	"embedscope/app/service"
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

	// training is the run shown (nil before any); trainer, data and gen
	// are its trainer, its data and the workspace generation they come
	// from.
	training  *service.Training
	trainer   *embed.Trainer
	data      embed.Data
	gen       int
	job       *jobs.Job
	polling   bool
	stopped   bool // Stop (not Pause) ended the last run
	restoring bool // restoreFromWorkspace is showing a run
	result    *embeddingResult
	// onEpoch, when set (by tests), is called on the training's goroutine
	// after every epoch.
	onEpoch func(embed.EpochStat)

	arch, loss                *widget.Select
	dim, epochs, batch, lr    *widget.Entry
	oneCycle                  *widget.Check
	start, pause, resume      *widget.Button
	stop, save, load, evalBtn *widget.Button
	status, warning, final    *widget.Label
	resumeNote                *widget.Label // names the run Resume continues
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
	v.evalBtn = widget.NewButton("Publish this run", v.finish)
	v.status = wrapLabel("Choose an architecture and a loss, then Start.")
	v.warning = wrapLabel("")
	v.warning.Importance = widget.DangerImportance
	v.warning.Hide()
	v.final = wrapLabel("")
	v.resumeNote = hint("")
	v.final.TextStyle.Bold = true
	v.bar = widget.NewProgressBar()

	controls := container.NewVBox(
		bold("Network"),
		stacked(
			widget.NewFormItem("Architecture", v.arch),
			widget.NewFormItem("Loss", v.loss),
		),
		widget.NewForm(
			widget.NewFormItem("Embedding size", v.dim),
			widget.NewFormItem("Epochs", v.epochs),
			widget.NewFormItem("Batch", v.batch),
			widget.NewFormItem("Learning rate", v.lr),
		),
		v.oneCycle,
		widget.NewLabel("Scaling is the Data panel's."),
		container.NewGridWithColumns(2, v.start, v.pause, v.resume, v.stop),
		v.resumeNote,
		v.bar, v.status, v.warning,
		widget.NewSeparator(),
		container.NewGridWithColumns(2, v.save, v.load),
		v.evalBtn, hint("Publishing measures kNN(5) and makes the embedding a space of every panel."), v.final,
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
		case v.resumable() && v.formShowsRun():
			v.resumeTraining()
		default:
			v.startTraining() // Ctrl+T trains what the form shows
		}
	}
	env.showRun = v.showRun
	env.trainAgain = v.trainAgain
	env.Workspace.OnChange(func() { uiDo(v.dataChanged) })
	env.Workspace.OnSpacesChange(func() { uiDo(v.restoreFromWorkspace) })
	env.Service.OnRunsChange(func() { uiDo(v.restoreFromWorkspace) })
	v.setButtons()
	split := container.NewHSplit(newSidePanel(controls), v.tabs)
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
	v.setTraining(nil)
	v.status.SetText("The data, split or scaling changed: Start a new training (its runs are kept: Runs panel).")
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
	set(v.start, !running)
	set(v.pause, running)
	set(v.stop, running || v.resumable())
	set(v.resume, !running && v.resumable())
	set(v.save, !running && v.trainer != nil)
	set(v.load, !running)
	published := v.result != nil && v.training != nil && v.result.runID == v.training.Record().ID
	set(v.evalBtn, !running && v.trainer != nil && !published)
	// The button stays short; the run it resumes is named under it (run
	// names are too long for a button in the side column).
	v.resumeNote.SetText("")
	if v.training != nil && !v.resume.Disabled() {
		v.resumeNote.SetText("Resume continues " + v.training.Record().Name + ".")
	}
}

// resumable reports whether the run shown can train further.
func (v *embeddingView) resumable() bool {
	return v.trainer != nil && !v.trainer.Snapshot().Done
}

// formShowsRun reports whether the form holds the settings of the run shown
// (so Ctrl+T resumes it rather than starting what the form shows).
func (v *embeddingView) formShowsRun() bool {
	if v.trainer == nil {
		return false
	}
	cfg, err := v.config(max(v.env.Workspace.Splits().Train.Len(), 1))
	if err != nil {
		return false
	}
	have := v.trainer.Config()
	cfg.ProjectionSample, cfg.ProjectEvery, cfg.KNNEval, cfg.CheckpointPath = have.ProjectionSample, have.ProjectEvery, have.KNNEval, ""
	have.CheckpointPath = ""
	return cfg == have
}

// setTraining makes t the run the panel shows (nil: none).
func (v *embeddingView) setTraining(t *service.Training) {
	v.training, v.result = t, nil
	if t == nil {
		v.trainer, v.data, v.gen = nil, embed.Data{}, 0
	} else {
		v.trainer, v.data, v.gen = t.Trainer, t.Data, t.Generation()
		v.env.Workspace.SetSetting(runSetting, t.Record().ID)
	}
	v.final.SetText("")
	v.setButtons()
}

// runSetting keeps the ID of the run the panel shows in sessions.
const runSetting = "embedding.run"

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
	return c, nil
}

// startTraining starts a new run of what the form shows; the run shown
// before is kept (Runs panel), whatever state it is in.
func (v *embeddingView) startTraining() {
	ws := v.env.Workspace
	if ws.Data() == nil {
		v.env.ShowError(fmt.Errorf("open a data set first"))
		return
	}
	cfg, err := v.config(ws.Splits().Train.Len())
	if err != nil {
		v.env.ShowError(err)
		return
	}
	t, err := v.env.Service.NewTraining(context.Background(), service.TrainRequest{Config: cfg})
	if err != nil {
		v.env.ShowError(err)
		return
	}
	v.setTraining(t)
	v.resetLive()
	v.run()
}

// resumeTraining continues the run shown.
func (v *embeddingView) resumeTraining() {
	if v.training == nil {
		return
	}
	if v.gen != v.env.Workspace.Generation() {
		v.env.ShowError(fmt.Errorf("the data, split or scaling changed since %s was trained: set them back to resume it", v.training.Record().Name))
		return
	}
	v.run()
}

// run trains (or continues) in a job, polling the trainer for the views.
func (v *embeddingView) run() {
	t := v.training
	v.stopped = false
	v.warning.Hide()
	v.result = nil
	onEpoch := v.onEpoch
	v.job = v.env.Jobs.Start("Training "+t.Record().Name, func(ctx context.Context, tr *progress.Tracker) error {
		return t.Run(ctx, tr, onEpoch)
	}, func(err error) {
		v.job = nil
		v.refresh()
		v.setButtons()
		if v.training != t {
			return
		}
		rec := t.Record()
		switch {
		case err == nil:
			v.finish()
		case jobs.IsCancelled(err) && v.stopped:
			v.status.SetText(v.status.Text + fmt.Sprintf("\nStopped at epoch %d of %d: %s is kept as it is. Resume continues it; Publish makes it a space for the other panels.", rec.Epoch, rec.Epochs, rec.Name))
		case jobs.IsCancelled(err):
			v.status.SetText(v.status.Text + "\nPaused: Resume continues exactly where it stopped.")
		case errors.Is(err, embed.ErrDiverged):
			v.warning.SetText(err.Error())
			v.warning.Show()
		}
		v.env.setPaused(jobs.IsCancelled(err) && !v.stopped, rec.Name)
		if jobs.IsCancelled(err) && v.stopped {
			v.env.Notify(stoppedNote(rec.Name, rec.Epoch, rec.Epochs))
		}
	})
	v.env.setPaused(false, "")
	v.setButtons()
	v.startPolling()
}

// stoppedNote is the status bar's line for a stopped training.
func stoppedNote(name string, done, epochs int) string {
	return fmt.Sprintf("Stopped: %s after %d of %d epochs (kept: Resume continues it, Publish makes it a space)", name, done, epochs)
}

// halt pauses (or stops) the running training; Stop on a paused run
// marks it stopped.
func (v *embeddingView) halt(stop bool) {
	if v.job != nil {
		v.stopped = stop
		if stop {
			v.training.Stop()
		}
		v.job.Cancel()
		return
	}
	if stop && v.training != nil {
		if err := v.training.MarkStopped(); err != nil {
			v.env.ShowError(err)
		}
		v.env.setPaused(false, "")
		rec := v.training.Record()
		v.env.Notify(stoppedNote(rec.Name, rec.Epoch, rec.Epochs))
		v.status.SetText(fmt.Sprintf("Stopped at epoch %d of %d: %s is kept as it is. Resume continues it; Publish makes it a space for the other panels.", rec.Epoch, rec.Epochs, rec.Name))
		v.setButtons()
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
	name := fmt.Sprintf("embedding-%s-%s.esm", v.trainer.Config().Arch, v.trainer.Config().Loss)
	askSavePath(v.env.Window, DirModel, name, func(path string) {
		save := v.saver()
		busyDo(v.env.Window, "Saving the model", "Writing "+path+"…", func() error { return save(path) }, func(err error) {
			if err != nil {
				os.Remove(path)
				v.env.ShowError(err)
				return
			}
			v.env.Notify("Model saved to " + path)
			dialog.ShowInformation("Model saved", "Saved "+filepath.Base(path), v.env.Window)
		})
	})
}

// saveTrainer writes the model shown to path (an .esm file).
func (v *embeddingView) saveTrainer(path string) error { return v.saver()(path) }

// saver returns a function that writes the model shown now to a path (an
// .esm file); it may run off the UI goroutine.
func (v *embeddingView) saver() func(path string) error {
	svc, trainer := v.env.Service, v.trainer
	if st := svc.Store(); st != nil && v.training != nil {
		id := v.training.Record().ID
		return func(path string) error {
			_, err := svc.ExportModel(id, path)
			return err
		}
	}
	return trainer.Save
}

// loadModel makes a new run of a model file and shows it.
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
		RememberDir(DirModel, path)
		svc := v.env.Service
		var t *service.Training
		busyDo(v.env.Window, "Loading the model", "Reading "+path+"…", func() (err error) {
			t, err = svc.ImportModel(context.Background(), path)
			return err
		}, func(err error) {
			if err != nil {
				v.env.ShowError(err)
				return
			}
			v.setTraining(t)
			v.resetLive()
			v.refresh()
			v.status.SetText(fmt.Sprintf("Loaded %s as the run %q: %s.", filepath.Base(path), t.Record().Name, v.status.Text))
			v.setButtons()
		})
	}, v.env.Window)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".esm"}))
	StartInLast(d, DirModel)
	d.Show()
}

// showRun shows the training run id (from the Runs panel), ready to
// resume or publish.
func (v *embeddingView) showRun(id string) error {
	if v.job != nil {
		return fmt.Errorf("a training is running: pause or stop it first")
	}
	t, err := v.env.Service.ResumeTraining(context.Background(), id, 0)
	if err != nil {
		return err
	}
	v.setTraining(t)
	v.resetLive()
	v.refresh()
	v.fillForm(t.Trainer.Config())
	rec := t.Record()
	v.status.SetText(fmt.Sprintf("%s: %s. %s", rec.Name, rec.StatusText(), v.status.Text))
	if sp := v.env.Workspace.Space(id); sp != nil {
		v.result = &embeddingResult{runID: id, space: sp, accuracy: math.NaN(), baseline: math.NaN()}
		v.showEmbedding()
	}
	v.setButtons()
	return nil
}

// trainAgain fills the form with the settings of a run (Runs ▸ Train again).
func (v *embeddingView) trainAgain(cfg embed.Config) {
	v.fillForm(cfg)
	v.status.SetText(fmt.Sprintf("The form holds the settings of %s: Start trains a new run with them.", service.TrainName(cfg)))
}

// fillForm sets the controls to cfg.
func (v *embeddingView) fillForm(cfg embed.Config) {
	for label, a := range archLabels {
		if a == cfg.Arch {
			v.arch.SetSelected(label)
		}
	}
	for label, a := range aeArchLabels {
		if a == cfg.Arch {
			v.arch.SetSelected(label)
		}
	}
	for label, l := range lossLabels {
		if l == cfg.Loss {
			v.loss.SetSelected(label)
		}
	}
	for label, l := range aeLossLabels {
		if l == cfg.Loss {
			v.loss.SetSelected(label)
		}
	}
	v.dim.SetText(strconv.Itoa(cfg.Dim))
	v.epochs.SetText(strconv.Itoa(cfg.Epochs))
	v.batch.SetText(strconv.Itoa(cfg.Batch))
	v.lr.SetText(strconv.FormatFloat(cfg.LR, 'g', -1, 64))
	v.oneCycle.SetChecked(cfg.OneCycle)
}

func dirExists(dir string) bool {
	st, err := os.Stat(dir)
	return err == nil && st.IsDir()
}
