package nn

import (
	"math"
	"slices"
	"testing"
)

// The fast kernels against their straightforward definitions.

// geometries covers single- and multi-channel images, odd sizes, kernels
// wider than the image's margin, both paddings.
func testGeometries() []convGeom {
	var gs []convGeom
	for _, c := range []struct{ n, h, w, c, kh, kw int }{
		{3, 7, 6, 1, 3, 3}, {2, 5, 9, 1, 2, 4}, {2, 4, 4, 1, 5, 5}, {2, 6, 5, 3, 3, 3},
		{1, 7, 7, 8, 5, 5}, {3, 3, 3, 2, 3, 1}, {2, 28, 28, 1, 3, 3}, {2, 14, 14, 32, 3, 3},
	} {
		for _, same := range []bool{true, false} {
			g := convGeom{n: c.n, h: c.h, w: c.w, c: c.c, kh: c.kh, kw: c.kw}
			if same {
				g.oh, g.ow, g.pt, g.pl = c.h, c.w, (c.kh-1)/2, (c.kw-1)/2
			} else {
				g.oh, g.ow = c.h-c.kh+1, c.w-c.kw+1
			}
			if g.oh > 0 && g.ow > 0 {
				gs = append(gs, g)
			}
		}
	}
	return gs
}

// naiveIm2col is the definition of im2col.
func naiveIm2col(g convGeom, x []float32, ld int) []float32 {
	cols := make([]float32, g.rows()*ld)
	for n := 0; n < g.n; n++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				row := cols[((n*g.oh+oy)*g.ow+ox)*ld:][:ld]
				for ky := 0; ky < g.kh; ky++ {
					for kx := 0; kx < g.kw; kx++ {
						for c := 0; c < g.c; c++ {
							iy, ix := oy+ky-g.pt, ox+kx-g.pl
							if iy >= 0 && iy < g.h && ix >= 0 && ix < g.w {
								row[(ky*g.kw+kx)*g.c+c] = x[((n*g.h+iy)*g.w+ix)*g.c+c]
							}
						}
					}
				}
				for j := g.k(); j < ld; j++ {
					row[j] = 1
				}
			}
		}
	}
	return cols
}

func TestIm2colMatchesDefinition(t *testing.T) {
	rng := testRNG(31)
	for _, g := range testGeometries() {
		x := randTensor(rng, 0.1, 1, g.n, g.h, g.w, g.c)
		for _, ld := range []int{g.k(), g.k() + 1, g.k() + 3} {
			want := naiveIm2col(g, x.Data, ld)
			got := randTensor(rng, 1, 2, len(want)).Data // stale values must be overwritten
			im2col(g, x.Data, got, ld)
			if !slices.Equal(got, want) {
				t.Fatalf("%+v ld %d: im2col differs from its definition", g, ld)
			}
			// col2im is its adjoint: <im2col(x), d> = <x, col2im(d)> over the
			// first k columns.
			d := randTensor(rng, 0.1, 1, len(want))
			for r := 0; r < g.rows(); r++ {
				clear(d.Data[r*ld+g.k() : (r+1)*ld])
			}
			dx := randTensor(rng, 1, 2, len(x.Data)).Data
			col2im(g, d.Data, dx, ld)
			if a, b := dot64(want, d.Data), dot64(x.Data, dx); math.Abs(a-b) > 1e-5*math.Abs(a) {
				t.Fatalf("%+v ld %d: <im2col x, d> = %v, <x, col2im d> = %v", g, ld, a, b)
			}
		}
	}
}

