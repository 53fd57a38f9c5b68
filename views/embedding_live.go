package views

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"image"
	"math"
	"slices"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/app/runs"
	"embedscope/app/service"
	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/embed"
	"embedscope/ml/progress"
	"embedscope/views/figures"
)

// live holds the embedding panel's views of training in progress and of
// the finished embedding.
type live struct {
	progressTab, liveTab, scatterTab fyne.CanvasObject
	batchLoss, epochLoss, epochAcc   *FigureView
	drift                            *FigureView // training drift (service.Training.Drift)
	shownDrift                       int
	liveScatter, embScatter          *Scatter
	replay                           *widget.Slider
	replayInfo                       *widget.Label
	density, hexbin                  *FigureView
	followLatest                     bool
	shownProjections                 int
	lastStats                        int
}

// embeddingResult is the finished embedding of every split.
type embeddingResult struct {
	runID    string
	space    *workspace.Space
	accuracy float64 // kNN(5) of the evaluation split against train, in the embedding
	baseline float64 // PCA(32) + kNN(5) on the same splits
	split    string
	// For an autoencoder: the mean squared reconstruction error of the
	// evaluation split, and that of the mean training item.
	reconMSE, meanMSE float64
}

func (v *embeddingView) buildLive() {
	l := &v.live
	l.batchLoss = NewFigureView("training-batch-loss", v.env.Window)
	l.epochLoss = NewFigureView("training-epoch-loss", v.env.Window)
	l.epochAcc = NewFigureView("training-accuracy", v.env.Window)
	l.batchLoss.SetMessage("The loss of every batch appears here while training runs.")
	l.epochLoss.SetMessage("Losses per epoch.")
	l.epochAcc.SetMessage("Accuracies per epoch.")
	l.drift = NewFigureView("training-drift", v.env.Window)
	l.drift.SetMessage(driftMessage)
	csvButton := widget.NewButtonWithIcon("Export curves as CSV…", theme.DocumentSaveIcon(), v.exportCSV)
	epochs := container.NewGridWithColumns(3, l.epochLoss, l.epochAcc, l.drift)
	curves := container.NewVSplit(l.batchLoss, epochs)
	l.progressTab = container.NewBorder(nil, container.NewHBox(csvButton), nil, nil, curves)

	l.liveScatter = NewScatter()
	l.liveScatter.Link(v.env.Workspace, "live embedding")
	l.liveScatter.Name = "embedding-live"
	l.replay = widget.NewSlider(0, 1)
	l.replay.Step = 1
	l.replay.OnChanged = func(f float64) {
		snap := v.snapshot()
		l.followLatest = int(f) >= len(snap.Projections)-1
		v.showProjection(snap, int(f))
	}
	l.replayInfo = wrapLabel("The 2-D projection of a fixed validation sample is redrawn after every epoch; drag the slider to replay.")
	l.liveTab = container.NewBorder(container.NewBorder(nil, nil, widget.NewLabel("Replay:"), nil, l.replay), l.replayInfo, nil, nil, l.liveScatter)
	l.embScatter = NewScatter()
	l.embScatter.Link(v.env.Workspace, "embedding scatter")
	l.embScatter.Name = "embedding-scatter"
	l.scatterTab = l.embScatter
	l.density = NewFigureView("embedding-density", v.env.Window)
	l.hexbin = NewFigureView("embedding-hexbin", v.env.Window)
	l.density.SetMessage("After training: the density of the embedding's first two principal components.")
	l.hexbin.SetMessage("After training: the median class per hexagon.")
	l.followLatest = true
}

func (v *embeddingView) resetLive() {
	l := &v.live
	l.shownProjections, l.lastStats, l.followLatest, l.shownDrift = 0, -1, true, -1
	l.drift.SetMessage(driftMessage)
	l.epochLoss.SetMessage("Losses per epoch appear after the first epoch.")
	l.epochAcc.SetMessage("Accuracies per epoch appear after the first epoch.")
	l.replay.Max, l.replay.Value = 1, 0
	l.replay.Refresh()
	l.liveScatter.SetData(ScatterData{})
	v.shownRecon = nil
	if a, ok := v.selectedArch(); ok && a.Autoencoder() {
		v.reconView.SetMessage("Reconstructions of eight evaluation images appear here after the first epoch, and are redrawn as training goes on.")
	}
}

