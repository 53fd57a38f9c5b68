package nn

import (
	"fmt"
	"math"

	"github.com/viterin/vek/vek32"
)

// MaxPool2D takes the maximum over non-overlapping Size×Size windows of
// NHWC images (stride Size, no padding, as Keras MaxPooling2D(Size)):
// [N, H, W, C] → [N, ⌊H/Size⌋, ⌊W/Size⌋, C]; trailing rows and columns
// that do not fill a window are dropped. The gradient of each output flows
// to the first input of its window (in row-major order) equal to the
// maximum.
type MaxPool2D struct {
	Size int

	x           *Tensor
	out, gradIn *Tensor
}

// NewMaxPool2D returns a max-pooling layer with size×size windows.
func NewMaxPool2D(size int) *MaxPool2D {
	if size <= 0 {
		panic(fmt.Sprintf("nn: NewMaxPool2D(%d): size must be positive", size))
	}
	return &MaxPool2D{Size: size}
}

// Kind returns "maxpool2d".
func (p *MaxPool2D) Kind() string { return "maxpool2d" }

// Params returns nil.
func (p *MaxPool2D) Params() []*Param { return nil }

// OutShape returns [H/Size, W/Size, C] for [H, W, C].
func (p *MaxPool2D) OutShape(in []int) []int {
	if len(in) != 3 || in[0] < p.Size || in[1] < p.Size {
		panic(fmt.Sprintf("nn: MaxPool2D(%d) input shape %v, want [H W C] with H, W ≥ %d", p.Size, in, p.Size))
	}
	return []int{in[0] / p.Size, in[1] / p.Size, in[2]}
}

// Forward computes the window maxima. The maxima are taken with vek32
// (SIMD) over whole rows: first across the Size input rows of an output
// row, then across the Size pixels of each window.
func (p *MaxPool2D) Forward(x *Tensor, training bool) *Tensor {
	checkRank("MaxPool2D", x, 4)
	os := p.OutShape(x.Shape[1:])
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	oh, ow, s := os[0], os[1], p.Size
	p.x = x
	y := buffer(&p.out, n, oh, ow, c)
	rowLen := ow * s * c // the part of an input row covered by windows
	parallelFor(n, max(1, elementChunk/(h*w*c)), func(lo, hi int) {
		tmp := make([]float32, rowLen)
		for b := lo; b < hi; b++ {
			for oy := 0; oy < oh; oy++ {
				row := func(dy int) []float32 { return x.Data[((b*h+oy*s+dy)*w)*c:][:rowLen] }
				copy(tmp, row(0))
				for dy := 1; dy < s; dy++ {
					vek32.Maximum_Inplace(tmp, row(dy))
				}
				for ox := 0; ox < ow; ox++ {
					yr := y.Data[((b*oh+oy)*ow+ox)*c:][:c]
					win := tmp[ox*s*c:]
					copy(yr, win[:c])
					for dx := 1; dx < s; dx++ {
						vek32.Maximum_Inplace(yr, win[dx*c:(dx+1)*c])
					}
				}
			}
		}
	})
	return y
}

// Backward routes each output gradient to the first input of its window
// equal to the maximum; every other input gets 0.
func (p *MaxPool2D) Backward(gradOut *Tensor) *Tensor {
	if p.x == nil {
		panic("nn: MaxPool2D.Backward before Forward")
	}
	checkSameShape("MaxPool2D gradient", gradOut.Shape, p.out.Shape)
	x, y := p.x, p.out
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	oh, ow, s := y.Shape[1], y.Shape[2], p.Size
	gx := buffer(&p.gradIn, x.Shape...)
	img, rowLen := h*w*c, ow*s*c
	parallelFor(n, max(1, elementChunk/img), func(lo, hi int) {
		var taken []uint32
		if s != 2 {
			taken = make([]uint32, ow*c)
		}
		if h%s != 0 || w%s != 0 { // inputs outside every window get 0
			clear(gx.Data[lo*img : hi*img])
		}
		for b := lo; b < hi; b++ {
			for oy := 0; oy < oh; oy++ {
				o := (b*oh + oy) * ow * c
				yr, gr := y.Data[o:o+ow*c], gradOut.Data[o:o+ow*c]
				row := func(t *Tensor, dy int) []float32 { return t.Data[((b*h+oy*s+dy)*w)*c:][:rowLen] }
				if s == 2 {
					route2x2(row(gx, 0), row(gx, 1), row(x, 0), row(x, 1), yr, gr, c)
					continue
				}
				clear(taken)
				for dy := 0; dy < s; dy++ {
					for dx := 0; dx < s; dx++ {
						routeFirstMax(row(gx, dy), row(x, dy), yr, gr, taken, s, dx, c)
					}
				}
			}
		}
	})
	return gx
}

// routeFirstMax handles window position (dy, dx) of one output row: xs is
// input row dy and gi its gradient. For each output value, gi gets g if the
// input equals the maximum y and no earlier position of the window did
// (taken), else 0. It is branch-free: pooled values make a data-dependent
// branch unpredictable.
func routeFirstMax(gi, xs, y, g []float32, taken []uint32, s, dx, c int) {
	for ox := 0; ox*c < len(y); ox++ {
		i := (ox*s + dx) * c
		gw, xw := gi[i:i+c], xs[i:i+c]
		yw, g, t := y[ox*c:(ox+1)*c], g[ox*c:(ox+1)*c], taken[ox*c:(ox+1)*c]
		for ch, m := range yw {
			e := b2u32(xw[ch] == m) &^ t[ch]
			t[ch] |= e
			gw[ch] = math.Float32frombits(math.Float32bits(g[ch]) & -e)
		}
	}
}

