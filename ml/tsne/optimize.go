package tsne

import (
	"context"
	"fmt"
	"math"
	"slices"

	"embedscope/ml/progress"
)

// repulser computes the repulsive part of the t-SNE gradient.
type repulser interface {
	// repulse sets rep[2i], rep[2i+1] to Σ_{j≠i} wᵢⱼ² (yᵢ − yⱼ), with
	// wᵢⱼ = 1/(1+‖yᵢ−yⱼ‖²), for the map y (n points, x and y interleaved)
	// and returns Z = Σ_{i≠j} wᵢⱼ, both approximately.
	repulse(y, rep []float64) float64
}

// exactRepulsion is the O(n²) sum, for tests and tiny maps.
type exactRepulsion struct{}

func (exactRepulsion) repulse(y, rep []float64) float64 {
	n := len(y) / 2
	z := 0.0
	for i := 0; i < n; i++ {
		fx, fy := 0.0, 0.0
		for j := 0; j < n; j++ {
			if j == i {
				continue
			}
			dx, dy := y[2*i]-y[2*j], y[2*i+1]-y[2*j+1]
			w := 1 / (1 + dx*dx + dy*dy)
			z += w
			fx += w * w * dx
			fy += w * w * dy
		}
		rep[2*i], rep[2*i+1] = fx, fy
	}
	return z
}

// attrChunk is the number of rows of P per parallel chunk of the
// attractive forces.
const attrChunk = 1024

// optimizer holds the state of the gradient descent.
type optimizer struct {
	p     *sparseP
	s     settings
	rep   repulser
	y     []float64 // the map, x and y interleaved
	grad  []float64
	upd   []float64 // last step
	gains []float64
	force []float64 // repulsion from rep
	attr  []float64 // attraction, Σⱼ pᵢⱼ wᵢⱼ (yᵢ − yⱼ)
	plogp float64   // Σ pᵢⱼ log pᵢⱼ
	part  []float64 // per-chunk Σ pᵢⱼ log wᵢⱼ
	perm  []int32   // original row of each point (nil: the identity)
}

func newOptimizer(p *sparseP, y []float64, s settings) *optimizer {
	n := p.N
	o := &optimizer{p: p, s: s, y: y,
		grad: make([]float64, 2*n), upd: make([]float64, 2*n), gains: make([]float64, 2*n),
		force: make([]float64, 2*n), attr: make([]float64, 2*n),
		part: make([]float64, (n+attrChunk-1)/attrChunk)}
	for i := range o.gains {
		o.gains[i] = 1
	}
	for _, v := range p.Val {
		if v > 0 {
			o.plogp += v * math.Log(v)
		}
	}
	o.rep = newBHTree(n, s.theta)
	return o
}

// attract sets o.attr and, when kl is set, returns Σ pᵢⱼ log wᵢⱼ over the
// non-zeros of P (0 otherwise: the logarithms cost as much as the rest).
func (o *optimizer) attract(kl bool) float64 {
	p, y := o.p, o.y
	_ = parallelChunks(nil, p.N, attrChunk, func(c, a, b int) {
		s := 0.0
		for i := a; i < b; i++ {
			cols, vals := p.Row(i)
			xi, yi := y[2*i], y[2*i+1]
			fx, fy := 0.0, 0.0
			for t, j := range cols {
				dx, dy := xi-y[2*j], yi-y[2*j+1]
				q := 1 + dx*dx + dy*dy // 1/w
				pw := vals[t] / q
				fx += pw * dx
				fy += pw * dy
			}
			if kl {
				for t, j := range cols {
					dx, dy := xi-y[2*j], yi-y[2*j+1]
					s -= vals[t] * math.Log(1+dx*dx+dy*dy)
				}
			}
			o.attr[2*i], o.attr[2*i+1] = fx, fy
		}
		o.part[c] = s
	})
	s := 0.0
	for _, v := range o.part {
		s += v
	}
	return s
}

// gradient sets o.grad to the gradient of KL(exag·P‖Q) at o.y. When kl is
// set it returns KL(P‖Q) = Σ p log p − Σ p log w + log Z, NaN otherwise.
func (o *optimizer) gradient(exag float64, kl bool) float64 {
	z := o.rep.repulse(o.y, o.force)
	plogw := o.attract(kl)
	for i := range o.grad {
		o.grad[i] = 4 * (exag*o.attr[i] - o.force[i]/z)
	}
	if !kl {
		return math.NaN()
	}
	return o.plogp - plogw + math.Log(z)
}

