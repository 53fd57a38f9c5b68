package kmeans

import (
	"context"
	"math"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas/blas32"
)

// The fused assignment (K ≤ fusedMaxK) skips rows whose label cannot change,
// with Hamerly's bounds (G. Hamerly, "Making k-means even faster", SDM
// 2010): every row keeps an upper bound u on its distance to its centre and
// a lower bound l on its distance to every other centre. When the centres
// move by δⱼ, u grows by δ of its centre and l shrinks by the largest δ of
// the others; a row with u ≤ max(l, ½·(distance from its centre to the
// nearest other centre)) keeps its label, by the triangle inequality, and
// costs no products. Otherwise its distance to its own centre is
// recomputed, and if the test still fails, its distances to all centres.
//
// Distances from float32 products are off by at most E (see errBound), so
// bounds are set from them with that margin: u = √(v + E), l = √(v₂ − E).
// A skipped row therefore keeps a label whose centre is nearest in exact
// arithmetic; only where the two nearest centres are within E of each
// other can the plain assignment's float32 argmin pick the other one.
//
// The sums of the update are kept up to date by moving the rows whose
// label changed from one sum to the other (float64, in chunk order); they
// are recomputed from all rows at the first iteration and after an empty
// cluster was relocated.

// pruning is off only in tests that compare with the plain assignment.
var pruning = true

// change records a row whose label changed.
type change struct{ row, from, to int32 }

// pruneState holds the bounds and per-centre data of the pruned assignment.
type pruneState struct {
	full     bool      // the next assignment must visit every row
	hub, hlb []float64 // upper and lower bounds per row
	second   []float32 // squared-distance estimate to the second-nearest centre (full pass)
	prev     []float32 // the centres before the last update (k×d)
	delta    []float64 // distance each centre moved in the last update
	half     []float64 // half the distance from each centre to its nearest other centre
	dmax     float64   // largest delta, at centre amax
	dmax2    float64   // second largest delta
	amax     int
	cmax     float64 // largest ‖c‖² of the current centres
	gamma    float64 // d·u/(1−d·u), u = 2⁻²⁴: the dot product's relative error bound
	changes  [][]change
}

func newPruneState(n, k, d, chunks int) *pruneState {
	u := math.Ldexp(1, -24)
	return &pruneState{
		full: true,
		hub:  make([]float64, n), hlb: make([]float64, n), second: make([]float32, n),
		prev: make([]float32, k*d), delta: make([]float64, k), half: make([]float64, k),
		gamma:   float64(d) * u / (1 - float64(d)*u),
		changes: make([][]change, chunks),
	}
}

// errBound bounds the error of the squared-distance estimate
// ‖x‖² + (‖c‖² − 2x·c) for a row of squared norm xn, from float32 norms,
// a float32 product of length d and a float32 difference, over all centres
// (cmax = largest ‖c‖²): the roundings of the norms and of the difference,
// at most u·xn + 2u·cmax + u·(xn + 2cmax) ≤ 4u·(xn + cmax) with u = 2⁻²⁴,
// plus twice the product's error γ·‖x‖·‖c‖, with a 1 % margin.
func (p *pruneState) errBound(xn float64) float64 {
	const u = 1.0 / (1 << 24)
	return 1.01 * (4*u*(xn+p.cmax) + 2*p.gamma*math.Sqrt(xn*p.cmax))
}

// setBounds sets the bounds of row i from the estimates v (to its centre)
// and v2 (to the nearest other centre), both squared.
func (p *pruneState) setBounds(i int, xn, v, v2 float64) {
	e := p.errBound(xn)
	p.hub[i] = math.Sqrt(max(v, 0) + e)
	p.hlb[i] = math.Sqrt(max(v2-e, 0))
}

// afterUpdate computes delta, half and the largest moves from the centres
// before (prev) and after (c32) an update.
func (p *pruneState) afterUpdate(c32 blas32.General, cnorm []float32) {
	k, d := c32.Rows, c32.Cols
	p.dmax, p.dmax2, p.amax = 0, 0, 0
	p.setCmax(cnorm)
	for c := 0; c < k; c++ {
		p.delta[c] = math.Sqrt(sqDist64(c32.Data[c*d:(c+1)*d], p.prev[c*d:(c+1)*d]))
		if p.delta[c] > p.dmax {
			p.dmax, p.dmax2, p.amax = p.delta[c], p.dmax, c
		} else if p.delta[c] > p.dmax2 {
			p.dmax2 = p.delta[c]
		}
		p.half[c] = math.Inf(1)
	}
	for a := 0; a < k; a++ {
		for b := a + 1; b < k; b++ {
			h := math.Sqrt(sqDist64(c32.Data[a*d:(a+1)*d], c32.Data[b*d:(b+1)*d])) / 2
			p.half[a] = min(p.half[a], h)
			p.half[b] = min(p.half[b], h)
		}
	}
}

// setCmax sets cmax for the centres of squared norms cnorm.
func (p *pruneState) setCmax(cnorm []float32) {
	p.cmax = 0
	for _, v := range cnorm {
		p.cmax = max(p.cmax, float64(v))
	}
}

// boundsFromFullPass sets every row's bounds after a full fused pass, from
// mind and the second-nearest estimates.
func (w *workspace) boundsFromFullPass() {
	p := w.prune
	p.setCmax(w.cnorm)
	parallelRows(w.n, 1024, func(a, b int) {
		for i := a; i < b; i++ {
			xn := float64(w.xnorm[i])
			p.setBounds(i, xn, float64(w.mind[i]), xn+float64(p.second[i]))
		}
	})
	p.full = false
}

