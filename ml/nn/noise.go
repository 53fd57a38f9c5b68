package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// noiseStream gives each (Forward call, sample) its own random stream,
// derived from two seeds drawn when the layer is built. The noise of a
// sample therefore depends only on the seeds, how many training Forward
// calls came before, and the sample's index in the batch — not on how the
// work is split over goroutines.
type noiseStream struct {
	seed  [2]uint64
	calls uint64 // training Forward calls so far
}

func newNoiseStream(rng *rand.Rand) noiseStream {
	return noiseStream{seed: [2]uint64{rng.Uint64(), rng.Uint64()}}
}

// splitmix64 is the SplitMix64 finaliser, a bijective 64-bit mixer.
func splitmix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// seedSample seeds pcg for sample i of the current call.
func (s *noiseStream) seedSample(pcg *rand.PCG, i int) {
	pcg.Seed(splitmix64(s.seed[0]^splitmix64(s.calls)), splitmix64(s.seed[1]+uint64(i)))
}

// Dropout sets each value to zero with probability Rate (to within 2⁻¹⁷)
// during training and
// scales the kept values by 1/(1−Rate) (inverted dropout, as Keras), so
// that inference, where it is the identity, needs no rescaling.
type Dropout struct {
	Rate float32

	noise       noiseStream
	trained     bool      // the last Forward was in training mode
	mask        []float32 // 0 or 1/(1−Rate) per value of the last training Forward
	out, gradIn *Tensor
}

// NewDropout returns a Dropout layer with the given rate in [0, 1); its
// random stream is seeded from rng.
func NewDropout(rate float32, rng *rand.Rand) *Dropout {
	if !(rate >= 0 && rate < 1) {
		panic(fmt.Sprintf("nn: NewDropout(%v): rate must be in [0, 1)", rate))
	}
	return &Dropout{Rate: rate, noise: newNoiseStream(rng)}
}

// Kind returns "dropout".
func (d *Dropout) Kind() string { return "dropout" }

// Params returns nil.
func (d *Dropout) Params() []*Param { return nil }

// OutShape returns in.
func (d *Dropout) OutShape(in []int) []int { return slices.Clone(in) }

// Forward returns x unchanged outside training, else x·mask with a fresh
// random mask.
func (d *Dropout) Forward(x *Tensor, training bool) *Tensor {
	d.trained = training && d.Rate > 0
	if !d.trained {
		return x
	}
	d.noise.calls++
	if cap(d.mask) < len(x.Data) {
		d.mask = make([]float32, len(x.Data))
	}
	d.mask = d.mask[:len(x.Data)]
	y := buffer(&d.out, x.Shape...)
	n, s := x.Shape[0], x.SampleSize()
	keep := float32(1 / (1 - float64(d.Rate)))
	// A value is dropped when a 16-bit uniform draw u satisfies
	// u < round(Rate·2¹⁶): the rate is used to within 2⁻¹⁷, and one 64-bit
	// draw serves four values.
	threshold := uint64(math.Round(float64(d.Rate) * (1 << 16)))
	parallelFor(n, max(1, elementChunk/max(1, s)), func(lo, hi int) {
		var pcg rand.PCG
		for b := lo; b < hi; b++ {
			d.noise.seedSample(&pcg, b)
			m, xs, ys := d.mask[b*s:(b+1)*s], x.Data[b*s:(b+1)*s], y.Data[b*s:(b+1)*s]
			var u uint64
			for i := range m {
				if i%4 == 0 {
					u = pcg.Uint64()
				}
				// Branch-free: all ones when kept, zero when dropped.
				kept := uint32(0) - uint32(((u&0xffff)-threshold)>>63^1)
				m[i] = math.Float32frombits(math.Float32bits(keep) & kept)
				ys[i] = xs[i] * m[i]
				u >>= 16
			}
		}
	})
	return y
}

// Backward returns gradOut·mask (gradOut itself outside training).
func (d *Dropout) Backward(gradOut *Tensor) *Tensor {
	if !d.trained {
		return gradOut
	}
	if len(gradOut.Data) != len(d.mask) {
		panic(fmt.Sprintf("nn: Dropout gradient shape %v does not match the last Forward", gradOut.Shape))
	}
	gx := buffer(&d.gradIn, gradOut.Shape...)
	parallelFor(len(d.mask), elementChunk, func(lo, hi int) {
		gs, m := gx.Data[lo:hi], d.mask[lo:hi]
		for i, g := range gradOut.Data[lo:hi] {
			gs[i] = g * m[i]
		}
	})
	return gx
}

// GaussianNoise adds independent N(0, StdDev²) noise to every value during
// training and is the identity in inference, as Keras GaussianNoise. Its
// gradient is the identity.
type GaussianNoise struct {
	StdDev float32

	noise noiseStream
	out   *Tensor
}

// NewGaussianNoise returns a GaussianNoise layer with the given standard
// deviation (≥ 0); its random stream is seeded from rng.
func NewGaussianNoise(stddev float32, rng *rand.Rand) *GaussianNoise {
	if !(stddev >= 0) {
		panic(fmt.Sprintf("nn: NewGaussianNoise(%v): stddev must be ≥ 0", stddev))
	}
	return &GaussianNoise{StdDev: stddev, noise: newNoiseStream(rng)}
}

// Kind returns "gaussiannoise".
func (g *GaussianNoise) Kind() string { return "gaussiannoise" }

// Params returns nil.
func (g *GaussianNoise) Params() []*Param { return nil }

// OutShape returns in.
func (g *GaussianNoise) OutShape(in []int) []int { return slices.Clone(in) }

// Forward returns x unchanged outside training, else x plus fresh noise.
func (g *GaussianNoise) Forward(x *Tensor, training bool) *Tensor {
	if !training || g.StdDev == 0 {
		return x
	}
	g.noise.calls++
	y := buffer(&g.out, x.Shape...)
	n, s := x.Shape[0], x.SampleSize()
	sd := float64(g.StdDev)
	parallelFor(n, max(1, elementChunk/8/max(1, s)), func(lo, hi int) {
		var pcg rand.PCG
		r := rand.New(&pcg)
		for b := lo; b < hi; b++ {
			g.noise.seedSample(&pcg, b)
			xs, ys := x.Data[b*s:(b+1)*s], y.Data[b*s:(b+1)*s]
			for i, v := range xs {
				ys[i] = v + float32(sd*r.NormFloat64())
			}
		}
	})
	return y
}

// Backward returns gradOut itself.
func (g *GaussianNoise) Backward(gradOut *Tensor) *Tensor { return gradOut }
