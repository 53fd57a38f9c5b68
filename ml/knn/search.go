package knn

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/viterin/vek/vek32"
	"gonum.org/v1/gonum/blas/blas32"

	"embedscope/ml/internal/parfor"
	"embedscope/ml/linalg"
)

// Block sizes of the search. A Euclidean block of blockQ queries is
// multiplied with tiles of tileR training rows (one sgemm per tile, a
// blockQ×tileR float32 buffer of 8 MB); Manhattan workers take chunks of
// chunkQ queries against tiles of tileRL1 training rows (≈ 400 KB at d=784,
// kept in L2).
const (
	blockQ  = 2048
	tileR   = 1024
	chunkQ  = 32
	tileRL1 = 128
)

// margin is the number of extra candidates kept per query beyond k.
func margin(k int) int { return max(8, k) }

// unitRoundoff is the float32 unit roundoff u = 2⁻²⁴.
const unitRoundoff = 1.0 / (1 << 24)

// search finds the k nearest training rows of each row of Q. With self set,
// Q is the training matrix and row i never lists itself.
func (c *Classifier) search(ctx context.Context, Q blas32.General, k int, self bool) (Neighbors, error) {
	m, n := Q.Rows, c.x.Rows
	nb := Neighbors{N: m, K: k, Index: make([]int, m*k), Dist: make([]float64, m*k)}
	if m == 0 {
		return nb, nil
	}
	avail := n
	if self {
		avail--
	}
	capC := min(k+margin(k), avail)
	tr := c.Progress
	tr.Stage("kNN: distances", float64(m)*float64(n))

	bq := min(blockQ, m)
	lists := make([]candidates, bq)
	ids := make([]int, bq)
	var gbuf []float32
	if c.Metric == Euclidean {
		gbuf = make([]float32, bq*min(tileR, n))
	}
	var failIDs []int
	var failThr []float32
	for lo := 0; lo < m; lo += bq {
		hi := min(lo+bq, m)
		for i := lo; i < hi; i++ {
			ids[i-lo] = i
			lists[i-lo].resetTop(capC)
		}
		qb := rows(Q, lo, hi)
		if err := c.approx(ctx, qb, ids[:hi-lo], self, lists[:hi-lo], gbuf); err != nil {
			return Neighbors{}, err
		}
		fi, ft := c.refine(qb, ids[:hi-lo], lists[:hi-lo], k, capC < avail, &nb)
		failIDs = append(failIDs, fi...)
		failThr = append(failThr, ft...)
	}
	if err := c.recheck(ctx, Q, failIDs, failThr, k, self, &nb); err != nil {
		return Neighbors{}, err
	}
	return nb, nil
}

// recheck searches again the queries failIDs (rows of Q) whose k-th
// neighbour was too close to the float32 cut-off to certify: it collects
// every row whose approximate distance is within the error bound of their
// exact k-th distance (failThr), and ranks those exactly into nb.
func (c *Classifier) recheck(ctx context.Context, Q blas32.General, failIDs []int, failThr []float32, k int, self bool, nb *Neighbors) error {
	if len(failIDs) == 0 {
		return nil
	}
	m, n := Q.Rows, c.x.Rows
	tr := c.Progress
	tr.Stage("kNN: re-checking near ties", float64(len(failIDs))*float64(n))
	tr.Detail(fmt.Sprintf("%d of %d queries re-checked", len(failIDs), m))
	d := Q.Cols
	bq := min(blockQ, len(failIDs))
	lists := make([]candidates, bq)
	var gbuf []float32
	if c.Metric == Euclidean {
		gbuf = make([]float32, bq*min(tileR, n))
	}
	for lo := 0; lo < len(failIDs); lo += bq {
		hi := min(lo+bq, len(failIDs))
		qb := blas32.General{Rows: hi - lo, Cols: d, Stride: d, Data: make([]float32, (hi-lo)*d)}
		for i := lo; i < hi; i++ {
			q := failIDs[i]
			copy(qb.Data[(i-lo)*d:(i-lo+1)*d], Q.Data[q*Q.Stride:q*Q.Stride+d])
			lists[i-lo].resetThreshold(failThr[i], k)
		}
		if err := c.approx(ctx, qb, failIDs[lo:hi], self, lists[:hi-lo], gbuf); err != nil {
			return err
		}
		c.refine(qb, failIDs[lo:hi], lists[:hi-lo], k, false, nb)
	}
	return nil
}

// rows returns rows [lo, hi) of a as a matrix sharing its data.
func rows(a blas32.General, lo, hi int) blas32.General {
	if hi == lo {
		return blas32.General{Cols: a.Cols, Stride: a.Stride}
	}
	return blas32.General{Rows: hi - lo, Cols: a.Cols, Stride: a.Stride,
		Data: a.Data[lo*a.Stride : (hi-1)*a.Stride+a.Cols]}
}

