package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Gradient checks: every analytic gradient is compared with the central
// difference (f(v+h) − f(v−h))/2h of the same float32 computation, the
// objective being accumulated in float64. For a layer the objective is
// L = Σ r·Forward(x) with fixed random weights r, so Backward(r) must give
// ∂L/∂x and add ∂L/∂θ to the parameter gradients.

const (
	fdStep = 1e-2 // finite-difference step; inputs are kept ≥ 2·fdStep from kinks
	fdRTol = 2e-3
	fdATol = 5e-4
)

func testRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 99)) }

// randTensor returns a tensor with values uniform in ±[lo, hi) with random
// signs; lo > 0 keeps values away from the kink of ReLU and |·| at 0.
func randTensor(rng *rand.Rand, lo, hi float64, shape ...int) *Tensor {
	t := NewTensor(shape...)
	for i := range t.Data {
		v := lo + (hi-lo)*rng.Float64()
		if rng.IntN(2) == 0 {
			v = -v
		}
		t.Data[i] = float32(v)
	}
	return t
}

// distinctTensor returns a tensor whose values are a random permutation of
// distinct multiples of 0.05 centred on 0, so that no two are within 2·fdStep
// (max pooling keeps its arg-max under the finite-difference steps).
func distinctTensor(rng *rand.Rand, shape ...int) *Tensor {
	t := NewTensor(shape...)
	for i, p := range rng.Perm(len(t.Data)) {
		t.Data[i] = float32(p-len(t.Data)/2) * 0.05
	}
	return t
}

