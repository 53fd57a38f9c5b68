package embed

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/nn"
)

// meanImageMSE is the baseline of reconstruction: the mean squared error,
// over all values of d.Eval, of the mean training item.
func meanImageMSE(d Data) float64 {
	f := d.Train.Cols
	mean := make([]float64, f)
	for r := range d.Train.Rows {
		for j, v := range d.Train.Data[r*d.Train.Stride : r*d.Train.Stride+f] {
			mean[j] += float64(v)
		}
	}
	var s float64
	for r := range d.Eval.Rows {
		for j, v := range d.Eval.Data[r*d.Eval.Stride : r*d.Eval.Stride+f] {
			e := float64(v) - mean[j]/float64(d.Train.Rows)
			s += e * e
		}
	}
	return s / float64(d.Eval.Rows*f)
}

// TestAutoencoderOnFashion trains the modern autoencoder (32-d code, MSE)
// for two epochs on the 8,000 embedded training images: the validation
// MSE falls far below the mean image's (0.0290 against 0.0959 for seeds
// 1–3; the bound leaves a margin). The snapshot has reconstruction losses,
// NaN accuracies, projections of the code and live reconstructions;
// Decode(Embed(x)) is the reconstruction.
func TestAutoencoderOnFashion(t *testing.T) {
	d := embeddedFashion(t)
	cfg := DefaultConfig(ModernAE, MSE)
	cfg.Epochs, cfg.KNNEval, cfg.ProjectionSample = 2, 300, 500
	tr, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	base := meanImageMSE(d)
	s := tr.Snapshot()
	if len(s.EpochStats) != 2 {
		t.Fatalf("%d epoch stats", len(s.EpochStats))
	}
	last := s.EpochStats[1]
	t.Logf("eval MSE %.4f, mean image %.4f, kNN(5) %.4f", last.EvalLoss, base, last.KNN)
	if !(last.EvalLoss < base/2) || !(last.TrainLoss < base/2) || !(last.KNN > 0.6) || !(last.EmbeddingStd > 0) {
		t.Errorf("epoch 2: %+v (mean-image MSE %.4f)", last, base)
	}
	if !math.IsNaN(last.TrainAcc) || !math.IsNaN(last.EvalAcc) || !(s.EpochStats[0].EvalLoss > last.EvalLoss) {
		t.Errorf("accuracies %v %v, losses %v → %v", last.TrainAcc, last.EvalAcc, s.EpochStats[0].EvalLoss, last.EvalLoss)
	}
	if len(s.Projections) != 2 || len(s.Projections[1].X) != 500 || s.Collapse {
		t.Errorf("%d projections, collapse %v", len(s.Projections), s.Collapse)
	}
	rec := s.Reconstructions
	f := d.Train.Cols
	if rec == nil || rec.Epoch != 2 || rec.Batch != 0 || len(rec.Index) != ReconstructionSample || len(rec.Labels) != ReconstructionSample ||
		len(rec.Orig) != ReconstructionSample*f || len(rec.Output) != ReconstructionSample*f {
		t.Fatalf("reconstructions %+v", rec)
	}
	if !slices.Equal(rec.Index, s.SampleIndex[:ReconstructionSample]) {
		t.Errorf("reconstruction sample %v is not the start of the projection sample %v", rec.Index, s.SampleIndex[:ReconstructionSample])
	}
	x := gatherRows(d.Eval, rec.Index)
	if !slices.Equal(rec.Orig, x.Data) || !slices.Equal(rec.Labels, gatherInts(d.EvalLabels, rec.Index)) {
		t.Error("reconstruction originals are not the evaluation rows")
	}
	out, loss, mse, err := tr.Reconstruct(context.Background(), x)
	if err != nil || !slices.Equal(out.Data, rec.Output) || loss != mse {
		t.Errorf("Reconstruct: %v, same as the snapshot's %v, loss %v mse %v", err, slices.Equal(out.Data, rec.Output), loss, mse)
	}
	code, err := tr.Embed(context.Background(), d.Eval)
	if err != nil || code.Cols != 32 {
		t.Fatal(err)
	}
	dec, err := tr.Decode(context.Background(), code)
	if err != nil || dec.Rows != d.Eval.Rows || dec.Cols != f {
		t.Fatalf("Decode: %v, %d×%d", err, dec.Rows, dec.Cols)
	}
	all, loss, _, err := tr.Reconstruct(context.Background(), d.Eval)
	if err != nil || math.Abs(loss-last.EvalLoss) > 1e-9 {
		t.Errorf("Reconstruct loss %v, epoch's eval loss %v (%v)", loss, last.EvalLoss, err)
	}
	for i, v := range dec.Data {
		if math.Abs(float64(v-all.Data[i])) > 1e-5 || v < 0 || v > 1 {
			t.Fatalf("Decode(Embed(x))[%d] = %v, Reconstruct %v", i, v, all.Data[i])
		}
	}
}