// step takes one step of gradient descent with momentum and gains.
func (o *optimizer) step(momentum float64) {
	lr := o.s.lr
	for i, g := range o.grad {
		gain := o.gains[i]
		if o.upd[i]*g < 0 {
			gain += 0.2
		} else {
			gain *= 0.8
		}
		gain = max(gain, 0.01)
		o.gains[i] = gain
		o.upd[i] = momentum*o.upd[i] - lr*gain*g
		o.y[i] += o.upd[i]
	}
}

// reorderEvery is the period, in iterations, at which the points are
// renumbered along the quadtree's Morton curve.
const reorderEvery = 100

// reorder renumbers the points so that point order[k] becomes point k:
// the map, the steps, the gains and P follow. Numbering the points along
// the Morton curve of the map puts the neighbours of a point in P near it
// in memory, which makes the attractive sums (random reads of the map)
// about twice as fast for large n. It does not change the result beyond
// the order of floating-point sums.
func (o *optimizer) reorder(order []int32) {
	n := o.p.N
	inv := make([]int32, n)
	for k, i := range order {
		inv[i] = int32(k)
	}
	for _, v := range [][]float64{o.y, o.upd, o.gains} {
		old := slices.Clone(v)
		for k, i := range order {
			v[2*k], v[2*k+1] = old[2*i], old[2*i+1]
		}
	}
	perm := make([]int32, n)
	for k, i := range order {
		if o.perm == nil {
			perm[k] = i
		} else {
			perm[k] = o.perm[i]
		}
	}
	o.perm = perm

	p := o.p
	q := &sparseP{N: n, Ptr: make([]int, n+1), Col: make([]int32, len(p.Col)), Val: make([]float64, len(p.Val))}
	for k, i := range order {
		q.Ptr[k+1] = q.Ptr[k] + p.Ptr[i+1] - p.Ptr[i]
	}
	_ = parallelChunks(nil, n, attrChunk, func(_, a, b int) {
		type entry struct {
			c int32
			v float64
		}
		var buf []entry
		for k := a; k < b; k++ {
			cols, vals := p.Row(int(order[k]))
			buf = buf[:0]
			for t, j := range cols {
				buf = append(buf, entry{inv[j], vals[t]})
			}
			slices.SortFunc(buf, func(x, y entry) int { return int(x.c) - int(y.c) })
			for t, e := range buf {
				q.Col[q.Ptr[k]+t], q.Val[q.Ptr[k]+t] = e.c, e.v
			}
		}
	})
	o.p = q
}

// embedding returns the map in the original order of the points, rounded
// to float32.
func (o *optimizer) embedding() []float32 {
	if o.perm == nil {
		return toFloat32(o.y, nil)
	}
	out := make([]float32, len(o.y))
	for k, i := range o.perm {
		out[2*i], out[2*i+1] = float32(o.y[2*k]), float32(o.y[2*k+1])
	}
	return out
}

// run takes all the iterations and returns the KL divergence of the final
// map.
func (o *optimizer) run(ctx context.Context, tr *progress.Tracker, cb func(int, []float32, float64)) (float64, error) {
	s := o.s
	tr.Stage("t-SNE: optimising", float64(s.iters))
	for it := 0; it < s.iters; it++ {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if t, ok := o.rep.(*bhTree); ok && it > 0 && it%reorderEvery == 0 {
			o.reorder(t.order())
		}
		exag, momentum := 1.0, 0.8
		if it < s.exagIters {
			exag, momentum = s.exaggeration, 0.5
		} else if it == s.exagIters {
			// sklearn runs the second phase as a new descent.
			clear(o.upd)
			for i := range o.gains {
				o.gains[i] = 1
			}
		}
		report := cb != nil && it > 0 && it%s.every == 0
		detail := it > 0 && it%50 == 0
		kl := o.gradient(exag, report || detail)
		if report {
			cb(it, o.embedding(), kl)
		}
		if detail {
			tr.Detail(fmt.Sprintf("iteration %d, KL %.4f", it, kl))
		}
		o.step(momentum)
		tr.Set(float64(it + 1))
	}
	kl := o.gradient(1, true)
	tr.Detail(fmt.Sprintf("iteration %d, KL %.4f", s.iters, kl))
	if cb != nil {
		cb(s.iters, o.embedding(), kl)
	}
	return kl, nil
}
