package views

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/plot"

	"embedscope/app/workspace"
	"embedscope/ml/dataset"
	"embedscope/ml/embed"
	"embedscope/views/figures"
)

// The autoencoders of the Clusters issue train in the embedding panel's
// training-progress view: the same controls, curves and live projection,
// plus live reconstructions next to their originals. The finished code is
// published as a feature space with the decoder as its Inverse, so the
// Clusters and Prototypes panels draw its centroids as images.

// Labels of the autoencoder choices, in the panel's Architecture and Loss
// lists.
var (
	aeArchLabels = map[string]embed.Arch{
		"dense autoencoder (seed 004)":      embed.DenseAE,
		"conv autoencoder (seed 003)":       embed.ConvAE,
		"modern autoencoder (ReLU, faster)": embed.ModernAE,
	}
	aeArchOrder   = []string{"dense autoencoder (seed 004)", "conv autoencoder (seed 003)", "modern autoencoder (ReLU, faster)"}
	aeLossLabels  = map[string]embed.Loss{"mse (reconstruction)": embed.MSE, "bce (reconstruction)": embed.BCE}
	aeLossOrder   = []string{"mse (reconstruction)", "bce (reconstruction)"}
	embedArchList = append(append([]string(nil), archOrder...), aeArchOrder...)
)

// selectedArch returns the architecture chosen in the panel.
func (v *embeddingView) selectedArch() (embed.Arch, bool) {
	if a, ok := archLabels[v.arch.Selected]; ok {
		return a, true
	}
	a, ok := aeArchLabels[v.arch.Selected]
	return a, ok
}

// selectedLoss returns the loss chosen in the panel.
func (v *embeddingView) selectedLoss() (embed.Loss, bool) {
	if l, ok := lossLabels[v.loss.Selected]; ok {
		return l, true
	}
	l, ok := aeLossLabels[v.loss.Selected]
	return l, ok
}

// archChanged offers the losses that train the chosen network (the
// reconstruction losses for an autoencoder) and its default code size.
func (v *embeddingView) archChanged() {
	if v.loss == nil {
		return
	}
	a, ok := v.selectedArch()
	if !ok {
		return
	}
	opts, def := lossOrder, lossOrder[0]
	if a.Autoencoder() {
		opts, def = aeLossOrder, aeLossOrder[0]
		if a == embed.ConvAE {
			def = aeLossOrder[1] // the Keras blog trains it with binary cross-entropy
		}
	}
	sameKind := indexOf(opts, v.loss.Selected) >= 0
	v.loss.Options = opts
	if !sameKind {
		v.loss.SetSelected(def) // also applies the defaults
	} else {
		v.loss.Refresh()
		v.applyDefaults()
	}
	dim := "32"
	if a == embed.ConvAE {
		dim = strconv.Itoa(embed.ConvCode(v.shape()))
	}
	v.dim.SetText(dim)
	if a.Autoencoder() {
		v.reconView.SetMessage("Reconstructions of eight evaluation images appear here after the first epoch, and are redrawn as training goes on.")
	} else {
		v.reconView.SetMessage("Choose an autoencoder to see its reconstructions here.")
	}
}

// shape is the shape of the workspace's items (28×28×1 before data loads).
func (v *embeddingView) shape() embed.Shape {
	ds := v.env.Workspace.Data()
	if ds == nil {
		return embed.Shape{Height: 28, Width: 28, Channels: 1}
	}
	if ds.IsImage() {
		return embed.Shape{Height: ds.Height, Width: ds.Width, Channels: 1}
	}
	return embed.Shape{Height: 1, Width: ds.Dim, Channels: 1}
}

// presetAutoencoder selects the seed-004 dense autoencoder; the Clusters
// panel's "Train an autoencoder…" calls it before switching here.
func (v *embeddingView) presetAutoencoder() {
	if a, ok := v.selectedArch(); ok && a.Autoencoder() {
		return
	}
	v.arch.SetSelected(aeArchOrder[0])
	v.dim.SetText("3")
	v.tabs.SelectIndex(v.reconTabIndex)
}

// showReconstructions draws the snapshot's reconstructions (once per new
// sample) as two rows of images: the originals and the outputs.
func (v *embeddingView) showReconstructions(r *embed.Reconstructions) {
	if r == nil || r == v.shownRecon {
		return
	}
	ds := v.env.Workspace.Data()
	if ds == nil || !ds.IsImage() {
		v.reconView.SetMessage("The data holds no images; the reconstruction loss curves are in Training progress.")
		return
	}
	train, _, _, err := v.env.Workspace.Features(context.Background())
	if err != nil {
		return
	}
	v.shownRecon = r
	v.reconView.SetPlot(aeReconstructionFigure(ds, train.Scaler, r, v.evalSplit().Name))
	v.reconView.ExportWidth, v.reconView.ExportHeight = figures.GridSize(2, len(r.Index), 8)
}