// TestAutoencoderArchitectures builds each autoencoder on 28×28 images
// and checks its parameters and shapes, then trains it briefly: the loss
// falls.
func TestAutoencoderArchitectures(t *testing.T) {
	s := Shape{Height: 28, Width: 28, Channels: 1, Classes: 10}
	if ConvCode(s) != 128 || ConvCode(Shape{Height: 7, Width: 9}) != 8*1*2 {
		t.Errorf("ConvCode %d", ConvCode(s))
	}
	d := tiny(t, 512, 64)
	for _, c := range []struct {
		arch     Arch
		loss     Loss
		dim      int
		enc, dec int
	}{
		// 784·785 + 784·64+64 + 64·32+32 + 32·3+3; 3·32+32 + 32·64+64 + 64·784+784.
		{DenseAE, MSE, 3, 667_859, 53_200},
		{DenseAE, BCE, 32, 668_816, 54_128},
		// 784·512+512 + 512·256+256 + 256·2+2, and mirrored.
		{ModernAE, MSE, 2, 533_762, 534_544},
		// Conv 1→16, 16→8, 8→8: 160 + 1160 + 584; decoder 584 + 584 + 1168 + 145.
		{ConvAE, BCE, 128, 1_904, 2_481},
		// Plus Dense(128, 10) and Dense(10, 128).
		{ConvAE, MSE, 10, 1_904 + 1_290, 2_481 + 1_408},
	} {
		t.Run(string(c.arch)+"-"+string(c.loss), func(t *testing.T) {
			cfg := DefaultConfig(c.arch, c.loss)
			cfg.Dim, cfg.Epochs, cfg.Batch, cfg.ProjectionSample, cfg.ProjectEvery = c.dim, 2, 32, 40, 5
			tr, err := New(cfg, d)
			if err != nil {
				t.Fatal(err)
			}
			if enc, dec := tr.NumParams(); enc != c.enc || dec != c.dec {
				t.Errorf("%d + %d parameters, want %d + %d", enc, dec, c.enc, c.dec)
			}
			if got := tr.m.net.OutShape([]int{28, 28, 1}); !slices.Equal(got, []int{c.dim}) {
				t.Errorf("code shape %v", got)
			}
			if got := tr.m.head.OutShape([]int{c.dim}); shapeSize(got) != 784 {
				t.Errorf("output shape %v", got)
			}
			if err := tr.Run(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			sn := tr.Snapshot()
			first, last := sn.BatchLoss[0], sn.SmoothLoss[len(sn.SmoothLoss)-1]
			if !(last < 0.9*first) || sn.Reconstructions == nil || sn.Reconstructions.Epoch != 2 {
				t.Errorf("loss %v → %v (smoothed), reconstructions %v", first, last, sn.Reconstructions != nil)
			}
			// 16 batches an epoch, a projection every 5 steps (6) and after each epoch.
			if len(sn.Projections) != 2+6 {
				t.Errorf("%d projections", len(sn.Projections))
			}
			if c.dim == 2 { // the code itself
				code, _ := tr.Embed(context.Background(), gatherRows(d.Eval, sn.SampleIndex))
				p := sn.Projections[len(sn.Projections)-1]
				for i := range p.X {
					// The projection is computed in other batch sizes than Embed's,
					// so BLAS kernels may sum in another order (seen on Zen):
					// equal up to float32 rounding.
					if !closeF32(p.X[i], code.Data[2*i]) || !closeF32(p.Y[i], code.Data[2*i+1]) {
						t.Fatalf("projection %d (%v, %v), code %v", i, p.X[i], p.Y[i], code.Data[2*i:2*i+2])
					}
				}
			}
		})
	}
}

// closeF32 reports whether a and b agree to a relative 1e-5 (absolute
// near zero): float32 sums of a few hundred terms in another order.
func closeF32(a, b float32) bool {
	d := math.Abs(float64(a) - float64(b))
	return d <= 1e-5*math.Max(1, math.Max(math.Abs(float64(a)), math.Abs(float64(b))))
}

func shapeSize(s []int) int {
	n := 1
	for _, v := range s {
		n *= v
	}
	return n
}

// TestAutoencoderScaling: BCE is refused on features outside [0, 1]; MSE
// on them gets a linear output that reconstructs negative values; a
// sigmoid model refuses such data in Run.
func TestAutoencoderScaling(t *testing.T) {
	d := tiny(t, 256, 64)
	std := d
	std.Train, std.Eval = shifted(d.Train), shifted(d.Eval)
	cfg := DefaultConfig(DenseAE, BCE)
	cfg.Epochs, cfg.Batch = 1, 64
	_, err := New(cfg, std)
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "must lie in [0, 1]") || !strings.Contains(err.Error(), "[-1.5, 1.5]") {
		t.Errorf("BCE on standardised data: %v", err)
	}
	cfg.Loss = MSE
	lin, err := New(cfg, std)
	if err != nil {
		t.Fatal(err)
	}
	if err := lin.Run(context.Background(), std); err != nil {
		t.Fatal(err)
	}
	out, _, mse, err := lin.Reconstruct(context.Background(), std.Eval)
	if err != nil || slices.Min(out.Data) >= 0 || !(mse < 2) {
		t.Errorf("linear output: min %v, MSE %v, %v", slices.Min(out.Data), mse, err)
	}
	sig, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := sig.Run(context.Background(), std); !errors.Is(err, ErrData) || !strings.Contains(err.Error(), "sigmoid") {
		t.Errorf("sigmoid model on standardised data: %v", err)
	}
	// A checkpoint keeps the linear output.
	path := filepath.Join(t.TempDir(), "lin.esm")
	if err := lin.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	out2, _, _, _ := back.Reconstruct(context.Background(), std.Eval)
	if !slices.Equal(out.Data, out2.Data) {
		t.Error("reconstructions differ after Load")
	}
}

