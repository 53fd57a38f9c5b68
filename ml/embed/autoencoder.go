package embed

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/nn"
)

// ReconstructionSample is the number of evaluation items whose
// reconstructions an autoencoder's Snapshot shows.
const ReconstructionSample = 8

// Reconstructions are an autoencoder's outputs for a fixed sample of
// evaluation items at one point of training, in the scaled space of the
// data: Original and Output hold len(Index) rows of Shape.Features()
// values each (images flattened NHWC), row i for evaluation row Index[i]
// of class Labels[i].
type Reconstructions struct {
	Epoch  int       `json:"epoch"` // completed epochs when they were made
	Batch  int       `json:"batch"` // batches done in the next epoch (0 after an epoch)
	Index  []int     `json:"index"`
	Labels []int     `json:"labels"`
	Orig   []float32 `json:"original"`
	Output []float32 `json:"output"`
}

// ConvCode returns the size of the code of the ConvAE encoder without its
// optional Dense layer for images of shape s: ⌈H/8⌉·⌈W/8⌉·8, 128 for
// 28×28 images.
func ConvCode(s Shape) int { return halve(halve(halve(s.Height))) * halve(halve(halve(s.Width))) * 8 }

// halve is the side after one 'same' 2×2 pooling, ⌈n/2⌉.
func halve(n int) int { return (n + 1) / 2 }

// newAutoencoder returns the encoder and the decoder of an autoencoder
// architecture for inputs of shape s with a code of dim values, their
// weights drawn from seed and seed+1. The decoder ends with the logits of
// the output; the model applies the sigmoid (see model.output).
func newAutoencoder(arch Arch, s Shape, dim int, seed uint64) (enc, dec *nn.Sequential) {
	f := s.Features()
	er, dr := nn.NewRNG(seed), nn.NewRNG(seed+1)
	switch arch {
	case DenseAE:
		enc = nn.NewSequential(nn.NewFlatten(),
			nn.NewDense(f, 784, er), nn.NewSigmoid(),
			nn.NewDense(784, 64, er), nn.NewSigmoid(),
			nn.NewDense(64, 32, er), nn.NewSigmoid(),
			nn.NewDense(32, dim, er), nn.NewSigmoid())
		dec = nn.NewSequential(
			nn.NewDense(dim, 32, dr), nn.NewSigmoid(),
			nn.NewDense(32, 64, dr), nn.NewSigmoid(),
			nn.NewDense(64, f, dr))
	case ModernAE:
		enc = nn.NewSequential(nn.NewFlatten(),
			nn.NewDense(f, 512, er), nn.NewReLU(),
			nn.NewDense(512, 256, er), nn.NewReLU(),
			nn.NewDense(256, dim, er))
		dec = nn.NewSequential(
			nn.NewDense(dim, 256, dr), nn.NewReLU(),
			nn.NewDense(256, 512, dr), nn.NewReLU(),
			nn.NewDense(512, f, dr))
	case ConvAE:
		enc, dec = convAutoencoder(s, dim, er, dr)
	default:
		panic(fmt.Sprintf("embed: %s is not an autoencoder", arch))
	}
	return enc, dec
}

// convAutoencoder builds ConvAE for images of shape s, of s.Channels
// channels, which its first convolution takes and its last outputs. Keras'
// decoder for 28×28 images is Conv 8 → up (8×8) → Conv 8 → up (16×16) →
// Conv 16 'valid' (14×14) → up (28×28) → Conv 1; this one crops after
// each up-sampling to the side the encoder had at that depth instead
// (Conv 8 → up → crop to 7×7 → Conv 8 → up (14×14) → Conv 16 → up (28×28)
// → Conv 1): the same layers and parameters, for any image size. Each
// pooling comes before its ReLU, which gives the same outputs and
// gradients at less work (see nn.SeedEmbeddingNet).
func convAutoencoder(s Shape, dim int, er, dr *rand.Rand) (enc, dec *nn.Sequential) {
	h1, w1 := halve(s.Height), halve(s.Width)
	h2, w2 := halve(h1), halve(w1)
	h3, w3 := halve(h2), halve(w2)
	code := h3 * w3 * 8
	enc = nn.NewSequential(
		nn.NewConv2D(s.Channels, 16, 3, 3, nn.Same, er), newSamePool(), nn.NewReLU(),
		nn.NewConv2D(16, 8, 3, 3, nn.Same, er), newSamePool(), nn.NewReLU(),
		nn.NewConv2D(8, 8, 3, 3, nn.Same, er), newSamePool(), nn.NewReLU(),
		nn.NewFlatten())
	dec = nn.NewSequential()
	if dim != code {
		enc.Layers = append(enc.Layers, nn.NewDense(code, dim, er))
		dec.Layers = append(dec.Layers, nn.NewDense(dim, code, dr), nn.NewReLU())
	}
	dec.Layers = append(dec.Layers, nn.NewReshape(h3, w3, 8),
		nn.NewConv2D(8, 8, 3, 3, nn.Same, dr), nn.NewReLU(), nn.NewUpSampling2D(2, 2), &crop{H: h2, W: w2},
		nn.NewConv2D(8, 8, 3, 3, nn.Same, dr), nn.NewReLU(), nn.NewUpSampling2D(2, 2), &crop{H: h1, W: w1},
		nn.NewConv2D(8, 16, 3, 3, nn.Same, dr), nn.NewReLU(), nn.NewUpSampling2D(2, 2), &crop{H: s.Height, W: s.Width},
		nn.NewConv2D(16, s.Channels, 3, 3, nn.Same, dr))
	return enc, dec
}