// approx feeds approximate float32 distances of the queries qb (row i is
// query ids[i]) to every training row into their candidate lists. Euclidean
// values are ‖r‖² − 2q·r (the squared distance minus ‖q‖²), Manhattan values
// the float32 sum of |q−r|.
func (c *Classifier) approx(ctx context.Context, qb blas32.General, ids []int, self bool, lists []candidates, gbuf []float32) error {
	if c.Metric == Manhattan {
		return c.approxManhattan(ctx, qb, ids, self, lists)
	}
	n := c.x.Rows
	for r0 := 0; r0 < n; r0 += tileR {
		if err := ctx.Err(); err != nil {
			return err
		}
		r1 := min(r0+tileR, n)
		w := r1 - r0
		g := blas32.General{Rows: qb.Rows, Cols: w, Stride: w, Data: gbuf[:qb.Rows*w]}
		linalg.MulABt(g, qb, rows(c.x, r0, r1))
		nr := c.norm2[r0:r1]
		parallel(qb.Rows, func(a, b int) {
			buf := make([]float32, w)
			for i := a; i < b; i++ {
				skip := -1
				if self {
					skip = ids[i] - r0
				}
				c.selectRow(&lists[i], g.Data[i*w:(i+1)*w], nr, r0, skip, qb.Data[i*qb.Stride:i*qb.Stride+qb.Cols], buf)
			}
		})
		c.Progress.Add(float64(qb.Rows) * float64(w))
	}
	return nil
}

// selectRow offers the training rows r0+j with values nr[j] − 2·g[j] to the
// list l, skipping j == skip; q is the query (for compaction) and buf
// scratch space for len(g) values. The values are formed with vector
// instructions (vek32: the same float32 operations, hence the same values
// as one at a time) and read one by one only in chunks whose least value
// is below the list's threshold: after the first few tiles nearly none is.
func (c *Classifier) selectRow(l *candidates, g, nr []float32, r0, skip int, q []float32, buf []float32) {
	v := vek32.MulNumber_Into(buf[:len(g)], g, -2)
	vek32.Add_Inplace(v, nr[:len(g)])
	c.offerRow(l, v, r0, skip, q)
}

// scanChunk is the number of values selectRow and selectColsVec check with
// one vector minimum before reading them one by one.
const scanChunk = 128

// offerRow offers the rows r0+j with values v[j] to l, skipping j == skip.
func (c *Classifier) offerRow(l *candidates, v []float32, r0, skip int, q []float32) {
	for lo := 0; lo < len(v); lo += scanChunk {
		hi := min(lo+scanChunk, len(v))
		if vek32.Min(v[lo:hi]) >= l.thr {
			continue
		}
		for j := lo; j < hi; j++ {
			if v[j] < l.thr && j != skip {
				if l.push(v[j], int32(r0+j)) {
					c.compact(l, q)
				}
			}
		}
	}
}