// shifted returns (x − 0.5)·3: values in [−1.5, 1.5].
func shifted(x blas32.General) blas32.General {
	y := blas32.General{Rows: x.Rows, Cols: x.Cols, Stride: x.Cols, Data: make([]float32, x.Rows*x.Cols)}
	for i, v := range x.Data[:x.Rows*x.Cols] {
		y.Data[i] = (v - 0.5) * 3
	}
	return y
}

// TestAutoencoderErrors: the configuration errors of autoencoders, and
// Decode and Reconstruct on an embedding network.
func TestAutoencoderErrors(t *testing.T) {
	d := tiny(t, 300, 50)
	table := d
	table.Height, table.Width = 1, 784
	for _, c := range []struct {
		arch Arch
		loss Loss
		data Data
		msg  string
	}{
		{DenseAE, Softmax, d, "dense-ae is an autoencoder: train it with the mse or bce loss"},
		{MLP, MSE, d, "the mse loss trains autoencoders"},
		{ConvAE, MSE, table, "conv-ae autoencoder takes greyscale images"},
		{ModernAE, "l1", d, `unknown loss "l1"`},
	} {
		cfg := DefaultConfig(c.arch, c.loss)
		cfg.Batch = 64
		if _, err := New(cfg, c.data); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s/%s: %v, want %q", c.arch, c.loss, err, c.msg)
		}
	}
	cfg := DefaultConfig(ModernAE, MSE)
	cfg.Dim = 0
	if _, err := New(cfg, table); !errors.Is(err, ErrConfig) {
		t.Errorf("dim 0: %v", err)
	}
	cfg.Dim, cfg.Batch = 4, 64
	ae, err := New(cfg, table) // dense autoencoders take tables
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ae.Decode(context.Background(), blas32.General{Rows: 1, Cols: 3, Stride: 3, Data: make([]float32, 3)}); !errors.Is(err, ErrShape) {
		t.Errorf("Decode of 3-d codes: %v", err)
	}
	emb, err := New(DefaultConfig(MLP, Softmax), d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emb.Decode(context.Background(), blas32.General{Rows: 1, Cols: 32, Stride: 32, Data: make([]float32, 32)}); !errors.Is(err, ErrNotAutoencoder) {
		t.Errorf("Decode of an embedding network: %v", err)
	}
	if _, _, _, err := emb.Reconstruct(context.Background(), d.Eval); !errors.Is(err, ErrNotAutoencoder) {
		t.Errorf("Reconstruct of an embedding network: %v", err)
	}
}

