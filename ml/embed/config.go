package embed

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas32"
)

// Arch names an embedding network.
type Arch string

const (
	// Seed is the seed notebook's convolutional network
	// (nn.SeedEmbeddingNet): 1,278,816 parameters at Dim 32, ≈ 18.5 M
	// multiply-adds per 28×28 image. Greyscale or RGB images of at least
	// 20×20 (RGB adds 576 parameters to the first convolution).
	Seed Arch = "seed"
	// Small is a small convolutional network (nn.SmallConvEmbeddingNet),
	// 15× cheaper than Seed. Greyscale or RGB images of at least 4×4.
	Small Arch = "small"
	// MLP is the perceptron inputs-256-128-Dim (nn.MLPEmbeddingNet); it
	// takes any input width, so numeric tables work too.
	MLP Arch = "mlp"

	// DenseAE is the dense autoencoder of seed notebook 004: the encoder
	// inputs → 784 → 64 → 32 → Dim and the decoder Dim → 32 → 64 →
	// inputs, every layer followed by a sigmoid (the code too). Any input
	// width. 722,944 parameters at Dim 32 on 784 inputs.
	DenseAE Arch = "dense-ae"
	// ConvAE is the convolutional autoencoder of seed notebook 003 (the
	// Keras blog's): Conv 16 → pool → Conv 8 → pool → Conv 8 → pool, 3×3
	// kernels, ReLU, 2×2 max-pooling with 'same' padding (28 → 14 → 7 →
	// 4), so the code is the 4×4×8 = 128 values of the last pool for
	// 28×28 images (ConvCode); the decoder mirrors it: Conv 8 → up → Conv
	// 8 → up → Conv 16 → up → Conv C (the input's channels) and a sigmoid,
	// 4,385 parameters in all for greyscale. Keras shrinks 16×16 to 14×14 with a 'valid' Conv 16; here each
	// up-sampling is cropped to the side the encoder had at that depth
	// (8×8 → 7×7), the same layers for any image size. When Dim is not
	// ConvCode, a linear Dense(ConvCode, Dim) ends the encoder and
	// Dense(Dim, ConvCode) → ReLU starts the decoder. Greyscale or RGB
	// images of at least 4×4.
	ConvAE Arch = "conv-ae"
	// ModernAE is a dense autoencoder in today's style: inputs → 512 →
	// 256 → Dim with ReLU and a linear code, the decoder Dim → 256 → 512 →
	// inputs with ReLU and a sigmoid output, no batch normalisation,
	// trained with Adam on a one-cycle learning rate. Any input width.
	ModernAE Arch = "modern-ae"
)

// Autoencoder reports whether the architecture is an autoencoder
// (DenseAE, ConvAE, ModernAE), trained with MSE or BCE to reconstruct its
// input; its embedding is the code.
func (a Arch) Autoencoder() bool { return a == DenseAE || a == ConvAE || a == ModernAE }

// Loss names a training scheme.
type Loss string

const (
	// Siamese is the seed's scheme: every epoch pairs the training items
	// of two random permutations, position by position, into batches of
	// Batch pairs; both sides go through the network as one batch, and
	// |e1 − e2| → Dense(1) is trained with sigmoid binary cross-entropy
	// against "same class". An epoch is 2·n image passes.
	Siamese Loss = "siamese"
	// Contrastive uses the pairs of Siamese with the margin contrastive
	// loss on the embeddings (nn.Contrastive); a pair counts as predicted
	// "same" when its distance is below Margin/2.
	Contrastive Loss = "contrastive"
	// Softmax is in-batch: batches of Batch images of a random
	// permutation, a ReLU and Dense(Classes) head on the embedding, and
	// softmax cross-entropy. An epoch is n image passes.
	Softmax Loss = "softmax"
	// AllPairs is in-batch: the margin contrastive loss over all pairs of
	// each batch of Batch images (nn.ContrastiveAllPairs).
	AllPairs Loss = "allpairs"

	// MSE trains an autoencoder on the mean squared error between its
	// output and its input, over all values of a batch of Batch items.
	// The output is a sigmoid when the data lie in [0, 1] (pixels scaled
	// /255), and linear otherwise (e.g. standardised data).
	MSE Loss = "mse"
	// BCE trains an autoencoder on the binary cross-entropy between its
	// sigmoid output and its input, over all values: nn.BCEWithLogits on
	// the output's logits, with the scaled features as targets, which
	// must lie in [0, 1] (New refuses other data).
	BCE Loss = "bce"
)

