package nn

import (
	"runtime"
	"sync"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	_ "embedscope/ml/linalg" // routes blas32 to OpenBLAS unless built with -tags purego
)

// Layer is one step of a network.
//
// Forward computes the output for a batch x; training selects the training
// behaviour of Dropout and GaussianNoise and is ignored by other layers.
// The layer remembers what Backward needs from the last Forward call, so
// Forward and Backward alternate: to run a network on two batches (e.g. the
// two sides of a siamese pair) stack them into one batch.
//
// Backward takes ∂L/∂output for the last Forward, adds ∂L/∂param to the
// Grad of each parameter and returns ∂L/∂input.
//
// Tensors returned by Forward and Backward belong to the layer: they may be
// views of their inputs or of internal buffers overwritten by the next call,
// and must not be modified by the caller. Layers never modify their inputs.
type Layer interface {
	Forward(x *Tensor, training bool) *Tensor
	Backward(gradOut *Tensor) *Tensor
	// Params returns the trainable parameters (nil if none), always the
	// same slices in the same order.
	Params() []*Param
	// OutShape returns the per-sample output shape for a per-sample input
	// shape (both without the batch dimension). It panics if the layer
	// cannot take that input.
	OutShape(in []int) []int
	// Kind names the type of layer ("dense", "conv2d", ...); it is part of
	// the parameter names in saved weights.
	Kind() string
}

// paramBackwarder is implemented by layers with parameters that can skip
// computing ∂L/∂input, used for the first such layer of a network.
type paramBackwarder interface {
	backwardParams(gradOut *Tensor)
}

// parallelFor calls f on disjoint ranges [lo, hi) covering [0, n), on up to
// GOMAXPROCS goroutines, each range at least minChunk long; with one range
// f runs on the calling goroutine. Callers only use it where every item
// writes its own outputs, so results do not depend on the split.
func parallelFor(n, minChunk int, f func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if minChunk < 1 {
		minChunk = 1
	}
	workers = min(workers, n/minChunk)
	if workers <= 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := chunk; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			f(lo, hi)
		}(lo, min(lo+chunk, n))
	}
	f(0, min(chunk, n))
	wg.Wait()
}

// gemm computes c = alpha·op(a)·op(b) + beta·c for row-major matrices:
// op(a) is m×k, op(b) is k×n, c is m×n; transA and transB select the
// transposes. It is one blas32 Sgemm call (OpenBLAS, multithreaded, unless
// built with -tags purego).
func gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	if gemmStats == nil {
		blas32.Implementation().Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	start := time.Now()
	blas32.Implementation().Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	d := time.Since(start)
	gemmStats.calls++
	gemmStats.flops += 2 * float64(m) * float64(n) * float64(k)
	gemmStats.time += d
	if gemmStats.byShape != nil {
		key := [5]int{m, n, k, b2i(transA), b2i(transB)}
		gemmStats.byShape[key] += d
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// gemmCounter accumulates the GEMM work of a benchmark.
type gemmCounter struct {
	calls   int
	flops   float64
	time    time.Duration
	byShape map[[5]int]time.Duration // m, n, k, transA, transB → time, if not nil
}

// gemmStats, when set (by benchmarks, single-goroutine callers only),
// receives the calls, FLOPs and wall time of every gemm.
var gemmStats *gemmCounter

// addColumnSums adds the column sums of the rows×cols row-major matrix a to
// dst (len cols), summing rows in order: the result does not depend on the
// number of threads.
func addColumnSums(dst, a []float32, rows, cols int) {
	for r := 0; r < rows; r++ {
		row := a[r*cols : (r+1)*cols]
		for j, v := range row {
			dst[j] += v
		}
	}
}

// fillRows sets every row of the rows×cols matrix a to v.
func fillRows(a, v []float32, rows, cols int) {
	for r := 0; r < rows; r++ {
		copy(a[r*cols:(r+1)*cols], v)
	}
}
