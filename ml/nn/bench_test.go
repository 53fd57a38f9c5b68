package nn

import (
	"fmt"
	"math"
	"slices"
	"syscall"
	"testing"
	"time"
)

// Benchmarks (go test -run ^$ -bench . ./ml/nn/): one MLP epoch as in the
// performance notes, and a training step of the seed network on 128 images
// with the share of its time spent in sgemm.

// BenchmarkMLPEpoch is one epoch of MLP 784-256-128-10 (softmax
// cross-entropy, batch 128, Adam) over 60,000 random inputs.
func BenchmarkMLPEpoch(b *testing.B) {
	const n, dim, batch = 60000, 784, 128
	rng := testRNG(1)
	x := randTensor(rng, 0, 1, n, dim)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(10)
	}
	net := MLPEmbeddingNet(dim, 10, 1)
	opt := NewAdam(net.Params())
	grad := NewTensor(batch, 10)
	for b.Loop() {
		for lo := 0; lo < n; lo += batch {
			hi := min(lo+batch, n)
			xb := TensorFrom(x.Data[lo*dim:hi*dim], hi-lo, dim)
			g := TensorFrom(grad.Data[:(hi-lo)*10], hi-lo, 10)
			net.ZeroGrad()
			SoftmaxCrossEntropy(net.Forward(xb, true), labels[lo:hi], g)
			net.BackwardParams(g)
			opt.Step()
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/epoch")
}

// seedStep runs one training step of the seed network (forward in training
// mode, BackwardParams of a random gradient, Adam) on batch images.
type seedStep struct {
	net  *Sequential
	opt  *Adam
	x, g *Tensor
}

func newSeedStep(batch int) *seedStep {
	rng := testRNG(2)
	net := SeedEmbeddingNet(32, 1)
	return &seedStep{net: net, opt: NewAdam(net.Params()),
		x: randTensor(rng, 0, 1, batch, 28, 28, 1), g: randTensor(rng, 0, 1e-3, batch, 32)}
}

func (s *seedStep) run() {
	s.net.ZeroGrad()
	s.net.Forward(s.x, true)
	s.net.BackwardParams(s.g)
	s.opt.Step()
}

// BenchmarkSeedNetStep is one training step of the seed network on 256
// 28×28 images (the batch of the in-batch schemes). It reports the sgemm share of the wall time, the sgemm
// rate, and the extrapolated seconds per epoch of 60,000 images (in-batch
// schemes) and of 120,000 images (the seed's pair scheme).
func BenchmarkSeedNetStep(b *testing.B) {
	const batch = 256
	s := newSeedStep(batch)
	s.run() // allocate buffers
	gemmStats = &gemmCounter{}
	defer func() { gemmStats = nil }()
	cpu0 := cpuSeconds()
	for b.Loop() {
		s.run()
	}
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N)*60000/batch, "cpu-s/60k-images")
	per := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(gemmStats.time.Seconds()/b.Elapsed().Seconds(), "sgemm-share")
	b.ReportMetric(gemmStats.flops/gemmStats.time.Seconds()/1e9, "sgemm-GFLOP/s")
	b.ReportMetric(per*60000/batch, "s/60k-images")
	b.ReportMetric(per*120000/batch, "s/120k-images")
}

// cpuSeconds returns the user and system CPU time of the process so far:
// on a loaded machine it is a steadier measure of work than wall time.
func cpuSeconds() float64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano()).Seconds()
}

// timedLayer wraps a layer and records its Forward and Backward times of
// every step.
type timedLayer struct {
	Layer
	fwd, bwd, gemm []time.Duration // per step
}

func (t *timedLayer) Forward(x *Tensor, training bool) *Tensor {
	start, g0 := time.Now(), gemmStats.time
	y := t.Layer.Forward(x, training)
	t.fwd = append(t.fwd, time.Since(start))
	t.gemm = append(t.gemm, gemmStats.time-g0)
	return y
}