func dot64(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// closeEnough reports whether an analytic and a numeric derivative agree.
func closeEnough(ana, num float64) bool {
	return math.Abs(ana-num) <= fdATol+fdRTol*math.Max(math.Abs(ana), math.Abs(num))
}

// checkLayerGrad checks l's input and parameter gradients at x. before, if
// not nil, runs before every Forward (to replay the same noise).
func checkLayerGrad(t *testing.T, name string, l Layer, x *Tensor, training bool, before func()) {
	t.Helper()
	checkLayerGradStep(t, name, l, x, training, before, fdStep)
}

// checkLayerGradStep is checkLayerGrad with finite-difference step h.
func checkLayerGradStep(t *testing.T, name string, l Layer, x *Tensor, training bool, before func(), h float32) {
	t.Helper()
	rng := testRNG(7)
	forward := func() *Tensor {
		if before != nil {
			before()
		}
		return l.Forward(x, training)
	}
	y := forward()
	r := randTensor(rng, 0.1, 1, y.Shape...)
	ZeroGrads(l.Params())
	gx := l.Backward(r).Clone()
	checkSameShape(name+" input gradient", gx.Shape, x.Shape)
	objective := func() float64 { return dot64(forward().Data, r.Data) }

	check := func(what string, v []float32, ana []float32) {
		t.Helper()
		// At most 60 coordinates per array, spread over it.
		stride := max(1, len(v)/60)
		bad := 0
		for i := 0; i < len(v); i += stride {
			old := v[i]
			v[i] = old + h
			fp := objective()
			v[i] = old - h
			fm := objective()
			v[i] = old
			num := (fp - fm) / float64((old+h)-(old-h))
			if !closeEnough(float64(ana[i]), num) {
				if bad++; bad <= 3 {
					t.Errorf("%s: ∂L/∂%s[%d] = %.6g, finite difference %.6g", name, what, i, ana[i], num)
				}
			}
		}
	}
	check("x", x.Data, gx.Data)
	for i, p := range l.Params() {
		grad := append([]float32(nil), p.Grad...)
		check(fmt.Sprintf("param%d.%s", i, p.Name), p.Value, grad)
	}
}

// checkLossGrad checks the gradient a loss writes against central
// differences of the loss in its prediction argument.
func checkLossGrad(t *testing.T, name string, pred *Tensor, loss func(pred, grad *Tensor) float64) {
	t.Helper()
	grad := NewTensor(pred.Shape...)
	loss(pred, grad)
	const h = 1e-3 // losses are smooth: a small step keeps truncation error low
	for i := range pred.Data {
		old := pred.Data[i]
		pred.Data[i] = old + h
		fp := loss(pred, nil)
		pred.Data[i] = old - h
		fm := loss(pred, nil)
		pred.Data[i] = old
		num := (fp - fm) / (2 * h)
		if math.Abs(float64(grad.Data[i])-num) > 1e-4+1e-3*math.Abs(num) {
			t.Errorf("%s: ∂loss/∂pred[%d] = %.6g, finite difference %.6g", name, i, grad.Data[i], num)
		}
	}
}

func TestGradDense(t *testing.T) {
	rng := testRNG(1)
	checkLayerGrad(t, "Dense", NewDense(5, 3, rng), randTensor(rng, 0, 1, 4, 5), true, nil)
}

func TestGradConv2D(t *testing.T) {
	for _, c := range []struct {
		inC, outC, kh, kw int
		pad               Padding
		h, w              int
	}{
		{3, 4, 3, 3, Same, 5, 4},
		{2, 3, 3, 3, Valid, 5, 6},
		{1, 2, 2, 2, Same, 4, 3}, // even kernel: padding after only
		{2, 2, 1, 3, Same, 3, 5},
		{4, 3, 5, 5, Valid, 6, 5},
		// Fewer output than input channels: the gathering input gradient.
		{4, 2, 3, 3, Same, 5, 4},
		{3, 1, 2, 2, Same, 4, 3},
		{6, 2, 3, 3, Valid, 6, 5},
	} {
		name := fmt.Sprintf("Conv2D %d→%d %d×%d %v on %d×%d", c.inC, c.outC, c.kh, c.kw, c.pad, c.h, c.w)
		rng := testRNG(2)
		conv := NewConv2D(c.inC, c.outC, c.kh, c.kw, c.pad, rng)
		for i := range conv.Bias.Value {
			conv.Bias.Value[i] = float32(rng.NormFloat64())
		}
		checkLayerGrad(t, name, conv, randTensor(rng, 0, 1, 2, c.h, c.w, c.inC), true, nil)
	}
}

func TestGradMaxPool2D(t *testing.T) {
	rng := testRNG(3)
	checkLayerGrad(t, "MaxPool2D(2)", NewMaxPool2D(2), distinctTensor(rng, 2, 5, 4, 3), true, nil)
	checkLayerGrad(t, "MaxPool2D(3)", NewMaxPool2D(3), distinctTensor(rng, 1, 6, 7, 2), true, nil)
}

func TestGradGlobalMaxPool(t *testing.T) {
	rng := testRNG(4)
	checkLayerGrad(t, "GlobalMaxPool", NewGlobalMaxPool(), distinctTensor(rng, 3, 3, 4, 5), true, nil)
}

func TestGradActivations(t *testing.T) {
	rng := testRNG(5)
	checkLayerGrad(t, "ReLU", NewReLU(), randTensor(rng, 0.05, 1, 3, 4, 5), true, nil)
	checkLayerGrad(t, "Sigmoid", NewSigmoid(), randTensor(rng, 0, 4, 3, 7), true, nil)
}

func TestGradNoise(t *testing.T) {
	rng := testRNG(6)
	d := NewDropout(0.3, rng)
	checkLayerGrad(t, "Dropout", d, randTensor(rng, 0, 1, 4, 3, 3, 2), true, func() { d.noise.calls = 0 })
	checkLayerGrad(t, "Dropout inference", d, randTensor(rng, 0, 1, 4, 6), false, nil)
	g := NewGaussianNoise(0.5, rng)
	checkLayerGrad(t, "GaussianNoise", g, randTensor(rng, 0, 1, 3, 5), true, func() { g.noise.calls = 0 })
	checkLayerGrad(t, "GaussianNoise inference", g, randTensor(rng, 0, 1, 3, 5), false, nil)
}

func TestGradShapes(t *testing.T) {
	rng := testRNG(8)
	checkLayerGrad(t, "Flatten", NewFlatten(), randTensor(rng, 0, 1, 2, 3, 2, 2), true, nil)
	checkLayerGrad(t, "Reshape", NewReshape(4, 3), randTensor(rng, 0, 1, 2, 12), true, nil)
	checkLayerGrad(t, "UpSampling2D", NewUpSampling2D(2, 3), randTensor(rng, 0, 1, 2, 3, 2, 2), true, nil)
	checkLayerGrad(t, "PairAbsDiff", NewPairAbsDiff(), randTensor(rng, 0, 1, 6, 5), true, nil)
}

// TestGradSequential checks a whole small network, every layer kind with
// parameters in it, and that BackwardParams gives the same parameter
// gradients as Backward.
func TestGradSequential(t *testing.T) {
	rng := testRNG(9)
	net := NewSequential(
		NewConv2D(2, 3, 3, 3, Same, rng), NewSigmoid(), NewMaxPool2D(2),
		NewUpSampling2D(2, 2), NewConv2D(3, 4, 3, 3, Valid, rng), NewSigmoid(),
		NewFlatten(), NewDense(4*4*4, 5, rng), NewSigmoid(), NewDense(5, 2, rng),
	)
	x := randTensor(rng, 0, 1, 3, 6, 7, 2)
	// A smaller step: weight changes move many pooled values at once.
	checkLayerGradStep(t, "Sequential", net, x, true, nil, 1e-3)

	y := net.Forward(x, true)
	r := randTensor(rng, 0, 1, y.Shape...)
	net.ZeroGrad()
	net.Backward(r)
	var full [][]float32
	for _, p := range net.Params() {
		full = append(full, append([]float32(nil), p.Grad...))
	}
	net.ZeroGrad()
	net.Forward(x, true)
	net.BackwardParams(r)
	for i, p := range net.Params() {
		for j := range p.Grad {
			if p.Grad[j] != full[i][j] {
				t.Fatalf("BackwardParams: param %d grad[%d] = %v, Backward gave %v", i, j, p.Grad[j], full[i][j])
			}
		}
	}
}

func TestGradLosses(t *testing.T) {
	rng := testRNG(10)
	logits := randTensor(rng, 0, 3, 4, 3)
	targets := []float32{0, 1, 0.3, 1, 0, 0, 0.5, 1, 1, 0, 0.9, 0.1}
	checkLossGrad(t, "BCEWithLogits", logits, func(p, g *Tensor) float64 { return BCEWithLogits(p, targets, g) })
	checkLossGrad(t, "MSE", logits, func(p, g *Tensor) float64 { return MSE(p, targets, g) })
	labels := []int{2, 0, 1, 1}
	checkLossGrad(t, "SoftmaxCrossEntropy", logits, func(p, g *Tensor) float64 { return SoftmaxCrossEntropy(p, labels, g) })

	// Pairs: similar, dissimilar inside the margin, dissimilar beyond it.
	emb := randTensor(rng, 0, 0.4, 6, 4)
	for j := range 4 {
		emb.Data[2*4+j] = emb.Data[5*4+j] + 3 // pair 2 is far apart
	}
	same := []bool{true, false, false}
	checkLossGrad(t, "Contrastive", emb, func(p, g *Tensor) float64 { return Contrastive(p, same, 1, g) })
	all := randTensor(rng, 0, 0.5, 5, 3)
	cls := []int{0, 1, 0, 2, 1}
	checkLossGrad(t, "ContrastiveAllPairs", all, func(p, g *Tensor) float64 { return ContrastiveAllPairs(p, cls, 1.5, g) })
}
