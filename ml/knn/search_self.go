package knn

import (
	"context"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/linalg"
)

// selfBlock is the side of the square tiles of the symmetric self-search:
// one selfBlock×selfBlock float32 product (4 MB) at a time.
const selfBlock = 1024

// maxSelfLists bounds the candidate entries (n × (k+margin)) that the
// symmetric self-search keeps at once (8 bytes each, 512 MB); above it
// KNeighborsSelf takes the query-block path, which holds one block's lists.
const maxSelfLists = 1 << 26

// searchSelf is search(ctx, c.x, k, true) for the Euclidean metric, with
// each pair of rows multiplied once: the Gram matrix X·Xᵀ is symmetric, so
// only its tiles on and above the diagonal are computed (half the sgemm
// work of the query-block path), and a tile's values feed the candidate
// lists of its rows (row pass) and of its columns (column pass). Every
// row's list is kept until the end. The float32 values offered are the
// same expression ‖r‖² − 2·fl(q·r) as in search, whichever side of the
// diagonal the product came from, so certify's bound holds unchanged and
// refine and the re-check of near ties run as in search: the neighbours
// are exact and identical to the query-block path's.
func (c *Classifier) searchSelf(ctx context.Context, k int) (Neighbors, error) {
	X := c.x
	n := X.Rows
	nb := Neighbors{N: n, K: k, Index: make([]int, n*k), Dist: make([]float64, n*k)}
	capC := min(k+margin(k), n-1)
	lists := make([]candidates, n)
	for i := range lists {
		lists[i].resetTop(capC)
	}
	tr := c.Progress
	tr.Stage("kNN: distances", float64(n)*float64(n))
	b := min(selfBlock, n)
	if w := tileWorkers(n, b, capC); w > 1 {
		if err := c.selfTilesParallel(ctx, lists, b, w); err != nil {
			return Neighbors{}, err
		}
	} else {
		gbuf := make([]float32, b*b)
		for i0 := 0; i0 < n; i0 += b {
			i1 := min(i0+b, n)
			for j0 := i0; j0 < n; j0 += b {
				if err := ctx.Err(); err != nil {
					return Neighbors{}, err
				}
				j1 := min(j0+b, n)
				g := blas32.General{Rows: i1 - i0, Cols: j1 - j0, Stride: j1 - j0, Data: gbuf[:(i1-i0)*(j1-j0)]}
				linalg.MulABt(g, rows(X, i0, i1), rows(X, j0, j1))
				c.selectTile(lists, g, i0, j0)
			}
		}
	}
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i
	}
	failIDs, failThr := c.refine(X, ids, lists, k, capC < n-1, &nb)
	if err := c.recheck(ctx, X, failIDs, failThr, k, true, &nb); err != nil {
		return Neighbors{}, err
	}
	return nb, nil
}

// selectTile offers the values of the tile g (rows i0.., columns j0.. of
// X·Xᵀ) to the candidate lists of its rows (row pass) and, off the
// diagonal, of its columns (column pass).
func (c *Classifier) selectTile(lists []candidates, g blas32.General, i0, j0 int) {
	w := g.Cols
	parallel(g.Rows, func(a, b int) { c.selectTileRows(lists, g, i0, j0, a, b) })
	done := float64(g.Rows) * float64(w)
	if j0 != i0 {
		parallel(w, func(a, b int) {
			c.selectCols(lists[j0:j0+w], g, a, b, c.norm2[i0:i0+g.Rows], i0, j0)
		})
		done *= 2
	}
	c.Progress.Add(done)
}

// selectTileRows is the row pass of selectTile for the tile's rows [a, b).
func (c *Classifier) selectTileRows(lists []candidates, g blas32.General, i0, j0, a, b int) {
	X := c.x
	w := g.Cols
	nr := c.norm2[j0 : j0+w]
	buf := make([]float32, w)
	for i := a; i < b; i++ {
		skip := -1
		if i0 == j0 {
			skip = i
		}
		q := i0 + i
		c.selectRow(&lists[q], g.Data[i*w:(i+1)*w], nr, j0, skip, X.Data[q*X.Stride:q*X.Stride+X.Cols], buf)
	}
}

// selectCols offers, for each column j in [a, b) of the tile g (rows are
// rows i0+i of X, columns rows j0+j), the rows i0+i with values
// ni[i] − 2·g[i, j] to the list of row j0+j (lists is indexed from j0).
// It runs along the rows of g, reading b−a contiguous values of each, with
// the lists' thresholds in one small array.
func (c *Classifier) selectCols(lists []candidates, g blas32.General, a, b int, ni []float32, i0, j0 int) {
	thr := make([]float32, b-a)
	for j := a; j < b; j++ {
		thr[j-a] = lists[j].thr
	}
	X := c.x
	lists = lists[a:b]
	for i, nv := range ni[:g.Rows] {
		row := g.Data[i*g.Stride+a : i*g.Stride+b]
		t := thr[:len(row)]
		offer := func(v float32, jj int) {
			if v < t[jj] {
				l := &lists[jj]
				if l.push(v, int32(i0+i)) {
					q := j0 + a + jj
					c.compact(l, X.Data[q*X.Stride:q*X.Stride+X.Cols])
				}
				t[jj] = l.thr
			}
		}
		jj := 0
		for ; jj+4 <= len(row); jj += 4 {
			gg, tt := row[jj:jj+4:jj+4], t[jj:jj+4:jj+4]
			v0 := nv - 2*gg[0]
			v1 := nv - 2*gg[1]
			v2 := nv - 2*gg[2]
			v3 := nv - 2*gg[3]
			if v0 < tt[0] || v1 < tt[1] || v2 < tt[2] || v3 < tt[3] {
				offer(v0, jj)
				offer(v1, jj+1)
				offer(v2, jj+2)
				offer(v3, jj+3)
			}
		}
		for ; jj < len(row); jj++ {
			offer(nv-2*row[jj], jj)
		}
	}
}
