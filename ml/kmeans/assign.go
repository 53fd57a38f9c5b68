package kmeans

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/viterin/vek/vek32"
	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/linalg"
)

// fusedMaxK is the largest number of centres for which the assignment step
// runs fused on all cores: the products x·c of a few rows at a time by
// vek32.Dot (AVX2 where the CPU has it), then their argmin, then their
// accumulation, while the rows are in cache, so the data is read once per
// iteration. For so few centres this beats a skinny sgemm, whose threads
// also contend with the Go workers. Above it the products of a block of
// rows come from linalg.MulABt (OpenBLAS sgemm unless purego).
const fusedMaxK = 32

// Layout constants: groupRows rows share each load of a centre in the
// fused kernel; chunkRows is the fixed chunk of rows whose float64 partial
// results are combined in chunk order (so they do not depend on the number
// of workers); runRows is the number of rows of one cluster summed in
// float32 before the sum is added to the float64 one.
const (
	groupRows = 4
	chunkRows = 1024
	runRows   = 64
)

// blockRows returns the number of rows per product block of the blocked
// assignment: about 2 MB of features (668 rows at d = 784), so that a block
// is still in cache when the update step sums it, and 64..4096 rows.
func blockRows(d int) int { return min(max((1<<19)/d, 64), 4096) }

// layout sets the chunking of the assignment step. Fused chunks hold 2048
// rows, or more when their partial sums would exceed 64 MB in all.
func (w *workspace) layout() {
	if w.k <= fusedMaxK {
		maxChunks := max(1, (64<<20)/(w.k*w.d*8))
		w.chunk = max(2048, (w.n+maxChunks-1)/maxChunks)
		return
	}
	w.block = min(blockRows(w.d), w.n)
	w.g = make([]float32, w.block*w.k)
}

// assign gives every row its nearest centre: the smallest ‖c‖² − 2x·c over
// the centres c32 with a float32 product, the first among equals. It sets
// labels and counts, and with accumulate the per-cluster sums; mind (when
// xnorm is set) after a full pass, or only when a cluster is empty after a
// pruned one (assignPruned, used by Fit's iterations after the first for
// 2 ≤ k ≤ fusedMaxK). It returns the number of labels that changed and the
// inertia of the assignment (Σ mind, in a fixed order, or from the sums).
func (w *workspace) assign(ctx context.Context, accumulate bool) (changed int, approx float64, err error) {
	if w.k > fusedMaxK {
		return w.assignBlocked(ctx, accumulate)
	}
	if accumulate && w.prune != nil && !w.prune.full {
		return w.assignPruned(ctx)
	}
	changed, approx, err = w.assignFused(ctx, accumulate)
	if err == nil && accumulate && w.prune != nil {
		w.boundsFromFullPass()
	}
	return changed, approx, err
}

