package kmeans

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/blas/blas32"
)

// initRandom makes k distinct rows, the first k of a random permutation of
// the rows (sklearn's init="random"), the centres.
func (w *workspace) initRandom(rng *rand.Rand) {
	perm := rng.Perm(w.n)
	w.setRowCenters(perm[:w.k])
}

// setRowCenters makes rows ids[c] of X the centres.
func (w *workspace) setRowCenters(ids []int) {
	for c, i := range ids {
		for j, v := range w.x.Data[i*w.x.Stride : i*w.x.Stride+w.d] {
			w.c64[c*w.d+j] = float64(v)
		}
	}
	w.roundCenters()
}

// initPlusPlus seeds the centres with greedy k-means++ as sklearn's
// _kmeans_plusplus does: the first centre is a uniformly random row; for
// each further centre, 2+⌊ln k⌋ candidate rows are drawn by inverting the
// cumulative sum of the squared distances to the nearest centre so far
// (u·potential with u uniform in [0, 1), the first row whose cumulative
// sum reaches it), and the candidate that leaves the smallest potential
// (sum of those squared distances) is taken, the first among equals.
// Squared distances are ‖x‖² + ‖c‖² − 2x·c with a float32 product, clamped
// at 0; sums are float64 in a fixed order.
func (w *workspace) initPlusPlus(ctx context.Context, rng *rand.Rand) error {
	n, d, k := w.n, w.d, w.k
	trials := 2 + int(math.Log(float64(k)))
	ids := make([]int, 1, k)
	ids[0] = rng.IntN(n)

	closest := make([]float64, n)
	dist := make([]float32, n*trials)
	cand := blas32.General{Cols: d, Stride: d, Data: make([]float32, trials*d)}
	candIDs := make([]int, trials)
	cum := make([]float64, n)
	nc := (n + chunkRows - 1) / chunkRows
	parts := make([]float64, nc*trials)

	// Distances to the first centre.
	cand.Rows = 1
	if err := w.distancesTo(ctx, ids[:1], cand, dist[:n]); err != nil {
		return err
	}
	for i, v := range dist[:n] {
		closest[i] = float64(v)
	}
	pot := w.sumChunks(closest, parts[:nc])

	for len(ids) < k {
		s := 0.0
		for i, v := range closest {
			s += v
			cum[i] = s
		}
		for t := range candIDs {
			r := rng.Float64() * pot
			candIDs[t] = min(sort.SearchFloat64s(cum, r), n-1)
		}
		cand.Rows = trials
		if err := w.distancesTo(ctx, candIDs, cand, dist); err != nil {
			return err
		}
		// Potential of each candidate: Σᵢ min(closestᵢ, dist(xᵢ, candidate)).
		parallelChunks(n, chunkRows, func(ci, lo, hi int) {
			p := parts[ci*trials : (ci+1)*trials]
			clear(p)
			for i := lo; i < hi; i++ {
				cv := closest[i]
				for t, v := range dist[i*trials : (i+1)*trials] {
					p[t] += min(cv, float64(v))
				}
			}
		})
		best, bestPot := 0, math.Inf(1)
		for t := 0; t < trials; t++ {
			s := 0.0
			for ci := 0; ci < nc; ci++ {
				s += parts[ci*trials+t]
			}
			if s < bestPot {
				best, bestPot = t, s
			}
		}
		for i := range closest {
			closest[i] = min(closest[i], float64(dist[i*trials+best]))
		}
		pot = bestPot
		ids = append(ids, candIDs[best])
	}
	w.setRowCenters(ids)
	return nil
}

// distancesTo writes to dist (n×len(ids), row-major) the squared distances
// of every row of X to the rows ids of X, as ‖x‖² + ‖y‖² − 2x·y with a
// float32 product (through cand, a buffer of len(ids) rows; the kernel of
// blockProducts), clamped at 0.
func (w *workspace) distancesTo(ctx context.Context, ids []int, cand blas32.General, dist []float32) error {
	m, d := len(ids), w.d
	cand.Rows = m
	cn := make([]float32, m)
	for t, i := range ids {
		copy(cand.Data[t*d:(t+1)*d], w.x.Data[i*w.x.Stride:i*w.x.Stride+d])
		cn[t] = w.xnorm[i]
	}
	b := min(blockRows(d), w.n)
	for lo := 0; lo < w.n; lo += b {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+b, w.n)
		g := blas32.General{Rows: hi - lo, Cols: m, Stride: m, Data: dist[lo*m : hi*m]}
		blockProducts(g, w.x, lo, cand)
		for i := lo; i < hi; i++ {
			xn := w.xnorm[i]
			row := dist[i*m : (i+1)*m]
			for t, v := range row {
				row[t] = max(xn+cn[t]-2*v, 0)
			}
		}
	}
	return nil
}

// sumChunks returns Σv in float64, summed per fixed chunk of rows (into
// parts) and then in chunk order.
func (w *workspace) sumChunks(v []float64, parts []float64) float64 {
	parallelChunks(len(v), chunkRows, func(ci, lo, hi int) {
		s := 0.0
		for _, x := range v[lo:hi] {
			s += x
		}
		parts[ci] = s
	})
	total := 0.0
	for _, p := range parts {
		total += p
	}
	return total
}