// TestConvChunksMatchWholeBatch: a batch large enough to be cut into
// chunks gives the outputs and gradients of the same images run one by
// one (each a single chunk), up to float32 rounding (the BLAS may sum in
// another order for other sizes).
func TestConvChunksMatchWholeBatch(t *testing.T) {
	rng := testRNG(32)
	conv := NewConv2D(16, 8, 3, 3, Same, rng)
	g := conv.geom(1, 24, 24)
	per := conv.imagesPerChunk(g.chunk(0, 1000))
	n := 2*per + 3 // two whole chunks and a partial one
	x := randTensor(rng, 0, 1, n, 24, 24, 16)
	dy := randTensor(rng, 0, 1, n, 24, 24, 8)
	y := conv.Forward(x, true).Clone()
	ZeroGrads(conv.Params())
	dx := conv.Backward(dy).Clone()
	kbGrad := slices.Clone(conv.kbGrad)

	single := NewConv2D(16, 8, 3, 3, Same, rng)
	copy(single.kb, conv.kb)
	img, out := 24*24*16, 24*24*8
	for i := 0; i < n; i++ {
		xi := TensorFrom(x.Data[i*img:(i+1)*img], 1, 24, 24, 16)
		yi := single.Forward(xi, true)
		if d := maxAbsDiff(yi.Data, y.Data[i*out:(i+1)*out]); d > 1e-5 {
			t.Fatalf("image %d: output differs from its own forward pass by %v", i, d)
		}
		dxi := single.Backward(TensorFrom(dy.Data[i*out:(i+1)*out], 1, 24, 24, 8))
		if d := maxAbsDiff(dxi.Data, dx.Data[i*img:(i+1)*img]); d > 1e-5 {
			t.Fatalf("image %d: input gradient differs from its own backward pass by %v", i, d)
		}
	}
	// The kernel and bias gradients against float64 sums over the batch.
	k1 := g.k() + 1
	cols := naiveIm2col(g.chunk(0, n), x.Data, k1)
	for j := 0; j < k1; j++ {
		for o := 0; o < 8; o++ {
			var want, abs float64
			for r := 0; r < n*24*24; r++ {
				v := float64(cols[r*k1+j]) * float64(dy.Data[r*8+o])
				want += v
				abs += math.Abs(v)
			}
			if got := float64(kbGrad[j*8+o]); math.Abs(got-want) > 1e-5*abs {
				t.Fatalf("kernel gradient (%d, %d) = %v, want %v (sum of |terms| %v)", j, o, got, want, abs)
			}
		}
	}
}

// naiveMaxPool is the definition of MaxPool2D: the maximum of each window
// and the first position (row-major) holding it.
func naiveMaxPool(x *Tensor, s int) (y []float32, arg []int) {
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	oh, ow := h/s, w/s
	for b := 0; b < n; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for ch := 0; ch < c; ch++ {
					best, at := float32(math.Inf(-1)), -1
					for dy := 0; dy < s; dy++ {
						for dx := 0; dx < s; dx++ {
							i := ((b*h+oy*s+dy)*w+ox*s+dx)*c + ch
							if v := x.Data[i]; v > best || at < 0 {
								best, at = v, i
							}
						}
					}
					y, arg = append(y, best), append(arg, at)
				}
			}
		}
	}
	return y, arg
}

func TestMaxPoolMatchesDefinition(t *testing.T) {
	rng := testRNG(33)
	for _, c := range []struct{ s, n, h, w, c int }{
		{2, 3, 8, 6, 5}, {2, 2, 7, 9, 3}, {3, 2, 9, 7, 2}, {4, 1, 8, 9, 3}, {2, 4, 28, 28, 32},
	} {
		x := randTensor(rng, 0, 1, c.n, c.h, c.w, c.c)
		for i := range x.Data { // ties, as a flat background or a ReLU gives
			if i%7 < 3 {
				x.Data[i] = 0.5
			}
		}
		p := NewMaxPool2D(c.s)
		wantY, wantArg := naiveMaxPool(x, c.s)
		y := p.Forward(x, true)
		if !slices.Equal(y.Data, wantY) {
			t.Fatalf("%+v: MaxPool2D outputs differ from the definition", c)
		}
		g := randTensor(rng, 0.1, 1, y.Shape...)
		// Stale gradient buffer: Backward must overwrite every value.
		p.Backward(g)
		for i := range p.gradIn.Data {
			p.gradIn.Data[i] = 7
		}
		gx := p.Backward(g)
		want := make([]float32, len(x.Data))
		for o, i := range wantArg {
			want[i] = g.Data[o]
		}
		if !slices.Equal(gx.Data, want) {
			t.Fatalf("%+v: MaxPool2D gradient differs from the definition", c)
		}
	}
}

