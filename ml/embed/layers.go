package embed

import (
	"fmt"
	"slices"

	"embedscope/ml/nn"
)

// samePool is 2×2 max-pooling with stride 2 and 'same' padding (Keras
// MaxPooling2D((2, 2), padding='same')): [N, H, W, C] → [N, ⌈H/2⌉, ⌈W/2⌉,
// C], a window that runs past an odd edge taking the maximum of the
// values inside the image. An odd image is padded at the bottom and the
// right by repeating its last row and column, then pooled by
// nn.MaxPool2D: a repeated value never exceeds its original and comes
// after it in its window, so the outputs and the gradient routing (to the
// first maximum) are those of padding with −∞. Backward adds the gradient
// of the repeated values (always 0) back to their originals.
type samePool struct {
	pool *nn.MaxPool2D

	inShape        []int
	padded, gradIn *nn.Tensor
}

func newSamePool() *samePool { return &samePool{pool: nn.NewMaxPool2D(2)} }

// Kind returns "maxpool2d_same".
func (p *samePool) Kind() string { return "maxpool2d_same" }

// Params returns nil.
func (p *samePool) Params() []*nn.Param { return nil }

// OutShape returns [⌈H/2⌉, ⌈W/2⌉, C] for [H, W, C].
func (p *samePool) OutShape(in []int) []int {
	if len(in) != 3 || in[0] < 1 || in[1] < 1 {
		panic(fmt.Sprintf("embed: samePool input shape %v, want [H W C]", in))
	}
	return []int{(in[0] + 1) / 2, (in[1] + 1) / 2, in[2]}
}

// Forward pools x, padding it first when a side is odd.
func (p *samePool) Forward(x *nn.Tensor, training bool) *nn.Tensor {
	p.inShape = append(p.inShape[:0], x.Shape...)
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	if h%2 == 0 && w%2 == 0 {
		return p.pool.Forward(x, training)
	}
	ph, pw := h+h%2, w+w%2
	xp := reuse(&p.padded, n, ph, pw, c)
	for b := range n {
		for i := range ph {
			src := x.Data[((b*h+min(i, h-1))*w)*c:][:w*c]
			dst := xp.Data[((b*ph+i)*pw)*c:][:pw*c]
			copy(dst, src)
			if pw > w {
				copy(dst[w*c:], src[(w-1)*c:])
			}
		}
	}
	return p.pool.Forward(xp, training)
}

// Backward routes the gradient through the pooling and folds the padding
// back.
func (p *samePool) Backward(gradOut *nn.Tensor) *nn.Tensor {
	gp := p.pool.Backward(gradOut)
	n, h, w, c := p.inShape[0], p.inShape[1], p.inShape[2], p.inShape[3]
	if h%2 == 0 && w%2 == 0 {
		return gp
	}
	ph, pw := h+h%2, w+w%2
	gx := reuse(&p.gradIn, p.inShape...)
	for b := range n {
		for i := range h {
			src := gp.Data[((b*ph+i)*pw)*c:][:pw*c]
			dst := gx.Data[((b*h+i)*w)*c:][:w*c]
			copy(dst, src[:w*c])
			if pw > w {
				addInto(dst[(w-1)*c:], src[w*c:])
			}
		}
		if ph > h { // the repeated last row
			src := gp.Data[((b*ph+h)*pw)*c:][:pw*c]
			dst := gx.Data[((b*h+h-1)*w)*c:][:w*c]
			addInto(dst, src[:w*c])
			if pw > w {
				addInto(dst[(w-1)*c:], src[w*c:])
			}
		}
	}
	return gx
}

func addInto(dst, src []float32) {
	for i, v := range src {
		dst[i] += v
	}
}

// crop keeps the top-left H×W of NHWC images: [N, h, w, C] → [N, H, W, C]
// with h ≥ H, w ≥ W. The autoencoders' decoders use it after
// up-sampling to undo the padding of samePool (8×8 → 7×7 for 28×28
// images). When nothing is cut, Forward and Backward return their
// arguments.
type crop struct {
	H, W int

	inShape     []int
	out, gradIn *nn.Tensor
}

// Kind returns "crop2d".
func (r *crop) Kind() string { return "crop2d" }

// Params returns nil.
func (r *crop) Params() []*nn.Param { return nil }

// OutShape returns [H, W, C] for [h, w, C].
func (r *crop) OutShape(in []int) []int {
	if len(in) != 3 || in[0] < r.H || in[1] < r.W {
		panic(fmt.Sprintf("embed: crop to %d×%d of input shape %v", r.H, r.W, in))
	}
	return []int{r.H, r.W, in[2]}
}

// Forward copies the top-left H×W of every image.
func (r *crop) Forward(x *nn.Tensor, training bool) *nn.Tensor {
	r.OutShape(x.Shape[1:])
	r.inShape = append(r.inShape[:0], x.Shape...)
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	if h == r.H && w == r.W {
		return x
	}
	y := reuse(&r.out, n, r.H, r.W, c)
	for b := range n {
		for i := range r.H {
			copy(y.Data[((b*r.H+i)*r.W)*c:][:r.W*c], x.Data[((b*h+i)*w)*c:])
		}
	}
	return y
}

// Backward places the gradient in the top-left H×W, zero elsewhere.
func (r *crop) Backward(gradOut *nn.Tensor) *nn.Tensor {
	n, h, w, c := r.inShape[0], r.inShape[1], r.inShape[2], r.inShape[3]
	if h == r.H && w == r.W {
		return gradOut
	}
	gx := reuse(&r.gradIn, r.inShape...)
	clear(gx.Data)
	for b := range n {
		for i := range r.H {
			copy(gx.Data[((b*h+i)*w)*c:][:r.W*c], gradOut.Data[((b*r.H+i)*r.W)*c:])
		}
	}
	return gx
}

// reuse returns a tensor of the given shape backed by *buf, reallocated
// only when the shape changes.
func reuse(buf **nn.Tensor, shape ...int) *nn.Tensor {
	if *buf == nil || !slices.Equal((*buf).Shape, shape) {
		*buf = nn.NewTensor(shape...)
	}
	return *buf
}
