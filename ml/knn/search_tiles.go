package knn

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/viterin/vek/vek32"
	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/linalg"
)

// tileWorkers is the number of goroutines selfTilesParallel runs for an
// n-row search in tiles of side b keeping capC candidates per row: one per
// core, as long as their private candidate lists (one set per worker) fit
// in maxSelfLists entries together and there is more than one tile; else 1
// (the tiles are then taken one after another, each shared by all cores).
func tileWorkers(n, b, capC int) int {
	nb := (n + b - 1) / b
	tiles := nb * (nb + 1) / 2
	w := min(runtime.GOMAXPROCS(0), tiles)
	for w > 1 && w*n*capC > maxSelfLists {
		w--
	}
	return w
}

// selfTilesParallel fills lists (one per training row, top-capC mode) from
// the tiles of X·Xᵀ on and above the diagonal, w goroutines at once, each
// taking whole tiles with its own sgemm (OpenBLAS on one thread:
// linalg.SingleThreaded). On two cores this is about twice as fast as
// sharing each tile between the cores for narrow rows (d = 32), where
// choosing the candidates costs more than the products and the library's
// threads, waiting between small products, took CPU from the choosing.
//
// The rows are first put in an order that keeps near rows together
// (localityOrder), and the diagonal tiles (each row against its own block)
// come first, straight into lists: afterwards most lists hold near
// neighbours already, and their thresholds turn away nearly every value of
// the other tiles at the cost of one vector comparison. Those tiles are
// shared out among the workers, each offering values to private lists that
// start empty with the threshold of the row's list, merged into lists at
// the end. Nothing is lost: a value turned away by a private list was at
// least its threshold, which is at least the merged list's (the merged list
// keeps the capC smallest values of the row's list and the private ones,
// and each of those lists is full or has the row list's threshold), so the
// merged threshold bounds every row left out, as certify needs.
func (c *Classifier) selfTilesParallel(ctx context.Context, lists []candidates, b, w int) error {
	n := c.x.Rows
	perm := c.localityOrder(b)
	X, norm2 := permuteRows(c.x, c.norm2, perm)
	capC := lists[0].capacity
	main := make([]candidates, n)
	for i := range main {
		main[i].resetTop(capC)
	}
	type tile struct{ i0, j0 int }
	var diag, off []tile
	for i0 := 0; i0 < n; i0 += b {
		diag = append(diag, tile{i0, i0})
		for j0 := i0 + b; j0 < n; j0 += b {
			off = append(off, tile{i0, j0})
		}
	}
	// run has w goroutines take the tiles ts in turn; listsOf(wi) is the
	// lists worker wi offers values to.
	run := func(ts []tile, listsOf func(wi int) []candidates) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for wi := range w {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dst := listsOf(wi)
				gbuf := make([]float32, b*b)
				scratch := newTileScratch(b)
				for {
					t := int(next.Add(1) - 1)
					if t >= len(ts) || ctx.Err() != nil {
						return
					}
					i0, j0 := ts[t].i0, ts[t].j0
					i1, j1 := min(i0+b, n), min(j0+b, n)
					g := blas32.General{Rows: i1 - i0, Cols: j1 - j0, Stride: j1 - j0, Data: gbuf[:(i1-i0)*(j1-j0)]}
					linalg.MulABt(g, rows(X, i0, i1), rows(X, j0, j1))
					selectTileVec(dst, g, i0, j0, norm2, &scratch)
					done := float64(g.Rows) * float64(g.Cols)
					if j0 != i0 {
						done *= 2
					}
					c.Progress.Add(done)
				}
			}()
		}
		wg.Wait()
	}
	own := make([][]candidates, w)
	linalg.SingleThreaded(func() {
		run(diag, func(int) []candidates { return main })
		if ctx.Err() != nil {
			return
		}
		run(off, func(wi int) []candidates {
			mine := make([]candidates, n)
			for i := range mine {
				mine[i].resetTop(capC)
				if main[i].full() {
					mine[i].thr = main[i].thr
				}
			}
			own[wi] = mine
			return mine
		})
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	parallel(n, func(a, b int) {
		for p := a; p < b; p++ {
			l := &lists[perm[p]]
			for _, from := range append([][]candidates{main}, own...) {
				o := &from[p]
				for j, v := range o.val {
					if v < l.thr {
						l.push(v, int32(perm[o.idx[j]]))
					}
				}
			}
		}
	})
	return nil
}

// localityOrder returns an order of the training rows (perm[p] is the row
// at position p) in which rows near each other tend to fall in the same
// block of b: every row goes to the nearest of ⌈n/b⌉ pivot rows (evenly
// spaced indices), rows of one pivot together, pivots in index order and
// rows by index within a pivot. The order only steers how fast the lists'
// thresholds fall; the neighbours found do not depend on it.
func (c *Classifier) localityOrder(b int) []int {
	n := c.x.Rows
	m := (n + b - 1) / b
	piv := blas32.General{Rows: m, Cols: c.x.Cols, Stride: c.x.Cols, Data: make([]float32, m*c.x.Cols)}
	pnorm := make([]float32, m)
	for p := range m {
		r := p * n / m
		copy(piv.Data[p*piv.Stride:(p+1)*piv.Stride], c.x.Data[r*c.x.Stride:r*c.x.Stride+c.x.Cols])
		pnorm[p] = c.norm2[r]
	}
	owner := make([]int32, n)
	const chunk = 4096
	parallel((n+chunk-1)/chunk, func(a, b int) {
		g := make([]float32, chunk*m)
		for ci := a; ci < b; ci++ {
			lo, hi := ci*chunk, min((ci+1)*chunk, n)
			gg := blas32.General{Rows: hi - lo, Cols: m, Stride: m, Data: g[:(hi-lo)*m]}
			linalg.MulABt(gg, rows(c.x, lo, hi), piv)
			for i := lo; i < hi; i++ {
				row := gg.Data[(i-lo)*m : (i-lo+1)*m]
				best, bv := 0, pnorm[0]-2*row[0]
				for p := 1; p < m; p++ {
					if v := pnorm[p] - 2*row[p]; v < bv {
						best, bv = p, v
					}
				}
				owner[i] = int32(best)
			}
		}
	})
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	slices.SortStableFunc(perm, func(a, b int) int { return int(owner[a]) - int(owner[b]) })
	return perm
}

// permuteRows returns the rows of X and their squared norms in the order
// perm (a copy).
func permuteRows(X blas32.General, norm2 []float32, perm []int) (blas32.General, []float32) {
	d := X.Cols
	Y := blas32.General{Rows: X.Rows, Cols: d, Stride: d, Data: make([]float32, X.Rows*d)}
	yn := make([]float32, X.Rows)
	for p, r := range perm {
		copy(Y.Data[p*d:(p+1)*d], X.Data[r*X.Stride:r*X.Stride+d])
		yn[p] = norm2[r]
	}
	return Y, yn
}

// tileScratch is one worker's scratch space for selectTileVec.
type tileScratch struct{ m2g, v, diff, thr []float32 }

func newTileScratch(b int) tileScratch {
	return tileScratch{make([]float32, b), make([]float32, b), make([]float32, b), make([]float32, b)}
}

// selectTileVec offers the values of the tile g (rows i0.., columns j0.. of
// X·Xᵀ, whose rows have the squared norms norm2) to the top-c lists of its
// rows and, off the diagonal, of its columns, on one goroutine: for each
// row i of the tile, −2·g[i, ·] once, then the row's values
// norm2[j0+j] − 2·g[i, j] and the columns' values norm2[i0+i] − 2·g[i, j]
// (the same float32 values as selectRow and selectCols offer), formed with
// vector instructions and read one by one only in chunks where one is
// below a list's threshold.
func selectTileVec(lists []candidates, g blas32.General, i0, j0 int, norm2 []float32, s *tileScratch) {
	w := g.Cols
	nr := norm2[j0 : j0+w]
	ni := norm2[i0 : i0+g.Rows]
	off := j0 != i0
	thr := s.thr[:w]
	cols := lists[j0 : j0+w]
	if off {
		for j := range thr {
			thr[j] = cols[j].thr
		}
	}
	for i := range g.Rows {
		q := i0 + i
		m2g := vek32.MulNumber_Into(s.m2g[:w], g.Data[i*w:(i+1)*w], -2)
		skip := i
		if off {
			skip = -1
		}
		offerTop(&lists[q], vek32.Add_Into(s.v[:w], m2g, nr), j0, skip)
		if !off {
			continue
		}
		u := vek32.AddNumber_Into(s.v[:w], m2g, ni[i])
		diff := vek32.Sub_Into(s.diff[:w], u, thr)
		for lo := 0; lo < w; lo += scanChunk {
			hi := min(lo+scanChunk, w)
			if vek32.Min(diff[lo:hi]) >= 0 {
				continue
			}
			for j := lo; j < hi; j++ {
				if u[j] < thr[j] {
					l := &cols[j]
					l.push(u[j], int32(q))
					thr[j] = l.thr
				}
			}
		}
	}
}

// offerTop offers the rows r0+j with values v[j] to the top-c list l,
// skipping j == skip (offerRow for a list that never needs compaction).
func offerTop(l *candidates, v []float32, r0, skip int) {
	for lo := 0; lo < len(v); lo += scanChunk {
		hi := min(lo+scanChunk, len(v))
		if vek32.Min(v[lo:hi]) >= l.thr {
			continue
		}
		for j := lo; j < hi; j++ {
			if v[j] < l.thr && j != skip {
				l.push(v[j], int32(r0+j))
			}
		}
	}
}
