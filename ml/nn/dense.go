package nn

import (
	"fmt"
	"math/rand/v2"
)

// Dense is a fully connected layer: for an input x of shape [N, In] it
// computes y = x·K + b, y of shape [N, Out], with the kernel K of shape
// [In, Out] (row-major, as a Keras Dense kernel) and the bias b of length
// Out. There is no activation; follow it with ReLU or Sigmoid.
type Dense struct {
	In, Out int
	Kernel  *Param // [In, Out], Glorot-uniform initialised
	Bias    *Param // [Out], zero initialised

	x           *Tensor // input of the last Forward
	out, gradIn *Tensor
}

// NewDense returns a Dense layer from in to out units, its kernel drawn
// from rng (Glorot uniform) and its bias zero.
func NewDense(in, out int, rng *rand.Rand) *Dense {
	if in <= 0 || out <= 0 {
		panic(fmt.Sprintf("nn: NewDense(%d, %d): sizes must be positive", in, out))
	}
	d := &Dense{In: in, Out: out, Kernel: newParam("kernel", in, out), Bias: newParam("bias", out)}
	glorotUniform(d.Kernel.Value, in, out, rng)
	return d
}

// Kind returns "dense".
func (d *Dense) Kind() string { return "dense" }

// Params returns the kernel and the bias.
func (d *Dense) Params() []*Param { return []*Param{d.Kernel, d.Bias} }

// OutShape returns [Out] for the input shape [In].
func (d *Dense) OutShape(in []int) []int {
	checkSameShape("Dense input", in, []int{d.In})
	return []int{d.Out}
}

// Forward computes y = x·K + b.
func (d *Dense) Forward(x *Tensor, training bool) *Tensor {
	checkRank("Dense", x, 2)
	checkSameShape("Dense input", x.Shape[1:], []int{d.In})
	n := x.Shape[0]
	d.x = x
	y := buffer(&d.out, n, d.Out)
	fillRows(y.Data, d.Bias.Value, n, d.Out)
	gemm(false, false, n, d.Out, d.In, 1, x.Data, d.In, d.Kernel.Value, d.Out, 1, y.Data, d.Out)
	return y
}

// Backward adds xᵀ·g to the kernel gradient and the column sums of g to the
// bias gradient, and returns g·Kᵀ.
func (d *Dense) Backward(gradOut *Tensor) *Tensor {
	d.backwardParams(gradOut)
	n := gradOut.Shape[0]
	gx := buffer(&d.gradIn, n, d.In)
	gemm(false, true, n, d.In, d.Out, 1, gradOut.Data, d.Out, d.Kernel.Value, d.Out, 0, gx.Data, d.In)
	return gx
}

func (d *Dense) backwardParams(gradOut *Tensor) {
	if d.x == nil {
		panic("nn: Dense.Backward before Forward")
	}
	n := d.x.Shape[0]
	checkSameShape("Dense gradient", gradOut.Shape, []int{n, d.Out})
	gemm(true, false, d.In, d.Out, n, 1, d.x.Data, d.In, gradOut.Data, d.Out, 1, d.Kernel.Grad, d.Out)
	addColumnSums(d.Bias.Grad, gradOut.Data, n, d.Out)
}