func maxAbsDiff(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

// TestSigmoidAccuracy: the float32 sigmoid is float64's 1/(1+e^(−x))
// rounded, within one unit in the last place over [−90, 90], and exact at
// the ends.
func TestSigmoidAccuracy(t *testing.T) {
	worst := 0.0
	for i := -900000; i <= 900000; i++ {
		x := float32(i) / 10000
		want := 1 / (1 + math.Exp(-float64(x)))
		got := float64(sigmoid(x))
		ulp := float64(math.Nextafter32(float32(want), float32(math.Inf(1))) - float32(want))
		if want < 0x1p-126 { // subnormal results: absolute error
			ulp = 0x1p-149
		}
		if e := math.Abs(got-want) / ulp; e > worst {
			worst = e
			if e > 1 {
				t.Fatalf("sigmoid(%v) = %v, want %v (%.1f ulp)", x, got, want, e)
			}
		}
	}
	for _, c := range []struct{ x, want float32 }{{0, 0.5}, {100, 1}, {-120, 0}, {float32(math.Inf(1)), 1}, {float32(math.Inf(-1)), 0}} {
		if got := sigmoid(c.x); got != c.want {
			t.Errorf("sigmoid(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if v := sigmoid(float32(math.NaN())); v == v {
		t.Errorf("sigmoid(NaN) = %v", v)
	}
	t.Logf("worst error %.2f ulp", worst)
}

// TestConvGatherMatchesScatter: the input gradient of a convolution to
// fewer channels (computed by gathering, im2col of the output gradient
// times the flipped kernel) equals the scattering one, col2im(g·Kᵀ), up to
// float32 rounding, for both paddings and an even kernel, over several
// chunks.
func TestConvGatherMatchesScatter(t *testing.T) {
	rng := testRNG(34)
	for _, c := range []struct {
		inC, outC, kh, kw int
		pad               Padding
		n, h, w           int
	}{
		{16, 1, 3, 3, Same, 3, 28, 28}, {16, 8, 3, 3, Same, 40, 14, 14}, {6, 1, 5, 5, Valid, 2, 9, 8}, {5, 3, 2, 4, Same, 2, 6, 7},
	} {
		conv := NewConv2D(c.inC, c.outC, c.kh, c.kw, c.pad, rng)
		x := randTensor(rng, 0, 1, c.n, c.h, c.w, c.inC)
		y := conv.Forward(x, true)
		dy := randTensor(rng, 0, 1, y.Shape...)
		g := conv.g
		if !(g.h*g.w*c.outC < g.oh*g.ow*c.inC) {
			t.Fatalf("%+v does not take the gathering path", c)
		}
		got := conv.Backward(dy).Clone()
		k := g.k()
		dcols := make([]float32, g.rows()*k)
		for r := 0; r < g.rows(); r++ {
			for j := 0; j < k; j++ {
				var s float64
				for o := 0; o < c.outC; o++ {
					s += float64(dy.Data[r*c.outC+o]) * float64(conv.Kernel.Value[j*c.outC+o])
				}
				dcols[r*k+j] = float32(s)
			}
		}
		want := make([]float32, len(x.Data))
		col2im(g, dcols, want, k)
		if d := maxAbsDiff(got.Data, want); d > 1e-5 {
			t.Errorf("%+v: gathered input gradient differs from the scattered one by %v", c, d)
		}
	}
}