// reconLoss returns the training loss of the decoder's logits z against
// target and, when grad (z's shape) is not nil, the gradient with respect
// to z, which may be grad itself or a buffer of the output layer.
func (m *model) reconLoss(z *nn.Tensor, target []float32, grad *nn.Tensor) (float64, *nn.Tensor) {
	switch {
	case m.loss == BCE:
		return nn.BCEWithLogits(z, target, grad), grad
	case m.linear:
		return nn.MSE(z, target, grad), grad
	}
	l := nn.MSE(m.sig.Forward(z, true), target, grad)
	if grad == nil {
		return l, nil
	}
	return l, m.sig.Backward(grad)
}

// output applies the output activation to the decoder's logits z: the
// sigmoid, or none for a linear output. The result is a layer's buffer.
func (m *model) output(z *nn.Tensor) *nn.Tensor {
	if m.linear {
		return z
	}
	return m.sig.Forward(z, false)
}

// autoencode runs the rows of X through the encoder and the decoder in
// inference mode, in batches. It returns the codes, the outputs when
// keepOut is set, and the mean over all values of the training loss and
// of the squared error.
func (m *model) autoencode(ctx context.Context, X blas32.General, s Shape, keepOut bool) (codes, outs blas32.General, loss, mse float64, err error) {
	f := s.Features()
	codes = newGeneral(X.Rows, m.dim)
	if keepOut {
		outs = newGeneral(X.Rows, f)
	}
	var lsum, msum float64
	err = forBatches(ctx, X, func(lo, hi int, in []float32) {
		c := m.net.Forward(nn.TensorFrom(in, hi-lo, s.Height, s.Width, s.Channels), false)
		copy(codes.Data[lo*m.dim:hi*m.dim], c.Data)
		z := m.head.Forward(c, false)
		y := m.output(z)
		e := nn.MSE(y, in, nil)
		msum += e * float64(hi-lo)
		if m.loss == BCE {
			e = nn.BCEWithLogits(z, in, nil)
		}
		lsum += e * float64(hi-lo)
		if keepOut {
			copy(outs.Data[lo*f:hi*f], y.Data)
		}
	})
	if err != nil {
		return blas32.General{}, blas32.General{}, 0, 0, err
	}
	n := float64(max(1, X.Rows))
	return codes, outs, lsum / n, msum / n, nil
}

// decode returns the outputs of the decoder for the rows of C.
func (m *model) decode(ctx context.Context, C blas32.General, f int) (blas32.General, error) {
	out := newGeneral(C.Rows, f)
	err := forBatches(ctx, C, func(lo, hi int, in []float32) {
		y := m.output(m.head.Forward(nn.TensorFrom(in, hi-lo, m.dim), false))
		copy(out.Data[lo*f:hi*f], y.Data)
	})
	if err != nil {
		return blas32.General{}, err
	}
	return out, nil
}

// Decode returns the n×Shape().Features() outputs of an autoencoder's
// decoder for the n×Dim codes (e.g. k-means centroids of Embed's codes),
// computed in inference mode: items in the scaled space of the training
// data. It returns an error wrapping ErrNotAutoencoder for an embedding
// network, ErrShape for codes without Dim columns and ErrRunning while
// Run is in progress.
func (t *Trainer) Decode(ctx context.Context, codes blas32.General) (blas32.General, error) {
	if !t.runMu.TryLock() {
		return blas32.General{}, ErrRunning
	}
	defer t.runMu.Unlock()
	if err := t.checkAE("Decode"); err != nil {
		return blas32.General{}, err
	}
	if codes.Rows > 0 && codes.Cols != t.cfg.Dim {
		return blas32.General{}, fmt.Errorf("%w: the decoder takes codes of %d values, rows have %d", ErrShape, t.cfg.Dim, codes.Cols)
	}
	return t.m.decode(ctx, codes, t.shape.Features())
}

