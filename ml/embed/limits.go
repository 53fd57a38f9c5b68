package embed

import (
	"fmt"
	"math"
)

// Limits on a model, checked by New (the training form and the CLI) and
// by every reader of checkpoints (Load, LoadFor, UnmarshalTrainer, Clone)
// before anything is built, so that a file whose header claims an absurd
// model is refused with a message instead of running out of memory.
const (
	// MaxDim bounds the embedding (or code) size: the embeddings of every
	// item are kept, 70,000 × 4096 × 4 bytes = 1.1 GB for Fashion-MNIST.
	MaxDim = 4096
	// MaxSide bounds each side of the input images, as dataset reads them
	// (IDX allows 16,384).
	MaxSide = 1 << 14
	// MaxChannels bounds the channels of the input of any model (the
	// dense networks flatten it); the convolutional networks take 1
	// (greyscale) or 3 (RGB), as the data sets hold.
	MaxChannels = 64
	// MaxFeatures bounds the values of one input item (height × width ×
	// channels): 16.7 M, a 4096 × 4096 image.
	MaxFeatures = 1 << 24
	// MaxClasses bounds the classes of the softmax head (its weights are
	// Dim × Classes).
	MaxClasses = 1 << 16
	// MaxBatch bounds the items (or pairs) of a training step.
	MaxBatch = 1 << 16
	// MaxEpochs bounds the epochs of a run.
	MaxEpochs = 100_000
	// MaxTrainRows bounds the training items a checkpoint may claim, as
	// dataset.MaxItems bounds a data set.
	MaxTrainRows = 1 << 24
	// maxSteps bounds the optimiser steps of a checkpoint: loading one
	// replays its noise layers once per step (≈ 0.1 µs each), so 67 M
	// steps (1,000 epochs of Fashion-MNIST at batch 1) load in seconds.
	maxSteps = 1 << 26

	// MemoryBudget is the most memory a model may need to be trained: 8
	// GiB, half of a 16 GiB machine. The need is estimated by
	// Config.MemoryEstimate; a model above it is refused with the
	// estimate and the budget.
	MemoryBudget = 8 << 30
)

// MemoryEstimate returns the number of trainable parameters of the model of
// c on inputs of shape s (the network and its head) and the memory, in
// bytes, that training it needs: 16 bytes per parameter (value, gradient
// and Adam's two moments) and, for the items of one step (a batch, or both
// sides of a batch of pairs, and at least the 256 of inference), the input
// and the activations with their gradients. The activations per item were
// measured with /usr/bin/time on 28×28 Fashion-MNIST (the seed network at
// batches of 300 and 1000 pairs: 0.93 and 2.57 GB, ≈ 375 floats per input
// pixel; small: ≈ 121; the dense networks ≈ 3.4 floats per feature) and
// are rounded up: seed 400, small and conv-ae 160 floats per pixel, the
// dense networks 4 per feature plus 2,048; each input channel beyond the
// first adds 20 floats a pixel to the convolutional ones (the first
// layer's 3×3 patches of it and their gradient). Sizes must be valid (see
// validate); the counts saturate instead of overflowing.
func (c Config) MemoryEstimate(s Shape) (params, bytes int64) {
	params = c.paramCount(s)
	h, w, f := int64(s.Height), int64(s.Width), int64(s.Features())
	extra := 20 * int64(s.Channels-1) * h * w
	var act int64
	switch c.Arch {
	case Seed:
		act = 400*h*w + extra
	case Small, ConvAE:
		act = 160*h*w + extra
	default:
		act = 4*f + 2048
	}
	rows := int64(c.Batch)
	if c.Loss.Pairwise() {
		rows *= 2
	}
	rows = max(rows, 256)
	return params, satAdd(satMul(16, params), satMul(4, satMul(rows, act+f)))
}

