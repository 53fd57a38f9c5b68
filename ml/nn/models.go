package nn

import (
	"fmt"
	"math/rand/v2"
)

// NewRNG returns the random source used to build networks from a seed: a
// PCG generator seeded with (seed, a fixed constant). The same seed always
// gives the same weights and the same Dropout/GaussianNoise streams.
func NewRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x656d626564736370)) // "embedscp"
}

// SeedEmbeddingNet returns the seed project's convolutional embedding
// network for greyscale images [N, H, W, 1] (H, W ≥ 20; 28×28 for
// Fashion-MNIST), with embedDim outputs and its weights and noise streams
// drawn from seed:
//
//	GaussianNoise(0.005) → Conv 32 3×3 same → ReLU → MaxPool 2 →
//	Conv 128 3×3 same → ReLU → MaxPool 2 → Dropout 0.1 →
//	Conv 384 5×5 valid → ReLU → GlobalMaxPool → Dense embedDim
//
// The layers are built with each MaxPool before its ReLU: max-pooling
// commutes with the monotone ReLU, and with ties going to the first maximum
// the outputs and all gradients are the same, at a quarter of the ReLU work.
// With embedDim 32 it has 1,278,816 parameters; on 28×28 images a forward
// pass is ≈ 18.5 M multiply-adds per image.
func SeedEmbeddingNet(embedDim int, seed uint64) *Sequential {
	return SeedEmbeddingNetC(1, embedDim, seed)
}

// SeedEmbeddingNetC is SeedEmbeddingNet for images of channels channels
// [N, H, W, channels] (3 for RGB): only the first convolution differs, with
// 9·channels·32 + 32 parameters. With channels 1 it is SeedEmbeddingNet,
// weights included.
func SeedEmbeddingNetC(channels, embedDim int, seed uint64) *Sequential {
	rng := NewRNG(seed)
	return NewSequential(
		NewGaussianNoise(0.005, rng),
		NewConv2D(channels, 32, 3, 3, Same, rng), NewMaxPool2D(2), NewReLU(),
		NewConv2D(32, 128, 3, 3, Same, rng), NewMaxPool2D(2), NewReLU(),
		NewDropout(0.1, rng),
		NewConv2D(128, 384, 5, 5, Valid, rng), NewReLU(), NewGlobalMaxPool(),
		NewDense(384, embedDim, rng),
	)
}

// MLPEmbeddingNet returns a multi-layer perceptron inDim-256-128-embedDim
// with ReLU between the Dense layers and none after the last, for inputs
// [N, inDim] or any [N, ...] of inDim values per sample (it starts with
// Flatten), its weights drawn from seed.
func MLPEmbeddingNet(inDim, embedDim int, seed uint64) *Sequential {
	rng := NewRNG(seed)
	return NewSequential(
		NewFlatten(),
		NewDense(inDim, 256, rng), NewReLU(),
		NewDense(256, 128, rng), NewReLU(),
		NewDense(128, embedDim, rng),
	)
}

// SmallConvEmbeddingNet returns a small convolutional embedding network for
// greyscale images [N, height, width, 1] (both ≥ 4), its weights drawn from
// seed:
//
//	Conv 16 3×3 same → ReLU → MaxPool 2 → Conv 32 3×3 same → ReLU →
//	MaxPool 2 → Flatten → Dense 128 → ReLU → Dense embedDim
//
// (each ReLU after its MaxPool, as in SeedEmbeddingNet). On 28×28 images a forward pass is ≈ 1.22 M multiply-adds per image.
func SmallConvEmbeddingNet(height, width, embedDim int, seed uint64) *Sequential {
	return SmallConvEmbeddingNetC(height, width, 1, embedDim, seed)
}

// SmallConvEmbeddingNetC is SmallConvEmbeddingNet for images of channels
// channels [N, height, width, channels] (3 for RGB): only the first
// convolution differs. With channels 1 it is SmallConvEmbeddingNet,
// weights included.
func SmallConvEmbeddingNetC(height, width, channels, embedDim int, seed uint64) *Sequential {
	if height < 4 || width < 4 {
		panic(fmt.Sprintf("nn: SmallConvEmbeddingNet: images %d×%d are smaller than 4×4", height, width))
	}
	rng := NewRNG(seed)
	flat := (height / 2 / 2) * (width / 2 / 2) * 32
	return NewSequential(
		NewConv2D(channels, 16, 3, 3, Same, rng), NewMaxPool2D(2), NewReLU(),
		NewConv2D(16, 32, 3, 3, Same, rng), NewMaxPool2D(2), NewReLU(),
		NewFlatten(),
		NewDense(flat, 128, rng), NewReLU(),
		NewDense(128, embedDim, rng),
	)
}