// aeReconstructionFigure lays out originals over their reconstructions.
func aeReconstructionFigure(ds *dataset.Dataset, sc *dataset.Scaler, r *embed.Reconstructions, split string) *plot.Plot {
	f := ds.Dim
	var orig, out []figures.Tile
	for i := range r.Index {
		if (i+1)*f > len(r.Orig) || (i+1)*f > len(r.Output) {
			break
		}
		name := ""
		if l := r.Labels[i]; l >= 0 && l < len(ds.Classes) {
			name = ds.Classes[l]
		}
		orig = append(orig, figures.Tile{Image: workspace.FeatureImage(ds, sc, r.Orig[i*f:(i+1)*f]), Caption: name})
		out = append(out, figures.Tile{Image: workspace.FeatureImage(ds, sc, r.Output[i*f:(i+1)*f])})
	}
	when := fmt.Sprintf("after epoch %d", r.Epoch)
	if r.Batch > 0 {
		when = fmt.Sprintf("epoch %d, batch %d", r.Epoch+1, r.Batch)
	}
	return figures.ImageGrid(fmt.Sprintf("Images of the %s split and their reconstructions, %s", split, when), [][]figures.Tile{orig, out}, []string{"original", "output"})
}

// codeSpaceName names the published code of an autoencoder.
func codeSpaceName(c embed.Config) string { return fmt.Sprintf("%s code d=%d", c.Arch, c.Dim) }

// publishedSpace returns the empty space the trained network's outputs go
// into: "embedding", or for an autoencoder its code with its decoder as
// Inverse. The space keeps a frozen copy of the network as its Model
// (training on does not change it; saved sessions store it).
func publishedSpace(t *embed.Trainer) (*workspace.Space, error) {
	cfg := t.Config()
	frozen, err := t.Clone()
	if err != nil {
		return nil, err
	}
	m := workspace.NewTrainerModel(frozen)
	name := "embedding"
	if cfg.Arch.Autoencoder() {
		name = codeSpaceName(cfg)
	}
	return &workspace.Space{Name: name, Model: m, Inverse: m.InverseFunc()}, nil
}

// reconstructionError returns the mean squared reconstruction error of X
// (scaled features) through an autoencoder, and that of the mean row of
// train, the baseline every autoencoder must beat.
func reconstructionError(ctx context.Context, t *embed.Trainer, X, train blas32.General) (mse, meanMSE float64, err error) {
	if _, _, mse, err = t.Reconstruct(ctx, X); err != nil {
		return 0, 0, err
	}
	mean := make([]float64, train.Cols)
	for r := range train.Rows {
		for j, x := range train.Data[r*train.Stride : r*train.Stride+train.Cols] {
			mean[j] += float64(x)
		}
	}
	for j := range mean {
		mean[j] /= float64(max(train.Rows, 1))
	}
	var s float64
	for r := range X.Rows {
		for j, x := range X.Data[r*X.Stride : r*X.Stride+X.Cols] {
			d := float64(x) - mean[j]
			s += d * d
		}
	}
	return mse, s / float64(max(1, X.Rows*X.Cols)), nil
}

// restoreFromWorkspace shows a network that a restored session brought
// back (a space whose Model is a trained network) when the panel has none:
// its curves, live projections, reconstructions and scatter, ready to be
// trained on.
func (v *embeddingView) restoreFromWorkspace() {
	ws := v.env.Workspace
	if v.trainer != nil || v.job != nil || ws.Data() == nil {
		return
	}
	var sp *workspace.Space
	var model *workspace.TrainerModel
	for _, name := range ws.SpaceNames() {
		s := ws.Space(name)
		if m, ok := s.Model.(*workspace.TrainerModel); ok && (sp == nil || name == "embedding") {
			sp, model = s, m
		}
	}
	if sp == nil {
		return
	}
	t, err := model.Clone()
	if err != nil {
		return
	}
	d, err := trainingData(context.Background(), ws)
	if err != nil || d.Shape().Features() != t.Shape().Features() {
		return
	}
	v.trainer, v.data, v.gen = t, d, ws.Generation()
	v.result = &embeddingResult{space: sp, accuracy: math.NaN(), baseline: math.NaN()}
	v.resetLive()
	v.refresh()
	v.final.SetText(ws.Setting(finalSetting))
	if v.final.Text == "" {
		v.final.SetText(fmt.Sprintf("Restored from the session: the %s space.", sp.Name))
	}
	v.setButtons()
	v.showEmbedding()
}

// finalSetting keeps the panel's verdict on the published network in the
// workspace, so a saved session shows it again.
const finalSetting = "embedding.final"
