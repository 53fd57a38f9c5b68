package kmeans

import (
	"context"
	"slices"

	"gonum.org/v1/gonum/blas/blas32"
)

// workspace holds the data of one Fit and the state of the current restart
// (Predict uses it too, without xnorm, mind, sums and c64).
type workspace struct {
	x     blas32.General
	xnorm []float32 // ‖xᵢ‖², rounded to float32
	n, d  int
	k     int

	c64   []float64      // k×d centres
	c32   blas32.General // the centres rounded to float32, for the products
	cnorm []float32      // ‖c₃₂‖²

	labels []int32   // cluster of each row; −1 before the first assignment
	mind   []float32 // squared distance of each row to its centre (float32)
	sums   []float64 // k×d sums of the rows of each cluster
	counts []int     // rows per cluster

	// Fused assignment (k ≤ fusedMaxK): per fixed chunk of rows, its
	// partial sums and counts, labels changed and Σ mind.
	chunk    int
	csum     []float64
	ccount   []int
	cchanged []int
	capprox  []float64
	// Blocked assignment (k > fusedMaxK): rows per block and the block's
	// products.
	block int
	g     []float32

	prune *pruneState // bounds of the pruned fused assignment (Fit, 2 ≤ k ≤ fusedMaxK)
	sumX2 float64     // Σ‖xᵢ‖², for the inertia of a pruned assignment
}

func newWorkspace(X blas32.General, xnorm []float32, k int) *workspace {
	n, d := X.Rows, X.Cols
	w := &workspace{
		x: X, xnorm: xnorm, n: n, d: d, k: k,
		c64:    make([]float64, k*d),
		c32:    blas32.General{Rows: k, Cols: d, Stride: d, Data: make([]float32, k*d)},
		cnorm:  make([]float32, k),
		labels: make([]int32, n),
		mind:   make([]float32, n),
		sums:   make([]float64, k*d),
		counts: make([]int, k),
	}
	w.layout()
	if pruning && k >= 2 && k <= fusedMaxK {
		w.prune = newPruneState(n, k, d, (n+w.chunk-1)/w.chunk)
		for _, v := range xnorm {
			w.sumX2 += float64(v)
		}
	}
	return w
}

// rows returns rows [lo, hi) of a as a matrix sharing its data.
func rows(a blas32.General, lo, hi int) blas32.General {
	return blas32.General{Rows: hi - lo, Cols: a.Cols, Stride: a.Stride,
		Data: a.Data[lo*a.Stride : (hi-1)*a.Stride+a.Cols]}
}

// setCenters copies the rows of C (k×d) into the centres.
func (w *workspace) setCenters(C blas32.General) {
	for c := 0; c < w.k; c++ {
		for j, v := range C.Data[c*C.Stride : c*C.Stride+w.d] {
			w.c64[c*w.d+j] = float64(v)
		}
	}
	w.roundCenters()
}

// roundCenters refreshes c32 and cnorm from c64.
func (w *workspace) roundCenters() {
	for i, v := range w.c64 {
		w.c32.Data[i] = float32(v)
	}
	for c := 0; c < w.k; c++ {
		w.cnorm[c] = float32(sumSquares(w.c32.Data[c*w.d : (c+1)*w.d]))
	}
}

// lloyd runs Lloyd iterations from the current centres and returns the
// restart's model. report receives the iteration number (from 1) and the
// inertia of that iteration's assignment (float32 distances summed in
// float64), as sklearn's verbose output prints it.
func (w *workspace) lloyd(ctx context.Context, maxIter int, tolAbs float64, report func(int, float64)) (*Model, error) {
	for i := range w.labels {
		w.labels[i] = -1
	}
	if w.prune != nil {
		w.prune.full = true
	}
	strict, converged := false, false
	relocated, lastRelocated := 0, 0
	it := 0
	for ; it < maxIter; it++ {
		changed, approx, err := w.assign(ctx, true)
		if err != nil {
			return nil, err
		}
		report(it+1, approx)
		var shift float64
		lastRelocated, shift = w.update()
		relocated += lastRelocated
		if changed == 0 {
			strict, converged = true, true
			break
		}
		if shift <= tolAbs {
			converged = true
			break
		}
	}
	if !strict || lastRelocated > 0 || w.prune != nil {
		// Labels for the final centres (sklearn reruns this E-step too; it
		// is also the plain float32 argmin that Predict gives after a
		// pruned assignment).
		if _, _, err := w.assign(ctx, false); err != nil {
			return nil, err
		}
	}
	m := &Model{
		Centers:    blas32.General{Rows: w.k, Cols: w.d, Stride: w.d, Data: slices.Clone(w.c32.Data)},
		Labels:     make([]int, w.n),
		Sizes:      slices.Clone(w.counts),
		Inertia:    w.inertia(),
		Iterations: min(it+1, maxIter),
		Converged:  converged,
		Relocated:  relocated,
	}
	for i, l := range w.labels {
		m.Labels[i] = int(l)
	}
	return m, nil
}