// TestAutoencoderCheckpoint: a conv autoencoder paused mid-epoch, saved
// and loaded has the snapshot (reconstructions included), codes and
// decodings of the original; LoadFor refuses other images.
func TestAutoencoderCheckpoint(t *testing.T) {
	d := tiny(t, 256, 64)
	cfg := DefaultConfig(ConvAE, BCE)
	cfg.Epochs, cfg.Batch, cfg.ProjectionSample, cfg.ProjectEvery = 3, 32, 20, 3
	tr, err := New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr.afterBatch = func() {
		if s := tr.Snapshot(); s.Epoch == 1 && s.Batch == 4 {
			cancel()
		}
	}
	if err := tr.Run(ctx, d); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	path := filepath.Join(t.TempDir(), "conv.esm")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadFor(path, d.Shape())
	if err != nil {
		t.Fatal(err)
	}
	a, b := tr.Snapshot(), back.Snapshot()
	a.Elapsed, b.Elapsed, a.ETA, b.ETA = 0, 0, 0, 0
	if !reflect.DeepEqual(stripNaN(a), stripNaN(b)) {
		t.Error("snapshot after load differs")
	}
	if r := b.Reconstructions; r == nil || r.Epoch != 1 || r.Batch != 4 { // step 12 of ProjectEvery 3
		t.Errorf("reconstructions after load: %v", r != nil)
	}
	c1, _ := tr.Embed(context.Background(), d.Eval)
	c2, _ := back.Embed(context.Background(), d.Eval)
	o1, _ := tr.Decode(context.Background(), c1)
	o2, _ := back.Decode(context.Background(), c2)
	if !slices.Equal(c1.Data, c2.Data) || !slices.Equal(o1.Data, o2.Data) {
		t.Error("codes or decodings differ after load")
	}
	clone, err := tr.Clone()
	if err != nil {
		t.Fatal(err)
	}
	o3, _ := clone.Decode(context.Background(), c1)
	if !slices.Equal(o1.Data, o3.Data) || clone.Config().CheckpointPath != "" {
		t.Error("the clone decodes differently or writes checkpoints")
	}
	other := d.Shape()
	other.Height, other.Width = 8, 98
	if _, err := LoadFor(path, other); !errors.Is(err, ErrShape) {
		t.Errorf("other shape: %v", err)
	}
}

// TestSamePool compares samePool with max-pooling over −∞ padding, on
// images with odd and even sides: outputs, and gradients routed to the
// first maximum of each window (ties made common by rounding).
func TestSamePool(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sh := range [][2]int{{7, 7}, {5, 8}, {6, 3}, {4, 4}, {1, 1}} {
		n, h, w, c := 2, sh[0], sh[1], 3
		x := nn.NewTensor(n, h, w, c)
		for i := range x.Data {
			x.Data[i] = float32(rng.IntN(4)) // many ties
		}
		p := newSamePool()
		y := p.Forward(x, true)
		oh, ow := (h+1)/2, (w+1)/2
		if !slices.Equal(y.Shape, []int{n, oh, ow, c}) {
			t.Fatalf("%v: output shape %v", sh, y.Shape)
		}
		g := nn.NewTensor(n, oh, ow, c)
		for i := range g.Data {
			g.Data[i] = float32(rng.NormFloat64())
		}
		want := make([]float32, len(x.Data))
		at := func(b, i, j, ch int) int { return ((b*h+i)*w+j)*c + ch }
		for b := range n {
			for oi := range oh {
				for oj := range ow {
					for ch := range c {
						best := -1
						for di := range 2 {
							for dj := range 2 {
								i, j := 2*oi+di, 2*oj+dj
								if i < h && j < w && (best < 0 || x.Data[at(b, i, j, ch)] > x.Data[best]) {
									best = at(b, i, j, ch)
								}
							}
						}
						o := ((b*oh+oi)*ow+oj)*c + ch
						if y.Data[o] != x.Data[best] {
							t.Fatalf("%v: output %d = %v, want %v", sh, o, y.Data[o], x.Data[best])
						}
						want[best] += g.Data[o]
					}
				}
			}
		}
		if gx := p.Backward(g); !slices.Equal(gx.Data, want) {
			t.Errorf("%v: gradient\n%v\nwant\n%v", sh, gx.Data, want)
		}
	}
}

