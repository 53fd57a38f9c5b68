package nn

import (
	"math"
	"slices"

	"github.com/viterin/vek/vek32"
)

// elementChunk is the smallest number of values an element-wise loop hands
// to one goroutine.
const elementChunk = 1 << 15

// ReLU computes y = max(x, 0) element-wise, for any shape. Its gradient at
// x = 0 is taken as 0.
type ReLU struct {
	out, gradIn *Tensor
}

// NewReLU returns a ReLU layer.
func NewReLU() *ReLU { return &ReLU{} }

// Kind returns "relu".
func (r *ReLU) Kind() string { return "relu" }

// Params returns nil.
func (r *ReLU) Params() []*Param { return nil }

// OutShape returns in.
func (r *ReLU) OutShape(in []int) []int { return slices.Clone(in) }

// Forward computes max(x, 0).
func (r *ReLU) Forward(x *Tensor, training bool) *Tensor {
	checkRank("ReLU", x, len(x.Shape))
	y := buffer(&r.out, x.Shape...)
	parallelFor(len(x.Data), elementChunk, func(lo, hi int) {
		vek32.MaximumNumber_Into(y.Data[lo:hi], x.Data[lo:hi], 0)
	})
	return y
}

// Backward returns gradOut where the output was positive, 0 elsewhere.
func (r *ReLU) Backward(gradOut *Tensor) *Tensor {
	if r.out == nil {
		panic("nn: ReLU.Backward before Forward")
	}
	checkSameShape("ReLU gradient", gradOut.Shape, r.out.Shape)
	gx := buffer(&r.gradIn, gradOut.Shape...)
	y := r.out.Data
	parallelFor(len(y), elementChunk, func(lo, hi int) {
		reluMask(gx.Data[lo:hi], gradOut.Data[lo:hi], y[lo:hi])
	})
	return gx
}

// reluMask sets gi = g where y > 0 and 0 elsewhere, without branches
// (the sign of activations is unpredictable).
func reluMask(gi, g, y []float32) {
	g, y = g[:len(gi)], y[:len(gi)]
	for i, v := range y {
		gi[i] = math.Float32frombits(math.Float32bits(g[i]) & -b2u32(v > 0))
	}
}

// Sigmoid computes y = 1/(1+e^(−x)) element-wise, for any shape.
type Sigmoid struct {
	out, gradIn *Tensor
}

// NewSigmoid returns a Sigmoid layer.
func NewSigmoid() *Sigmoid { return &Sigmoid{} }

// Kind returns "sigmoid".
func (s *Sigmoid) Kind() string { return "sigmoid" }

// Params returns nil.
func (s *Sigmoid) Params() []*Param { return nil }

// OutShape returns in.
func (s *Sigmoid) OutShape(in []int) []int { return slices.Clone(in) }

// Forward computes the logistic function of x.
func (s *Sigmoid) Forward(x *Tensor, training bool) *Tensor {
	checkRank("Sigmoid", x, len(x.Shape))
	y := buffer(&s.out, x.Shape...)
	parallelFor(len(x.Data), elementChunk/8, func(lo, hi int) {
		ys := y.Data[lo:hi]
		for i, v := range x.Data[lo:hi] {
			ys[i] = sigmoid(v)
		}
	})
	return y
}

// Backward returns gradOut·y·(1−y).
func (s *Sigmoid) Backward(gradOut *Tensor) *Tensor {
	if s.out == nil {
		panic("nn: Sigmoid.Backward before Forward")
	}
	checkSameShape("Sigmoid gradient", gradOut.Shape, s.out.Shape)
	gx := buffer(&s.gradIn, gradOut.Shape...)
	y := s.out.Data
	parallelFor(len(y), elementChunk, func(lo, hi int) {
		gs, ys := gx.Data[lo:hi], y[lo:hi]
		for i, g := range gradOut.Data[lo:hi] {
			gs[i] = g * ys[i] * (1 - ys[i])
		}
	})
	return gx
}

// sigmoid is the logistic function, computed without overflow for any x.
func sigmoid(x float32) float32 {
	if x >= 0 {
		return float32(1 / (1 + math.Exp(-float64(x))))
	}
	e := math.Exp(float64(x))
	return float32(e / (1 + e))
}
