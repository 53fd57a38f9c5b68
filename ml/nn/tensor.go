package nn

import (
	"fmt"
	"slices"
)

// Tensor is a dense float32 array stored in row-major order. The first
// dimension is always the batch: a batch of N vectors is [N, F], a batch of
// N images is [N, H, W, C] (NHWC, channels last, as in Keras). Sample i of
// the batch is Data[i*S : (i+1)*S] with S the product of Shape[1:].
type Tensor struct {
	Shape []int
	Data  []float32
}

// NewTensor returns a zero tensor of the given shape.
func NewTensor(shape ...int) *Tensor {
	return &Tensor{Shape: slices.Clone(shape), Data: make([]float32, shapeSize(shape))}
}

// TensorFrom wraps data (not copied) as a tensor of the given shape. It
// panics if len(data) is not the product of shape.
func TensorFrom(data []float32, shape ...int) *Tensor {
	if len(data) != shapeSize(shape) {
		panic(fmt.Sprintf("nn: TensorFrom: %d values for shape %v", len(data), shape))
	}
	return &Tensor{Shape: slices.Clone(shape), Data: data}
}

// Batch returns the size of the first dimension.
func (t *Tensor) Batch() int { return t.Shape[0] }

// SampleSize returns the number of values of one sample: the product of
// Shape[1:].
func (t *Tensor) SampleSize() int { return shapeSize(t.Shape[1:]) }

// Sample returns the values of sample i (a view, not a copy).
func (t *Tensor) Sample(i int) []float32 {
	s := t.SampleSize()
	return t.Data[i*s : (i+1)*s : (i+1)*s]
}

// Reshape returns a view of t with another shape of the same size. It
// panics if the sizes differ.
func (t *Tensor) Reshape(shape ...int) *Tensor { return TensorFrom(t.Data, shape...) }

// Clone returns a deep copy of t.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: slices.Clone(t.Shape), Data: slices.Clone(t.Data)}
}

// String describes the tensor's shape.
func (t *Tensor) String() string { return fmt.Sprintf("Tensor%v", t.Shape) }

// shapeSize is the product of the dimensions of shape (1 for a scalar).
func shapeSize(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("nn: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return n
}

// buffer returns a tensor of the given shape backed by *buf, growing *buf
// when it is too small. Layers keep their outputs and gradients in such
// buffers so that a training loop allocates nothing per batch. The contents
// are not cleared.
func buffer(buf **Tensor, shape ...int) *Tensor {
	n := shapeSize(shape)
	t := *buf
	if t == nil {
		t = &Tensor{}
		*buf = t
	}
	if cap(t.Data) < n {
		t.Data = make([]float32, n)
	}
	t.Data = t.Data[:n]
	t.Shape = append(t.Shape[:0], shape...)
	return t
}

// checkRank panics unless x has the given number of dimensions.
func checkRank(layer string, x *Tensor, rank int) {
	if len(x.Shape) != rank {
		panic(fmt.Sprintf("nn: %s wants a rank-%d input, got shape %v", layer, rank, x.Shape))
	}
	if len(x.Data) != shapeSize(x.Shape) {
		panic(fmt.Sprintf("nn: %s: tensor of shape %v holds %d values", layer, x.Shape, len(x.Data)))
	}
}

// checkSameShape panics unless a and b have equal shapes.
func checkSameShape(what string, a, b []int) {
	if !slices.Equal(a, b) {
		panic(fmt.Sprintf("nn: %s: shape %v, want %v", what, a, b))
	}
}