// Archs and Losses list the known names, in the order the CLI shows them.
var (
	Archs  = []Arch{Seed, Small, MLP, DenseAE, ConvAE, ModernAE}
	Losses = []Loss{Siamese, Contrastive, Softmax, AllPairs, MSE, BCE}
)

// Reconstruction reports whether the loss trains autoencoders (MSE, BCE).
func (l Loss) Reconstruction() bool { return l == MSE || l == BCE }

// Pairwise reports whether the scheme trains on pairs (Siamese,
// Contrastive) rather than on batches of images.
func (l Loss) Pairwise() bool { return l == Siamese || l == Contrastive }

// Config is what a Trainer trains. It is saved in checkpoints.
type Config struct {
	Arch     Arch    `json:"arch"`
	Dim      int     `json:"dim"`    // embedding size, ≥ 1
	Epochs   int     `json:"epochs"` // ≥ 1
	Batch    int     `json:"batch"`  // pairs (Siamese, Contrastive) or images (Softmax, AllPairs) per step
	LR       float64 `json:"lr"`     // Adam's learning rate; with OneCycle its maximum
	OneCycle bool    `json:"one_cycle"`
	Loss     Loss    `json:"loss"`
	Margin   float64 `json:"margin"` // of Contrastive and AllPairs, > 0
	Seed     uint64  `json:"seed"`   // weights, noise, data order, evaluation pairs and samples

	// ProjectionSample is how many evaluation items are projected to 2-D
	// after every epoch (0: none). The same items every time.
	ProjectionSample int `json:"projection_sample"`
	// ProjectEvery also projects the sample every ProjectEvery batches
	// (0: after each epoch only). Each projection embeds the sample.
	ProjectEvery int `json:"project_every"`
	// KNNEval, if > 0, measures after each epoch the kNN(5) accuracy of
	// KNNEval evaluation items (a fixed random subset; all of them when
	// KNNEval exceeds the evaluation split) against the embeddings of all
	// training items. It costs one inference pass over the training set.
	KNNEval int `json:"knn_eval"`
	// CheckpointPath, if set, receives a checkpoint (see Save) after every
	// epoch, written atomically.
	CheckpointPath string `json:"-"`
}

// DefaultConfig returns the recommended configuration for an architecture
// and a scheme: Dim 32, Margin 1, ProjectionSample 2000, and for the
// in-batch schemes (Softmax, AllPairs) batches of 256 images and 8 epochs
// of Adam with a one-cycle learning rate peaking at 3e-3; for the pair
// schemes (Siamese, Contrastive) batches of 300 pairs and 10 epochs of
// Adam at a constant 1e-3, as the seed notebook. Autoencoders get batches
// of 256 items and Adam: DenseAE 20 epochs at a constant 1e-3, ConvAE
// Dim 128 (the 4×4×8 code of 28×28 images) and 10 epochs at a constant
// 2e-3, ModernAE 10 epochs of a one-cycle rate peaking at 3e-3.
func DefaultConfig(arch Arch, loss Loss) Config {
	c := Config{Arch: arch, Dim: 32, Loss: loss, Margin: 1, Seed: 1, ProjectionSample: 2000}
	switch {
	case arch == DenseAE:
		c.Epochs, c.Batch, c.LR = 20, 256, 1e-3
	case arch == ConvAE:
		c.Dim, c.Epochs, c.Batch, c.LR = 128, 10, 256, 2e-3
	case arch == ModernAE:
		c.Epochs, c.Batch, c.LR, c.OneCycle = 10, 256, 3e-3, true
	case loss.Pairwise():
		c.Epochs, c.Batch, c.LR = 10, 300, 1e-3
	default:
		c.Epochs, c.Batch, c.LR, c.OneCycle = 8, 256, 3e-3, true
	}
	return c
}

