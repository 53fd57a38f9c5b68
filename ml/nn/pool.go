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
// maximum. Size is at most 16.
type MaxPool2D struct {
	Size int

	inShape     []int
	arg         []uint8 // per output: the window position (dy·Size + dx) its gradient goes to
	out, gradIn *Tensor
}

// maxPoolSize is the largest window side: window positions fit in a byte.
const maxPoolSize = 16

// NewMaxPool2D returns a max-pooling layer with size×size windows, 1 ≤ size
// ≤ 16.
func NewMaxPool2D(size int) *MaxPool2D {
	if size <= 0 || size > maxPoolSize {
		panic(fmt.Sprintf("nn: NewMaxPool2D(%d): size must be in [1, %d]", size, maxPoolSize))
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

// Forward computes the window maxima and remembers where each is (the
// first position holding it), which is all Backward needs.
func (p *MaxPool2D) Forward(x *Tensor, training bool) *Tensor {
	checkRank("MaxPool2D", x, 4)
	os := p.OutShape(x.Shape[1:])
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	oh, ow, s := os[0], os[1], p.Size
	p.inShape = append(p.inShape[:0], x.Shape...)
	y := buffer(&p.out, n, oh, ow, c)
	if cap(p.arg) < len(y.Data) {
		p.arg = make([]uint8, len(y.Data))
	}
	p.arg = p.arg[:len(y.Data)]
	parallelFor(n, max(1, elementChunk/(h*w*c)), func(lo, hi int) {
		var tmp []float32
		if s == 2 {
			tmp = make([]float32, ow*s*c)
		}
		for b := lo; b < hi; b++ {
			for oy := 0; oy < oh; oy++ {
				o := (b*oh + oy) * ow * c
				yr, ar := y.Data[o:o+ow*c], p.arg[o:o+ow*c]
				row := func(dy int) []float32 { return x.Data[((b*h+oy*s+dy)*w)*c:][:ow*s*c] }
				if s == 2 {
					max2x2(yr, ar, row(0), row(1), tmp, c)
					continue
				}
				maxRows(yr, ar, row, s, c)
			}
		}
	})
	return y
}

// max2x2 pools one output row of 2×2 windows: x0 and x1 are the two input
// rows, y and arg the outputs and their window positions (0 to 3 in
// row-major order, the first one holding the maximum); tmp is scratch
// space of len(x0). The maxima are taken with vek32 (SIMD), first across
// the two rows, then across the two pixels of each window; the positions
// follow without a branch (pooled values make data-dependent branches
// unpredictable): a is the first maximum unless a < m, and so on.
func max2x2(y []float32, arg []uint8, x0, x1, tmp []float32, c int) {
	vek32.Maximum_Into(tmp, x0, x1)
	for o := 0; o+c <= len(y); o += c {
		vek32.Maximum_Into(y[o:o+c], tmp[2*o:2*o+c], tmp[2*o+c:2*o+2*c])
	}
	for o := 0; o+c <= len(y); o += c {
		i := 2 * o
		yw := y[o : o+c]
		aw := arg[o : o+len(yw)]
		a, b, d := x0[i:i+len(yw)], x0[i+c:i+c+len(yw)], x1[i:i+len(yw)]
		for ch, m := range yw {
			// 0 if a is the maximum, else 1 + (0 if b is, else 1 + (0 if d is, else 1)).
			na, nb, nd := b2u8(a[ch] < m), b2u8(b[ch] < m), b2u8(d[ch] < m)
			aw[ch] = na * (1 + nb*(1+nd))
		}
	}
}

// b2u8 converts a bool to 0 or 1 (compiled without a branch).
func b2u8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// pick returns (v, j) if cond, else (m, k), without a branch.
func pick(cond bool, v, m float32, j, k uint8) (float32, uint8) {
	t := b2u32(cond)
	mask := -t
	return math.Float32frombits(math.Float32bits(v)&mask | math.Float32bits(m)&^mask), j*uint8(t) | k*uint8(t^1)
}

// b2u32 converts a bool to 0 or 1 (compiled without a branch).
func b2u32(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// maxRows is max2x2 for any window size s: row(dy) is input row dy of the
// output row.
func maxRows(y []float32, arg []uint8, row func(dy int) []float32, s, c int) {
	for ox := 0; ox*c < len(y); ox++ {
		yw, aw := y[ox*c:(ox+1)*c], arg[ox*c:(ox+1)*c]
		for dy := 0; dy < s; dy++ {
			r := row(dy)
			for dx := 0; dx < s; dx++ {
				xw := r[(ox*s+dx)*c : (ox*s+dx+1)*c]
				j := uint8(dy*s + dx)
				if j == 0 {
					copy(yw, xw)
					clear(aw)
					continue
				}
				for ch, v := range xw {
					yw[ch], aw[ch] = pick(v > yw[ch], v, yw[ch], j, aw[ch])
				}
			}
		}
	}
}

// Backward routes each output gradient to the position of its window
// that Forward found; every other input gets 0.
func (p *MaxPool2D) Backward(gradOut *Tensor) *Tensor {
	if p.inShape == nil {
		panic("nn: MaxPool2D.Backward before Forward")
	}
	checkSameShape("MaxPool2D gradient", gradOut.Shape, p.out.Shape)
	n, h, w, c := p.inShape[0], p.inShape[1], p.inShape[2], p.inShape[3]
	oh, ow, s := p.out.Shape[1], p.out.Shape[2], p.Size
	gx := buffer(&p.gradIn, p.inShape...)
	img, rowLen := h*w*c, ow*s*c
	parallelFor(n, max(1, elementChunk/img), func(lo, hi int) {
		if h%s != 0 || w%s != 0 || s != 2 { // inputs outside every window, or the general path, need zeros
			clear(gx.Data[lo*img : hi*img])
		}
		for b := lo; b < hi; b++ {
			for oy := 0; oy < oh; oy++ {
				o := (b*oh + oy) * ow * c
				gr, ar := gradOut.Data[o:o+ow*c], p.arg[o:o+ow*c]
				row := func(dy int) []float32 { return gx.Data[((b*h+oy*s+dy)*w)*c:][:rowLen] }
				if s == 2 {
					route2x2(gx.Data[((b*h+oy*s)*w)*c:][:w*c+rowLen], w*c, gr, ar, c)
					continue
				}
				for ox := 0; ox < ow; ox++ {
					for ch := 0; ch < c; ch++ {
						j := int(ar[ox*c+ch])
						row(j / s)[(ox*s+j%s)*c+ch] = gr[ox*c+ch]
					}
				}
			}
		}
	})
	return gx
}

// route2x2 writes the gradient of one output row of 2×2 windows into gi,
// which holds the two input rows (the second starting at offset stride):
// each output gradient g goes to the window position in arg, the other
// three get 0 (the rows are cleared first, then each gradient stored
// once).
func route2x2(gi []float32, stride int, g []float32, arg []uint8, c int) {
	clear(gi[:len(gi)-stride])
	clear(gi[stride:])
	off := [4]int{0, c, stride, stride + c}
	for o := 0; o+c <= len(g); o += c {
		gw := g[o : o+c]
		aw := arg[o : o+len(gw)]
		for ch, k := range aw {
			gi[off[k&3]+2*o+ch] = gw[ch]
		}
	}
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