func (v *embeddingView) snapshot() embed.Snapshot {
	if v.trainer == nil {
		return embed.Snapshot{}
	}
	return v.trainer.Snapshot()
}

// refresh redraws the progress views from the trainer's snapshot; it runs
// on the UI goroutine, twice a second while training.
func (v *embeddingView) refresh() {
	if v.trainer == nil {
		return
	}
	s := v.trainer.Snapshot()
	cfg := v.trainer.Config()
	l := &v.live
	v.bar.SetValue(s.Fraction)
	txt := fmt.Sprintf("Epoch %d of %d, batch %d of %d · %.0f images/s · %s elapsed", min(s.Epoch+1, s.Epochs), s.Epochs, s.Batch, s.BatchesPerEpoch, s.ItemsPerSecond, formatDuration(s.Elapsed))
	if s.Done {
		unit := "epochs"
		if s.Epochs == 1 {
			unit = "epoch"
		}
		txt = fmt.Sprintf("Trained %d %s in %s.", s.Epochs, unit, formatDuration(s.Elapsed))
	} else if v.job != nil && s.ETA > 0 { // a paused, stopped or restored run has no time left to tell
		txt += ", about " + formatDuration(s.ETA) + " left"
	}
	if n := len(s.EpochStats); n > 0 {
		e := s.EpochStats[n-1]
		txt += fmt.Sprintf("\nLast epoch: train loss %.4f, evaluation loss %.4f", e.TrainLoss, e.EvalLoss)
		if !math.IsNaN(e.EvalAcc) {
			txt += fmt.Sprintf(", evaluation accuracy %.4f", e.EvalAcc)
		}
		if !math.IsNaN(e.KNN) {
			txt += fmt.Sprintf(", kNN(5) %.4f on %d items", e.KNN, cfg.KNNEval)
		}
	}
	v.status.SetText(txt)
	if s.Collapse && (len(s.EpochStats) > 0 || len(s.Projections) > 0) {
		v.warning.SetText(fmt.Sprintf("Embedding collapse: the embeddings' spread fell to %.3g — they are shrinking to a point. Lower the learning rate or change the loss.", s.EmbeddingStd))
		v.warning.Show()
	} else if s.Err == "" {
		v.warning.Hide()
	}
	ds := v.env.Workspace.Data()
	title := fmt.Sprintf("%s net, %s loss — %s", cfg.Arch, cfg.Loss, ds.Name)
	if len(s.BatchLoss) > 0 {
		l.batchLoss.SetPlot(figures.BatchLoss("Training loss per batch: "+title, s.BatchLoss, s.SmoothLoss, s.LossStride, s.BatchesPerEpoch))
	}
	if len(s.EpochStats) != l.lastStats && len(s.EpochStats) > 0 {
		l.lastStats = len(s.EpochStats)
		pts := epochPoints(s.EpochStats)
		l.epochLoss.SetPlot(figures.EpochLoss("Loss per epoch", pts))
		l.epochAcc.SetPlot(figures.EpochAccuracy("Accuracy per epoch", pts))
	}
	v.showDrift(len(s.EpochStats))
	if n := len(s.Projections); n != l.shownProjections && n > 0 {
		l.shownProjections = n
		l.replay.Max = float64(max(n-1, 1))
		if l.followLatest {
			l.replay.Value = float64(n - 1)
			v.showProjection(s, n-1)
		}
		l.replay.Refresh()
	}
	v.showReconstructions(s.Reconstructions)
}

// driftMessage stands in for the drift curve until it has a point.
const driftMessage = "Drift: how many of each validation sample item's 10 nearest neighbours stay the same from one epoch to the next (1: settled). From the second epoch on."

