package knn

import (
	"context"

	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/linalg"
)

// selfBlock is the side of the square tiles of the symmetric self-search:
// one selfBlock×selfBlock float32 product (4 MB) at a time.
const selfBlock = 1024

// selfStrip is the number of columns of a tile whose candidate lists the
// column pass of searchSelf updates together (one 64-byte cache line of
// float32 values per row).
const selfStrip = 16

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
	gbuf := make([]float32, b*b)
	for i0 := 0; i0 < n; i0 += b {
		i1 := min(i0+b, n)
		xi := rows(X, i0, i1)
		for j0 := i0; j0 < n; j0 += b {
			if err := ctx.Err(); err != nil {
				return Neighbors{}, err
			}
			j1 := min(j0+b, n)
			w := j1 - j0
			g := blas32.General{Rows: i1 - i0, Cols: w, Stride: w, Data: gbuf[:(i1-i0)*w]}
			linalg.MulABt(g, xi, rows(X, j0, j1))
			nr := c.norm2[j0:j1]
			parallel(i1-i0, func(a, b int) {
				for i := a; i < b; i++ {
					skip := -1
					if i0 == j0 {
						skip = i
					}
					q := i0 + i
					c.selectRow(&lists[q], g.Data[i*w:(i+1)*w], nr, j0, skip, X.Data[q*X.Stride:q*X.Stride+X.Cols])
				}
			})
			done := float64(i1-i0) * float64(w)
			if j0 != i0 {
				parallel(w, func(a, b int) {
					for s := a; s < b; s += selfStrip {
						c.selectCols(lists[j0:j1], g, s, min(s+selfStrip, b), c.norm2[i0:i1], i0, j0)
					}
				})
				done *= 2
			}
			tr.Add(done)
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

// selectCols offers, for each column j in [a, b) of the tile g (rows are
// rows i0+i of X, columns rows j0+j), the rows i0+i with values
// ni[i] − 2·g[i, j] to the list of row j0+j (lists is indexed from j0).
// Running down a strip of columns reads one cache line per tile row.
func (c *Classifier) selectCols(lists []candidates, g blas32.General, a, b int, ni []float32, i0, j0 int) {
	var thr [selfStrip]float32
	for j := a; j < b; j++ {
		thr[j-a] = lists[j].thr
	}
	X := c.x
	for i, nv := range ni[:g.Rows] {
		row := g.Data[i*g.Stride+a : i*g.Stride+b]
		for jj, gv := range row {
			if v := nv - 2*gv; v < thr[jj] {
				l := &lists[a+jj]
				if l.push(v, int32(i0+i)) {
					q := j0 + a + jj
					c.compact(l, X.Data[q*X.Stride:q*X.Stride+X.Cols])
				}
				thr[jj] = l.thr
			}
		}
	}
}
