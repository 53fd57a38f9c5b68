package umap

import (
	"context"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// sgd is the state of umap-learn's optimize_layout_euclidean over a graph
// whose edges leave the "head" points (rows of the graph) for "tail"
// points: the fitted points themselves in a fit, the fitted map's points
// when new points are placed.
type sgd struct {
	g  *Graph      // pruned graph: heads are its rows, tails its columns
	st []edgeState // the schedule of every edge

	a, b, gamma float64
	pow         *powTable // x^b
	// attract multiplies the attractive step: 2 in a fit, where the
	// head-only update stands for umap-learn's move of both ends of each
	// of the two directed copies of an edge, 1 when placing new points.
	attract float64
	// self is set in a fit: a negative sample that draws the head itself
	// is skipped.
	self    bool
	nTails  int
	negRate int
	seed    uint64
}

// edgeState is the schedule of one edge. umap-learn keeps, per edge,
// epochs_per_sample (eps), epoch_of_next_sample and
// epoch_of_next_negative_sample, adding eps and eps/negRate to the latter
// two; here they are the counts of samples and negative samples taken so
// far, from which the same epochs follow: the edge is due at epoch n when
// (samples+1)·eps ≤ n, and then draws ⌊n·negRate/eps⌋ − 1 − negs negative
// samples. 16 bytes an edge instead of 32, so the stream of schedules read
// at every epoch evicts less of the map from the cache.
type edgeState struct {
	eps           float64
	samples, negs uint32
}

// newSGD prepares the schedule of umap-learn's make_epochs_per_sample for
// epochs epochs: an edge of weight w is sampled every max(W)/w epochs
// (first at epoch max(W)/w), and draws negRate negative samples per
// sample.
func newSGD(g *Graph, epochs, negRate int, nTails int) *sgd {
	s := &sgd{g: g, nTails: nTails, negRate: negRate}
	var wmax float32
	for _, w := range g.W {
		wmax = max(wmax, w)
	}
	s.st = make([]edgeState, len(g.W))
	for e, w := range g.W {
		samples := float64(epochs) * (float64(w) / float64(wmax))
		s.st[e] = edgeState{eps: float64(epochs) / samples}
	}
	return s
}

// prune returns g without the edges lighter than max(W)/epochs, as
// umap-learn drops them before optimising (they would be sampled less than
// once).
func prune(g *Graph, epochs int) *Graph {
	var wmax float32
	for _, w := range g.W {
		wmax = max(wmax, w)
	}
	thr := float64(wmax) / float64(epochs)
	h := &Graph{N: g.N, Start: make([]int, g.N+1), Col: make([]int32, 0, len(g.Col)), W: make([]float32, 0, len(g.W))}
	for i := 0; i < g.N; i++ {
		for p := g.Start[i]; p < g.Start[i+1]; p++ {
			if float64(g.W[p]) >= thr {
				h.Col = append(h.Col, g.Col[p])
				h.W = append(h.W, g.W[p])
			}
		}
		h.Start[i+1] = len(h.Col)
	}
	return h
}

// headChunk is the number of head points a worker takes at a time.
const headChunk = 256

// epoch runs epoch n (counted from 0) with learning rate alpha: every edge
// due at epoch n pulls its head towards its tail (clipped to ±4 per
// coordinate, as umap-learn's clip) and pushes it away from the tails of
// its negative samples, drawn uniformly among all tails. head holds the
// heads' coordinates (n×2 interleaved) and is updated in place; tail is
// read only. A head's moves depend only on tail, on its own edges and on a
// random stream of its own (seeded by the seed, the epoch and the head),
// so the heads run in parallel on GOMAXPROCS goroutines with a result that
// does not depend on their number or timing.
func (s *sgd) epoch(n int, alpha float64, head, tail []float32) {
	heads := s.g.N
	chunks := (heads + headChunk - 1) / headChunk
	var next atomic.Int64
	work := func() {
		for {
			c := int(next.Add(1) - 1)
			if c >= chunks {
				return
			}
			for j := c * headChunk; j < min((c+1)*headChunk, heads); j++ {
				s.moveHead(n, j, alpha, head, tail)
			}
		}
	}
	w := min(runtime.GOMAXPROCS(0), chunks)
	if w <= 1 {
		work()
		return
	}
	var wg sync.WaitGroup
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	wg.Wait()
}

// negBatch is the number of negative samples gathered before they are
// computed, so that their loads from the map overlap.
const negBatch = 8

// moveHead applies epoch n's updates to head point j. Unlike umap-learn,
// which moves the head after each negative sample, the negative samples of
// one edge sample are all taken from the head's position after the
// attractive step and their (clipped) steps summed: the same expected
// update, without a chain of dependent divisions, so they run in
// parallel in the processor.
func (s *sgd) moveHead(n, j int, alpha float64, head, tail []float32) {
	a, b, gamma, pw, self := s.a, s.b, s.gamma, s.pow, s.self
	attract := s.attract * alpha
	fn := float64(n)
	cx, cy := float64(head[2*j]), float64(head[2*j+1])
	rng := newStream(s.seed, uint64(n), uint64(j))
	nt := uint64(s.nTails)
	pts := points(tail)
	g := s.g
	lo, hi := g.Start[j], g.Start[j+1]
	cols, st := g.Col[lo:hi], s.st[lo:hi]
	negRate := float64(s.negRate)
	var px, py [negBatch]float64
	var use [negBatch]bool
	for e, k := range cols {
		es := &st[e]
		if float64(es.samples+1)*es.eps > fn {
			continue
		}
		p := pts[k]
		dx, dy := cx-float64(p[0]), cy-float64(p[1])
		if d2 := dx*dx + dy*dy; d2 > 0 {
			pb := pw.pow(d2)
			gc := -2 * a * b * pb / (d2 * (a*pb + 1))
			cx += attract * clip(gc*dx)
			cy += attract * clip(gc*dy)
		}
		es.samples++
		if negRate == 0 {
			continue
		}
		neg := int(fn/(es.eps/negRate)) - 1 - int(es.negs)
		es.negs += uint32(neg)
		var sx, sy float64
		for neg > 0 {
			m := min(neg, negBatch)
			neg -= m
			for q := range m {
				k := int((rng.next() >> 32) * nt >> 32)
				use[q] = !self || k != j
				p := pts[k]
				px[q], py[q] = float64(p[0]), float64(p[1])
			}
			for q := range m {
				if !use[q] {
					continue
				}
				dx, dy := cx-px[q], cy-py[q]
				gx, gy := 4.0, 4.0
				if d2 := dx*dx + dy*dy; d2 > 0 {
					gc := 2 * gamma * b / ((0.001 + d2) * (a*pw.pow(d2) + 1))
					if gc > 0 {
						gx, gy = clip(gc*dx), clip(gc*dy)
					}
				}
				sx += gx
				sy += gy
			}
		}
		cx += sx * alpha
		cy += sy * alpha
	}
	head[2*j], head[2*j+1] = float32(cx), float32(cy)
}

// points views interleaved coordinates as points.
func points(y []float32) [][2]float32 {
	return unsafe.Slice((*[2]float32)(unsafe.Pointer(unsafe.SliceData(y))), len(y)/2)
}

// optimize runs epochs epochs from learning rate alpha0, decayed linearly
// as umap-learn does (alpha0·(1 − n/epochs) after epoch n). In a fit (tail
// == nil) the heads are also the tails, read from a copy taken at the
// start of each epoch. every, if positive, is the period of onEpoch. It
// returns ctx.Err() if ctx is cancelled (checked at every epoch).
func (s *sgd) optimize(ctx context.Context, head, tail []float32, epochs int, alpha0 float64, every int, onEpoch func(int), step func()) error {
	var prev []float32
	if tail == nil {
		prev = make([]float32, len(head))
	}
	alpha := alpha0
	for n := 0; n < epochs; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := tail
		if t == nil {
			copy(prev, head)
			t = prev
		}
		s.epoch(n, alpha, head, t)
		alpha = alpha0 * (1 - float64(n)/float64(epochs))
		if step != nil {
			step()
		}
		if onEpoch != nil && every > 0 && ((n+1)%every == 0 || n == epochs-1) {
			onEpoch(n + 1)
		}
	}
	return ctx.Err()
}