// TestCrop: crop keeps the top-left corner and its gradient is the
// adjoint, ⟨crop(x), g⟩ = ⟨x, cropᵀ(g)⟩.
func TestCrop(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x := nn.NewTensor(2, 8, 6, 3)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	r := &crop{H: 7, W: 5}
	y := r.Forward(x, true)
	if !slices.Equal(y.Shape, []int{2, 7, 5, 3}) || y.Data[((1*7+6)*5+4)*3+2] != x.Data[((1*8+6)*6+4)*3+2] {
		t.Fatalf("crop shape %v or values wrong", y.Shape)
	}
	g := nn.NewTensor(2, 7, 5, 3)
	for i := range g.Data {
		g.Data[i] = float32(rng.NormFloat64())
	}
	var lhs, rhs float64
	for i, v := range y.Data {
		lhs += float64(v * g.Data[i])
	}
	for i, v := range r.Backward(g).Data {
		rhs += float64(v * x.Data[i])
	}
	if math.Abs(lhs-rhs) > 1e-4 {
		t.Errorf("⟨crop x, g⟩ = %v, ⟨x, cropᵀ g⟩ = %v", lhs, rhs)
	}
	same := &crop{H: 8, W: 6}
	if same.Forward(x, true) != x || same.Backward(x) != x {
		t.Error("a crop that cuts nothing copies")
	}
}

// TestConvAEGradient checks the gradient of small conv autoencoders (7×5
// images, so that every pooling pads and every crop cuts, and 8×8 with its
// own code; BCE and MSE) against central differences of the loss. Single
// float32 parameters give differences lost in rounding, so each parameter
// array is moved along its own gradient g: the derivative of the loss in
// that direction is |g|. Biases are drawn at random first, so that no unit
// sits exactly on a ReLU kink.
func TestConvAEGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, c := range []struct {
		h, w, dim int
		loss      Loss
	}{{7, 5, 3, BCE}, {7, 5, 3, MSE}, {8, 8, 8, BCE}} {
		s := Shape{Height: c.h, Width: c.w, Channels: 1, Classes: 2}
		m := newModel(Config{Arch: ConvAE, Loss: c.loss, Dim: c.dim, Batch: 4, Seed: 3}, s)
		for i := range m.x.Data {
			m.x.Data[i] = float32(rng.Float64())
		}
		for _, p := range m.train.Params() {
			if p.Name == "bias" {
				for i := range p.Value {
					p.Value[i] = float32(rng.Float64()*0.2 - 0.1)
				}
			}
		}
		lossAt := func() float64 {
			l, _ := m.reconLoss(m.train.Forward(m.x, false), m.x.Data, nil)
			return l
		}
		m.train.ZeroGrad()
		out := m.train.Forward(m.x, true)
		_, g := m.reconLoss(out, m.x.Data, nn.NewTensor(out.Shape...))
		m.train.BackwardParams(g)
		names, params := m.train.NamedParams()
		for k, p := range params {
			var norm float64
			for _, v := range p.Grad {
				norm += float64(v) * float64(v)
			}
			norm = math.Sqrt(norm)
			orig := slices.Clone(p.Value)
			const h = 1e-3
			move := func(sign float64) float64 {
				for i, v := range orig {
					p.Value[i] = v + float32(sign*h*float64(p.Grad[i])/norm)
				}
				return lossAt()
			}
			num := (move(1) - move(-1)) / (2 * h)
			copy(p.Value, orig)
			if math.Abs(num-norm) > 0.02*norm+1e-6 {
				t.Errorf("%dx%d %s: %s: |g| = %.5g, derivative along g %.5g", c.h, c.w, c.loss, names[k], norm, num)
			}
		}
	}
}