// approxManhattan is approx for the Manhattan metric: workers take chunks
// of queries and run them against cache-sized tiles of training rows.
func (c *Classifier) approxManhattan(ctx context.Context, qb blas32.General, ids []int, self bool, lists []candidates) error {
	n, d := c.x.Rows, c.x.Cols
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers(qb.Rows / chunkQ) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				a := int(next.Add(1)-1) * chunkQ
				if a >= qb.Rows || ctx.Err() != nil {
					return
				}
				b := min(a+chunkQ, qb.Rows)
				for r0 := 0; r0 < n; r0 += tileRL1 {
					r1 := min(r0+tileRL1, n)
					for i := a; i < b; i++ {
						q := qb.Data[i*qb.Stride : i*qb.Stride+d]
						l := &lists[i]
						thr := l.thr
						for j := r0; j < r1; j++ {
							if self && j == ids[i] {
								continue
							}
							if v := vek32.ManhattanDistance(q, c.x.Data[j*c.x.Stride:j*c.x.Stride+d]); v < thr {
								if l.push(v, int32(j)) {
									c.compact(l, q)
								}
								thr = l.thr
							}
						}
					}
				}
				c.Progress.Add(float64(b-a) * float64(n))
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// compact reduces a threshold-mode list to its l.keep exactly nearest rows
// (by distance, then index), so that data with many tied rows cannot make
// it grow without bound. Rows dropped here are farther than l.keep others
// and can never be among the k nearest.
func (c *Classifier) compact(l *candidates, q []float32) {
	var e exactList
	c.exact(&e, q, l.idx)
	e.sort()
	l.val, l.idx = l.val[:l.keep], l.idx[:l.keep]
	for j := range l.idx {
		l.idx[j] = int32(e.idx[j])
	}
}

// exact fills e with the exact float64 distances (squared for Euclidean)
// from q to the training rows idx.
func (c *Classifier) exact(e *exactList, q []float32, idx []int32) {
	e.reset()
	d := len(q)
	for _, j := range idx {
		r := c.x.Data[int(j)*c.x.Stride : int(j)*c.x.Stride+d]
		if c.Metric == Euclidean {
			e.d = append(e.d, sqDist64(q, r))
		} else {
			e.d = append(e.d, l1Dist64(q, r))
		}
		e.idx = append(e.idx, int(j))
	}
}

// refine ranks each query's candidates by exact float64 distance and writes
// the first k into nb at row ids[i]. With check set (top-c lists that may
// have left rows out) it returns the queries (by id) whose result the
// float32 error bound cannot certify, each with the threshold for a
// re-search that is sure to catch all rows at least as near as the k-th
// candidate.
func (c *Classifier) refine(qb blas32.General, ids []int, lists []candidates, k int, check bool, nb *Neighbors) (failIDs []int, failThr []float32) {
	d := qb.Cols
	var mu sync.Mutex
	parallel(qb.Rows, func(a, b int) {
		var e exactList
		for i := a; i < b; i++ {
			q := qb.Data[i*qb.Stride : i*qb.Stride+d]
			l := &lists[i]
			c.exact(&e, q, l.idx)
			e.sort()
			out := ids[i] * k
			for j := 0; j < k; j++ {
				nb.Index[out+j] = e.idx[j]
				if c.Metric == Euclidean {
					nb.Dist[out+j] = math.Sqrt(e.d[j])
				} else {
					nb.Dist[out+j] = e.d[j]
				}
			}
			if !check || !l.full() {
				continue // every row was a candidate, or a threshold search
			}
			if ok, thr := c.certify(q, e.d[k-1], l.thr); !ok {
				mu.Lock()
				failIDs = append(failIDs, ids[i])
				failThr = append(failThr, thr)
				mu.Unlock()
			}
		}
	})
	return failIDs, failThr
}

// certify reports whether no training row outside a full candidate list can
// be nearer than (or as near as) kth, the exact k-th distance (squared for
// Euclidean), given that every row left out had an approximate value ≥ cut.
// If not, it returns the float32 threshold below which the approximate
// value of every row at most as far as kth is sure to lie.
//
// Bounds (u = 2⁻²⁴, γ = d·u/(1−d·u), R = max‖r‖, any summation order):
// Euclidean values fl(fl(‖r‖²) − 2·fl(q·r)) are within
// E = 2u·R² + (2γ+2u)·‖q‖·R of ‖r‖² − 2q·r (the dot product errs by at most
// γ·Σ|qᵢrᵢ| ≤ γ‖q‖‖r‖); Manhattan values fl(Σ|fl(qᵢ−rᵢ)|) are within a
// factor (1±u)(1±γ) of the true sum.
func (c *Classifier) certify(q []float32, kth float64, cut float32) (bool, float32) {
	dim := float64(len(q))
	if dim*unitRoundoff >= 0.5 {
		return false, float32(math.Inf(1))
	}
	gamma := dim * unitRoundoff / (1 - dim*unitRoundoff)
	const slack = 1 + 1e-6
	if c.Metric == Euclidean {
		qn2 := 0.0
		for _, v := range q {
			qn2 += float64(v) * float64(v)
		}
		qn, r := math.Sqrt(qn2), c.maxNorm
		e := slack * (2*unitRoundoff*r*r + (2*gamma+2*unitRoundoff)*qn*r)
		shifted := kth - qn2
		if shifted < float64(cut)-e {
			return true, 0
		}
		return false, roundUp32(shifted + e)
	}
	f := (1 + unitRoundoff) * (1 + gamma) * slack
	if kth*f < float64(cut) {
		return true, 0
	}
	return false, roundUp32(kth * f)
}

// roundUp32 returns a float32 strictly greater than x.
func roundUp32(x float64) float32 {
	f := float32(x)
	if float64(f) <= x {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
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

// l1Dist64 returns Σ|aᵢ−bᵢ| in float64.
func l1Dist64(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += math.Abs(float64(a[i]) - float64(b[i]))
		s1 += math.Abs(float64(a[i+1]) - float64(b[i+1]))
		s2 += math.Abs(float64(a[i+2]) - float64(b[i+2]))
		s3 += math.Abs(float64(a[i+3]) - float64(b[i+3]))
	}
	for ; i < len(a); i++ {
		s0 += math.Abs(float64(a[i]) - float64(b[i]))
	}
	return (s0 + s1) + (s2 + s3)
}

// workers returns the number of goroutines for jobs independent pieces
// of work: GOMAXPROCS, but at least 1 and at most jobs (when jobs > 0).
func workers(jobs int) int {
	w := runtime.GOMAXPROCS(0)
	if jobs > 0 && jobs < w {
		w = jobs
	}
	return max(w, 1)
}

// parallel runs f on contiguous ranges of [0, n), at least 64 items each,
// concurrently.
func parallel(n int, f func(a, b int)) { parfor.Rows(n, 64, f) }
