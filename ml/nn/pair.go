package nn

import (
	"fmt"
	"slices"
)

// PairAbsDiff is the head of a siamese network: its input is a batch of 2·P
// rows, the first P being the left sides of P pairs and the last P their
// right sides (stack both batches of images, run the embedding network once,
// then this layer), and its output is the P rows |left_p − right_p|,
// element-wise: [2P, ...] → [P, ...]. The gradient of |t| at t = 0 is
// taken as 0.
type PairAbsDiff struct {
	x           *Tensor
	out, gradIn *Tensor
}

// NewPairAbsDiff returns a PairAbsDiff layer.
func NewPairAbsDiff() *PairAbsDiff { return &PairAbsDiff{} }

// Kind returns "pairabsdiff".
func (p *PairAbsDiff) Kind() string { return "pairabsdiff" }

// Params returns nil.
func (p *PairAbsDiff) Params() []*Param { return nil }

// OutShape returns in.
func (p *PairAbsDiff) OutShape(in []int) []int { return slices.Clone(in) }

// Forward computes |left − right| for each pair.
func (p *PairAbsDiff) Forward(x *Tensor, training bool) *Tensor {
	if len(x.Shape) < 2 || x.Shape[0]%2 != 0 {
		panic(fmt.Sprintf("nn: PairAbsDiff wants an even batch of left then right rows, got shape %v", x.Shape))
	}
	p.x = x
	half := len(x.Data) / 2
	y := buffer(&p.out, append([]int{x.Shape[0] / 2}, x.Shape[1:]...)...)
	a, b := x.Data[:half], x.Data[half:]
	for i := range y.Data {
		d := a[i] - b[i]
		if d < 0 {
			d = -d
		}
		y.Data[i] = d
	}
	return y
}

// Backward returns g·sign(left−right) for the left rows and its negation
// for the right rows.
func (p *PairAbsDiff) Backward(gradOut *Tensor) *Tensor {
	if p.x == nil {
		panic("nn: PairAbsDiff.Backward before Forward")
	}
	checkSameShape("PairAbsDiff gradient", gradOut.Shape, p.out.Shape)
	gx := buffer(&p.gradIn, p.x.Shape...)
	half := len(p.x.Data) / 2
	a, b := p.x.Data[:half], p.x.Data[half:]
	ga, gb := gx.Data[:half], gx.Data[half:]
	for i, g := range gradOut.Data {
		switch d := a[i] - b[i]; {
		case d > 0:
			ga[i], gb[i] = g, -g
		case d < 0:
			ga[i], gb[i] = -g, g
		default:
			ga[i], gb[i] = 0, 0
		}
	}
	return gx
}