// showDrift draws the training drift when it has new points.
func (v *embeddingView) showDrift(epochs int) {
	l := &v.live
	if v.training == nil {
		return
	}
	d := v.training.Drift()
	if len(d) == l.shownDrift || len(d) == 0 {
		return
	}
	l.shownDrift = len(d)
	ep, vals := make([]int, len(d)), make([]float64, len(d))
	for i, p := range d {
		ep[i], vals[i] = p.Epoch, p.Agreement
	}
	if n := len(d); ep[n-1] < epochs {
		ep = append(ep, epochs) // the axis runs to the last epoch
		vals = append(vals, math.NaN())
	}
	l.drift.SetPlot(figures.DriftCurve(fmt.Sprintf("Drift (%d items)", len(v.snapshot().SampleIndex)), ep, vals))
}

func epochPoints(stats []embed.EpochStat) []figures.EpochPoint {
	pts := make([]figures.EpochPoint, len(stats))
	for i, e := range stats {
		pts[i] = figures.EpochPoint{Epoch: e.Epoch, TrainLoss: e.TrainLoss, EvalLoss: e.EvalLoss, TrainAcc: e.TrainAcc, EvalAcc: e.EvalAcc, KNN: e.KNN}
	}
	return pts
}

// showProjection shows projection i of the snapshot in the live scatter.
func (v *embeddingView) showProjection(s embed.Snapshot, i int) {
	if i < 0 || i >= len(s.Projections) {
		return
	}
	p := s.Projections[i]
	ds := v.env.Workspace.Data()
	when := fmt.Sprintf("after epoch %d", p.Epoch)
	if p.Batch > 0 {
		when = fmt.Sprintf("epoch %d, batch %d", p.Epoch+1, p.Batch)
	}
	v.live.replayInfo.SetText(fmt.Sprintf("Projection %d of %d (%s): %d validation items, PCA of their embeddings aligned to the previous frame.", i+1, len(s.Projections), when, len(p.X)))
	eval := v.evalSplit()
	var pos []int
	if v.gen == v.env.Workspace.Generation() {
		all := workspace.NewItems(v.env.Workspace.Splits())
		for _, r := range s.SampleIndex {
			pos = append(pos, all.PositionOf(workspace.Item{Split: eval, Pos: r}))
		}
		if len(pos) != len(p.X) || slices.Contains(pos, -1) {
			pos = nil
		}
	}
	err := v.live.liveScatter.SetData(ScatterData{X: p.X, Y: p.Y, Labels: s.SampleLabels, Classes: ds.Classes, Items: pos,
		Title: "Live embedding, " + when, XLabel: "embedding PC 1", YLabel: "embedding PC 2"})
	if err != nil {
		return
	}
	idx := s.SampleIndex
	v.live.liveScatter.Caption = func(k int) string {
		return fmt.Sprintf("#%d (%s) · %s", eval.Index[idx[k]], eval.Name, ds.Classes[s.SampleLabels[k]])
	}
	v.live.liveScatter.Thumbnail = nil
	if ds.IsImage() {
		v.live.liveScatter.Thumbnail = func(k int) image.Image { return ds.Image(eval.Part, eval.Index[idx[k]]) }
	}
}

// evalSplit is the split the trainer evaluates on (see trainingData).
func (v *embeddingView) evalSplit() dataset.Split {
	sp := v.env.Workspace.Splits()
	if sp.Val.Len() > 0 {
		return sp.Val
	}
	return sp.Test
}