func (t *timedLayer) Backward(g *Tensor) *Tensor {
	start, g0 := time.Now(), gemmStats.time
	y := t.Layer.Backward(g)
	t.bwd = append(t.bwd, time.Since(start))
	t.gemm[len(t.gemm)-1] += gemmStats.time - g0
	return y
}

func (t *timedLayer) backwardParams(g *Tensor) {
	start, g0 := time.Now(), gemmStats.time
	t.Layer.(paramBackwarder).backwardParams(g)
	t.bwd = append(t.bwd, time.Since(start))
	t.gemm[len(t.gemm)-1] += gemmStats.time - g0
}

// minMs is the smallest duration in ms: on a shared machine the least
// disturbed step.
func minMs(d []time.Duration) string {
	if len(d) == 0 {
		return "      —   "
	}
	return fmt.Sprintf("%7.2f ms", slices.Min(d).Seconds()*1e3)
}

// TestSeedNetProfile prints where a training step of the seed network
// spends its time, layer by layer, as the fastest of 20 steps (run with
// -run SeedNetProfile -v -nnprofile; -nnarch small for the small net).
func TestSeedNetProfile(t *testing.T) {
	if !*profileFlag {
		t.Skip("run with -nnprofile")
	}
	const batch, steps = 128, 20
	s := newSeedStep(batch)
	if *archFlag == "small" {
		s.net = SmallConvEmbeddingNet(28, 28, 32, 1)
		s.opt = NewAdam(s.net.Params())
	}
	var timed []*timedLayer
	for i, l := range s.net.Layers {
		tl := &timedLayer{Layer: l}
		timed = append(timed, tl)
		s.net.Layers[i] = tl
	}
	gemmStats = &gemmCounter{}
	s.run()
	for _, tl := range timed {
		tl.fwd, tl.bwd, tl.gemm = nil, nil, nil
	}
	*gemmStats = gemmCounter{byShape: map[[5]int]time.Duration{}}
	defer func() { gemmStats = nil }()
	var optTime, total []time.Duration
	for range steps {
		start := time.Now()
		s.net.ZeroGrad()
		s.net.Forward(s.x, true)
		s.net.BackwardParams(s.g)
		o := time.Now()
		s.opt.Step()
		optTime = append(optTime, time.Since(o))
		total = append(total, time.Since(start))
	}
	var sum time.Duration
	for i, tl := range timed {
		t.Logf("%2d %-14s fwd %s  bwd %s  (sgemm %s)", i, tl.Kind(), minMs(tl.fwd), minMs(tl.bwd), minMs(tl.gemm))
		sum += slices.Min(tl.fwd)
		if len(tl.bwd) > 0 {
			sum += slices.Min(tl.bwd)
		}
	}
	per := func(d time.Duration) string { return fmt.Sprintf("%7.2f ms", d.Seconds()*1e3/steps) }
	for k, d := range gemmStats.byShape {
		t.Logf("sgemm m=%5d n=%4d k=%6d tA=%d tB=%d: %s mean, %.0f GFLOP/s", k[0], k[1], k[2], k[3], k[4], per(d),
			2*float64(k[0]*k[1]*k[2])*steps/d.Seconds()/1e9)
	}
	t.Logf("adam %s; step %s (sum of layer minima %.2f ms); sgemm %s mean (%.0f GFLOP/s)", minMs(optTime), minMs(total),
		sum.Seconds()*1e3, per(gemmStats.time), gemmStats.flops/gemmStats.time.Seconds()/1e9)
}

// BenchmarkMaxPool2DBackward is the backward pass of the seed network's
// first pooling, [128, 28, 28, 32] → [128, 14, 14, 32].
func BenchmarkMaxPool2DBackward(b *testing.B) {
	rng := testRNG(3)
	p := NewMaxPool2D(2)
	y := p.Forward(randTensor(rng, 0, 1, 128, 28, 28, 32), true)
	g := randTensor(rng, 0, 1, y.Shape...)
	for b.Loop() {
		p.Backward(g)
	}
}