// paramCount returns the number of trainable parameters of the model of c
// on inputs of shape s, computed from the architectures' formulas (a test
// checks them against the networks built).
func (c Config) paramCount(s Shape) int64 {
	dense := func(in, out int64) int64 { return satAdd(satMul(in, out), out) }
	conv := func(in, out, k int64) int64 { return k*k*in*out + out }
	h, w, f, d, ch := int64(s.Height), int64(s.Width), int64(s.Features()), int64(c.Dim), int64(s.Channels)
	var n int64
	switch c.Arch {
	case Seed:
		n = conv(ch, 32, 3) + conv(32, 128, 3) + conv(128, 384, 5) + dense(384, d)
	case Small:
		n = conv(ch, 16, 3) + conv(16, 32, 3) + dense((h/4)*(w/4)*32, 128) + dense(128, d)
	case MLP:
		n = dense(f, 256) + dense(256, 128) + dense(128, d)
	case DenseAE:
		n = dense(f, 784) + dense(784, 64) + dense(64, 32) + dense(32, d) + dense(d, 32) + dense(32, 64) + dense(64, f)
	case ModernAE:
		n = dense(f, 512) + dense(512, 256) + dense(256, d) + dense(d, 256) + dense(256, 512) + dense(512, f)
	case ConvAE:
		n = conv(ch, 16, 3) + conv(16, 8, 3) + 3*conv(8, 8, 3) + conv(8, 16, 3) + conv(16, ch, 3)
		if code := int64(ConvCode(s)); code != d {
			n += dense(code, d) + dense(d, code)
		}
	}
	switch c.Loss {
	case Siamese:
		n = satAdd(n, dense(d, 1))
	case Softmax:
		n = satAdd(n, dense(d, int64(s.Classes)))
	}
	return n
}

// check returns an error when s is not a shape a model can be built for:
// every size positive and within the limits above.
func (s Shape) check() error {
	switch {
	case s.Height < 1 || s.Width < 1 || s.Channels < 1:
		return fmt.Errorf("%w: input of %d×%d×%d: every size must be at least 1", ErrConfig, s.Height, s.Width, s.Channels)
	case s.Height > MaxSide || s.Width > MaxSide:
		return fmt.Errorf("%w: input of %d×%d: each side must be at most %d (embed.MaxSide)", ErrConfig, s.Height, s.Width, MaxSide)
	case s.Channels > MaxChannels:
		return fmt.Errorf("%w: %d channels: at most %d (embed.MaxChannels)", ErrConfig, s.Channels, MaxChannels)
	case int64(s.Height)*int64(s.Width)*int64(s.Channels) > MaxFeatures:
		return fmt.Errorf("%w: input of %d×%d×%d values: at most %d per item (embed.MaxFeatures)", ErrConfig, s.Height, s.Width, s.Channels, MaxFeatures)
	case s.Classes > MaxClasses:
		return fmt.Errorf("%w: %d classes: at most %d (embed.MaxClasses)", ErrConfig, s.Classes, MaxClasses)
	}
	return nil
}

// checkLimits returns an error when c on shape s passes a limit above:
// Dim, Batch, Epochs, or the memory budget.
func (c Config) checkLimits(s Shape) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
	}
	switch {
	case c.Dim > MaxDim:
		return bad("embedding dimension %d is more than %d (embed.MaxDim): every item's embedding is kept in memory", c.Dim, MaxDim)
	case c.Batch > MaxBatch:
		return bad("batch %d is more than %d (embed.MaxBatch)", c.Batch, MaxBatch)
	case c.Epochs > MaxEpochs:
		return bad("%d epochs: at most %d (embed.MaxEpochs)", c.Epochs, MaxEpochs)
	}
	if params, bytes := c.MemoryEstimate(s); bytes > MemoryBudget {
		return bad("the %s network with embedding dimension %d on %s at batch %d has %d parameters and needs about %s to train, more than the memory budget of %s (embed.MemoryBudget): lower the dimension or the batch",
			c.Arch, c.Dim, s, c.Batch, params, gib(bytes), gib(MemoryBudget))
	}
	return nil
}

// gib writes a byte count in GiB with one decimal.
func gib(b int64) string { return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30)) }

// satMul and satAdd multiply and add non-negative counts, saturating at
// math.MaxInt64 instead of overflowing.
func satMul(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