func clip(v float64) float64 {
	if v > 4 {
		return 4
	}
	if v < -4 {
		return -4
	}
	return v
}

// stream is a SplitMix64 generator.
type stream struct{ s uint64 }

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// newStream returns the stream of (seed, epoch, point).
func newStream(seed, epoch, point uint64) stream {
	return stream{mix64(seed^0x9e3779b97f4a7c15) ^ mix64(epoch<<32^point+0x632be59bd9b4e019)}
}

func (r *stream) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// powTable evaluates x^b for one exponent b by linear interpolation in a
// table of x^b at 2^powBits points per octave of x, for 2^powLo ≤ x <
// 2^powHi (math.Pow outside): relative error below h²·|b(b−1)|/8 with
// h = 2^−powBits, under 1e-6 for b ≤ 1 and 2e-5 for b ≤ 2 (umap-learn's b
// stays below 2). About ten times faster than math.Pow; the SGD needs no
// more (umap-learn's runs in float32).
type powTable struct {
	b   float64
	tab []float32
}

const (
	powBits = 7
	powLo   = -60
	powHi   = 60
)

// slow is pow outside the table.
func (p *powTable) slow(x float64) float64 { return math.Pow(x, p.b) }

func newPowTable(b float64) *powTable {
	p := &powTable{b: b, tab: make([]float32, (powHi-powLo)<<powBits+1)}
	for i := range p.tab {
		e, j := i>>powBits+powLo, i&(1<<powBits-1)
		p.tab[i] = float32(math.Pow(math.Ldexp(1+float64(j)/(1<<powBits), e), b))
	}
	return p
}

// pow returns x^b for x > 0.
func (p *powTable) pow(x float64) float64 {
	bits := math.Float64bits(x)
	e := int(bits>>52) - 1023
	if uint(e-powLo) >= powHi-powLo {
		return p.slow(x)
	}
	const shift = 52 - powBits
	i := (e-powLo)<<powBits | int(bits>>shift)&(1<<powBits-1)
	f := float64(bits&(1<<shift-1)) * (1.0 / (1 << shift))
	lo, hi := float64(p.tab[i]), float64(p.tab[i+1])
	return lo + (hi-lo)*f
}
