package nn

import (
	"fmt"
	"slices"
)

// Reshape gives each sample a new shape with the same number of values,
// without moving data: [N, ...] → [N, Shape...]. Forward and Backward return
// views of their arguments.
type Reshape struct {
	Shape []int // per-sample output shape

	inShape []int
}

// NewReshape returns a layer that reshapes each sample to shape.
func NewReshape(shape ...int) *Reshape { return &Reshape{Shape: slices.Clone(shape)} }

// NewFlatten returns a layer that flattens each sample: [N, ...] → [N, F],
// in row-major (NHWC) order as Keras Flatten with channels last.
func NewFlatten() *Reshape { return &Reshape{} }

// Kind returns "flatten" for a Flatten layer, "reshape" otherwise.
func (r *Reshape) Kind() string {
	if r.Shape == nil {
		return "flatten"
	}
	return "reshape"
}

// Params returns nil.
func (r *Reshape) Params() []*Param { return nil }

// OutShape returns the target shape ([F] for Flatten).
func (r *Reshape) OutShape(in []int) []int {
	n := shapeSize(in)
	if r.Shape == nil {
		return []int{n}
	}
	if shapeSize(r.Shape) != n {
		panic(fmt.Sprintf("nn: Reshape%v of a sample of shape %v", r.Shape, in))
	}
	return slices.Clone(r.Shape)
}

// Forward returns x viewed with the new per-sample shape.
func (r *Reshape) Forward(x *Tensor, training bool) *Tensor {
	r.inShape = append(r.inShape[:0], x.Shape...)
	return x.Reshape(append([]int{x.Shape[0]}, r.OutShape(x.Shape[1:])...)...)
}

// Backward returns gradOut viewed with the input's shape.
func (r *Reshape) Backward(gradOut *Tensor) *Tensor {
	if r.inShape == nil {
		panic("nn: Reshape.Backward before Forward")
	}
	return gradOut.Reshape(r.inShape...)
}

// UpSampling2D repeats every pixel of NHWC images SH times vertically and
// SW times horizontally (nearest neighbour, as Keras UpSampling2D):
// y[n, i, j, c] = x[n, ⌊i/SH⌋, ⌊j/SW⌋, c], [N, H, W, C] → [N, H·SH, W·SW, C].
type UpSampling2D struct {
	SH, SW int

	inShape     []int
	out, gradIn *Tensor
}

// NewUpSampling2D returns an up-sampling layer with factors sh and sw.
func NewUpSampling2D(sh, sw int) *UpSampling2D {
	if sh <= 0 || sw <= 0 {
		panic(fmt.Sprintf("nn: NewUpSampling2D(%d, %d): factors must be positive", sh, sw))
	}
	return &UpSampling2D{SH: sh, SW: sw}
}

// Kind returns "upsampling2d".
func (u *UpSampling2D) Kind() string { return "upsampling2d" }

// Params returns nil.
func (u *UpSampling2D) Params() []*Param { return nil }

// OutShape returns [H·SH, W·SW, C] for [H, W, C].
func (u *UpSampling2D) OutShape(in []int) []int {
	if len(in) != 3 {
		panic(fmt.Sprintf("nn: UpSampling2D input shape %v, want [H W C]", in))
	}
	return []int{in[0] * u.SH, in[1] * u.SW, in[2]}
}

// Forward repeats the pixels.
func (u *UpSampling2D) Forward(x *Tensor, training bool) *Tensor {
	checkRank("UpSampling2D", x, 4)
	n, h, w, c := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	u.inShape = append(u.inShape[:0], x.Shape...)
	oh, ow := h*u.SH, w*u.SW
	y := buffer(&u.out, n, oh, ow, c)
	parallelFor(n, max(1, elementChunk/max(1, oh*ow*c)), func(lo, hi int) {
		for b := lo; b < hi; b++ {
			for i := 0; i < oh; i++ {
				src := x.Data[((b*h+i/u.SH)*w)*c:][:w*c]
				dst := y.Data[((b*oh+i)*ow)*c:][:ow*c]
				for j := 0; j < ow; j++ {
					copy(dst[j*c:(j+1)*c], src[(j/u.SW)*c:])
				}
			}
		}
	})
	return y
}

// Backward sums the gradient over each repeated block.
func (u *UpSampling2D) Backward(gradOut *Tensor) *Tensor {
	if u.inShape == nil {
		panic("nn: UpSampling2D.Backward before Forward")
	}
	checkSameShape("UpSampling2D gradient", gradOut.Shape, u.out.Shape)
	n, h, w, c := u.inShape[0], u.inShape[1], u.inShape[2], u.inShape[3]
	oh, ow := h*u.SH, w*u.SW
	gx := buffer(&u.gradIn, u.inShape...)
	parallelFor(n, max(1, elementChunk/max(1, oh*ow*c)), func(lo, hi int) {
		clear(gx.Data[lo*h*w*c : hi*h*w*c])
		for b := lo; b < hi; b++ {
			for i := 0; i < oh; i++ {
				src := gradOut.Data[((b*oh+i)*ow)*c:][:ow*c]
				dst := gx.Data[((b*h+i/u.SH)*w)*c:][:w*c]
				for j := 0; j < ow; j++ {
					addTo(dst[(j/u.SW)*c:(j/u.SW+1)*c], src[j*c:(j+1)*c])
				}
			}
		}
	})
	return gx
}