// assignPruned is the fused assignment with bounds (see above), for an
// iteration after the first: it updates labels, bounds, counts and sums
// and returns the number of labels changed and the inertia of the
// assignment, Σ‖x‖² − 2Σⱼ cⱼ·Sⱼ + Σⱼ nⱼ‖cⱼ‖² from the sums Sⱼ and counts nⱼ
// (no pass over the rows). When a cluster ends up empty it also computes
// mind for the relocation.
func (w *workspace) assignPruned(ctx context.Context) (changed int, approx float64, err error) {
	p := w.prune
	nc := (w.n + w.chunk - 1) / w.chunk
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers(nc) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := make([]float32, w.k)
			for ctx.Err() == nil {
				ci := int(next.Add(1) - 1)
				if ci >= nc {
					return
				}
				w.prunedChunk(ci, g)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	w.applyChanges()
	for _, ch := range p.changes {
		changed += len(ch)
	}
	approx = w.sumX2
	d := w.d
	for c := 0; c < w.k; c++ {
		cc := w.c32.Data[c*d : (c+1)*d]
		dot := 0.0
		for j, s := range w.sums[c*d : (c+1)*d] {
			dot += float64(cc[j]) * s
		}
		approx += float64(w.counts[c])*float64(w.cnorm[c]) - 2*dot
	}
	for _, n := range w.counts {
		if n == 0 {
			w.ownDistances()
			break
		}
	}
	return changed, max(approx, 0), nil
}

// prunedChunk visits the rows of chunk ci; g holds one row's k products.
func (w *workspace) prunedChunk(ci int, g []float32) {
	p, k := w.prune, w.k
	lo, hi := ci*w.chunk, min((ci+1)*w.chunk, w.n)
	ch := p.changes[ci][:0]
	gb := blas32.General{Rows: 1, Cols: k, Stride: k, Data: g}
	own := blas32.General{Rows: 1, Cols: 1, Stride: 1, Data: g[:1]}
	for i := lo; i < hi; i++ {
		a := int(w.labels[i])
		other := p.dmax
		if a == p.amax {
			other = p.dmax2
		}
		u, l := p.hub[i]+p.delta[a], p.hlb[i]-other
		m := max(p.half[a], l)
		if u > m {
			xn := float64(w.xnorm[i])
			e := p.errBound(xn)
			dotProducts(own, w.x, i, rows(w.c32, a, a+1))
			u = math.Sqrt(max(xn+float64(w.cnorm[a]-2*g[0]), 0) + e)
			if u > m {
				dotProducts(gb, w.x, i, w.c32)
				b, bv, sv := nearestTwo(g, w.cnorm)
				if b != a {
					w.labels[i] = int32(b)
					ch = append(ch, change{int32(i), int32(a), int32(b)})
				}
				u = math.Sqrt(max(xn+float64(bv), 0) + e)
				l = math.Sqrt(max(xn+float64(sv)-e, 0))
			}
		}
		p.hub[i], p.hlb[i] = u, l
	}
	p.changes[ci] = ch
}

// nearestTwo returns the index of the smallest ‖c‖² − 2g[c] (the first
// among equals, as nearestRows), that value, and the second smallest (+Inf
// for one centre).
func nearestTwo(g []float32, cnorm []float32) (best int, bv, sv float32) {
	bv, sv = cnorm[0]-2*g[0], float32(math.Inf(1))
	for j := 1; j < len(g); j++ {
		v := cnorm[j] - 2*g[j]
		if v < bv {
			best, bv, sv = j, v, bv
		} else if v < sv {
			sv = v
		}
	}
	return best, bv, sv
}

// applyChanges moves the changed rows between the sums and counts, in chunk
// order (columns split between workers when there are many).
func (w *workspace) applyChanges() {
	p, d := w.prune, w.d
	total := 0
	for _, ch := range p.changes {
		total += len(ch)
		for _, c := range ch {
			w.counts[c.from]--
			w.counts[c.to]++
		}
	}
	if total == 0 {
		return
	}
	apply := func(c0, c1 int) {
		for _, ch := range p.changes {
			for _, c := range ch {
				i := int(c.row)
				x := w.x.Data[i*w.x.Stride+c0 : i*w.x.Stride+c1]
				from := w.sums[int(c.from)*d+c0 : int(c.from)*d+c1]
				to := w.sums[int(c.to)*d+c0 : int(c.to)*d+c1]
				for j, v := range x {
					from[j] -= float64(v)
					to[j] += float64(v)
				}
			}
		}
	}
	if total*d < 1<<16 {
		apply(0, d)
		return
	}
	parallelCols(d, apply)
}

// ownDistances sets mind, for the relocation of empty clusters, to every
// row's squared distance to its centre (float32 estimate, as in a plain
// assignment).
func (w *workspace) ownDistances() {
	parallelRows(w.n, 256, func(a, b int) {
		var g [1]float32
		own := blas32.General{Rows: 1, Cols: 1, Stride: 1, Data: g[:]}
		for i := a; i < b; i++ {
			l := int(w.labels[i])
			dotProducts(own, w.x, i, rows(w.c32, l, l+1))
			w.mind[i] = max(w.xnorm[i]+(w.cnorm[l]-2*g[0]), 0)
		}
	})
}
