package nn

import (
	"math"
)

// Optimizer updates parameters from their accumulated gradients. Step does
// not clear the gradients: call ZeroGrads (or Sequential.ZeroGrad) before
// the next backward pass.
type Optimizer interface {
	Step()
}

// Schedule gives a hyper-parameter (learning rate, momentum) for a step,
// counted from 0 for the first Step of an optimiser.
type Schedule func(step int) float64

// Adam is the Adam optimiser (Kingma & Ba 2015) in the form Keras uses.
// At step t = 1, 2, … with gradient g:
//
//	m ← m + (1−β1)(g − m)
//	v ← v + (1−β2)(g² − v)
//	p ← p − α·m/(√v + ε),  α = lr·√(1−β2^t)/(1−β1^t)
//
// (ε is added to the uncorrected √v, as Keras and TensorFlow do). When a
// schedule is set it replaces the fixed value for every step; a β1
// schedule (the momentum of one-cycle) uses the current β1 in the bias
// correction, as PyTorch does.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	LRSchedule            Schedule // if not nil, the learning rate of each step
	Beta1Schedule         Schedule // if not nil, β1 of each step

	params []*Param
	m, v   [][]float32
	t      int
}

// NewAdam returns an Adam optimiser for params with the Keras defaults:
// lr 0.001, β1 0.9, β2 0.999, ε 1e-7.
func NewAdam(params []*Param) *Adam {
	a := &Adam{LR: 0.001, Beta1: 0.9, Beta2: 0.999, Eps: 1e-7, params: params}
	for _, p := range params {
		a.m = append(a.m, make([]float32, len(p.Value)))
		a.v = append(a.v, make([]float32, len(p.Value)))
	}
	return a
}

// Steps returns the number of steps taken.
func (a *Adam) Steps() int { return a.t }

// Step applies one Adam update to every parameter.
func (a *Adam) Step() {
	lr, b1 := a.LR, a.Beta1
	if a.LRSchedule != nil {
		lr = a.LRSchedule(a.t)
	}
	if a.Beta1Schedule != nil {
		b1 = a.Beta1Schedule(a.t)
	}
	a.t++
	t := float64(a.t)
	alpha := float32(lr * math.Sqrt(1-math.Pow(a.Beta2, t)) / (1 - math.Pow(b1, t)))
	c1, c2, eps := float32(1-b1), float32(1-a.Beta2), float32(a.Eps)
	for i, p := range a.params {
		m, v := a.m[i], a.v[i]
		parallelFor(len(p.Value), elementChunk, func(lo, hi int) {
			val, g, m, v := p.Value[lo:hi], p.Grad[lo:hi], m[lo:hi], v[lo:hi]
			for j := range val {
				gj := g[j]
				mj := m[j] + c1*(gj-m[j])
				vj := v[j] + c2*(gj*gj-v[j])
				m[j], v[j] = mj, vj
				val[j] -= alpha * mj / (float32(math.Sqrt(float64(vj))) + eps)
			}
		})
	}
}

// SGD is stochastic gradient descent with momentum, as Keras: with velocity
// u (initially 0) and gradient g,
//
//	u ← μ·u − lr·g
//	p ← p + u              (p ← p + μ·u − lr·g with Nesterov)
type SGD struct {
	LR, Momentum     float64
	Nesterov         bool
	LRSchedule       Schedule // if not nil, the learning rate of each step
	MomentumSchedule Schedule // if not nil, μ of each step

	params []*Param
	u      [][]float32
	t      int
}

// NewSGD returns an SGD optimiser for params with learning rate lr and
// momentum μ (0 for plain SGD).
func NewSGD(params []*Param, lr, momentum float64) *SGD {
	s := &SGD{LR: lr, Momentum: momentum, params: params}
	for _, p := range params {
		s.u = append(s.u, make([]float32, len(p.Value)))
	}
	return s
}

// Steps returns the number of steps taken.
func (s *SGD) Steps() int { return s.t }

// Step applies one update to every parameter.
func (s *SGD) Step() {
	lr, mu := s.LR, s.Momentum
	if s.LRSchedule != nil {
		lr = s.LRSchedule(s.t)
	}
	if s.MomentumSchedule != nil {
		mu = s.MomentumSchedule(s.t)
	}
	s.t++
	lr32, mu32 := float32(lr), float32(mu)
	for i, p := range s.params {
		u := s.u[i]
		parallelFor(len(p.Value), elementChunk, func(lo, hi int) {
			val, g, u := p.Value[lo:hi], p.Grad[lo:hi], u[lo:hi]
			for j := range val {
				u[j] = mu32*u[j] - lr32*g[j]
				if s.Nesterov {
					val[j] += mu32*u[j] - lr32*g[j]
				} else {
					val[j] += u[j]
				}
			}
		})
	}
}