// BenchmarkMaxPool2DForward is the forward pass of the seed network's
// first pooling.
func BenchmarkMaxPool2DForward(b *testing.B) {
	p := NewMaxPool2D(2)
	x := randTensor(testRNG(3), 0, 1, 128, 28, 28, 32)
	for b.Loop() {
		p.Forward(x, true)
	}
}

// BenchmarkAdamStep is one Adam update of the seed network's 1,278,816
// parameters.
func BenchmarkAdamStep(b *testing.B) {
	net := SeedEmbeddingNet(32, 1)
	for _, p := range net.Params() {
		for i := range p.Grad {
			p.Grad[i] = 1e-3
		}
	}
	opt := NewAdam(net.Params())
	for b.Loop() {
		opt.Step()
	}
}

// BenchmarkSmallConvStep is one training step of SmallConvEmbeddingNet on
// 256 images (forward, BackwardParams of a random gradient, Adam).
func BenchmarkSmallConvStep(b *testing.B) {
	const batch = 256
	rng := testRNG(4)
	net := SmallConvEmbeddingNet(28, 28, 32, 1)
	opt := NewAdam(net.Params())
	x, g := randTensor(rng, 0, 1, batch, 28, 28, 1), randTensor(rng, 0, 1e-3, batch, 32)
	cpu0 := cpuSeconds()
	for b.Loop() {
		net.ZeroGrad()
		net.Forward(x, true)
		net.BackwardParams(g)
		opt.Step()
	}
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N)*60000/batch, "cpu-s/60k-images")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*60000/batch, "s/60k-images")
}

// BenchmarkIm2col is the patch matrix of the seed network's first two
// convolutions on 128 images.
func BenchmarkIm2col(b *testing.B) {
	for _, c := range []struct {
		name    string
		h, w, c int
	}{{"conv1", 28, 28, 1}, {"conv2", 14, 14, 32}} {
		b.Run(c.name, func(b *testing.B) {
			g := convGeom{n: 128, h: c.h, w: c.w, c: c.c, kh: 3, kw: 3, oh: c.h, ow: c.w, pt: 1, pl: 1}
			x := randTensor(testRNG(5), 0, 1, 128, c.h, c.w, c.c)
			cols := make([]float32, g.rows()*(g.k()+1))
			for b.Loop() {
				im2col(g, x.Data, cols, g.k()+1)
			}
		})
	}
}

// BenchmarkDenseAEEpoch is one epoch of the seed-004 dense autoencoder
// (784-784-64-32-32 sigmoid encoder, 32-32-64-784 sigmoid decoder, MSE,
// batch 256, Adam) over 60,000 random images.
func BenchmarkDenseAEEpoch(b *testing.B) {
	const n, dim, batch = 60000, 784, 256
	rng := testRNG(6)
	x := randTensor(rng, 0, 1, n, dim)
	for i, v := range x.Data {
		x.Data[i] = float32(math.Abs(float64(v)))
	}
	r := NewRNG(1)
	net := NewSequential(
		NewDense(dim, 784, r), NewSigmoid(), NewDense(784, 64, r), NewSigmoid(), NewDense(64, 32, r), NewSigmoid(),
		NewDense(32, 32, r), NewSigmoid(), NewDense(32, 32, r), NewSigmoid(), NewDense(32, 64, r), NewSigmoid(),
		NewDense(64, dim, r), NewSigmoid())
	opt := NewAdam(net.Params())
	grad := NewTensor(batch, dim)
	cpu0 := cpuSeconds()
	for b.Loop() {
		for lo := 0; lo+batch <= n; lo += batch {
			xb := TensorFrom(x.Data[lo*dim:(lo+batch)*dim], batch, dim)
			net.ZeroGrad()
			MSE(net.Forward(xb, true), xb.Data, grad)
			net.BackwardParams(grad)
			opt.Step()
		}
	}
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/epoch")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/epoch")
}
