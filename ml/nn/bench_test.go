package nn

import (
	"fmt"
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

// BenchmarkSeedNetStep is one training step of the seed network on 128
// 28×28 images. It reports the sgemm share of the wall time, the sgemm
// rate, and the extrapolated seconds per epoch of 60,000 images (in-batch
// schemes) and of 120,000 images (the seed's pair scheme).
func BenchmarkSeedNetStep(b *testing.B) {
	const batch = 128
	s := newSeedStep(batch)
	s.run() // allocate buffers
	gemmStats = &gemmCounter{}
	defer func() { gemmStats = nil }()
	for b.Loop() {
		s.run()
	}
	per := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(gemmStats.time.Seconds()/b.Elapsed().Seconds(), "sgemm-share")
	b.ReportMetric(gemmStats.flops/gemmStats.time.Seconds()/1e9, "sgemm-GFLOP/s")
	b.ReportMetric(per*60000/batch, "s/60k-images")
	b.ReportMetric(per*120000/batch, "s/120k-images")
}

// timedLayer wraps a layer and accumulates its Forward and Backward times.
type timedLayer struct {
	Layer
	fwd, bwd, gemm time.Duration
}

func (t *timedLayer) Forward(x *Tensor, training bool) *Tensor {
	start, g0 := time.Now(), gemmStats.time
	y := t.Layer.Forward(x, training)
	t.fwd += time.Since(start)
	t.gemm += gemmStats.time - g0
	return y
}

func (t *timedLayer) Backward(g *Tensor) *Tensor {
	start, g0 := time.Now(), gemmStats.time
	y := t.Layer.Backward(g)
	t.bwd += time.Since(start)
	t.gemm += gemmStats.time - g0
	return y
}

func (t *timedLayer) backwardParams(g *Tensor) {
	start, g0 := time.Now(), gemmStats.time
	t.Layer.(paramBackwarder).backwardParams(g)
	t.bwd += time.Since(start)
	t.gemm += gemmStats.time - g0
}

// TestSeedNetProfile prints where a training step of the seed network
// spends its time, layer by layer (run with -run SeedNetProfile -v
// -nnprofile).
func TestSeedNetProfile(t *testing.T) {
	if !*profileFlag {
		t.Skip("run with -nnprofile")
	}
	const batch, steps = 128, 20
	s := newSeedStep(batch)
	var timed []*timedLayer
	for i, l := range s.net.Layers {
		tl := &timedLayer{Layer: l}
		timed = append(timed, tl)
		s.net.Layers[i] = tl
	}
	gemmStats = &gemmCounter{}
	s.run()
	for _, tl := range timed {
		tl.fwd, tl.bwd, tl.gemm = 0, 0, 0
	}
	*gemmStats = gemmCounter{byShape: map[[5]int]time.Duration{}}
	defer func() { gemmStats = nil }()
	start := time.Now()
	var optTime time.Duration
	for range steps {
		s.net.ZeroGrad()
		s.net.Forward(s.x, true)
		s.net.BackwardParams(s.g)
		o := time.Now()
		s.opt.Step()
		optTime += time.Since(o)
	}
	total := time.Since(start)
	per := func(d time.Duration) string { return fmt.Sprintf("%7.2f ms", d.Seconds()*1e3/steps) }
	for i, tl := range timed {
		t.Logf("%2d %-14s fwd %s  bwd %s  (sgemm %s)", i, tl.Kind(), per(tl.fwd), per(tl.bwd), per(tl.gemm))
	}
	for k, d := range gemmStats.byShape {
		t.Logf("sgemm m=%5d n=%4d k=%6d tA=%d tB=%d: %s, %.0f GFLOP/s", k[0], k[1], k[2], k[3], k[4], per(d),
			2*float64(k[0]*k[1]*k[2])*steps/d.Seconds()/1e9)
	}
	t.Logf("adam %s; step %s; sgemm %s (%.0f%%, %.0f GFLOP/s)", per(optTime), per(total), per(gemmStats.time),
		100*gemmStats.time.Seconds()/total.Seconds(), gemmStats.flops/gemmStats.time.Seconds()/1e9)
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
	for b.Loop() {
		net.ZeroGrad()
		net.Forward(x, true)
		net.BackwardParams(g)
		opt.Step()
	}
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