// finish publishes the run shown (through the service: every split
// embedded, kNN(5) measured beside PCA(32)+kNN(5), the space kept under the
// run's ID) and draws the seed's figures of the embedding.
func (v *embeddingView) finish() {
	t := v.training
	if t == nil {
		return
	}
	ws := v.env.Workspace
	var res *service.TrainResult
	v.evalBtn.Disable()
	v.env.Jobs.Start("Publish "+t.Record().Name, func(ctx context.Context, tr *progress.Tracker) error {
		var err error
		res, err = t.Publish(ctx, service.PublishOptions{Baseline: true}, tr)
		return err
	}, func(err error) {
		v.setButtons()
		if err != nil || v.training != t {
			return
		}
		v.result = &embeddingResult{runID: res.Run.ID, space: res.Space, accuracy: res.KNN5Eval, baseline: res.Baseline, split: res.EvalSplit,
			reconMSE: res.ReconMSE, meanMSE: res.MeanMSE}
		name := res.Run.Name
		if t.Trainer.Config().Arch.Autoencoder() {
			v.final.SetText(fmt.Sprintf("Code + kNN(5) on the %s split: %.4f — PCA(32) + kNN(5): %.4f. Reconstruction MSE %.4f (the mean image: %.4f). The code is now the space %q in every panel, with its decoder.",
				res.EvalSplit, res.KNN5Eval, res.Baseline, res.ReconMSE, res.MeanMSE, name))
		} else {
			v.final.SetText(fmt.Sprintf("Embedding + kNN(5) on the %s split: %.4f — PCA(32) + kNN(5): %.4f. It is now the space %q in every panel.", res.EvalSplit, res.KNN5Eval, res.Baseline, name))
		}
		ws.SetSetting(finalSetting, v.final.Text)
		v.setButtons()
		v.showEmbedding()
	})
}

// showEmbedding draws the embedding of every item: the scatter, density
// and hexbin of its first two principal components.
func (v *embeddingView) showEmbedding() {
	res := v.result
	ws := v.env.Workspace
	ds := ws.Data()
	go func() {
		proj, _, err := projectSpace(context.Background(), v.env.Service, res.space, blas32.General{Cols: res.space.Dim(), Stride: res.space.Dim()})
		if err != nil {
			return
		}
		what := "Learned embedding " + res.space.Name
		if res.space.Kind == runs.KindAutoencoder {
			what = "Autoencoder code (" + res.space.Name + ")"
		}
		proj.Title = fmt.Sprintf("%s of %s (kNN(5) %.4f on %s)", what, ds.Name, res.accuracy, res.split)
		if math.IsNaN(res.accuracy) {
			proj.Title = fmt.Sprintf("%s of %s", what, ds.Name)
		}
		uiDo(func() {
			if v.result != res {
				return
			}
			items := workspace.NewItems(ws.Splits())
			l := &v.live
			if err := l.embScatter.SetData(ScatterData{X: proj.X, Y: proj.Y, Labels: proj.Labels, Classes: proj.Classes, Title: proj.Title, XLabel: proj.XLabel, YLabel: proj.YLabel, Items: allItems(len(proj.X))}); err == nil {
				l.embScatter.Caption = func(i int) string { return itemCaption(ds, items.At(i)) }
				if ds.IsImage() {
					l.embScatter.Thumbnail = func(i int) image.Image {
						it := items.At(i)
						return ds.Image(it.Split.Part, it.Row())
					}
				}
			}
			p := *proj
			p.Title = what + " of " + ds.Name
			l.density.SetPlot(figures.Density(p, DefaultDensityBins, DefaultDensityEvery))
			l.hexbin.SetPlot(figures.Hexbin(p, DefaultHexGrid, DefaultHexMin))
		})
	}()
}

// exportCSV writes the per-epoch statistics and the batch losses as CSV.
func (v *embeddingView) exportCSV() {
	if v.trainer == nil {
		return
	}
	s := v.trainer.Snapshot()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"kind", "index", "train_loss", "eval_loss", "train_acc", "eval_acc", "knn5", "seconds", "items_per_second"})
	f := func(x float64) string {
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', 8, 64)
	}
	for _, e := range s.EpochStats {
		w.Write([]string{"epoch", strconv.Itoa(e.Epoch), f(e.TrainLoss), f(e.EvalLoss), f(e.TrainAcc), f(e.EvalAcc), f(e.KNN), f(e.Seconds), f(e.ItemsPerSecond)})
	}
	for i, x := range s.BatchLoss {
		w.Write([]string{"batch", strconv.Itoa((i + 1) * max(s.LossStride, 1)), f(float64(x)), "", "", "", "", "", ""})
	}
	w.Flush()
	v.env.saveBytesAs(fmt.Sprintf("training-%s.csv", time.Now().Format("20060102-150405")), b.Bytes(), "the training history")
}