// Shape is the input a model is built for.
type Shape struct {
	Height   int `json:"height"`
	Width    int `json:"width"`
	Channels int `json:"channels"`
	Classes  int `json:"classes"`
}

// Features returns the number of values per item, Height·Width·Channels.
func (s Shape) Features() int { return s.Height * s.Width * s.Channels }

// IsTable reports whether the shape describes rows of a numeric table
// (Height 1 and Channels 1) rather than images.
func (s Shape) IsTable() bool { return s.Height == 1 && s.Channels == 1 }

// String describes the input: "28×28×1 images" or "rows of 4 features".
func (s Shape) String() string {
	if s.IsTable() {
		return fmt.Sprintf("rows of %d features", s.Width)
	}
	return fmt.Sprintf("%d×%d×%d images", s.Height, s.Width, s.Channels)
}

// Data is what a Trainer learns from and evaluates on. Rows are scaled
// items: images flattened NHWC (Height·Width·Channels values), or table
// rows with Height 1, Width the number of features and Channels 1. Labels
// are in [0, Classes). Eval (validation or test items) may be empty; then
// the evaluation statistics are NaN and nothing is projected.
type Data struct {
	Train, Eval             blas32.General
	TrainLabels, EvalLabels []int
	Height, Width, Channels int
	Classes                 int
}

// Shape returns the data's input shape.
func (d Data) Shape() Shape {
	return Shape{Height: d.Height, Width: d.Width, Channels: d.Channels, Classes: d.Classes}
}

// Errors returned by New, Run, Embed, Save, Load and LoadFor; test with
// errors.Is.
var (
	ErrConfig   = errors.New("embed: invalid configuration")
	ErrData     = errors.New("embed: unusable data")
	ErrShape    = errors.New("embed: the model was built for other inputs")
	ErrRunning  = errors.New("embed: the trainer is running")
	ErrDiverged = errors.New("embed: training diverged")
	ErrNotModel = errors.New("embed: not an EmbedScope embedding checkpoint")
	// ErrNotAutoencoder is returned by Decode and Reconstruct on a model
	// that is not an autoencoder.
	ErrNotAutoencoder = errors.New("embed: the model is not an autoencoder")
	ErrVersion        = errors.New("embed: checkpoint written by a newer EmbedScope")
	ErrCorrupt        = errors.New("embed: checkpoint is truncated or corrupt")
	errNoTraining     = errors.New("embed: no training items")
)

