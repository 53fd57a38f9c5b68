package nn

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"runtime"
	"slices"
	"testing"
)

// TestXOR trains 2-8-1 (ReLU hidden, BCE on the logit) with Adam on the four
// XOR points; it must classify all four.
func TestXOR(t *testing.T) {
	rng := NewRNG(1)
	net := NewSequential(NewDense(2, 8, rng), NewReLU(), NewDense(8, 1, rng))
	x := TensorFrom([]float32{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2)
	y := []float32{0, 1, 1, 0}
	opt := NewAdam(net.Params())
	opt.LR = 0.05
	grad := NewTensor(4, 1)
	var loss float64
	for range 500 {
		net.ZeroGrad()
		loss = BCEWithLogits(net.Forward(x, true), y, grad)
		net.BackwardParams(grad)
		opt.Step()
	}
	out := net.Forward(x, false)
	for i, z := range out.Data {
		if (z > 0) != (y[i] == 1) {
			t.Fatalf("XOR after training: logits %v, loss %v", out.Data, loss)
		}
	}
	if loss > 0.05 {
		t.Errorf("XOR loss %v after 500 steps", loss)
	}
}

// TestAdamStep: one step from p = 1 with g = 0.5 and Keras defaults gives
// m = 0.05, v = 0.00025, α = 0.001·√0.001/0.1 = 3.1623e-4 and
// p = 1 − α·0.05/(√0.00025 + 1e-7) = 1 − 0.00099999 ≈ 0.999.
func TestAdamStep(t *testing.T) {
	p := newParam("w", 1)
	p.Value[0], p.Grad[0] = 1, 0.5
	NewAdam([]*Param{p}).Step()
	want := 1 - 0.001*math.Sqrt(0.001)/0.1*0.05/(math.Sqrt(0.00025)+1e-7)
	if !near(float64(p.Value[0]), want, 1e-7) {
		t.Errorf("Adam step: %v, want %v", p.Value[0], want)
	}
}

// TestSGDMomentum: lr 0.1, μ 0.9, g = 1 twice: u = −0.1, p = 0.9; then
// u = −0.19, p = 0.71.
func TestSGDMomentum(t *testing.T) {
	p := newParam("w", 1)
	p.Value[0], p.Grad[0] = 1, 1
	s := NewSGD([]*Param{p}, 0.1, 0.9)
	s.Step()
	s.Step()
	if !near(float64(p.Value[0]), 0.71, 1e-6) {
		t.Errorf("SGD: %v, want 0.71", p.Value[0])
	}
}

// TestOneCycle checks PyTorch's anchor points for 100 steps, max 3e-3:
// step 0 at 3e-3/25 = 1.2e-4 and momentum 0.95; step 29 (0.3·100 − 1) at
// the peak with momentum 0.85; step 99 at 1.2e-4/1e4 = 1.2e-8, momentum
// 0.95.
func TestOneCycle(t *testing.T) {
	o := NewOneCycle(3e-3, 100)
	for _, c := range []struct {
		step   int
		lr, mu float64
	}{{0, 1.2e-4, 0.95}, {29, 3e-3, 0.85}, {99, 1.2e-8, 0.95}, {500, 1.2e-8, 0.95}} {
		if !near(o.LR(c.step), c.lr, 1e-15) || !near(o.Momentum(c.step), c.mu, 1e-12) {
			t.Errorf("step %d: lr %v μ %v, want %v %v", c.step, o.LR(c.step), o.Momentum(c.step), c.lr, c.mu)
		}
	}
	// The peak may fall between steps: with 21 steps the rise ends at step
	// 0.3·21 − 1 = 5.3, so steps 0…5 rise and 6…20 fall from the peak
	// (step 6 may lie above step 5).
	o = NewOneCycle(3e-3, 21)
	for s := 1; s < 21; s++ {
		if s == 6 {
			continue
		}
		if (s <= 5) != (o.LR(s) > o.LR(s-1)) {
			t.Errorf("LR not rising then falling at step %d: %v → %v", s, o.LR(s-1), o.LR(s))
		}
	}
}

// trainSteps trains the seed network for a few steps on fixed data and
// returns its parameters.
func trainSteps(steps int) [][]float32 {
	net := SeedEmbeddingNet(8, 42)
	rng := testRNG(11)
	x := randTensor(rng, 0, 1, 16, 28, 28, 1)
	labels := make([]int, 16)
	for i := range labels {
		labels[i] = i % 4
	}
	opt := NewAdam(net.Params())
	opt.LRSchedule = NewOneCycle(3e-3, steps).LR
	grad := NewTensor(16, 8)
	for range steps {
		net.ZeroGrad()
		ContrastiveAllPairs(net.Forward(x, true), labels, 1, grad)
		net.BackwardParams(grad)
		opt.Step()
	}
	var ps [][]float32
	for _, p := range net.Params() {
		ps = append(ps, slices.Clone(p.Value))
	}
	return ps
}

// TestDeterminism: the same seed gives the same weights and the same
// training run (dropout and noise included) whatever GOMAXPROCS is; another
// seed gives other weights.
func TestDeterminism(t *testing.T) {
	a, b, c := SeedEmbeddingNet(32, 5), SeedEmbeddingNet(32, 5), SeedEmbeddingNet(32, 6)
	pa, pb, pc := a.Params(), b.Params(), c.Params()
	for i := range pa {
		if !slices.Equal(pa[i].Value, pb[i].Value) {
			t.Fatalf("seed 5 twice: param %d differs", i)
		}
	}
	if slices.Equal(pa[0].Value, pc[0].Value) {
		t.Fatal("seeds 5 and 6 give the same kernel")
	}
	steps := 3
	if testing.Short() {
		steps = 1
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(1)
	one := trainSteps(steps)
	runtime.GOMAXPROCS(4)
	four := trainSteps(steps)
	again := trainSteps(steps)
	for i := range one {
		if !slices.Equal(one[i], four[i]) || !slices.Equal(four[i], again[i]) {
			t.Fatalf("param %d differs between runs (GOMAXPROCS 1 vs 4, or repeated)", i)
		}
		if !AllFinite(one[i]) {
			t.Fatalf("param %d not finite after training", i)
		}
	}
	if slices.Equal(one[0], pa[0].Value) {
		t.Fatal("training did not change the weights")
	}
}

// TestModels checks the parameter counts and output shapes of the
// embedding networks.
func TestModels(t *testing.T) {
	for _, c := range []struct {
		name   string
		net    *Sequential
		in     []int
		params int
	}{
		// Conv 3·3·1·32+32 = 320; 3·3·32·128+128 = 36,992;
		// 5·5·128·384+384 = 1,229,184; Dense 384·32+32 = 12,320.
		{"seed", SeedEmbeddingNet(32, 1), []int{28, 28, 1}, 1_278_816},
		// 784·256+256 + 256·128+128 + 128·32+32.
		{"mlp", MLPEmbeddingNet(784, 32, 1), []int{784}, 237_984},
		// 9·16+16 + 9·16·32+32 + 7·7·32·128+128 + 128·32+32.
		{"small", SmallConvEmbeddingNet(28, 28, 32, 1), []int{28, 28, 1}, 209_760},
	} {
		if got := c.net.NumParams(); got != c.params {
			t.Errorf("%s: %d params, want %d\n%s", c.name, got, c.params, c.net.Summary(c.in))
		}
		if got := c.net.OutShape(c.in); !slices.Equal(got, []int{32}) {
			t.Errorf("%s: output shape %v", c.name, got)
		}
	}
	y := SeedEmbeddingNet(16, 1).Forward(NewTensor(2, 28, 28, 1), true)
	checkSameShape("seed net output", y.Shape, []int{2, 16})
}

// TestTrainHash logs a hash of the weights after a few training steps, to
// compare runs under different OPENBLAS_NUM_THREADS or GOMAXPROCS (run with
// -run TrainHash -v -args -nnhash).
func TestTrainHash(t *testing.T) {
	if !*hashFlag {
		t.Skip("run with -nnhash")
	}
	h := fnv.New64a()
	for _, p := range trainSteps(3) {
		for _, v := range p {
			binary.Write(h, binary.LittleEndian, v)
		}
	}
	t.Logf("weights hash %016x", h.Sum64())
}