// assignFused is assign for k ≤ fusedMaxK. Chunks of rows are spread over
// the workers; each chunk keeps its own counts and float64 sums, which are
// combined in chunk order afterwards. Within a chunk the rows of a cluster
// are added in float32 in runs of up to runRows rows, and each run's sum is
// added to the chunk's float64 sum.
func (w *workspace) assignFused(ctx context.Context, accumulate bool) (changed int, approx float64, err error) {
	n, d, k := w.n, w.d, w.k
	nc := (n + w.chunk - 1) / w.chunk
	if w.ccount == nil {
		w.ccount, w.cchanged, w.capprox = make([]int, nc*k), make([]int, nc), make([]float64, nc)
	}
	if accumulate && w.csum == nil {
		w.csum = make([]float64, nc*k*d)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers(nc) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var acc *runAcc
			if accumulate {
				acc = &runAcc{d: d, p32: make([]float32, k*d), cnt: make([]int, k)}
			}
			g := make([]float32, groupRows*k)
			for ctx.Err() == nil {
				ci := int(next.Add(1) - 1)
				if ci >= nc {
					return
				}
				w.fusedChunk(ci, g, acc)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	clear(w.counts)
	for ci := 0; ci < nc; ci++ {
		for c, v := range w.ccount[ci*k : (ci+1)*k] {
			w.counts[c] += v
		}
		changed += w.cchanged[ci]
		approx += w.capprox[ci]
	}
	if accumulate {
		kd := k * d
		parallelCols(kd, func(a, b int) {
			s := w.sums[a:b]
			clear(s)
			for ci := 0; ci < nc; ci++ {
				for j, v := range w.csum[ci*kd+a : ci*kd+b] {
					s[j] += v
				}
			}
		})
	}
	return changed, approx, nil
}

// fusedChunk assigns the rows of chunk ci (g holds groupRows×k products)
// and, when acc is not nil, sums them into the chunk's partial sums.
func (w *workspace) fusedChunk(ci int, g []float32, acc *runAcc) {
	d, k := w.d, w.k
	lo, hi := ci*w.chunk, min((ci+1)*w.chunk, w.n)
	cnt := w.ccount[ci*k : (ci+1)*k]
	clear(cnt)
	var s64 []float64
	if acc != nil {
		s64 = w.csum[ci*k*d : (ci+1)*k*d]
		clear(s64)
	}
	changed, approx := 0, 0.0
	for i := lo; i < hi; i += groupRows {
		e := min(i+groupRows, hi)
		gb := blas32.General{Rows: e - i, Cols: k, Stride: k, Data: g[:(e-i)*k]}
		dotProducts(gb, w.x, i, w.c32)
		switch {
		case acc != nil && w.prune != nil:
			changed += nearestRows(gb, w.cnorm, w.labels[i:e], w.xnorm[i:e], w.mind[i:e], w.prune.second[i:e])
		case w.mind != nil:
			changed += nearestRows(gb, w.cnorm, w.labels[i:e], w.xnorm[i:e], w.mind[i:e], nil)
		default:
			changed += nearestRows(gb, w.cnorm, w.labels[i:e], nil, nil, nil)
		}
		for r := i; r < e; r++ {
			l := int(w.labels[r])
			cnt[l]++
			if w.mind != nil {
				approx += float64(w.mind[r])
			}
			if acc != nil {
				acc.add(l, w.x.Data[r*w.x.Stride:r*w.x.Stride+d], s64)
			}
		}
	}
	if acc != nil {
		acc.flush(s64)
	}
	w.cchanged[ci], w.capprox[ci] = changed, approx
}

// runAcc sums rows per cluster in float32 runs of up to runRows rows and
// adds each run's sum to a float64 sum.
type runAcc struct {
	d   int
	p32 []float32 // k×d run sums
	cnt []int     // rows in each cluster's current run
}

func (a *runAcc) add(l int, row []float32, s64 []float64) {
	p := a.p32[l*a.d : (l+1)*a.d]
	if a.cnt[l] == 0 {
		copy(p, row)
	} else {
		vek32.Add_Inplace(p, row)
	}
	a.cnt[l]++
	if a.cnt[l] == runRows {
		a.fold(l, s64)
	}
}

func (a *runAcc) fold(l int, s64 []float64) {
	s := s64[l*a.d : (l+1)*a.d]
	for j, v := range a.p32[l*a.d : (l+1)*a.d] {
		s[j] += float64(v)
	}
	a.cnt[l] = 0
}

func (a *runAcc) flush(s64 []float64) {
	for l, c := range a.cnt {
		if c > 0 {
			a.fold(l, s64)
		}
	}
}

// assignBlocked is assign for k > fusedMaxK: blocks of rows in turn, their
// products by linalg.MulABt (threaded by the BLAS), the argmin on all
// cores, and the sums in float64 with the columns split between workers,
// so every sum is taken in row order.
func (w *workspace) assignBlocked(ctx context.Context, accumulate bool) (changed int, approx float64, err error) {
	clear(w.counts)
	if accumulate {
		clear(w.sums)
	}
	for lo := 0; lo < w.n; lo += w.block {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		hi := min(lo+w.block, w.n)
		gb := blas32.General{Rows: hi - lo, Cols: w.k, Stride: w.k, Data: w.g[:(hi-lo)*w.k]}
		linalg.MulABt(gb, rows(w.x, lo, hi), w.c32)
		var xn, md []float32
		if w.mind != nil {
			xn, md = w.xnorm[lo:hi], w.mind[lo:hi]
		}
		var ch atomic.Int64
		parallelRows(hi-lo, max(64, 32768/w.k), func(a, b int) {
			sub := blas32.General{Rows: b - a, Cols: w.k, Stride: w.k, Data: gb.Data[a*w.k : b*w.k]}
			if md != nil {
				ch.Add(int64(nearestRows(sub, w.cnorm, w.labels[lo+a:lo+b], xn[a:b], md[a:b], nil)))
			} else {
				ch.Add(int64(nearestRows(sub, w.cnorm, w.labels[lo+a:lo+b], nil, nil, nil)))
			}
		})
		changed += int(ch.Load())
		s := 0.0
		for i := lo; i < hi; i++ {
			w.counts[w.labels[i]]++
			if md != nil {
				s += float64(w.mind[i])
			}
		}
		approx += s
		if accumulate {
			w.accumulate(lo, hi)
		}
	}
	return changed, approx, nil
}

// accumulate adds rows [lo, hi) of X to the float64 sums of their clusters,
// the columns split between the workers.
func (w *workspace) accumulate(lo, hi int) {
	d, x, labels := w.d, w.x, w.labels
	parallelCols(d, func(c0, c1 int) {
		for i := lo; i < hi; i++ {
			l := int(labels[i])
			row := x.Data[i*x.Stride+c0 : i*x.Stride+c1]
			s := w.sums[l*d+c0 : l*d+c1]
			s = s[:len(row)]
			for j, v := range row {
				s[j] += float64(v)
			}
		}
	})
}

// dotProducts sets g[r][c] = x_{lo+r}·C_c in float32 for the g.Rows rows of
// X from lo and every row of C, one centre at a time so that it is loaded
// once for all the rows. The first d &^ 31 features go through vek32.Dot,
// whose vector loop takes 32 floats a step (its scalar remainder is a
// latency-bound chain, a third of the time of a 784-long product); the
// remaining d mod 32 are added in Go with four independent partial sums.
func dotProducts(g blas32.General, X blas32.General, lo int, C blas32.General) {
	d := X.Cols
	main := d &^ 31
	if main == 0 {
		main = d
	}
	for c := 0; c < C.Rows; c++ {
		cc := C.Data[c*C.Stride : c*C.Stride+main]
		for r := 0; r < g.Rows; r++ {
			i := lo + r
			g.Data[r*g.Stride+c] = vek32.Dot(X.Data[i*X.Stride:i*X.Stride+main], cc)
		}
	}
	if main == d {
		return
	}
	for r := 0; r < g.Rows; r++ {
		i := lo + r
		x := X.Data[i*X.Stride+main : i*X.Stride+d]
		out := g.Data[r*g.Stride : r*g.Stride+C.Rows]
		for c := range out {
			y := C.Data[c*C.Stride+main : c*C.Stride+d]
			y = y[:len(x)]
			var s0, s1, s2, s3 float32
			j := 0
			for ; j+4 <= len(x); j += 4 {
				s0 += x[j] * y[j]
				s1 += x[j+1] * y[j+1]
				s2 += x[j+2] * y[j+2]
				s3 += x[j+3] * y[j+3]
			}
			for ; j < len(x); j++ {
				s0 += x[j] * y[j]
			}
			out[c] += (s0 + s1) + (s2 + s3)
		}
	}
}

// blockProducts sets g = X[lo:lo+g.Rows]·Cᵀ with the kernel assign uses for
// C.Rows centres: dotProducts on all cores for few centres, linalg.MulABt
// otherwise.
func blockProducts(g blas32.General, X blas32.General, lo int, C blas32.General) {
	if C.Rows > fusedMaxK {
		linalg.MulABt(g, rows(X, lo, lo+g.Rows), C)
		return
	}
	m := C.Rows
	parallelRows(g.Rows, 64, func(a, b int) {
		for i := a; i < b; i += groupRows {
			e := min(i+groupRows, b)
			sub := blas32.General{Rows: e - i, Cols: m, Stride: g.Stride, Data: g.Data[i*g.Stride : (e-1)*g.Stride+m]}
			dotProducts(sub, X, lo+i, C)
		}
	})
}

// nearestRows sets labels[i] to the index of the smallest ‖c‖² − 2g[i][c]
// over the centres (the first among equals); when mind is not nil, mind[i]
// to xnorm[i] plus that value, clamped at 0; when second is not nil,
// second[i] to the second smallest value (+Inf for one centre). It returns
// the number of labels that changed.
func nearestRows(g blas32.General, cnorm []float32, labels []int32, xnorm, mind, second []float32) int {
	changed := 0
	for i := range labels {
		row := g.Data[i*g.Stride : i*g.Stride+g.Cols]
		best, bv, sv := nearestTwo(row, cnorm)
		if labels[i] != int32(best) {
			labels[i] = int32(best)
			changed++
		}
		if mind != nil {
			mind[i] = max(xnorm[i]+bv, 0)
		}
		if second != nil {
			second[i] = sv
		}
	}
	return changed
}
