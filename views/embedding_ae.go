package views

import (
	"context"
	"fmt"
	"strconv"

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
		return embed.Shape{Height: ds.Height, Width: ds.Width, Channels: ds.NumChannels()}
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

// restoreFromWorkspace shows the training run a restored session names
// (its curves, live projections, reconstructions and scatter, ready to be
// trained on) when the panel shows none.
func (v *embeddingView) restoreFromWorkspace() {
	ws := v.env.Workspace
	if v.training != nil || v.job != nil || ws.Data() == nil || v.restoring {
		return
	}
	v.restoring = true // showRun records the run, which tells the listeners again
	defer func() { v.restoring = false }()
	id := ws.Setting(runSetting)
	if id == "" || ws.Space(id) == nil {
		return
	}
	if err := v.showRun(id); err != nil {
		return
	}
	v.final.SetText(ws.Setting(finalSetting))
}

// finalSetting keeps the panel's verdict on the published network in the
// workspace, so a saved session shows it again.
const finalSetting = "embedding.final"