// route2x2 is routeFirstMax for a whole 2×2 window at once: x0, x1 are the
// two input rows of an output row y, gi0, gi1 their gradients.
func route2x2(gi0, gi1, x0, x1, y, g []float32, c int) {
	for o := 0; o < len(y); o += c {
		i := 2 * o
		a, b := x0[i:i+c], x0[i+c:i+2*c]
		d := x1[i : i+c]
		ga, gb := gi0[i:i+c], gi0[i+c:i+2*c]
		gd, ge := gi1[i:i+c], gi1[i+c:i+2*c]
		yw, gw := y[o:o+c], g[o:o+c]
		for ch, m := range yw {
			gv := math.Float32bits(gw[ch])
			ea := b2u32(a[ch] == m)
			eb := b2u32(b[ch] == m) &^ ea
			t := ea | eb
			ed := b2u32(d[ch] == m) &^ t
			ee := (t | ed) ^ 1 // the last position: none before matched
			ga[ch] = math.Float32frombits(gv & -ea)
			gb[ch] = math.Float32frombits(gv & -eb)
			gd[ch] = math.Float32frombits(gv & -ed)
			ge[ch] = math.Float32frombits(gv & -ee)
		}
	}
}

// b2u32 converts a bool to 0 or 1 (compiled without a branch).
func b2u32(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// GlobalMaxPool takes the maximum over all positions of each channel:
// [N, H, W, C] → [N, C], as Keras GlobalMaxPooling2D. The gradient flows to
// the first maximal position.
type GlobalMaxPool struct {
	inShape     []int
	arg         []int32
	out, gradIn *Tensor
}

// NewGlobalMaxPool returns a global max-pooling layer.
func NewGlobalMaxPool() *GlobalMaxPool { return &GlobalMaxPool{} }

// Kind returns "globalmaxpool".
func (p *GlobalMaxPool) Kind() string { return "globalmaxpool" }

// Params returns nil.
func (p *GlobalMaxPool) Params() []*Param { return nil }

// OutShape returns [C] for [H, W, C].
func (p *GlobalMaxPool) OutShape(in []int) []int {
	if len(in) != 3 || in[0] < 1 || in[1] < 1 {
		panic(fmt.Sprintf("nn: GlobalMaxPool input shape %v, want [H W C]", in))
	}
	return []int{in[2]}
}

// Forward computes the per-channel maxima.
func (p *GlobalMaxPool) Forward(x *Tensor, training bool) *Tensor {
	checkRank("GlobalMaxPool", x, 4)
	p.OutShape(x.Shape[1:])
	n, c := x.Shape[0], x.Shape[3]
	hw := x.Shape[1] * x.Shape[2]
	p.inShape = append(p.inShape[:0], x.Shape...)
	y := buffer(&p.out, n, c)
	if cap(p.arg) < len(y.Data) {
		p.arg = make([]int32, len(y.Data))
	}
	p.arg = p.arg[:len(y.Data)]
	parallelFor(n, max(1, 1<<14/(hw*c)), func(lo, hi int) {
		for b := lo; b < hi; b++ {
			xs := x.Data[b*hw*c : (b+1)*hw*c]
			yr, ar := y.Data[b*c:(b+1)*c], p.arg[b*c:(b+1)*c]
			copy(yr, xs[:c])
			for ch := range ar {
				ar[ch] = int32(ch)
			}
			for q := 1; q < hw; q++ {
				for ch, v := range xs[q*c : (q+1)*c] {
					if v > yr[ch] {
						yr[ch], ar[ch] = v, int32(q*c+ch)
					}
				}
			}
		}
	})
	return y
}

// Backward routes each channel's gradient to its maximal position.
func (p *GlobalMaxPool) Backward(gradOut *Tensor) *Tensor {
	if p.inShape == nil {
		panic("nn: GlobalMaxPool.Backward before Forward")
	}
	checkSameShape("GlobalMaxPool gradient", gradOut.Shape, p.out.Shape)
	return scatterMax(&p.gradIn, p.inShape, gradOut, p.arg)
}

// scatterMax returns a tensor of shape inShape that is zero except for
// gradOut's values added at the per-sample indices arg.
func scatterMax(buf **Tensor, inShape []int, gradOut *Tensor, arg []int32) *Tensor {
	gx := buffer(buf, inShape...)
	n := inShape[0]
	in, outSize := gx.SampleSize(), gradOut.SampleSize()
	parallelFor(n, max(1, elementChunk/in), func(lo, hi int) {
		clear(gx.Data[lo*in : hi*in])
		for b := lo; b < hi; b++ {
			gs := gx.Data[b*in : (b+1)*in]
			for i, v := range gradOut.Data[b*outSize : (b+1)*outSize] {
				gs[arg[b*outSize+i]] += v
			}
		}
	})
	return gx
}
