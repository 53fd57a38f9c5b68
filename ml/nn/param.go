package nn

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Param is one trainable array of a layer with its gradient. Value and Grad
// have the same length, the product of Shape. Backward adds to Grad (it
// never overwrites it), so gradients of several backward passes accumulate
// until ZeroGrad.
type Param struct {
	Name  string // the layer's name for it: "kernel" or "bias"
	Shape []int  // e.g. [in, out] for a Dense kernel, [KH, KW, InC, OutC] for a Conv2D kernel
	Value []float32
	Grad  []float32
}

// newParam returns a zero parameter of the given shape.
func newParam(name string, shape ...int) *Param {
	n := shapeSize(shape)
	return &Param{Name: name, Shape: slices.Clone(shape), Value: make([]float32, n), Grad: make([]float32, n)}
}

// ZeroGrad sets the gradient of p to zero.
func (p *Param) ZeroGrad() { clear(p.Grad) }

// glorotUniform fills v with draws from U(−l, l), l = √(6/(fanIn+fanOut)),
// Keras' default kernel initialiser. For a Dense kernel fanIn and fanOut are
// its input and output sizes; for a convolution kernel they are multiplied
// by the receptive field KH·KW, as in Keras.
func glorotUniform(v []float32, fanIn, fanOut int, rng *rand.Rand) {
	limit := math.Sqrt(6 / float64(fanIn+fanOut))
	for i := range v {
		v[i] = float32((2*rng.Float64() - 1) * limit)
	}
}

// AllFinite reports whether every value of x is finite (no NaN, no ±Inf).
// It is cheap enough to call on a loss or on all parameters after each step.
func AllFinite(x []float32) bool {
	const big = math.MaxFloat32
	for _, v := range x {
		// NaN fails both comparisons; ±Inf fails one.
		if !(v <= big && v >= -big) {
			return false
		}
	}
	return true
}

// ParamsFinite reports whether every value of every parameter in ps is
// finite.
func ParamsFinite(ps []*Param) bool {
	for _, p := range ps {
		if !AllFinite(p.Value) {
			return false
		}
	}
	return true
}

// ZeroGrads sets the gradients of all ps to zero.
func ZeroGrads(ps []*Param) {
	for _, p := range ps {
		p.ZeroGrad()
	}
}

// CountParams returns the total number of values in ps.
func CountParams(ps []*Param) int {
	n := 0
	for _, p := range ps {
		n += len(p.Value)
	}
	return n
}
