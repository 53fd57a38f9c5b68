// Package nn is a small float32 neural-network engine: layers with explicit
// Forward and Backward passes, losses, optimisers, a Sequential container
// with saved weights, and the embedding networks of EmbedScope.
//
// # Tensors
//
// A Tensor is a dense row-major float32 array whose first dimension is the
// batch. Images are NHWC ([N, H, W, C], channels last, as Keras), so a
// greyscale image row of a data set is already a [1, H, W, 1] sample and
// Flatten gives Keras' ordering. Shapes are checked: a mismatch is a
// programmer error and panics with the shapes involved.
//
// # Layers
//
// Dense, Conv2D (stride 1, same or valid padding, one im2col GEMM over the
// whole batch), MaxPool2D, GlobalMaxPool, ReLU, Sigmoid, Dropout,
// GaussianNoise, Reshape/Flatten, UpSampling2D and PairAbsDiff (siamese
// head). A layer remembers what its Backward needs from the last Forward,
// and owns the tensors it returns (they are reused by the next call), so a
// training step allocates nothing. Backward adds to the parameters' Grad:
// zero them before each step.
//
// # Training step
//
//	net := nn.SeedEmbeddingNet(32, seed)
//	head := nn.NewDense(32, 10, nn.NewRNG(seed+1))
//	model := nn.NewSequential(net, nn.NewReLU(), head)
//	opt := nn.NewAdam(model.Params())
//	grad := nn.NewTensor(B, 10)
//	for each batch x [B, 28, 28, 1] with labels y:
//		model.ZeroGrad()
//		logits := model.Forward(x, true)
//		loss := nn.SoftmaxCrossEntropy(logits, y, grad)
//		model.BackwardParams(grad)
//		opt.Step()
//
// # Speed and threads
//
// Every matrix product is one blas32 Sgemm, which the import of
// embedscope/ml/linalg routes to OpenBLAS (multithreaded) unless built with
// -tags purego. A convolution is one GEMM over the whole batch (its bias
// rides along as a column of ones), and a network's first parameter layer
// skips its input gradient in BackwardParams. The other loops (im2col,
// pooling, activations, noise, optimiser updates) are split over GOMAXPROCS
// goroutines when large enough, and use vek32 (SIMD) or branch-free code
// where data-dependent branches would be unpredictable.
//
// A network is not safe for concurrent use: Forward, Backward and Predict
// share the layers' buffers. Use one network per goroutine.
//
// # Reproducibility
//
// Weights are drawn from a seeded PCG generator (NewRNG) in a fixed order,
// and Dropout and GaussianNoise derive each sample's noise from their seed,
// the number of training Forward calls and the sample's index. Work is split
// over goroutines only where every item writes its own outputs and sums run
// in a fixed order, so the same seed gives bit-for-bit the same training run
// for any GOMAXPROCS. The BLAS must be deterministic too: gonum's pure-Go
// BLAS is, and OpenBLAS is for a fixed number of threads, but OpenBLAS
// blocks long sums differently with 1 and with 2 threads, so changing
// OPENBLAS_NUM_THREADS changes the last bits of some products (and from
// there the run).
package nn
