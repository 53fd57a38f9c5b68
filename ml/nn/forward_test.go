package nn

import (
	"math"
	"slices"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestForwardByHand runs a tiny network whose output was computed by hand.
//
// Input, one 3×3 single-channel image:
//
//	1 2 0
//	0 1 3
//	2 0 1
//
// Conv2D 2×2 valid, kernel [[1 0] [−1 2]], bias 0.5:
//
//	y00 = 1·1 + 2·0 + 0·(−1) + 1·2 + 0.5 =  3.5
//	y01 = 2·1 + 0·0 + 1·(−1) + 3·2 + 0.5 =  7.5
//	y10 = 0·1 + 1·0 + 2·(−1) + 0·2 + 0.5 = −1.5
//	y11 = 1·1 + 3·0 + 0·(−1) + 1·2 + 0.5 =  3.5
//
// ReLU: 3.5 7.5 0 3.5. GlobalMaxPool: 7.5. Dense 1→2, kernel [0.5 −1],
// bias [1 2]: [7.5·0.5 + 1, 7.5·(−1) + 2] = [4.75, −5.5].
// Softmax cross-entropy with label 0: log(1 + e^(−5.5−4.75)) = log1p(e^−10.25)
// = 3.5356876e-5; its gradient (softmax − onehot) = [−s, s] with
// s = e^−10.25/(1+e^−10.25) = 3.5356251e-5.
func TestForwardByHand(t *testing.T) {
	rng := testRNG(1)
	conv := NewConv2D(1, 1, 2, 2, Valid, rng)
	copy(conv.Kernel.Value, []float32{1, 0, -1, 2}) // [ky][kx][c][o]
	conv.Bias.Value[0] = 0.5
	dense := NewDense(1, 2, rng)
	copy(dense.Kernel.Value, []float32{0.5, -1})
	copy(dense.Bias.Value, []float32{1, 2})
	relu := NewReLU()
	net := NewSequential(conv, relu, NewGlobalMaxPool(), dense)
	x := TensorFrom([]float32{1, 2, 0, 0, 1, 3, 2, 0, 1}, 1, 3, 3, 1)

	out := net.Forward(x, false)
	want := []float32{4.75, -5.5}
	for i, w := range want {
		if out.Data[i] != w {
			t.Fatalf("output %v, want %v", out.Data, want)
		}
	}
	for i, w := range []float32{3.5, 7.5, 0, 3.5} {
		if relu.out.Data[i] != w {
			t.Fatalf("ReLU(conv) = %v, want [3.5 7.5 0 3.5]", relu.out.Data)
		}
	}
	grad := NewTensor(1, 2)
	loss := SoftmaxCrossEntropy(out, []int{0}, grad)
	if !near(loss, 3.5356876e-5, 1e-10) {
		t.Errorf("loss %v, want 3.5356876e-5", loss)
	}
	if !near(float64(grad.Data[0]), -3.5356251e-5, 1e-10) || !near(float64(grad.Data[1]), 3.5356251e-5, 1e-10) {
		t.Errorf("loss gradient %v", grad.Data)
	}
}

// TestMaxPoolByHand: a 1×3×5×1 image with 2×2 windows keeps the first two
// rows and four columns: windows {1 5 2 0} and {3 3 9 4} give 5 and 9 (the
// gradient of the tied 3s would go to the first; here 9 is unique).
func TestMaxPoolByHand(t *testing.T) {
	x := TensorFrom([]float32{
		1, 5, 3, 3, 7,
		2, 0, 9, 4, 8,
		6, 6, 6, 6, 6,
	}, 1, 3, 5, 1)
	p := NewMaxPool2D(2)
	y := p.Forward(x, false)
	if len(y.Data) != 2 || y.Data[0] != 5 || y.Data[1] != 9 {
		t.Fatalf("MaxPool2D = %v %v, want [5 9]", y.Shape, y.Data)
	}
	g := p.Backward(TensorFrom([]float32{1, 2}, 1, 1, 2, 1))
	want := []float32{0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}
	for i := range want {
		if g.Data[i] != want[i] {
			t.Fatalf("MaxPool2D gradient %v, want %v", g.Data, want)
		}
	}
}

// TestUpSamplingByHand: [[1 2]] repeated 2×2 is [[1 1 2 2] [1 1 2 2]].
func TestUpSamplingByHand(t *testing.T) {
	y := NewUpSampling2D(2, 2).Forward(TensorFrom([]float32{1, 2}, 1, 1, 2, 1), false)
	want := []float32{1, 1, 2, 2, 1, 1, 2, 2}
	for i := range want {
		if y.Data[i] != want[i] {
			t.Fatalf("UpSampling2D = %v, want %v", y.Data, want)
		}
	}
}

// TestConvMatchesDirect compares Conv2D with a direct float64 evaluation of
// y[n,i,j,o] = b[o] + Σ x[n,i+ky−pt,j+kx−pl,c]·K[ky,kx,c,o].
func TestConvMatchesDirect(t *testing.T) {
	rng := testRNG(2)
	for _, pad := range []Padding{Same, Valid} {
		for _, k := range [][2]int{{3, 3}, {2, 4}, {5, 5}} {
			n, h, w, c, o := 3, 7, 6, 3, 5
			conv := NewConv2D(c, o, k[0], k[1], pad, rng)
			for i := range conv.Bias.Value {
				conv.Bias.Value[i] = float32(rng.NormFloat64())
			}
			x := randTensor(rng, 0, 1, n, h, w, c)
			y := conv.Forward(x, false)
			g := conv.geom(n, h, w)
			for b := 0; b < n; b++ {
				for i := 0; i < g.oh; i++ {
					for j := 0; j < g.ow; j++ {
						for oc := 0; oc < o; oc++ {
							s := float64(conv.Bias.Value[oc])
							for ky := 0; ky < k[0]; ky++ {
								for kx := 0; kx < k[1]; kx++ {
									iy, ix := i+ky-g.pt, j+kx-g.pl
									if iy < 0 || iy >= h || ix < 0 || ix >= w {
										continue
									}
									for ch := 0; ch < c; ch++ {
										s += float64(x.Data[((b*h+iy)*w+ix)*c+ch]) *
											float64(conv.Kernel.Value[((ky*k[1]+kx)*c+ch)*o+oc])
									}
								}
							}
							got := float64(y.Data[((b*g.oh+i)*g.ow+j)*o+oc])
							if !near(got, s, 1e-5) {
								t.Fatalf("%v %v: y[%d,%d,%d,%d] = %v, want %v", pad, k, b, i, j, oc, got, s)
							}
						}
					}
				}
			}
		}
	}
}

func TestLossValues(t *testing.T) {
	// BCE at z = 0 is log 2 whatever the target; at |z| = 100 it stays
	// finite: −log σ(−100) = 100 + log1p(e^−100).
	if l := BCEWithLogits(TensorFrom([]float32{0, 0}, 2, 1), []float32{1, 0}, nil); !near(l, math.Ln2, 1e-12) {
		t.Errorf("BCE(0) = %v, want log 2", l)
	}
	g := NewTensor(2, 1)
	l := BCEWithLogits(TensorFrom([]float32{100, -100}, 2, 1), []float32{0, 1}, g)
	if !near(l, 100, 1e-9) || g.Data[0] != 0.5 || g.Data[1] != -0.5 {
		t.Errorf("BCE(±100) = %v, grad %v; want 100, [0.5 −0.5]", l, g.Data)
	}
	// MSE of (1−0, 3−1) = (1 + 4)/2.
	if l := MSE(TensorFrom([]float32{1, 3}, 1, 2), []float32{0, 1}, nil); l != 2.5 {
		t.Errorf("MSE = %v, want 2.5", l)
	}
	// Equal logits over 3 classes: −log(1/3).
	if l := SoftmaxCrossEntropy(TensorFrom([]float32{5, 5, 5}, 1, 3), []int{1}, nil); !near(l, math.Log(3), 1e-12) {
		t.Errorf("softmax CE = %v, want log 3", l)
	}
	// Large logits do not overflow: [1000, 0] with label 1 costs 1000.
	if l := SoftmaxCrossEntropy(TensorFrom([]float32{1000, 0}, 1, 2), []int{1}, nil); !near(l, 1000, 1e-9) {
		t.Errorf("softmax CE = %v, want 1000", l)
	}
	if a := Accuracy(TensorFrom([]float32{1, 2, 3, 0}, 2, 2), []int{1, 1}); a != 0.5 {
		t.Errorf("Accuracy = %v, want 0.5", a)
	}
}

// TestContrastiveValues: pair 0 similar at distance 5 (3-4-0) costs 25;
// pair 1 dissimilar at distance 0.5 with margin 2 costs (2 − 0.5)² = 2.25;
// pair 2 dissimilar and identical costs ≈ 4 with a zero (not NaN) gradient.
// The mean is (25 + 2.25 + 4)/3.
func TestContrastiveValues(t *testing.T) {
	emb := TensorFrom([]float32{
		3, 4, 0, // a0
		0.5, 0, 0, // a1
		1, 1, 1, // a2
		0, 0, 0, // b0
		0, 0, 0, // b1
		1, 1, 1, // b2
	}, 6, 3)
	g := NewTensor(6, 3)
	l := Contrastive(emb, []bool{true, false, false}, 2, g)
	if !near(l, (25+2.25+4)/3, 1e-4) {
		t.Errorf("contrastive loss %v, want %v", l, (25+2.25+4)/3)
	}
	if !AllFinite(g.Data) {
		t.Fatalf("gradient not finite: %v", g.Data)
	}
	// Pair 1: ∂/∂a = −2(m−d)(a−b)/d /P = −2·1.5·1/3 = −1 on the first value.
	if !near(float64(g.Data[3]), -1, 1e-5) || g.Data[6] != 0 || g.Data[15] != 0 {
		t.Errorf("gradient %v", g.Data)
	}
	// All pairs: rows equal within a class and far across classes cost 0.
	all := TensorFrom([]float32{0, 0, 0, 0, 5, 5}, 3, 2)
	if l := ContrastiveAllPairs(all, []int{1, 1, 2}, 1, nil); l != 0 {
		t.Errorf("ContrastiveAllPairs = %v, want 0", l)
	}
}

func TestAllFinite(t *testing.T) {
	if !AllFinite([]float32{0, -1, math.MaxFloat32}) {
		t.Error("finite values reported as not finite")
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if AllFinite([]float32{1, float32(v)}) {
			t.Errorf("%v reported finite", v)
		}
	}
}

func TestPredictMatchesForward(t *testing.T) {
	net := SmallConvEmbeddingNet(12, 10, 4, 3)
	x := randTensor(testRNG(3), 0, 1, 7, 12, 10, 1)
	want := net.Forward(x, false).Clone()
	got, err := net.Predict(t.Context(), x, 3)
	if err != nil {
		t.Fatal(err)
	}
	checkSameShape("Predict", got.Shape, want.Shape)
	for i := range want.Data {
		if !near(float64(got.Data[i]), float64(want.Data[i]), 1e-5) {
			t.Fatalf("Predict[%d] = %v, Forward %v", i, got.Data[i], want.Data[i])
		}
	}
}

func TestShapePanics(t *testing.T) {
	rng := testRNG(4)
	for name, f := range map[string]func(){
		"dense width":   func() { NewDense(3, 2, rng).Forward(NewTensor(2, 4), false) },
		"dense rank":    func() { NewDense(3, 2, rng).Forward(NewTensor(2, 3, 1), false) },
		"conv channels": func() { NewConv2D(3, 2, 3, 3, Same, rng).Forward(NewTensor(1, 5, 5, 2), false) },
		"conv too big":  func() { NewConv2D(1, 2, 5, 5, Valid, rng).Forward(NewTensor(1, 4, 4, 1), false) },
		"tensor size":   func() { TensorFrom(make([]float32, 5), 2, 3) },
		"pair odd":      func() { NewPairAbsDiff().Forward(NewTensor(3, 2), false) },
		"label range":   func() { SoftmaxCrossEntropy(NewTensor(1, 3), []int{3}, nil) },
		"seq shape":     func() { MLPEmbeddingNet(10, 2, 1).OutShape([]int{11}) },
		"dropout 1":     func() { NewDropout(1, rng) },
		"dropout < 0":   func() { NewDropout(-0.1, rng) },
		"conv net 3×4":  func() { SmallConvEmbeddingNetC(3, 4, 1, 8, 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// TestMaxPoolTies: a window of equal values (a flat background makes many)
// sends its gradient to its first position only, in both the 2×2 path and
// the general one.
func TestMaxPoolTies(t *testing.T) {
	for _, s := range []int{2, 3} {
		x := NewTensor(1, s, s, 2)
		for i := range x.Data {
			x.Data[i] = 0.25
		}
		p := NewMaxPool2D(s)
		p.Forward(x, true)
		g := p.Backward(TensorFrom([]float32{1, 2}, 1, 1, 1, 2))
		want := make([]float32, len(x.Data))
		want[0], want[1] = 1, 2
		for i := range want {
			if g.Data[i] != want[i] {
				t.Fatalf("size %d: gradient %v, want %v", s, g.Data, want)
			}
		}
	}
}

// TestPoolReLUOrder: MaxPool then ReLU (as the embedding networks are
// built) gives the same outputs and input gradients as ReLU then MaxPool,
// here on conv outputs of an image with a flat zero background (ties) and
// negative regions.
func TestPoolReLUOrder(t *testing.T) {
	rng := testRNG(12)
	x := NewTensor(2, 8, 8, 1)
	for i := range x.Data {
		if i%64 >= 24 && i%8 >= 3 {
			x.Data[i] = float32(rng.NormFloat64())
		}
	}
	conv := NewConv2D(1, 4, 3, 3, Same, rng)
	copy(conv.Bias.Value, []float32{0.1, -0.1, 0, 0.3})
	y := conv.Forward(x, true).Clone()
	a := NewSequential(NewReLU(), NewMaxPool2D(2))
	b := NewSequential(NewMaxPool2D(2), NewReLU())
	ya, yb := a.Forward(y, true), b.Forward(y, true)
	g := randTensor(rng, 0, 1, ya.Shape...)
	ga, gb := a.Backward(g), b.Backward(g)
	for i := range ya.Data {
		if ya.Data[i] != yb.Data[i] {
			t.Fatalf("outputs differ at %d: %v vs %v", i, ya.Data[i], yb.Data[i])
		}
	}
	for i := range ga.Data {
		if ga.Data[i] != gb.Data[i] {
			t.Fatalf("gradients differ at %d: %v vs %v", i, ga.Data[i], gb.Data[i])
		}
	}
}

// TestDropoutRate: about Rate of the values are dropped, the others are
// scaled by 1/(1−Rate); inference is the identity; each call draws a new
// mask.
func TestDropoutRate(t *testing.T) {
	d := NewDropout(0.25, testRNG(13))
	x := NewTensor(64, 1000)
	for i := range x.Data {
		x.Data[i] = 3
	}
	y := d.Forward(x, true)
	dropped := 0
	for _, v := range y.Data {
		switch v {
		case 0:
			dropped++
		case 4: // 3/(1−0.25)
		default:
			t.Fatalf("dropout output %v, want 0 or 4", v)
		}
	}
	// 64,000 Bernoulli(0.25) draws: standard deviation ≈ 110.
	if dropped < 16000-600 || dropped > 16000+600 {
		t.Errorf("%d of 64000 dropped, want ≈ 16000", dropped)
	}
	first := y.Clone()
	if second := d.Forward(x, true); slicesEqual(first.Data, second.Data) {
		t.Error("two training calls drew the same mask")
	}
	if d.Forward(x, false) != x {
		t.Error("inference Dropout is not the identity")
	}
}

func slicesEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSmallestValidLayers: the edges of the valid ranges work: dropout with
// rate 0 is the identity in training too, and the small conv net takes 4×4
// images (4/2/2 = 1: a 1×1×32 map before the dense layers).
func TestSmallestValidLayers(t *testing.T) {
	rng := NewRNG(1)
	x := TensorFrom([]float32{1, -2, 3, 0.5, 7, -1}, 2, 3)
	if y := NewDropout(0, rng).Forward(x, true); !slices.Equal(y.Data, x.Data) {
		t.Errorf("dropout(0) in training changed %v to %v", x.Data, y.Data)
	}
	net := SmallConvEmbeddingNetC(4, 4, 3, 8, 1)
	if got := net.OutShape([]int{4, 4, 3}); !slices.Equal(got, []int{8}) {
		t.Errorf("4×4×3 images give embeddings of shape %v, want [8]", got)
	}
	if y := net.Forward(NewTensor(2, 4, 4, 3), false); !slices.Equal(y.Shape, []int{2, 8}) {
		t.Errorf("forward of two 4×4×3 images: shape %v", y.Shape)
	}
}