// validate checks the configuration against the data shape and training
// size.
func (c Config) validate(s Shape, trainRows int) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
	}
	if err := s.check(); err != nil {
		return err
	}
	switch c.Loss {
	case Siamese, Contrastive, Softmax, AllPairs, MSE, BCE:
	default:
		return bad("unknown loss %q (use siamese, contrastive, softmax or allpairs; mse or bce for autoencoders)", c.Loss)
	}
	switch {
	case c.Arch.Autoencoder() && !c.Loss.Reconstruction():
		return bad("%s is an autoencoder: train it with the mse or bce loss, not %s", c.Arch, c.Loss)
	case !c.Arch.Autoencoder() && c.Loss.Reconstruction():
		return bad("the %s loss trains autoencoders (dense-ae, conv-ae, modern-ae), not the %s network", c.Loss, c.Arch)
	}
	switch c.Arch {
	case ConvAE:
		if s.IsTable() || s.Height == 1 || !imageChannels(s.Channels) {
			return bad("the conv-ae autoencoder takes greyscale images or RGB ones, the data are %s: use dense-ae or modern-ae", s)
		}
		if s.Height < 4 || s.Width < 4 {
			return bad("the conv-ae autoencoder needs images of at least 4×4, the data are %s", s)
		}
	case DenseAE, ModernAE:
	case Seed, Small:
		if s.IsTable() || s.Height == 1 {
			return bad("the %s network is convolutional and the data are %s, not images: use the mlp architecture", c.Arch, s)
		}
		if !imageChannels(s.Channels) {
			return bad("the %s network takes greyscale (1 channel) or RGB (3 channel) images, the data are %s: use the mlp architecture", c.Arch, s)
		}
		if minSide := map[Arch]int{Seed: 20, Small: 4}[c.Arch]; s.Height < minSide || s.Width < minSide {
			return bad("the %s network needs images of at least %d×%d, the data are %s: use small or mlp", c.Arch, minSide, minSide, s)
		}
	case MLP:
	default:
		return bad("unknown architecture %q (use seed, small or mlp; dense-ae, conv-ae or modern-ae for autoencoders)", c.Arch)
	}
	switch {
	case c.Dim < 1:
		return bad("embedding dimension %d must be at least 1", c.Dim)
	case c.Epochs < 1:
		return bad("%d epochs: need at least 1", c.Epochs)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return bad("learning rate %v must be a positive number", c.LR)
	case c.Batch < 1 || (c.Loss == AllPairs && c.Batch < 2):
		return bad("batch %d is too small", c.Batch)
	case c.Batch > trainRows:
		unit := "images"
		if c.Loss.Pairwise() {
			unit = "pairs"
		}
		return bad("batch of %d %s is larger than the %d training items", c.Batch, unit, trainRows)
	case (c.Loss == Contrastive || c.Loss == AllPairs) && (!(c.Margin > 0) || math.IsInf(c.Margin, 0)):
		return bad("margin %v must be a positive number", c.Margin)
	case c.ProjectionSample < 0 || c.ProjectEvery < 0 || c.KNNEval < 0:
		return bad("ProjectionSample, ProjectEvery and KNNEval must be ≥ 0")
	case s.Classes < 2:
		return bad("%d classes: need at least 2", s.Classes)
	}
	return c.checkLimits(s)
}

// imageChannels reports whether the convolutional networks take images of
// c channels: greyscale (1) or RGB (3), as the data sets hold.
func imageChannels(c int) bool { return c == 1 || c == 3 }

// check validates the data against a shape (the data's own for New).
func (d Data) check(s Shape) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrData, fmt.Sprintf(format, args...))
	}
	if d.Height < 1 || d.Width < 1 || d.Channels < 1 {
		return bad("shape %d×%d×%d", d.Height, d.Width, d.Channels)
	}
	if ds := d.Shape(); ds.Height != s.Height || ds.Width != s.Width || ds.Channels != s.Channels {
		return fmt.Errorf("%w: model expects %s, data has %s", ErrShape, s, ds)
	}
	if d.Classes > s.Classes {
		return fmt.Errorf("%w: model has %d classes, data has %d", ErrShape, s.Classes, d.Classes)
	}
	if d.Train.Rows == 0 {
		return errNoTraining
	}
	for _, p := range []struct {
		name   string
		x      blas32.General
		labels []int
	}{{"training", d.Train, d.TrainLabels}, {"evaluation", d.Eval, d.EvalLabels}} {
		if p.x.Rows == 0 && len(p.labels) == 0 {
			continue
		}
		if p.x.Cols != s.Features() {
			return bad("%s rows have %d values, %s have %d", p.name, p.x.Cols, s, s.Features())
		}
		if p.x.Stride < p.x.Cols || len(p.x.Data) < (p.x.Rows-1)*p.x.Stride+p.x.Cols {
			return bad("%s matrix %d×%d (stride %d) holds %d values", p.name, p.x.Rows, p.x.Cols, p.x.Stride, len(p.x.Data))
		}
		if len(p.labels) != p.x.Rows {
			return bad("%d %s labels for %d rows", len(p.labels), p.name, p.x.Rows)
		}
		for i, l := range p.labels {
			if l < 0 || l >= s.Classes {
				return bad("%s label %d of row %d is outside [0, %d)", p.name, l, i, s.Classes)
			}
		}
	}
	return nil
}