// Reconstruct returns an autoencoder's reconstructions of the rows of X
// (scaled as the training data), Decode(Embed(X)) in one pass, and the
// mean over all values of the training loss (MSE or BCE) and of the
// squared error. Errors are those of Decode.
func (t *Trainer) Reconstruct(ctx context.Context, X blas32.General) (out blas32.General, loss, mse float64, err error) {
	if !t.runMu.TryLock() {
		return blas32.General{}, 0, 0, ErrRunning
	}
	defer t.runMu.Unlock()
	if err := t.checkAE("Reconstruct"); err != nil {
		return blas32.General{}, 0, 0, err
	}
	if X.Rows > 0 && X.Cols != t.shape.Features() {
		return blas32.General{}, 0, 0, fmt.Errorf("%w: model expects %s (%d values), rows have %d", ErrShape, t.shape, t.shape.Features(), X.Cols)
	}
	_, out, loss, mse, err = t.m.autoencode(ctx, X, t.shape, true)
	return out, loss, mse, err
}

func (t *Trainer) checkAE(method string) error {
	if !t.m.ae {
		return fmt.Errorf("%w: %s needs a decoder, and the %s network trained with %s has none", ErrNotAutoencoder, method, t.cfg.Arch, t.cfg.Loss)
	}
	return nil
}

// reconstructSample returns the reconstructions of the sample
// t.st.ReconIndex of d.Eval (nil when there is none).
func (t *Trainer) reconstructSample(ctx context.Context, d Data) (*Reconstructions, error) {
	idx := t.st.ReconIndex
	if !t.m.ae || len(idx) == 0 {
		return nil, nil
	}
	x := gatherRows(d.Eval, idx)
	_, out, _, _, err := t.m.autoencode(ctx, x, t.shape, true)
	if err != nil {
		return nil, err
	}
	return &Reconstructions{Index: slices.Clone(idx), Labels: gatherInts(d.EvalLabels, idx), Orig: x.Data, Output: out.Data}, nil
}

// unitRange reports whether every value of the training and evaluation
// rows of d lies in [0, 1], and returns their smallest and largest.
func unitRange(d Data) (ok bool, lo, hi float32) {
	lo, hi = float32(math.Inf(1)), float32(math.Inf(-1))
	for _, x := range []blas32.General{d.Train, d.Eval} {
		for r := range x.Rows {
			for _, v := range x.Data[r*x.Stride : r*x.Stride+x.Cols] {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	return lo >= 0 && hi <= 1, lo, hi
}

// checkAEData checks the range of d against an autoencoder's output and
// loss: BCE and a sigmoid output need values in [0, 1]. For a new trainer
// (fresh) it first chooses the output: linear for MSE on other values.
func (t *Trainer) checkAEData(d Data, fresh bool) error {
	if !t.cfg.Arch.Autoencoder() {
		return nil
	}
	ok, lo, hi := unitRange(d)
	if fresh {
		t.st.LinearOutput = !ok && t.cfg.Loss == MSE
		t.m.linear = t.st.LinearOutput
	}
	switch {
	case ok:
		return nil
	case t.cfg.Loss == BCE:
		return fmt.Errorf("%w: the bce loss compares the output with the features as probabilities, so they must lie in [0, 1]; "+
			"these range over [%.3g, %.3g] (standardised?): scale the pixels /255 or use the mse loss", ErrConfig, lo, hi)
	case !t.st.LinearOutput:
		return fmt.Errorf("%w: the autoencoder was made for features in [0, 1] (its output is a sigmoid); "+
			"these range over [%.3g, %.3g]: scale them as the data it was trained on", ErrData, lo, hi)
	}
	return nil
}

func newGeneral(rows, cols int) blas32.General {
	return blas32.General{Rows: rows, Cols: cols, Stride: cols, Data: make([]float32, rows*cols)}
}

// forBatches calls fn on the rows [lo, hi) of X in batches of
// predictBatch, with their values contiguous in in (a view of X.Data when
// it is, else a copy). It checks ctx before each batch.
func forBatches(ctx context.Context, X blas32.General, fn func(lo, hi int, in []float32)) error {
	const predictBatch = 256
	f := X.Cols
	var buf []float32
	for lo := 0; lo < X.Rows; lo += predictBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+predictBatch, X.Rows)
		if X.Stride == f {
			fn(lo, hi, X.Data[lo*f:hi*f])
			continue
		}
		buf = buf[:0]
		for r := lo; r < hi; r++ {
			buf = append(buf, X.Data[r*X.Stride:r*X.Stride+f]...)
		}
		fn(lo, hi, buf)
	}
	return nil
}
