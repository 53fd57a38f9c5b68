package nn

import (
	"context"
	"fmt"
	"strings"
)

// Sequential is a chain of layers, itself a Layer: Forward runs them in
// order, Backward in reverse. Layers may be shared between Sequentials,
// e.g. an embedding network inside a classifier built as
// NewSequential(embed, NewReLU(), NewDense(d, 10, rng)).
type Sequential struct {
	Layers []Layer
}

// NewSequential returns a Sequential of the given layers.
func NewSequential(layers ...Layer) *Sequential { return &Sequential{Layers: layers} }

// Kind returns "sequential".
func (s *Sequential) Kind() string { return "sequential" }

// Forward runs the batch x through every layer.
func (s *Sequential) Forward(x *Tensor, training bool) *Tensor {
	for _, l := range s.Layers {
		x = l.Forward(x, training)
	}
	return x
}

// Backward back-propagates ∂L/∂output through every layer, adding to the
// parameter gradients, and returns ∂L/∂input. In training, where the input
// is data, BackwardParams does the same work minus the input gradients no
// parameter needs.
func (s *Sequential) Backward(gradOut *Tensor) *Tensor {
	for i := len(s.Layers) - 1; i >= 0; i-- {
		gradOut = s.Layers[i].Backward(gradOut)
	}
	return gradOut
}

// BackwardParams adds ∂L/∂param to every parameter's gradient, like
// Backward, but stops at the first layer with parameters and skips its
// input gradient (for a convolution that is a GEMM and a col2im saved).
func (s *Sequential) BackwardParams(gradOut *Tensor) { s.backwardParams(gradOut) }

func (s *Sequential) backwardParams(gradOut *Tensor) {
	first := -1
	for i, l := range s.Layers {
		if len(l.Params()) > 0 {
			first = i
			break
		}
	}
	if first < 0 {
		return
	}
	for i := len(s.Layers) - 1; i > first; i-- {
		gradOut = s.Layers[i].Backward(gradOut)
	}
	if pb, ok := s.Layers[first].(paramBackwarder); ok {
		pb.backwardParams(gradOut)
	} else {
		s.Layers[first].Backward(gradOut)
	}
}

// Params returns the parameters of all layers in order.
func (s *Sequential) Params() []*Param {
	var ps []*Param
	for _, l := range s.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// NamedParams returns the parameters of all layers in order with their
// names: "index.kind.name" with the layer's index in Layers, its Kind and
// the parameter's Name (nested Sequentials add their own "index.sequential."
// prefix), e.g. "2.conv2d.kernel". Saved weights are matched by these names.
func (s *Sequential) NamedParams() (names []string, params []*Param) {
	return namedParams(s, "")
}

func namedParams(s *Sequential, prefix string) (names []string, params []*Param) {
	for i, l := range s.Layers {
		p := fmt.Sprintf("%s%d.%s.", prefix, i, l.Kind())
		if sub, ok := l.(*Sequential); ok {
			n, ps := namedParams(sub, p)
			names, params = append(names, n...), append(params, ps...)
			continue
		}
		for _, q := range l.Params() {
			names, params = append(names, p+q.Name), append(params, q)
		}
	}
	return names, params
}

// ZeroGrad sets every parameter gradient to zero.
func (s *Sequential) ZeroGrad() { ZeroGrads(s.Params()) }

// NumParams returns the number of trainable values.
func (s *Sequential) NumParams() int { return CountParams(s.Params()) }

// OutShape returns the per-sample output shape for a per-sample input
// shape, panicking if some layer cannot take its input.
func (s *Sequential) OutShape(in []int) []int {
	for _, l := range s.Layers {
		in = l.OutShape(in)
	}
	return in
}

// Summary describes the network for a per-sample input shape: one line per
// layer with its output shape and number of parameters, then the total.
func (s *Sequential) Summary(in []int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "input %v\n", in)
	for i, l := range s.Layers {
		in = l.OutShape(in)
		fmt.Fprintf(&b, "%2d %-14s → %-14v %9d params\n", i, l.Kind(), fmt.Sprint(in), CountParams(l.Params()))
	}
	fmt.Fprintf(&b, "total %d params", s.NumParams())
	return b.String()
}

// Predict runs the network in inference mode on x [N, ...] in batches of
// at most batch rows and returns the outputs of all rows as a new tensor.
// It checks ctx between batches and returns ctx.Err() if it is cancelled.
func (s *Sequential) Predict(ctx context.Context, x *Tensor, batch int) (*Tensor, error) {
	if batch <= 0 {
		panic(fmt.Sprintf("nn: Predict batch %d must be positive", batch))
	}
	n := x.Shape[0]
	out := NewTensor(append([]int{n}, s.OutShape(x.Shape[1:])...)...)
	in, os := x.SampleSize(), out.SampleSize()
	for lo := 0; lo < n; lo += batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi := min(lo+batch, n)
		xb := TensorFrom(x.Data[lo*in:hi*in], append([]int{hi - lo}, x.Shape[1:]...)...)
		copy(out.Data[lo*os:hi*os], s.Forward(xb, false).Data)
	}
	return out, nil
}