// update moves every centre to the mean of its rows after relocating empty
// clusters (see Fit), refreshes c32 and cnorm, and returns the number of
// clusters relocated and the total squared centre shift.
func (w *workspace) update() (relocated int, shift float64) {
	if w.prune != nil {
		copy(w.prune.prev, w.c32.Data)
	}
	relocated = w.relocateEmpty()
	d := w.d
	for c := 0; c < w.k; c++ {
		if w.counts[c] == 0 {
			continue // no row could be spared: keep the old centre
		}
		inv := 1 / float64(w.counts[c])
		old := w.c64[c*d : (c+1)*d]
		for j, s := range w.sums[c*d : (c+1)*d] {
			v := s * inv
			dv := v - old[j]
			shift += dv * dv
			old[j] = v
		}
	}
	w.roundCenters()
	if w.prune != nil {
		w.prune.afterUpdate(w.c32, w.cnorm)
		if relocated > 0 {
			w.prune.full = true // the sums were changed by hand: recount
		}
	}
	return relocated, shift
}

// relocateEmpty gives each empty cluster (in index order) the row farthest
// from its assigned centre (by mind; the lower index among equals) among
// rows not yet taken whose cluster keeps at least one other row: the row
// becomes the cluster's only member in sums and counts. It returns the
// number of clusters relocated.
func (w *workspace) relocateEmpty() int {
	var empty []int
	for c, n := range w.counts {
		if n == 0 {
			empty = append(empty, c)
		}
	}
	if len(empty) == 0 {
		return 0
	}
	order := make([]int32, w.n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if w.mind[a] != w.mind[b] {
			if w.mind[a] > w.mind[b] {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
	d, done, next := w.d, 0, 0
	for _, c := range empty {
		for next < len(order) {
			i := int(order[next])
			next++
			old := int(w.labels[i])
			if w.counts[old] < 2 {
				continue
			}
			row := w.x.Data[i*w.x.Stride : i*w.x.Stride+d]
			so, sn := w.sums[old*d:(old+1)*d], w.sums[c*d:(c+1)*d]
			for j, v := range row {
				so[j] -= float64(v)
				sn[j] = float64(v)
			}
			w.counts[old]--
			w.counts[c] = 1
			done++
			break
		}
	}
	return done
}

// inertia returns Σᵢ ‖xᵢ − c₃₂[labelᵢ]‖² in float64, summed per fixed chunk
// of rows and then in chunk order.
func (w *workspace) inertia() float64 {
	parts := make([]float64, (w.n+chunkRows-1)/chunkRows)
	parallelChunks(w.n, chunkRows, func(ci, lo, hi int) {
		s := 0.0
		for i := lo; i < hi; i++ {
			l := int(w.labels[i])
			s += sqDist64(w.x.Data[i*w.x.Stride:i*w.x.Stride+w.d], w.c32.Data[l*w.d:(l+1)*w.d])
		}
		parts[ci] = s
	})
	total := 0.0
	for _, p := range parts {
		total += p
	}
	return total
}

// sqDist64 returns Σ(aᵢ−bᵢ)² in float64.
func sqDist64(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		d0 := float64(a[i]) - float64(b[i])
		d1 := float64(a[i+1]) - float64(b[i+1])
		d2 := float64(a[i+2]) - float64(b[i+2])
		d3 := float64(a[i+3]) - float64(b[i+3])
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(a); i++ {
		d0 := float64(a[i]) - float64(b[i])
		s0 += d0 * d0
	}
	return (s0 + s1) + (s2 + s3)
}
